"""Root, checked before a destructive command plans anything.

A wipe or an image write needs root to open the disk. Checking only at the open
(as before) let a non-root run show the whole plan, ask for confirmation, then fail
with an I/O error and record a failed erasure that the statistics counted. So the
commands ask here first: exit 4 (``NeedsRoot``), nothing planned, nothing recorded.
"""

from __future__ import annotations

import os

from ..errors import NeedsRoot


def require_root(what: str, euid: int | None = None) -> None:
    """Raise ``NeedsRoot`` naming ``what`` unless the effective user is root."""
    if (os.geteuid() if euid is None else euid) != 0:
        raise NeedsRoot(what=what)
