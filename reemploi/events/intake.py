"""Intake events: a donor, a lot received from them, and the assets that come in
(``asset.created``) or are assembled in the workshop from parts (``built``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, Record, event

ASSET_KINDS = ("machine", "part")
DONOR_KINDS = ("company", "individual", "public", "association")
# Hard ceilings, refused whatever the operator says (a typo, not a lot): the intake
# intent asks for confirmation well below them (inventory.bounds).
MAX_DEVICES = 100_000
MAX_WEIGHT_KG = 1_000_000.0


def weight_problem(kg: float | None) -> str | None:
    """Why ``kg`` is no weight of a machine or a lot (None: it is); also what the
    intake asks of the command line's weights (inventory/lots.py)."""
    if kg is not None and not 0 <= kg <= MAX_WEIGHT_KG:
        return N_("is not a plausible weight in kg")
    return None


@event("donor.registered", needs_asset=False)
@dataclass(frozen=True)
class DonorRegistered(Payload):
    donor_id: str
    name: str
    kind: str = "company"
    contact: str | None = None
    siret: str | None = None

    def check(self) -> str | None:
        if not self.name.strip():
            return N_("must not be empty")
        return None


@dataclass(frozen=True)
class DeviceCount(Record):
    """One line of a lot: ``laptop × 5, 12.5 kg``."""
    kind: str
    count: int
    weight_kg: float | None = None

    def check(self) -> str | None:
        if not 1 <= self.count <= MAX_DEVICES:
            return N_("count must be between 1 and 100000")
        return weight_problem(self.weight_kg)


@event("lot.received", needs_asset=False)
@dataclass(frozen=True)
class LotReceived(Payload):
    lot_id: str
    donor_id: str | None
    date: str | None = None
    devices: tuple[DeviceCount, ...] = ()
    weight_kg: float | None = None
    notes: str | None = None

    def check(self) -> str | None:
        if sum(d.count for d in self.devices) > MAX_DEVICES:
            return N_("holds more than 100000 devices")
        return weight_problem(self.weight_kg)


@event("asset.created", needs_asset=False)
@dataclass(frozen=True)
class AssetCreated(Payload):
    """A machine or part registered at intake (or when first graded). Its mass counts
    in the received tonnage of its lot."""
    kind: str = "machine"
    device_kind: str | None = None
    lot_id: str | None = None
    serial: str | None = None
    weight_kg: float | None = None
    identity: str | None = None

    def check(self) -> str | None:
        if self.kind not in ASSET_KINDS:
            return N_("must be machine or part")
        return weight_problem(self.weight_kg)


@event("built", needs_asset=False)
@dataclass(frozen=True)
class Built(Payload):
    """A machine assembled in the workshop from parts (the atelier): a new asset that
    was never received, so it never counts in received tonnage; the statistics'
    "machines montées" count only these. ``parts``: the part ids it was made of (each
    must be in stock; the intent moves them to installed in the same append)."""
    device_kind: str
    parts: tuple[str, ...] = ()
    serial: str | None = None
    identity: str | None = None
    weight_kg: float | None = None
    notes: str | None = None
    # The atelier (reemploi/atelier/record.py): the name the trainee chose for their
    # Jerry, and who built it and when, by person and sitting id (never a name).
    name: str | None = None
    trainee_id: str | None = None
    session_id: str | None = None

    def check(self) -> str | None:
        if self.name is not None and not self.name.strip():
            return N_("must not be empty")
        return weight_problem(self.weight_kg)
