"""Image events: the intent before the first byte and the result of the write."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Payload, event
from .wipe import DiskRef


@event("image.started", needs_asset=False)
@dataclass(frozen=True)
class ImageStarted(Payload):
    OPEN = True                 # fill_holes, override...
    image: dict
    disk: DiskRef
    hostname: str | None = None
    wipe_event: str | None = None
    detail: dict | None = None


@event("image.written", needs_asset=False)
@dataclass(frozen=True)
class ImageWritten(Payload):
    """The writer's report; timings and post-install details kept in ``detail``."""
    OPEN = True
    image: dict
    disk: DiskRef
    result: str
    verify: str | None = None
    wipe_checked: bool | None = None
    wipe_event: str | None = None
    start_event: str | None = None
    detail: dict | None = None
