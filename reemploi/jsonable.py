"""Records to plain JSON types: what every ``--json`` answer and every journal payload
goes through.

Apart from ``model.py`` (which re-exports it) so that printing a dict read from the
projection (``inventory show --json``) does not build the model's dataclasses first
(start-up time, docs/inventory.md "Performance"); and below everything, since the
model, the CLI and the stages all use it.
"""

from __future__ import annotations

import dataclasses
import enum
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any


def to_jsonable(obj: Any) -> Any:
    """Dataclasses/enums/tuples to plain JSON types (stable key order)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return obj.hex()
    return obj
