"""JSON objects in and out, one way for every module that keeps or exchanges them:
the sync client (server answers, ``sync/*.json``) and the wipe trust store
(``keys/trusted.json``).

    loads_object(data, what) -> dict        bytes or text; ``BadInput`` naming ``what``
                                            when it is not a JSON object
    read_object(path) -> dict | None        None when the file does not exist
    write_object(path, data, indent=1)      atomic and private (``system.files``)

Before this module each of them parsed, checked and wrote JSON its own way, with its
own idea of which errors to catch (review of issue 15).
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import BadInput
from .syserr import reason
from .i18n import N_


def loads_object(data: bytes | str, what: str) -> dict:
    try:
        value = json.loads(data)
    except ValueError as exc:             # JSONDecodeError and UnicodeDecodeError
        raise BadInput(what=what, why=reason(exc)) from None
    if not isinstance(value, dict):
        raise BadInput(what=what, why=N_("not a JSON object"))
    return value


def read_object(path: Path) -> dict | None:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    return loads_object(data, str(path))


def write_object(path: Path, data: dict, indent: int = 1, sort_keys: bool = True) -> None:
    from .system.files import write_atomic
    write_atomic(Path(path), (json.dumps(data, ensure_ascii=False, indent=indent,
                                         sort_keys=sort_keys) + "\n").encode("utf-8"))
