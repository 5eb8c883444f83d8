"""Checking journal lines on bytes, as ``inventory verify`` does: the server re-checks
every pushed line with it, and a station every line it restores.

A station's line is the canonical JSON of its event; ``hash`` is the SHA-256 of the
line with its ``,"hash":"<64 hex>"`` member cut out (see reemploi.inventory.journal).
The server trusts nothing it is sent: each line must have the canonical shape (keys
in sorted order: ``asset_id``, ``hash``, ``id``, ``operator``, ``payload``, ``prev``,
``seq``, ``station``, ``time``, ``type``), hash to its ``hash``, name the previous
line's hash in ``prev`` and carry the next ``seq``. Only the envelope is parsed here
(the head before ``operator`` and the tail from ``prev``, two small JSON objects):
the payload is parsed once, by the fold (``central.folder``), not on the push path.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from ..inventory.journal import HASH_KEY

HEX = frozenset(b"0123456789abcdef")
PREV_KEY = b',"prev":"'
OPERATOR_KEY = b',"operator":'
# The envelope of a canonical line whose strings hold no escape (nearly all of them):
# read with two anchored regular expressions instead of two JSON parses.
HEAD_RE = re.compile(rb'\{"asset_id":(null|"[^"\\]*"),"hash":"[0-9a-f]{64}","id":"([^"\\]*)",')
TAIL_RE = re.compile(rb',"prev":"([0-9a-f]{64}|)","seq":([1-9][0-9]{0,17}),'
                     rb'"station":"([^"\\]*)","time":"([^"\\]*)","type":"([^"\\]*)"\}\n')
# The head with the hash captured, for the push path (``rows``).
HEAD_HASH_RE = re.compile(rb'\{"asset_id":(null|"[^"\\]*"),"hash":"([0-9a-f]{64})","id":"([^"\\]*)",'
                          rb'"operator":')
ASSET_AT = len(b'{"asset_id":')


@dataclass(frozen=True)
class Line:
    seq: int
    hash: str
    prev: str
    event: dict                     # the envelope: asset_id, id, seq, prev, station, time, type
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
    """One line, checked on its own (its hash, the shape of its canonical form), and
    its envelope read without parsing the payload: the ``asset_id``/``hash``/``id``
    head and the ``prev``/``seq``/``station``/``time``/``type`` tail, in the canonical
    key order (see module doc)."""
    i = raw.find(HASH_KEY)
    if i < 0 or raw[i + 73:i + 74] != b'"' or not raw.startswith(b'{"asset_id":') \
            or not raw.endswith(b"}\n"):
        raise LineRefused(seq_hint, "malformed")
    stored = raw[i + 9:i + 73]
    if not HEX.issuperset(stored):
        raise LineRefused(seq_hint, "malformed")
    if hashlib.sha256(raw[:i] + raw[i + 74:-1]).hexdigest().encode() != stored:
        raise LineRefused(seq_hint, "hash-mismatch")
    # ``prev`` follows the payload; nothing after it (station, time, type) can hold an
    # unescaped quote, so the last match is the member itself (as inventory verify).
    j = raw.rfind(PREV_KEY)
    head, tail = HEAD_RE.match(raw), TAIL_RE.match(raw, j) if j >= 0 else None
    if head is None or tail is None or tail.end() != len(raw):
        event = _envelope_slow(raw, i, j, stored, seq_hint)   # escapes in a string
    else:
        aid = head[1]
        try:
            event = {"asset_id": None if aid == b"null" else aid[1:-1].decode(),
                     "id": head[2].decode(), "prev": tail[1].decode(), "seq": int(tail[2]),
                     "station": tail[3].decode(), "time": tail[4].decode(),
                     "type": tail[5].decode()}
        except UnicodeDecodeError:
            raise LineRefused(seq_hint, "malformed") from None
    seq, prev = event["seq"], event["prev"]
    return Line(seq, stored.decode(), prev, event, raw)


def _envelope_slow(raw: bytes, i: int, j: int, stored: bytes, seq_hint: int) -> dict:
    """The envelope through ``json`` (strings with escapes, or not our shape)."""
    k = raw.find(OPERATOR_KEY, i + 74)
    try:
        if j < 0 or k < 0:
            raise ValueError("envelope")
        head = json.loads(raw[:k] + b"}")
        tail = json.loads(b"{" + raw[j + 1:-1])
        seq, prev = tail["seq"], tail["prev"]
        if (not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(prev, str)
                or head.get("hash") != stored.decode()):
            raise ValueError("types")
        event = {"asset_id": head["asset_id"], "id": head["id"], "seq": seq, "prev": prev,
                 "station": tail["station"], "time": tail["time"], "type": tail["type"]}
        for key in ("id", "time", "type", "station"):
            if not isinstance(event[key], str):
                raise ValueError(key)
        if event["asset_id"] is not None and not isinstance(event["asset_id"], str):
            raise ValueError("asset_id")
    except (ValueError, KeyError, TypeError):
        raise LineRefused(seq_hint, "malformed") from None
    return event


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
    """The seq of a line, read from its tail (to place a push before checking it)."""
    j = raw.rfind(PREV_KEY)
    try:
        if j < 0:
            raise ValueError("no prev")
        seq = json.loads(b"{" + raw[j + 1:-1])["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ValueError("seq")
        return seq
    except (ValueError, KeyError, TypeError):
        raise LineRefused(0, "malformed") from None


def rows(raws: list[bytes], prev: str, first_seq: int) -> list[tuple]:
    """``check_chain`` for the server's COPY, without building an object per line:
    (seq, hash, prev, event id, time, type, asset id, raw) per line, every hash and
    link checked. Lines whose envelope holds an escape take ``parse``'s slow path."""
    sha256 = hashlib.sha256
    head_match, tail_match = HEAD_HASH_RE.match, TAIL_RE.match
    out = []
    append = out.append
    expected = first_seq
    for raw in raws:
        head = head_match(raw)
        tail = tail_match(raw, raw.rfind(PREV_KEY)) if head is not None else None
        if tail is None or tail.end() != len(raw):
            line = parse(raw, expected)
            ev = line.event
            row = (line.seq, line.hash, line.prev, ev["id"], ev["time"], ev["type"],
                   ev["asset_id"], raw)
        else:
            aid, stored, eid = head.groups()
            i = ASSET_AT + len(aid)
            if sha256(raw[:i] + raw[i + 74:-1]).hexdigest().encode() != stored:
                raise LineRefused(expected, "hash-mismatch")
            lprev, seq, _, when, etype = tail.groups()
            try:
                row = (int(seq), stored.decode(), lprev.decode(), eid.decode(), when.decode(),
                       etype.decode(), None if aid == b"null" else aid[1:-1].decode(), raw)
            except UnicodeDecodeError:
                raise LineRefused(expected, "malformed") from None
        if row[0] != expected:
            raise LineRefused(expected, "seq-mismatch")
        if row[2] != prev:
            raise LineRefused(expected, "prev-mismatch")
        append(row)
        prev = row[1]
        expected += 1
    return out
