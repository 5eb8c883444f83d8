"""The machinery of typed journal events: a payload base class, its validation, the
registry of event types and the migration of old payloads.

An event type is ONE frozen dataclass subclassing ``Payload`` and decorated with
``@event("type.name", version=N)``. Put it in a module of this package
(``reemploi/events/<family>.py``): the registry imports every module of the package
the first time an unknown type is looked up, so nothing else has to be edited.

    @event("operator.added", version=1)
    @dataclass(frozen=True)
    class OperatorAdded(Payload):
        name: str
        role: str = "technician"

Validation (``from_payload``) checks every declared field against its annotation
(str, int, float, bool, dict, list, ``X | None``, ``tuple[X, ...]``, a nested
``Record``) and then the class's own ``check()`` (bounds, allowed values). On append
the check is strict (an undeclared key is refused unless the class is ``OPEN``); on
read it is lenient (undeclared keys written by a newer version are ignored).

Versions: every payload written carries its schema version under ``"v"``. Payloads
without one were written before typed events (schema 1). Reading an older version
runs the class's ``migrate(version, data)`` step by step up to the current one, on
the dict, before validation: the journal line itself is never rewritten (its hash is
the evidence).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from types import NoneType, UnionType
from typing import Any, Callable, ClassVar, TypeVar

from ..errors import BadInput
from ..i18n import N_

VERSION_KEY = "v"
# Absolute sanity bounds of any number in a payload: far above anything a workshop
# records, far below what breaks arithmetic (a count of 400 digits made ``stats`` raise
# OverflowError, issue 10). Whole numbers include byte counts: a 14 TB disk of the
# corpus is 1.4×10^13 bytes (10^12 refused every wipe of a disk over 1 TB), so the
# bound is the signed 64-bit range every store (SQLite, PostgreSQL bigint) holds.
# Counts of devices and weights have their own, workshop-sized bounds (lots.py).
MAX_INT = 2 ** 63 - 1
MAX_FLOAT = 1e12


class BadPayload(BadInput):
    """Exit 7: an event payload does not match its type's schema; nothing written."""
    msg = "Event '{type}' refused: field '{field}' {why}"   # why: translated (errors.py)


class UnknownEventType(BadInput):
    """Exit 7: no event type of this name is registered; nothing written."""
    msg = "Unknown event type '{type}'"


T = TypeVar("T")
Checker = Callable[[Any, bool], Any]


class Record:
    """A typed dict inside a payload (a disk, a device count). Subclasses are frozen
    dataclasses. ``OPEN``: undeclared keys are kept (in ``detail``), not refused."""

    OPEN: ClassVar[bool] = False
    KEYS: ClassVar[dict[str, str]] = {}      # field name -> payload key ('from' is reserved)
    _spec: ClassVar[tuple] = ()

    def check(self) -> str | None:
        """Semantic check after the types: a reason (msgid part) or None."""
        return None

    @classmethod
    def _compile(cls) -> None:
        if "_spec" in cls.__dict__:
            return
        hints = typing.get_type_hints(cls)
        spec = []
        for f in dataclasses.fields(cls):
            if f.name == "detail":
                continue
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            spec.append((f.name, cls.KEYS.get(f.name, f.name), _checker(hints[f.name]), required))
        cls._spec = tuple(spec)

    @classmethod
    def from_dict(cls: type[T], data: Any, strict: bool = True, where: str = "") -> T:
        cls._compile()
        if not isinstance(data, dict):
            raise _Invalid(where or "payload", N_("must be a mapping"))
        values: dict[str, Any] = {}
        for name, key, check, required in cls._spec:
            if key not in data:
                if required:
                    raise _Invalid(where + key, N_("is missing"))
                continue
            try:
                values[name] = check(data[key], strict)
            except _Invalid as exc:
                raise _Invalid(where + key + ("." + exc.field if exc.field else ""),
                               exc.why) from None
        declared = {key for _, key, _, _ in cls._spec} | {VERSION_KEY}
        extra = {k: v for k, v in data.items() if k not in declared}
        if extra:
            if cls.OPEN:
                values["detail"] = extra
            elif strict:
                raise _Invalid(where + sorted(extra)[0], N_("is not part of this event"))
        obj = cls(**values)
        why = obj.check()
        if why:
            raise _Invalid(where.rstrip(".") or "payload", why)
        return obj

    def to_dict(self) -> dict:
        out: dict[str, Any] = dict(getattr(self, "detail", None) or {})
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            # An optional field left at None is not written: lines stay short and a
            # reader gets the same default back.
            if f.name != "detail" and not (value is None and f.default is None):
                out[self.KEYS.get(f.name, f.name)] = _plain(value)
        return out


class Payload(Record):
    """Base of every event payload. Set by ``@event``: ``TYPE`` and ``VERSION``.

    ``NEEDS_ASSET``: the event must name an existing asset (False for events about a
    donor, a lot, a loose disk or the workshop itself)."""

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    NEEDS_ASSET: ClassVar[bool] = True

    @classmethod
    def migrate(cls, version: int, data: dict) -> dict:
        """Turn a payload of schema ``version`` into one of ``version + 1``."""
        return data

    def to_payload(self) -> dict:
        out = self.to_dict()
        out[VERSION_KEY] = self.VERSION
        return out


class _Invalid(Exception):
    def __init__(self, field: str, why: str) -> None:
        super().__init__(field, why)
        self.field, self.why = field, why


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _checker(tp: Any) -> Checker:
    """A function (value, strict) -> value that raises _Invalid, for annotation ``tp``."""
    origin = typing.get_origin(tp)
    if origin in (UnionType, typing.Union):
        args = typing.get_args(tp)
        optional = NoneType in args
        inner = [_checker(a) for a in args if a is not NoneType]

        def check_union(v: Any, strict: bool) -> Any:
            if v is None and optional:
                return None
            last = None
            for c in inner:
                try:
                    return c(v, strict)
                except _Invalid as exc:
                    last = exc
            raise last or _Invalid("", N_("must not be empty"))
        return check_union
    if origin is tuple:
        item = _checker(typing.get_args(tp)[0])

        def check_tuple(v: Any, strict: bool) -> tuple:
            if not isinstance(v, (list, tuple)):
                raise _Invalid("", N_("must be a list"))
            out = []
            for i, x in enumerate(v):
                try:
                    out.append(item(x, strict))
                except _Invalid as exc:
                    raise _Invalid(f"{i}" + ("." + exc.field if exc.field else ""),
                                   exc.why) from None
            return tuple(out)
        return check_tuple
    if isinstance(tp, type) and issubclass(tp, Record):
        return lambda v, strict: tp.from_dict(v, strict)
    if tp is Any:
        return lambda v, strict: v
    if tp is bool:
        def check_bool(v: Any, strict: bool) -> bool:
            if not isinstance(v, bool):
                raise _Invalid("", N_("must be true or false"))
            return v
        return check_bool
    if tp is int:
        def check_int(v: Any, strict: bool) -> int:
            if isinstance(v, bool) or not isinstance(v, int):
                raise _Invalid("", N_("must be a whole number"))
            if abs(v) > MAX_INT:
                raise _Invalid("", N_("is out of bounds"))
            return v
        return check_int
    if tp is float:
        def check_float(v: Any, strict: bool) -> float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _Invalid("", N_("must be a number"))
            if not math.isfinite(v) or abs(v) > MAX_FLOAT:
                raise _Invalid("", N_("is out of bounds"))
            return v
        return check_float
    if tp is str:
        def check_str(v: Any, strict: bool) -> str:
            if not isinstance(v, str):
                raise _Invalid("", N_("must be text"))
            return v
        return check_str
    if tp in (dict, list) or typing.get_origin(tp) in (dict, list):
        kind = typing.get_origin(tp) or tp

        def check_container(v: Any, strict: bool) -> Any:
            if not isinstance(v, kind):
                raise _Invalid("", N_("must be a mapping") if kind is dict else N_("must be a list"))
            return v
        return check_container
    raise TypeError(f"unsupported payload annotation {tp!r}")


# -- the registry ------------------------------------------------------------------

_REGISTRY: dict[str, type[Payload]] = {}
_discovered = False


def event(type_name: str, version: int = 1, needs_asset: bool = True):
    """Class decorator: register a frozen Payload dataclass as event ``type_name``."""
    def register(cls: type[Payload]) -> type[Payload]:
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):
            raise TypeError(f"{cls.__name__}: an event payload is a frozen dataclass")
        known = _REGISTRY.get(type_name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {type_name} registered twice")
        cls.TYPE, cls.VERSION, cls.NEEDS_ASSET = type_name, version, needs_asset
        _REGISTRY[type_name] = cls
        return cls
    return register


def _discover() -> None:
    """Import every module of this package once (each registers its types)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    import importlib
    import pkgutil
    from pathlib import Path
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name != "base":
            importlib.import_module(f"{__package__}.{info.name}")


def load(*modules: str) -> None:
    """Import these modules of the package (registering their types) without
    discovering the others: for a command that knows which types it appends."""
    import importlib
    for name in modules:
        importlib.import_module(f"{__package__}.{name}")


def lookup(type_name: str) -> type[Payload] | None:
    cls = _REGISTRY.get(type_name)
    if cls is None and not _discovered:
        _discover()
        cls = _REGISTRY.get(type_name)
    return cls


def known_types() -> dict[str, type[Payload]]:
    _discover()
    return dict(_REGISTRY)


def for_append(type_name: str, payload: Any) -> Payload:
    """Validate a payload about to be written: strict, current schema. BadPayload /
    UnknownEventType (exit 7) otherwise; the caller then writes nothing."""
    cls = lookup(type_name)
    if cls is None:
        raise UnknownEventType(type=type_name)
    if isinstance(payload, cls):
        payload = payload.to_payload()
    if isinstance(payload, dict) and payload.get(VERSION_KEY, cls.VERSION) != cls.VERSION:
        raise BadPayload(type=type_name, field=VERSION_KEY, why=N_("is not the current schema version"))
    try:
        return cls.from_dict(payload, strict=True)
    except _Invalid as exc:
        raise BadPayload(type=type_name, field=exc.field, why=exc.why) from None


class Unreadable(typing.NamedTuple):
    """A journal payload that does not validate (written by a buggy older version, or
    an unknown type): the fold skips it, ``inventory verify`` lists it."""
    type: str
    field: str
    why: str


def read(type_name: str, payload: Any) -> Payload | Unreadable:
    """A payload read from the journal, migrated to the current schema and validated
    leniently. Never raises: what cannot be read is returned as ``Unreadable``."""
    cls = lookup(type_name)
    if cls is None:
        return Unreadable(type_name, "type", "unknown event type")
    data = payload if isinstance(payload, dict) else {}
    version = data.get(VERSION_KEY, 1)
    if not isinstance(version, int) or version > cls.VERSION or version < 1:
        return Unreadable(type_name, VERSION_KEY, f"schema version {version!r} is not known")
    try:
        while version < cls.VERSION:
            data = cls.migrate(version, dict(data))
            version += 1
        return cls.from_dict(data, strict=False)
    except _Invalid as exc:
        return Unreadable(type_name, exc.field, exc.why)
    except (KeyError, TypeError, ValueError) as exc:   # a migration met garbage
        return Unreadable(type_name, "payload", str(exc))
