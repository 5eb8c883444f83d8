"""Trust events (branch trust): a destructive act refused after the confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Payload, event

# (a tuple of dicts: each difference is {field, planned, found})


@event("guard.refused", needs_asset=False)
@dataclass(frozen=True)
class GuardRefused(Payload):
    """A wipe or image write refused before any byte: the device was no longer the one
    the plan showed (system/seal.py), or became unsafe. Not a failed wipe."""
    OPEN = True
    action: str
    disk: dict
    reason: str
    message: str | None = None
    differences: tuple[dict, ...] = ()
    detail: dict | None = None
