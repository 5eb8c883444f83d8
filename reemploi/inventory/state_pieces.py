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


_new = object.__new__


def build(cls: type, values: dict[str, Any]) -> Any:
    """A frozen dataclass from its complete field values, without its ``__init__``:
    one dict update instead of one ``object.__setattr__`` per field (a state has ~45;
    500 labels build 500 of them, docs/inventory.md "Typed state"). Still frozen:
    assigning a field afterwards raises FrozenInstanceError."""
    obj = _new(cls)
    obj.__dict__.update(values)
    return obj


class _Flat:
    """A nested record: its dataclass fields are the record's keys, in order."""
    __slots__ = ()
    KEYS: ClassVar[tuple[str, ...]] = ()
    KEYSET: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_record(cls, d: Mapping[str, Any]) -> Any:
        if d.keys() == cls.KEYSET:          # the fold's current format: a plain copy
            obj = _new(cls)
            obj.__dict__.update(d)
            return obj
        return build(cls, values_of(cls, d))

    def to_record(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.KEYS}


def values_of(cls: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    """{field: value} of a nested record: a copy when it has exactly the fields (what the
    fold writes now), else each field's value or None (an older record)."""
    if d.keys() == cls.KEYSET:
        return dict(d)
    return dict(zip(cls.KEYS, map(d.get, cls.KEYS)))


def _flat(cls: type) -> type:
    cls = dataclass(frozen=True)(cls)
    cls.KEYS = tuple(f.name for f in fields(cls))
    cls.KEYSET = frozenset(cls.KEYS)
    return cls


def _many(cls: Any, items: Any) -> tuple:
    if not items:
        return ()
    make = cls.from_record
    return tuple([make(x) for x in items if isinstance(x, dict)])


def _one(cls: Any, item: Any) -> Any:
    return cls.from_record(item) if isinstance(item, dict) else None


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
        values = values_of(cls, d)
        values["disks"] = _many(ProbeDisk, values["disks"])
        return build(cls, values)

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
        values = values_of(cls, d)
        for k in ("reasons", "upgrades", "harvest"):
            values[k] = tuple(values[k] or ())
        return build(cls, values)

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
        values = values_of(cls, d)
        values["destination_kind"] = _enum(Destination, values["destination_kind"])
        return build(cls, values)


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
        values = values_of(cls, d)
        named = values["fields"]
        values["fields"] = tuple(named) if isinstance(named, list) else None
        return build(cls, values)

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
