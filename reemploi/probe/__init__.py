"""Probe stage: pure parsers (text in, model out) and the collector that runs the tools.

Parsers live one per tool (``smartctl``, ``dmidecode``, ``lshw``, ``edid``,
``battery``, ``hdparm``); they never touch the machine, never raise on odd values
(an unreadable field is ``None`` plus a note in ``messages``) and raise
``reemploi.errors.BadInput`` only when the input is not that kind of file at all.
The collector (``collector.py``) calls the tools through ``system.runner`` and feeds
their output to these parsers.
"""

from __future__ import annotations

from pathlib import Path
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

from ..errors import BadInput
from ..i18n import N_
from ..syserr import reason
from ..lazylog import getLogger

log = getLogger(__name__)

#: Kinds of saved tool output ``parse_kind`` (and ``reemploi parse``) understands.
KINDS = ("smartctl", "dmidecode", "lshw", "hdparm", "edid", "battery")

NO_SUCH_FILE = N_("{what}: no such file")
IS_A_DIRECTORY = N_("{what} is a directory, not a file")
UNREADABLE = N_("{what} cannot be read: {detail}")
PARSE_FAILED = N_("{what} could not be parsed as {kind} output ({detail}); is it truncated?")
EMPTY_FILE = N_("{what} is empty")
NOT_HDPARM = N_("{what} does not look like hdparm -I output")
NOT_AVAILABLE = N_("parsing {kind} output is not available in this version")

# Files larger than this are not tool output (an EDID is 128-32768 bytes, the
# largest dmidecode of a 4-socket server is ~200 kB): refuse rather than load a disk image.
MAX_INPUT = 16 << 20


def read_input(path: Path) -> bytes:
    """Bytes of a saved tool output, or ``BadInput`` naming the file and the reason."""
    p = Path(path)
    try:
        if p.is_dir():
            raise BadInput(IS_A_DIRECTORY, what=str(p))
        if not p.exists():
            raise BadInput(NO_SUCH_FILE, what=str(p))
    except OSError as exc:                    # a 5 000-character name: ENAMETOOLONG
        raise BadInput(UNREADABLE, what=str(p)[:200], detail=reason(exc)) from None
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_INPUT + 1)
    except OSError as exc:
        raise BadInput(UNREADABLE, what=str(p), detail=reason(exc)) from None
    if len(data) > MAX_INPUT:
        raise BadInput(UNREADABLE, what=str(p), detail=f"> {MAX_INPUT >> 20} MiB")
    if not data.strip():
        raise BadInput(EMPTY_FILE, what=str(p))
    return data


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_kind(kind: str, data: bytes, name: str = "input") -> Any:
    """See ``_parse_kind``; a result holding an absurd number (a 400-digit capacity)
    is refused here, before grading does arithmetic on it."""
    from ..bounded import check_numbers
    return check_numbers(_parse_kind(kind, data, name), kind, name)


def _parse_kind(kind: str, data: bytes, name: str = "input") -> Any:
    """Run the parser for ``kind`` on ``data``; every failure becomes ``BadInput``.

    Returns the parser's model: ``Smart``, ``DmiInfo``, ``LshwInfo``, ``AtaIdentify``,
    ``EdidResult`` or a tuple of ``Battery``. A parser bug on a damaged file must
    not show a traceback to a workshop volunteer: it is reported as unparseable
    input (and logged with its traceback at debug level).
    """
    try:
        if kind == "smartctl":
            from .smartctl import parse_smartctl
            return parse_smartctl(data)
        if kind == "dmidecode":
            from .dmidecode import parse_dmidecode
            return parse_dmidecode(_text(data))
        if kind == "lshw":
            from .lshw import parse_lshw
            return parse_lshw(data)
        if kind == "edid":
            from .edid import parse_edid_full
            return parse_edid_full(data)
        if kind == "battery":
            from .battery import parse_battery
            return parse_battery(data)
        if kind == "hdparm":
            try:
                from .hdparm import parse_hdparm_identify
            except ImportError:
                raise BadInput(NOT_AVAILABLE, kind=kind) from None
            text = _text(data)
            if b"\x00" in data[:4096] or not any(
                    m in text for m in ("ATA device", "Model Number", "Configuration:", "Commands/features")):
                raise BadInput(NOT_HDPARM, what=name)
            return parse_hdparm_identify(text)
    except BadInput as exc:
        if exc.params.get("what") in (None, "input"):
            exc.params["what"] = name
        raise
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, UnicodeError,
            RecursionError, OverflowError) as exc:
        # RecursionError/OverflowError: the net under reemploi.bounded's limits.
        log.debug("parser %s failed on %s", kind, name, exc_info=True)
        raise BadInput(PARSE_FAILED, what=name, kind=kind, detail=type(exc).__name__) from None
    raise BadInput(NOT_AVAILABLE, kind=kind)
