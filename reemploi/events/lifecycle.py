"""Lifecycle events: status changes, checkout, notes, and the append-only fixes of
the record (``correct``, ``void``) and of the journal itself (``integrity.incident``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, event

STATUSES = ("received", "diagnosed", "wiped", "imaged", "ready", "out")
DESTINATIONS = ("given", "sold", "recycled", "dismantled")


@event("status.changed")
@dataclass(frozen=True)
class StatusChanged(Payload):
    """``because``: the reason code of an automatic move (wipe-started, image-started,
    part-installed, reprobed...); ``note``: the operator's words for a manual one."""
    KEYS = {"source": "from"}
    source: str
    to: str
    note: str | None = None
    because: str | None = None
    destination_kind: str | None = None
    wipe_event: str | None = None
    image_event: str | None = None
    reason: str | None = None

    def check(self) -> str | None:
        if self.to not in STATUSES:
            return N_("is not a lifecycle status")
        return None


@event("checkout")
@dataclass(frozen=True)
class Checkout(Payload):
    destination_kind: str
    organisation: str
    date: str | None = None
    price_eur: float | None = None
    backdated: str | None = None      # why it is dated before the machine was ready

    def check(self) -> str | None:
        if self.destination_kind not in DESTINATIONS:
            return N_("is not a destination (given, sold, recycled, dismantled)")
        if not self.organisation.strip():
            return N_("must not be empty")
        if self.price_eur is not None and self.price_eur < 0:
            return N_("must not be negative")
        return None


@event("note", needs_asset=False)
@dataclass(frozen=True)
class Note(Payload):
    text: str


# Fields a ``correct`` may change, per record kind: what an operator gets wrong at
# intake. Anything else is history (a wipe, a grade) and is never "corrected".
CORRECTABLE = {
    "lot": ("devices", "weight_kg", "donor_id", "date", "notes"),
    "asset": ("device_kind", "weight_kg", "serial", "lot_id"),
    "donor": ("name", "kind", "contact", "siret"),
}


@event("correct", needs_asset=False)
@dataclass(frozen=True)
class Correct(Payload):
    """A correction of a lot, donor or asset recorded at intake: ``fields`` holds the
    new values; the original stays in the journal and in the history. The fold (and so
    the statistics) uses the corrected values. ``corrects``: the event id fixed."""
    target: str
    target_kind: str
    fields: dict
    reason: str
    corrects: str | None = None

    def check(self) -> str | None:
        allowed = CORRECTABLE.get(self.target_kind)
        if allowed is None:
            return N_("must be lot, asset or donor")
        if not self.fields or any(k not in allowed for k in self.fields):
            return N_("may only change what was recorded at intake")
        if not self.reason.strip():
            return N_("must give a reason")
        return None


@event("void", needs_asset=False)
@dataclass(frozen=True)
class Void(Payload):
    """An asset (or lot) created by mistake: it stays in the journal, leaves every
    list and figure. Only a record nothing else happened to can be voided."""
    target: str
    target_kind: str
    reason: str

    def check(self) -> str | None:
        if self.target_kind not in ("asset", "lot"):
            return N_("must be asset or lot")
        if not self.reason.strip():
            return N_("must give a reason")
        return None


@event("integrity.incident", needs_asset=False)
@dataclass(frozen=True)
class IntegrityIncident(Payload):
    """Appended by the explicit repair of a broken data directory: what was lost.
    ``problem``: cut (the journal got shorter), chain (a line fails the hash chain),
    projection (the state named a journal this one is not). ``seen_seq``/``seen_hash``:
    the last event the workshop had seen; ``kept_seq``/``kept_hash``: where the journal
    now ends; ``evidence``: the files kept aside."""
    problem: str
    kept_seq: int
    kept_hash: str
    seen_seq: int | None = None
    seen_hash: str | None = None
    lost_events: int | None = None
    evidence: tuple[str, ...] = ()
    note: str | None = None
