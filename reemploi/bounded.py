"""Bounds every parser applies before it looks at a tool's output.

A saved dump may come from anywhere (a mail, a USB stick), so the parsers must
finish quickly and fail cleanly on anything: ``BadInput`` (exit 7), never a Python
error. What broke them when issue 11 was filed, on mutants of the real corpus:

- nesting: a JSON ``[[[[…`` or an lshw XML ``<node><node>…`` thousands deep made
  ``json.loads`` or our recursive tree walk raise ``RecursionError``;
- numbers: ``1e999`` reads as ``inf`` in JSON, and ``int(inf)`` raises
  ``OverflowError``; a 5 000-digit integer costs quadratic time to convert;
- line length: a regex with two adjacent variable runs (``.*?\\s*:``) backtracks
  quadratically on one long line (160 000 spaces: 62 s).

Real outputs stay far below every bound (measured over /work/shared/corpus: the
longest text line is 502 characters, a dmidecode OEM string; lshw trees are about
ten levels deep; smartctl's largest counters are 128-bit NVMe values, 39 digits).
"""

from __future__ import annotations

import json
import math
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

from .errors import BadInput
from .i18n import N_, _

MAX_DEPTH = 64
MAX_LINE = 4096
# 2**128 (NVMe's 128-bit counters, NVMe base spec 2.0 figure 207) has 39 digits.
MAX_INT_DIGITS = 40

TOO_DEEP = N_("{what} is nested more than {limit} levels deep: not {kind} output")
LINE_TOO_LONG = N_("{what}: line {line} is longer than {limit} characters: not {kind} output")
BAD_NUMBER = N_("{what} holds a number out of range ({number}): not {kind} output")


class _BadNumber(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadNumber(text[:20] + "…")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 64:
        raise _BadNumber(text[:20] + "…")
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(text)
    return value


def _constant(text: str) -> float:
    raise _BadNumber(text)                   # NaN, Infinity, -Infinity


def check_depth(obj: Any, kind: str, what: str = "input") -> None:
    """Refuse a parsed JSON value nested deeper than ``MAX_DEPTH`` (iterative walk)."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(TOO_DEEP, what=what, limit=MAX_DEPTH, kind=kind)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))


def load_json(text: str, kind: str, what: str = "input") -> Any:
    """``json.loads`` with bounded numbers and nesting; ``ValueError`` for text that
    is not JSON at all (callers have their own message or fallback for that)."""
    try:
        doc = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _BadNumber as exc:
        raise BadInput(BAD_NUMBER, what=what, number=str(exc), kind=kind) from None
    except RecursionError:
        raise BadInput(TOO_DEEP, what=what, limit=MAX_DEPTH, kind=kind) from None
    check_depth(doc, kind, what)
    return doc


def check_lines(text: str, kind: str, what: str = "input") -> None:
    """Refuse a text with a line longer than ``MAX_LINE`` characters. Linear: the
    split is done in C, lines are only measured."""
    if len(text) <= MAX_LINE:
        return
    for n, line in enumerate(text.split("\n"), 1):
        if len(line) > MAX_LINE:
            raise BadInput(LINE_TOO_LONG, what=what, line=n, limit=MAX_LINE, kind=kind)


# A parsed model's numbers: beyond these no disk, memory or counter exists, and
# later arithmetic (bytes / GB as a float) would raise OverflowError.
MAX_INT = 1 << 128
MAX_FLOAT = 1e30


def check_numbers(obj: Any, kind: str, what: str = "input") -> Any:
    """Refuse a parsed result (frozen dataclasses, tuples, dicts) holding a number
    out of range; returns ``obj`` unchanged otherwise. Iterative walk."""
    import dataclasses
    stack = [obj]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, int):
            if not -MAX_INT < value < MAX_INT:
                raise BadInput(BAD_NUMBER, what=what, number=str(value)[:20] + "…", kind=kind)
        elif isinstance(value, float):
            if not math.isfinite(value) or abs(value) >= MAX_FLOAT:
                raise BadInput(BAD_NUMBER, what=what, number=repr(value), kind=kind)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
    return obj


def parse_xml(data: bytes, kind: str, what: str = "input"):
    """The root element of an XML document, refused as soon as it nests deeper than
    ``MAX_DEPTH`` (streamed: a 100 000-deep bomb stops after 64 levels instead of
    being built first). ``xml.etree.ElementTree.ParseError`` for malformed XML.
    Entity expansion bombs are refused by expat itself (2.4.0+, "billion laughs"
    protection, CVE-2013-0340)."""
    import xml.etree.ElementTree as ET
    parser = ET.XMLPullParser(events=("start", "end"))
    depth, root = 0, None

    def drain() -> None:
        nonlocal depth, root
        for event, el in parser.read_events():
            if event == "start":
                depth += 1
                if root is None:
                    root = el
                if depth > MAX_DEPTH:
                    raise BadInput(TOO_DEEP, what=what, limit=MAX_DEPTH, kind=kind)
            else:
                depth -= 1

    for start in range(0, len(data), 1 << 16):
        parser.feed(data[start:start + (1 << 16)])
        drain()
    parser.close()
    drain()
    if root is None:
        raise ET.ParseError("no element found")
    return root


TOO_LARGE = N_("far too large for this kind of file (more than {limit} MiB)")


def read_at_most(path, limit: int) -> bytes:
    """The bytes of ``path``, or BadInput (exit 7) when it holds more than ``limit``: a
    file given by mistake (an ISO for a certificate, /dev/zero) must not be read whole
    into memory first (MemoryError, or the OOM killer on a 2 GB netbook). OSError and
    its subclasses pass through, for the caller's own words."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BadInput(what=str(path), why=_(TOO_LARGE).format(limit=limit >> 20))
    return data
