"""smartctl output -> ``reemploi.model.Smart``.

smartctl (smartmontools) prints the drive's identity and its health record in two
forms: human text (``smartctl -a/-x/-i``; stable since 5.x) and JSON (``--json``,
smartctl >= 7.0). Workshops meet both, plus the JSON *array* that WEEE-Open's
peracotta writes (one object per disk). ``parse_smartctl`` autodetects all three and
hands the work to ``smartctl_json`` or ``smartctl_text``; both describe ATA
attributes with the same ``AtaAttribute`` record so the vendor rules (which
attribute means "life left", which counts minutes instead of hours) live in one place,
``smartctl_common``.

Pure: no I/O, never raises on odd values (an unreadable field stays ``None`` and a
code goes to ``Smart.messages``); ``BadInput`` only for empty input or something that
is clearly not smartctl output.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import BadInput
from ..i18n import N_
from ..model import Smart
from .smartctl_common import NOT_SMARTCTL

# Error texts (msgids; French in locale/fr/LC_MESSAGES/probe_parse.po).
EMPTY_INPUT = N_("{what} is empty")


def parse_smartctl_all(data: str | bytes, exit_status: int | None = None) -> tuple[Smart, ...]:
    """Every device in the input: one for plain output, N for a JSON array."""
    text = _as_text(data)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        from .smartctl_json import parse_json_documents
        return parse_json_documents(stripped, exit_status)
    from .smartctl_text import parse_text
    return (parse_text(text, exit_status),)


def parse_smartctl(data: str | bytes, exit_status: int | None = None) -> Smart:
    """One drive's smartctl output (text, ``--json`` object, or JSON array: first)."""
    results = parse_smartctl_all(data, exit_status)
    first = results[0]
    if len(results) > 1:
        first = replace(first, messages=first.messages + (f"json-array-of-{len(results)}:first-taken",))
    return first


def _as_text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        if b"\x00" in data[:4096]:
            raise BadInput(NOT_SMARTCTL, what="input")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            # Windows/old builds print Latin-1 (pysmart's sata_ssd_1 issue 72 file
            # groups digits with U+00A0 no-break spaces in "User Capacity").
            data = data.decode("latin-1")
    if not data or not data.strip():
        raise BadInput(EMPTY_INPUT, what="input")
    return data
