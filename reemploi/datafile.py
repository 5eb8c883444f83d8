"""Checked reading of the workshop's data files (label templates, image catalogue
entries): each key's type and range, with a translated message naming the file
and the key.

These files are hand-edited by volunteers; before issue 11 a wrong type crashed
the command that read them (``page = 5`` instead of a ``[page]`` table, ``columns =
"x"``, ``boot_modes = "uefi"``) or made it allocate without bound (``columns =
1e9``). Every problem is now ``DataFileError`` (exit 7) before anything is written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import BadInput
from .i18n import N_
from .syserr import reason

MAX_BYTES = 256 << 10        # a template or catalogue entry is a few dozen lines

NOT_TOML = N_("{path} is not valid TOML: {detail}")
NOT_UTF8 = N_("{path} is not UTF-8 text")
TOO_LARGE = N_("{path} is too large for a data file ({size} bytes)")
UNREADABLE = N_("{path} cannot be read: {detail}")
MISSING = N_("{path}: '{key}' is missing")
UNKNOWN = N_("{path}: unknown key '{key}'")
NOT_TABLE = N_("{path}: '{key}' must be a section ([{key}])")
NOT_TEXT = N_("{path}: '{key}' must be text in quotes, at most {limit} characters")
NOT_NUMBER = N_("{path}: '{key}' must be a number from {low} to {high}")
NOT_INTEGER = N_("{path}: '{key}' must be a whole number from {low} to {high}")
NOT_BOOL = N_("{path}: '{key}' must be true or false")
NOT_CHOICE = N_("{path}: '{key}' must be one of: {choices}")
NOT_TEXT_LIST = N_("{path}: '{key}' must be a list of texts in quotes")


class DataFileError(BadInput):
    """A problem in a data file; the message names the file and the key."""


def read_toml(path: Path) -> dict:
    """The TOML document of ``path``; ``DataFileError`` for anything unreadable."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DataFileError(UNREADABLE, path=str(path), detail=reason(exc)) from None
    return parse_toml(raw, path)


def parse_toml(raw: bytes | str, path: Path | str) -> dict:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise DataFileError(TOO_LARGE, path=str(path), size=len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(NOT_UTF8, path=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(NOT_TOML, path=str(path), detail=reason(exc)) from None
    except RecursionError:
        raise DataFileError(NOT_TOML, path=str(path), detail=N_("nesting too deep")) from None


class Reader:
    """Typed getters over one table of a data file: ``r.number("width_mm", 0, 1000)``."""

    def __init__(self, data: Any, path: Path | str, prefix: str = "") -> None:
        self.path, self.prefix = str(path), prefix
        if not isinstance(data, dict):
            raise DataFileError(NOT_TABLE, path=self.path, key=prefix.rstrip(".") or "?")
        self.data = data

    def _name(self, key: str) -> str:
        return self.prefix + key

    def table(self, key: str) -> "Reader":
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise DataFileError(NOT_TABLE, path=self.path, key=self._name(key))
        return Reader(value, self.path, self._name(key) + ".")

    def only(self, keys) -> None:
        """Refuse keys this table does not have (a typo is not silently ignored)."""
        for key in sorted(set(self.data) - set(keys)):
            raise DataFileError(UNKNOWN, path=self.path, key=self._name(key))

    def require(self, keys) -> None:
        for key in keys:
            if key not in self.data:
                raise DataFileError(MISSING, path=self.path, key=self._name(key))

    def text(self, key: str, default: str | None = None, limit: int = 200) -> str | None:
        value = self.data.get(key, default)
        if value is None and default is None and key not in self.data:
            return None
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise DataFileError(NOT_TEXT, path=self.path, key=self._name(key), limit=limit)
        return value

    def number(self, key: str, low: float, high: float, default: float | None = None) -> float:
        value = self.data.get(key, default)
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not low <= value <= high):
            raise DataFileError(NOT_NUMBER, path=self.path, key=self._name(key), low=low, high=high)
        return float(value)

    def integer(self, key: str, low: int, high: int, default: int | None = None) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DataFileError(NOT_INTEGER, path=self.path, key=self._name(key), low=low, high=high)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise DataFileError(NOT_BOOL, path=self.path, key=self._name(key))
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value not in choices or not isinstance(value, str):
            raise DataFileError(NOT_CHOICE, path=self.path, key=self._name(key),
                                choices=", ".join(choices))
        return value

    def text_list(self, key: str, default: tuple = (), choices: tuple[str, ...] | None = None,
                  limit: int = 64) -> tuple[str, ...]:
        value = self.data.get(key, list(default))
        if (not isinstance(value, list) or len(value) > limit
                or not all(isinstance(v, str) and len(v) <= 200 for v in value)):
            raise DataFileError(NOT_TEXT_LIST, path=self.path, key=self._name(key))
        if choices is not None and not set(value) <= set(choices):
            raise DataFileError(NOT_CHOICE, path=self.path, key=self._name(key),
                                choices=", ".join(choices))
        return tuple(value)
