"""Wipe events: the intent before the first byte, the result, and the certificate."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, Record, event

RESULTS = ("success", "failed", "interrupted")


@dataclass(frozen=True)
class DiskRef(Record):
    """A disk as wipe and image records name it. ``identity``: ``model.Disk.identity``
    (``serial:``/``wwn:`` strong, ``weak:`` without a serial: see docs/inventory.md)."""
    OPEN = True                 # maker, transport, wwn... kept as written
    identity: str | None = None
    model: str | None = None
    serial: str | None = None
    size_bytes: int | None = None
    media: str | None = None
    path: str | None = None
    detail: dict | None = None


def resolved_method(data: dict) -> dict:
    """Schema 1 -> 2: ``method`` is the method that ran, no longer ``auto`` (what the
    operator asked). A schema-1 ``auto`` is read as what its ``technique`` shows: an
    overwrite under ``auto`` was always random data (wipe/plan.py), anything else a
    firmware erase; without a technique it stays ``auto`` (nothing tells)."""
    if data.get("method") == "auto" and data.get("technique"):
        data["method"] = "prng" if data["technique"] == "overwrite" else "firmware"
    return data


@event("wipe.started", version=2, needs_asset=False)
@dataclass(frozen=True)
class WipeStarted(Payload):
    """Appended (fsynced) before the first byte is written; the wipe.done that ends it
    names it in ``start_event``. A start nobody ends never counts as wiped. Schema 2:
    ``method`` is the method that runs (``resolved_method``)."""
    OPEN = True                 # patterns, tool, verify mode...
    disk: DiskRef
    method: str | None = None
    technique: str | None = None
    nist: str | None = None
    detail: dict | None = None

    @classmethod
    def migrate(cls, version: int, data: dict) -> dict:
        return resolved_method(data) if version == 1 else data


@event("wipe.done", version=2, needs_asset=False)
@dataclass(frozen=True)
class WipeDone(Payload):
    """The wipe record (``wipe.record``); the rest of it (passes, commands, prng,
    timings...) is kept as written in ``detail``. Schema 2: ``method`` is the method
    that ran (``resolved_method``)."""
    OPEN = True
    disk: DiskRef
    result: str
    method: str | None = None
    nist: str | None = None
    start_event: str | None = None
    verification: dict | None = None
    detail: dict | None = None

    def check(self) -> str | None:
        if self.result not in RESULTS:
            return N_("is not a wipe result")
        return None

    @classmethod
    def migrate(cls, version: int, data: dict) -> dict:
        return resolved_method(data) if version == 1 else data

    @property
    def patterns(self) -> tuple[str, ...]:
        """What the passes wrote, first to last, as planned ("0x00", "prng"...)."""
        return tuple((self.detail or {}).get("patterns") or ())

    @property
    def verified(self) -> bool:
        """A successful wipe whose read-back passed (or that had none to do: firmware
        erase commands verify inside the drive, NIST SP 800-88 r1 §4.7)."""
        if self.result != "success":
            return False
        v = self.verification or {}
        return v.get("result") in (None, "passed", "skipped")


@event("certificate.issued", needs_asset=False)
@dataclass(frozen=True)
class CertificateIssued(Payload):
    """Every certificate or failure report issued (issue 11: ``--event`` ones were not
    recorded). ``result`` "success" only for a real certificate; ``fingerprint``: the
    key that signed it; the asset (event's asset id), donor and lot when known."""
    OPEN = True
    certificate_id: str
    sha256: str | None = None
    wipes: tuple[str, ...] = ()
    result: str | None = None
    fingerprint: str | None = None
    donor: str | None = None
    lot_id: str | None = None
    property_numbers: tuple[str, ...] = ()
    serials: tuple[str, ...] = ()
    detail: dict | None = None
