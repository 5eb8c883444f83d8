"""A ``Machine`` back from its JSON form (``Machine.to_dict``, as ``asset.probed`` stores it).

The carnet re-reads the Jerry's probe from the journal rather than probing again:
its identity card then says what the machine was when it was built. Unknown keys
(a newer schema) are ignored, missing ones keep their defaults: never a crash on an
old or newer journal.
"""

from __future__ import annotations

import dataclasses
import enum
import typing

from .. import model
from ..model import Machine


def _build(cls, data):
    if not isinstance(data, dict):
        return cls() if dataclasses.is_dataclass(cls) else None
    hints = typing.get_type_hints(cls, vars(model))
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _value(hints[f.name], data[f.name])
    return cls(**kwargs)


def _value(hint, value):
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple:
        inner = args[0] if args else str
        return tuple(_value(inner, v) for v in value or ())
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = next((a for a in args if a is not type(None)), str)
        return _value(inner, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            return list(hint)[-1]          # every model enum ends with UNKNOWN
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    return value


def machine_from_dict(data: dict) -> Machine:
    return _build(Machine, data)
