"""Refusals after a confirmation, recorded: ``guard.refused``.

A wipe or an image write whose device changed between the plan and the first byte
(system/seal.py), or became unsafe, is refused with nothing written. The journal
keeps a trace of it (who tried, on which disk as planned, what differed), as its own
event: it is not a failed wipe (nothing was erased), so no statistic counts it.
"""

from __future__ import annotations


from ..errors import ReemploiError
from .events import EventType
from ..lazylog import getLogger

log = getLogger(__name__)


def record_refusal(ctx, action: str, disk: dict, exc, asset_id: str | None = None) -> str | None:
    """Append one ``guard.refused`` event; returns its id. A journal that cannot be
    written must not hide the refusal itself: that error is logged, and the caller
    still raises the refusal."""

    payload = {"action": action, "disk": disk, "reason": exc.reason.value,
               "message": exc.render(), "differences": getattr(exc, "differences", [])}
    try:
        inv = ctx.inventory()
        return inv.record(EventType.GUARD_REFUSED, asset_id, payload).id
    except ReemploiError as err:
        log.error("could not record the refusal of %s: %s", disk.get("path"), err.render())
        return None
