"""The typed state of an asset, a lot and a donor: what the one fold (``fold.py``)
made of the journal, as frozen dataclasses.

The fold writes plain records into the projection (JSON is what the shards hold and
what a rebuild writes fast); every reader outside the inventory reads them through
these classes instead (``Inventory.state``, ``states``, ``lot_state``,
``donor_state``), so a field's name and meaning are defined here once and a reader
cannot misspell a key or re-derive what the fold already decided (issue 10,
"one fold, one state").

The fields are exactly what ``fold.py`` writes, nothing more. ``from_record`` is
tolerant: a record of an older projection format that lacks a key reads with that
key's default (a projection is refolded when its format changes, but a record may
also come from a server's copy). ``to_record`` gives the record back as the fold
wrote it, key order included: ``inventory show --json`` prints it, byte for byte as
before. Keys the fold adds only sometimes (``validation``, ``voided``...) are given
back only when the record had them (in its order) or the state sets them.

Cost: one construction per asset read (a few µs: flat ``cls(*values)`` calls, no
per-event work); the fold itself never builds these.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from .events import Status
from .listing import Row
from .state_pieces import (AssetKind, Built, Checkout, Destination, Destiny, DeviceCount,
                           DocumentRecord, Fix, GradeSummary, HarvestedPart, ImageRecord,
                           InstalledPart, Note, Origin, PartStatus, ProbeDisk, ProbeSummary,
                           RemovedDisk, Unfinished, Validation, WipeRecord, _enum, _many,
                           _one, _plain, build)

__all__ = ["AssetState", "LotState", "DonorState", "AssetKind", "PartStatus", "Origin",
           "Destiny", "Destination", "ProbeDisk", "ProbeSummary", "GradeSummary",
           "WipeRecord", "ImageRecord", "Unfinished", "InstalledPart", "HarvestedPart",
           "RemovedDisk", "Checkout", "Validation", "DocumentRecord", "Note", "Built", "Fix",
           "DeviceCount", "Status"]


def _optional(record: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in record if k in keys)


def _emit(d: dict[str, Any], state: Any, present: tuple[str, ...], optional: tuple[str, ...],
          convert: Mapping[str, Any]) -> dict[str, Any]:
    """Add the optional keys: those the record had (its order), then those set since."""
    order = present + tuple(k for k in optional if k not in present
                            and getattr(state, k) is not None)
    for k in order:
        value = getattr(state, k)
        d[k] = convert[k](value) if k in convert and value is not None else value
    return d


def _records(items: tuple) -> list[dict[str, Any]]:
    return [x.to_record() for x in items]


def _record(item: Any) -> Any:
    return item.to_record()


# Keys the fold writes only sometimes, in the order a fresh record would get them.
_ASSET_OPTIONAL = ("built", "ready_time", "validation", "documents", "voided", "corrections")
_PART_KEYS = ("part_kind", "from_asset", "facts", "part_grade", "installed_in", "destiny")
_ASSET_CONVERT = {"built": _record, "validation": _record, "documents": _records,
                  "voided": _record, "corrections": _records}


@dataclass(frozen=True)
class AssetState:
    """A machine or a part as the fold left it (``fold.py``'s record, typed)."""
    id: str
    kind: AssetKind | str = AssetKind.MACHINE
    device_kind: str | None = None
    status: Status | PartStatus | str = Status.RECEIVED
    origin: Origin | str = Origin.RECEIVED
    lot_id: str | None = None
    donor_id: str | None = None
    serial: str | None = None
    weight_kg: float | None = None
    identity: Any = None                    # the machine (or disk) identity string
    station: str | None = None
    created: str | None = None              # registered (received or built)
    updated: str | None = None
    history: int = 0                        # events folded into it
    last_seq: int = 0
    probe: ProbeSummary | None = None       # the latest probe
    grade: GradeSummary | None = None       # the latest verdict
    checks: Mapping[str, Any] | None = None
    wipes: tuple[WipeRecord, ...] = ()
    certificates: tuple[str, ...] = ()
    image: ImageRecord | None = None
    parts_installed: tuple[InstalledPart, ...] = ()
    parts_harvested: tuple[HarvestedPart, ...] = ()
    checkout: Checkout | None = None
    notes: tuple[Note, ...] = ()
    unfinished: tuple[Unfinished, ...] = ()
    entered_seq: int | None = None          # custody: when it (last) came in
    probe_seq: int | None = None            # custody: which probe is the latest
    removed_disks: tuple[RemovedDisk, ...] = ()
    # Parts only (None for machines).
    part_kind: str | None = None
    from_asset: str | None = None
    facts: Mapping[str, Any] | None = None
    part_grade: str | None = None
    installed_in: str | None = None
    destiny: Destiny | str | None = None
    # Set by some events only.
    built: Built | None = None
    ready_time: str | None = None
    validation: Validation | None = None
    documents: tuple[DocumentRecord, ...] | None = None
    voided: Fix | None = None
    corrections: tuple[Fix, ...] | None = None
    _present: tuple[str, ...] = ()          # optional keys the record had, its order

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "AssetState":
        if not d.keys() <= _ASSET_FIELDS:   # a key no field holds (not written today)
            d = {k: x for k, x in d.items() if k in _ASSET_FIELDS}
        # Every field: the defaults under the record (one C-level merge, then only the
        # fields that need a type; ``build``: no per-field __setattr__).
        v = {**_ASSET_DEFAULTS, **d}
        v["id"] = d["id"]
        kind = v["kind"] = _enum(AssetKind, v["kind"])
        status = v["status"]
        v["status"] = (_enum(PartStatus, status or "stock") if kind is AssetKind.PART
                       else _enum(Status, status or "received"))
        v["origin"] = _enum(Origin, v["origin"] or "received")
        v["history"] = v["history"] or 0
        v["last_seq"] = v["last_seq"] or 0
        v["certificates"] = tuple(v["certificates"] or ())
        for key, piece in _ASSET_ONE:
            x = v[key]
            if x is not None:
                v[key] = piece.from_record(x) if isinstance(x, dict) else None
        for key, piece in _ASSET_MANY:
            x = v[key]
            v[key] = _many(piece, x) if x else ()
        for key in ("documents", "corrections"):
            x = v[key]
            if x is not None:
                v[key] = _many(DocumentRecord if key == "documents" else Fix, x)
        if v["destiny"] is not None:
            v["destiny"] = _enum(Destiny, v["destiny"])
        # The optional keys the record had, in its order (to_record gives them back so).
        found = d.keys() & _ASSET_OPTIONAL_SET
        v["_present"] = (() if not found else tuple(found) if len(found) == 1
                         else _optional(d, _ASSET_OPTIONAL))
        return build(cls, v)

    def to_record(self) -> dict[str, Any]:
        """The fold's record (key order included): what ``--json`` prints."""
        p = self.probe
        d: dict[str, Any] = {
            "id": self.id, "kind": _plain(self.kind), "device_kind": self.device_kind,
            "status": _plain(self.status), "origin": _plain(self.origin),
            "lot_id": self.lot_id, "donor_id": self.donor_id, "serial": self.serial,
            "weight_kg": self.weight_kg, "identity": self.identity, "station": self.station,
            "created": self.created, "updated": self.updated, "history": self.history,
            "last_seq": self.last_seq, "probe": None if p is None else p.to_record(),
            "grade": None if self.grade is None else self.grade.to_record(),
            "checks": self.checks, "wipes": _records(self.wipes),
            "certificates": list(self.certificates),
            "image": None if self.image is None else self.image.to_record(),
            "parts_installed": _records(self.parts_installed),
            "parts_harvested": _records(self.parts_harvested),
            "checkout": None if self.checkout is None else self.checkout.to_record(),
            "notes": _records(self.notes), "unfinished": _records(self.unfinished),
            "entered_seq": self.entered_seq, "probe_seq": self.probe_seq,
            "removed_disks": _records(self.removed_disks)}
        if self.is_part:
            for k in _PART_KEYS:
                d[k] = _plain(getattr(self, k))
        return _emit(d, self, self._present, _ASSET_OPTIONAL, _ASSET_CONVERT)

    # -- what readers ask (values, never sentences) ---------------------------------

    @property
    def is_part(self) -> bool:
        return self.kind == AssetKind.PART

    @property
    def is_voided(self) -> bool:
        return self.voided is not None

    @property
    def shown_kind(self) -> str | None:
        """What it is: a part's kind (ram, disk...), a machine's device kind."""
        return self.part_kind if self.is_part else self.device_kind

    @property
    def last_wipe(self) -> WipeRecord | None:
        ok = [w for w in self.wipes if w.result == "success"]
        return ok[-1] if ok else None

    def present_disks(self) -> tuple[ProbeDisk, ...]:
        """The latest probe's disks still in the machine (custody's one rule,
        ``custody.still_present``: a removal since that probe takes one disk out)."""
        from .custody import still_present
        disks = self.probe.disks if self.probe is not None else ()
        keep = still_present(self.probe_seq or 0,
                             [(r.identity, r.seq or 0) for r in self.removed_disks],
                             [d.identity for d in disks])
        return tuple(disks[i] for i in keep)

    def row(self) -> Row:
        """Its listing row (``listing.row_of`` of its record)."""
        p, g = self.probe, self.grade
        return Row(self.id, _plain(self.kind), _plain(self.status), self.device_kind,
                   self.part_kind, self.lot_id, g and g.grade, g and g.outcome,
                   p and p.vendor, p and p.product, self.serial, self.voided is not None)


_ASSET_FIELDS = frozenset(f.name for f in fields(AssetState)) - {"_present"}
_ASSET_DEFAULTS = {**{f.name: f.default for f in fields(AssetState)},
                   "kind": "machine", "status": None, "origin": None}
_ASSET_OPTIONAL_SET = frozenset(_ASSET_OPTIONAL)
_ASSET_ONE = (("probe", ProbeSummary), ("grade", GradeSummary), ("image", ImageRecord),
              ("checkout", Checkout), ("built", Built), ("validation", Validation),
              ("voided", Fix))
_ASSET_MANY = (("wipes", WipeRecord), ("parts_installed", InstalledPart),
               ("parts_harvested", HarvestedPart), ("notes", Note),
               ("unfinished", Unfinished), ("removed_disks", RemovedDisk))

_LOT_OPTIONAL = ("voided", "corrections")
_FIX_CONVERT = {"voided": _record, "corrections": _records}


@dataclass(frozen=True)
class LotState:
    id: str
    donor_id: str | None = None
    date: str | None = None                 # the lot's business (reception) date
    devices: tuple[DeviceCount, ...] = ()
    weight_kg: float | None = None
    notes: str | None = None
    assets: tuple[str, ...] = ()
    created: str | None = None
    last_seq: int = 0
    voided: Fix | None = None
    corrections: tuple[Fix, ...] | None = None
    _present: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "LotState":
        get = d.get
        corrections = get("corrections")
        return cls(d["id"], get("donor_id"), get("date"), _many(DeviceCount, get("devices")),
                   get("weight_kg"), get("notes"), tuple(get("assets") or ()), get("created"),
                   get("last_seq") or 0, _one(Fix, get("voided")),
                   None if corrections is None else _many(Fix, corrections),
                   _optional(d, _LOT_OPTIONAL))

    def to_record(self) -> dict[str, Any]:
        d = {"id": self.id, "donor_id": self.donor_id, "date": self.date,
             "devices": _records(self.devices), "weight_kg": self.weight_kg,
             "notes": self.notes, "assets": list(self.assets), "created": self.created,
             "last_seq": self.last_seq}
        return _emit(d, self, self._present, _LOT_OPTIONAL, _FIX_CONVERT)

    @property
    def is_voided(self) -> bool:
        return self.voided is not None


@dataclass(frozen=True)
class DonorState:
    id: str
    name: str | None = None
    kind: str | None = None
    contact: str | None = None
    siret: str | None = None
    created: str | None = None
    lots: tuple[str, ...] = ()
    last_seq: int = 0
    voided: Fix | None = None
    corrections: tuple[Fix, ...] | None = None
    _present: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "DonorState":
        get = d.get
        corrections = get("corrections")
        return cls(d["id"], get("name"), get("kind"), get("contact"), get("siret"),
                   get("created"), tuple(get("lots") or ()), get("last_seq") or 0,
                   _one(Fix, get("voided")),
                   None if corrections is None else _many(Fix, corrections),
                   _optional(d, _LOT_OPTIONAL))

    def to_record(self) -> dict[str, Any]:
        d = {"id": self.id, "name": self.name, "kind": self.kind, "contact": self.contact,
             "siret": self.siret, "created": self.created, "lots": list(self.lots),
             "last_seq": self.last_seq}
        return _emit(d, self, self._present, _LOT_OPTIONAL, _FIX_CONVERT)
