"""The pieces of an asset's typed state (``state.py``): closed sets as enums, and the
nested records the fold writes (a wipe, a probe summary, a checkout...), each a
frozen dataclass whose fields are the record's keys in the fold's order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Mapping


class AssetKind(str, enum.Enum):
    MACHINE = "machine"
    PART = "part"


class PartStatus(str, enum.Enum):
    """A part's smaller life (lifecycle.PART_STATES)."""
    STOCK = "stock"
    INSTALLED = "installed"
    OUT = "out"


class Origin(str, enum.Enum):
    RECEIVED = "received"        # came in with a lot (asset.created)
    BUILT = "built"              # assembled in the workshop from parts (built)


class Destiny(str, enum.Enum):
    """A harvested part's destiny (events/parts.py DESTINIES)."""
    STOCK = "stock"
    DESTRUCTION = "destruction"
    RECYCLING = "recycling"


class Destination(str, enum.Enum):
    """Where a checkout sent it (lifecycle.DESTINATIONS)."""
    GIVEN = "given"
    SOLD = "sold"
    RECYCLED = "recycled"
    DISMANTLED = "dismantled"


def _enum(cls: type[enum.Enum], value: Any) -> Any:
    """The member for ``value``; a value outside the closed set (a record written by
    a version with other codes) is kept as it was rather than lost."""
    return cls._value2member_map_.get(value, value)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class _Flat:
    """A nested record: its dataclass fields are the record's keys, in order."""
    __slots__ = ()
    KEYS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> Any:
        get = d.get
        return cls(*[get(k) for k in cls.KEYS])

    def to_record(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.KEYS}


def _flat(cls: type) -> type:
    cls = dataclass(frozen=True, slots=True)(cls)
    cls.KEYS = tuple(f.name for f in fields(cls))
    return cls


def _many(cls: Any, items: Any) -> tuple:
    return tuple(cls.from_record(x) for x in items or () if isinstance(x, Mapping))


def _one(cls: Any, item: Any) -> Any:
    return cls.from_record(item) if isinstance(item, Mapping) else None


@_flat
class ProbeDisk(_Flat):
    """A disk of the latest probe, by the one definition (``Machine.data_disks``)."""
    identity: str | None
    model: str | None
    serial: str | None
    size_bytes: int | None
    media: str | None
    health: str | None


@_flat
class ProbeSummary(_Flat):
    vendor: str | None
    product: str | None
    serial: str | None
    uuid: str | None
    chassis: str | None
    cpu_model: str | None
    ram_total_mb: int | None
    disks: tuple[ProbeDisk, ...]
    probed_at: str | None

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "ProbeSummary":
        get = d.get
        return cls(get("vendor"), get("product"), get("serial"), get("uuid"), get("chassis"),
                   get("cpu_model"), get("ram_total_mb"), _many(ProbeDisk, get("disks")),
                   get("probed_at"))

    def to_record(self) -> dict[str, Any]:
        d = _Flat.to_record(self)
        d["disks"] = [x.to_record() for x in self.disks]
        return d


@_flat
class GradeSummary(_Flat):
    """The latest verdict (codes; the grade stage makes the sentences). ``reasons``,
    ``upgrades`` and ``harvest`` are the verdict's own items, as it wrote them."""
    outcome: str | None
    grade: str | None
    reasons: tuple
    emmabuntus: str | None
    emmabuntus_arch: str | None
    upgrades: tuple
    harvest: tuple
    cosmetic: str | None
    rules_version: str | None
    time: str | None

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "GradeSummary":
        get = d.get
        return cls(get("outcome"), get("grade"), tuple(get("reasons") or ()), get("emmabuntus"),
                   get("emmabuntus_arch"), tuple(get("upgrades") or ()),
                   tuple(get("harvest") or ()), get("cosmetic"), get("rules_version"),
                   get("time"))

    def to_record(self) -> dict[str, Any]:
        d = _Flat.to_record(self)
        for k in ("reasons", "upgrades", "harvest"):
            d[k] = list(d[k])
        return d


@_flat
class WipeRecord(_Flat):
    """A finished wipe (``wipe.done``) of one of its disks; ``certificate`` once issued."""
    event_id: str | None
    seq: int | None
    time: str | None
    disk_identity: str | None
    disk_model: str | None
    disk_serial: str | None
    result: str | None
    method: str | None
    nist: str | None
    verified: bool | None
    certificate: str | None


@_flat
class ImageRecord(_Flat):
    name: str | None
    version: str | None
    result: str | None
    disk_identity: str | None
    time: str | None


@_flat
class Unfinished(_Flat):
    """A ``wipe.started``/``image.started`` no end event names (power cut, or running)."""
    event_id: str | None
    seq: int | None
    time: str | None
    kind: str | None               # wipe | image
    disk_identity: str | None
    disk_model: str | None
    disk_serial: str | None
    disk_path: str | None
    image: str | None


@_flat
class InstalledPart(_Flat):
    part_id: str | None
    part_kind: str | None
    from_asset: str | None
    facts: Mapping[str, Any] | None
    time: str | None


@_flat
class HarvestedPart(_Flat):
    part_id: str | None
    part_kind: str | None
    time: str | None


@_flat
class RemovedDisk(_Flat):
    """A disk taken out: harvested as a part, or destroyed/recycled (``part.removed``)."""
    identity: str | None
    part_id: str | None
    seq: int | None
    reason: str | None


@_flat
class Checkout(_Flat):
    destination_kind: Destination | str | None
    organisation: str | None
    date: str | None
    price_eur: float | None

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "Checkout":
        get = d.get
        return cls(_enum(Destination, get("destination_kind")), get("organisation"),
                   get("date"), get("price_eur"))


@_flat
class Validation(_Flat):
    by: str | None
    time: str | None
    station: str | None
    note: str | None


@_flat
class DocumentRecord(_Flat):
    kind: str | None
    id: str | None
    time: str | None
    sha256: str | None


@_flat
class Note(_Flat):
    time: str | None
    text: str | None


@_flat
class Built(_Flat):
    """A machine assembled in the workshop (a Jerry of the atelier has a name)."""
    name: str | None
    time: str | None
    trainee_id: str | None
    session_id: str | None


@_flat
class Fix(_Flat):
    """A ``void`` (``fields`` None) or a ``correct`` (the names of the fields it set)."""
    seq: int | None
    time: str | None
    reason: str | None
    operator: str | None
    fields: tuple[str, ...] | None = None

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> "Fix":
        get = d.get
        named = get("fields")
        return cls(get("seq"), get("time"), get("reason"), get("operator"),
                   tuple(named) if isinstance(named, list) else None)

    def to_record(self) -> dict[str, Any]:
        d = {"seq": self.seq, "time": self.time, "reason": self.reason,
             "operator": self.operator}
        if self.fields is not None:
            d["fields"] = list(self.fields)
        return d


@_flat
class DeviceCount(_Flat):
    kind: str | None
    count: int | None
    weight_kg: float | None
