"""Checking journal lines on bytes, as ``inventory verify`` does: the server re-checks
every pushed line with it, and a station every line it restores.

A station's line is the canonical JSON of its event; ``hash`` is the SHA-256 of the
line with its ``,"hash":"<64 hex>"`` member cut out (see reemploi.inventory.journal).
The server trusts nothing it is sent: each line must parse, be canonical (so no
duplicate key or re-ordering can hide a second meaning), hash to its ``hash``, name
the previous line's hash in ``prev`` and carry the next ``seq``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ..inventory.journal import HASH_KEY, canonical

HEX = frozenset(b"0123456789abcdef")


@dataclass(frozen=True)
class Line:
    seq: int
    hash: str
    prev: str
    event: dict
    raw: bytes                      # with its final newline


class LineRefused(Exception):
    """Why a line was refused (``reason`` is a code, ``seq`` the line)."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"{seq}: {reason}")
        self.seq = seq
        self.reason = reason


def split_lines(body: bytes) -> list[bytes]:
    """Complete lines with their newline; a body not ending in one is refused."""
    if not body:
        return []
    if not body.endswith(b"\n"):
        raise LineRefused(0, "unterminated")
    parts = body.split(b"\n")[:-1]
    return [p + b"\n" for p in parts]


def parse(raw: bytes, seq_hint: int) -> Line:
    """One line, checked on its own (hash and canonical form, not the chain)."""
    i = raw.find(HASH_KEY)
    if i < 0 or raw[i + 73:i + 74] != b'"' or not raw.startswith(b'{"asset_id":'):
        raise LineRefused(seq_hint, "malformed")
    stored = raw[i + 9:i + 73]
    if not HEX.issuperset(stored):
        raise LineRefused(seq_hint, "malformed")
    if hashlib.sha256(raw[:i] + raw[i + 74:-1]).hexdigest().encode() != stored:
        raise LineRefused(seq_hint, "hash-mismatch")
    try:
        event = json.loads(raw)
        if canonical(event) + b"\n" != raw:
            raise ValueError("not canonical")
        seq, prev = event["seq"], event["prev"]
        if not isinstance(seq, int) or not isinstance(prev, str):
            raise ValueError("types")
        for key in ("id", "time", "type", "station"):
            if not isinstance(event.get(key), str):
                raise ValueError(key)
    except (ValueError, KeyError, TypeError):
        raise LineRefused(seq_hint, "malformed") from None
    return Line(seq, stored.decode(), prev, event, raw)


def check_chain(raws: list[bytes], prev: str, first_seq: int) -> list[Line]:
    """Every line parsed and chained after (``first_seq`` - 1, ``prev``)."""
    out = []
    expected = first_seq
    for raw in raws:
        line = parse(raw, expected)
        if line.seq != expected:
            raise LineRefused(expected, "seq-mismatch")
        if line.prev != prev:
            raise LineRefused(expected, "prev-mismatch")
        out.append(line)
        prev = line.hash
        expected += 1
    return out


def first_seq(raw: bytes) -> int:
    """The seq of a line, read cheaply (to place a push before checking it)."""
    try:
        return int(json.loads(raw)["seq"])
    except (ValueError, KeyError, TypeError):
        raise LineRefused(0, "malformed") from None
