"""Part events: harvested from a machine, installed into one, removed from one."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, event

# A harvested part goes to stock (reusable) or is kept only to be destroyed or
# recycled (a SMART-failing disk, a swollen battery): never into a machine or out.
DESTINIES = ("stock", "destruction", "recycling")


@event("part.harvested", version=2)
@dataclass(frozen=True)
class PartHarvested(Payload):
    """asset_id = the part. Schema 2 adds ``destiny`` and the disk ``identity`` of a
    storage part, so its own wipe can be found. Schema 1 parts all went to stock."""
    from_asset: str | None
    part_kind: str
    facts: dict
    grade: str | None = None
    destiny: str = "stock"
    identity: str | None = None
    reason: str | None = None

    @classmethod
    def migrate(cls, version: int, data: dict) -> dict:
        if version == 1:
            data.setdefault("destiny", "stock")
        return data

    def check(self) -> str | None:
        if self.destiny not in DESTINIES:
            return N_("must be stock, destruction or recycling")
        return None


@event("part.installed")
@dataclass(frozen=True)
class PartInstalled(Payload):
    """asset_id = the receiving machine."""
    part_id: str
    into_asset: str | None = None


@event("part.removed")
@dataclass(frozen=True)
class PartRemoved(Payload):
    """asset_id = the machine. A storage device taken out of it (harvested as
    ``part_id``) or destroyed/recycled without a part record (``reason`` says why)."""
    disk_identity: str | None = None
    part_id: str | None = None
    reason: str | None = None
