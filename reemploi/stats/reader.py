"""Reading the journal for statistics: events, or the fast ``Record`` tuples.

Statistics only read: no lock, no projection rebuild, no data directory created
where there is none. Checking the hash chain is ``reemploi inventory verify``'s job;
a line that is not a valid event is JournalCorrupt (exit 12) at its offset.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from ..inventory.errors import JournalCorrupt
from ..inventory.events import EventType
from ..inventory.journal import Journal, event_from_dict, parse_line
from ..i18n import N_


def read_events(home: Path) -> Iterator:
    """The journal's events in order, as ``Event`` objects (none without a journal).

    We read the journal file directly, as ``Inventory.events()`` does, rather than
    through ``Inventory.open``: statistics only read, so they need neither the write
    lock nor an up-to-date projection (opening would rebuild it for a fresh copy of
    the journal: minutes for 50 000 machines), and they must not create a data
    directory where there is none. A torn last line is skipped by the reader.
    Checking the hash chain is ``reemploi inventory verify``'s job.
    """
    for offset, line in journal_lines(home):
        try:
            yield event_from_dict(parse_line(line))
        except (ValueError, KeyError, TypeError):
            raise corrupt(offset) from None


def journal_lines(home: Path):
    journal = Journal(home)
    if journal.path.exists():
        yield from journal.iter_lines()


def corrupt(offset: int):
    return JournalCorrupt(seq=f"@{offset}", why=N_("not a valid event line"))


# The chassis type inside a probe payload (model.SystemInfo.chassis), without
# decoding the whole machine description.
CHASSIS_RE = re.compile(rb'"chassis":"([a-z-]+)"')
CHUNK = 8 << 20
PROBED = EventType.ASSET_PROBED.value
PROBE_TAIL = b'"type":"asset.probed"}\n'
TIME_RE = re.compile(rb'"time":"([^"\n]*)","type":"asset\.probed"\}\n')
# Frequent events the figures never read (a wipe's or an image's start, notes,
# checks, sign-offs, documents): cut out of the block undecoded, like probes.
SKIPPED_TYPES = ("wipe.started", "image.started", "note", "asset.checked", "asset.validated",
                 "document.issued", "guard.refused", "sync.receipt", "operator.added")
SKIPPED = ("", None, "", None)
STATUS = EventType.STATUS_CHANGED.value
STATUS_TAIL = b'"type":"status.changed"}\n'
CUT_TAILS = (PROBE_TAIL, STATUS_TAIL) + tuple(b'"type":"' + t.encode() + b'"}\n'
                                              for t in SKIPPED_TYPES)




def read_records(home: Path, start: int = 0, progress: dict | None = None,
                 end: int | None = None) -> Iterator[tuple]:
    """The fast path for big journals: ``(type, asset_id, time, payload)`` tuples (the
    fields of a ``Record``), in journal order.

    ``json.loads`` line by line spends most of its time in per-call overhead (the
    Python wrapper runs once per line: about 3x slower than one call for a whole
    block, measured in benchmarks/stats.py). So we read 8 MB blocks and decode each
    block's lines in ONE ``json.loads`` of a JSON array. Probe events are the
    exception: their payload is a full machine description (kilobytes) of which the
    figures need one field, the DMI chassis type; they are cut out of the block (found
    with ``bytes.find`` on the line's tail, C speed: in canonical JSON "type" is the
    last key) and read with a regular expression. Status changes (four events in ten)
    are cut out too and read by slicing, and events the figures never read are cut out
    unread (``_cut_line``). Every event is yielded in journal order.
    A block that does not decode raises JournalCorrupt (exit 12) at the first bad
    line's offset. An unterminated last line (torn, or being written) is skipped.

    Reading starts at byte ``start`` and stops at byte ``end`` (line boundaries; the
    file's end by default); ``progress``, if given, is updated with ``end`` (the
    offset after the last complete line read), ``seq`` and ``last_hash`` (that line's
    sequence number and hash), which is what ``stats.cache`` keeps.
    """
    path = Journal(home).path
    if not path.exists():
        return
    offset = start
    with open(path, "rb") as fh:
        fh.seek(start)
        rest = b""
        left = -1 if end is None else end - start
        while left:
            data = fh.read(CHUNK if left < 0 else min(CHUNK, left))
            left -= len(data) if left > 0 else 0
            if not data:
                break
            block = rest + data
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if not block:
                continue
            cuts = []
            for tail in CUT_TAILS:
                hit = block.find(tail)
                while hit >= 0:
                    last = hit + len(tail)
                    cuts.append((block.rfind(b"\n", 0, hit) + 1, last, tail))
                    hit = block.find(tail, last)
            cuts.sort()
            pieces, between, pos = [], [], 0
            for first, last, tail in cuts:
                piece = block[pos:first]
                pieces.append(piece)
                between.append(piece.count(b"\n"))     # decoded lines before this cut one
                pos = last
            pieces.append(block[pos:])
            body = b"".join(pieces).rstrip(b"\n")
            try:
                events = json.loads(b"[" + body.replace(b"\n", b",") + b"]") if body else []
                # Plain tuples (a NamedTuple's constructor is a Python function call).
                rows = [(d["type"], d["asset_id"], d["time"], d["payload"]) for d in events]
                # In journal order: the cut lines go back between the decoded ones.
                out, k = [], 0
                for n, (first, last, tail) in zip(between, cuts):
                    out += rows[k:k + n]
                    k += n
                    out.append(_cut_line(block[first:last], tail))
                out += rows[k:]
            except (ValueError, KeyError, TypeError, IndexError):
                _raise_at_bad_line(block, offset)
            yield from out
            offset += len(block)
            if progress is not None:
                last = block[block.rfind(b"\n", 0, len(block) - 1) + 1:]
                try:
                    d = json.loads(last)
                    progress.update(end=offset, seq=d["seq"], last_hash=d["hash"])
                except (ValueError, KeyError, TypeError):
                    progress.update(end=offset, seq=0, last_hash="")


def _cut_line(line: bytes, tail: bytes) -> tuple:
    """A line cut out of the block: a probe's chassis, a status change's target (read
    by slicing: four of ten events are status changes, and ``json.loads`` of their
    envelope is most of their cost), or a line the figures never read. Anything
    unexpected in a status line (an escape, a null) is decoded in full instead."""
    if tail is STATUS_TAIL:
        end = len(line) - len(STATUS_TAIL) - 2                 # the time's closing quote
        at = line.rfind(b'"time":"', 0, end)
        to = line.rfind(b'"to":"', 0, line.rfind(b',"prev":', 0, at))
        aid_end = line.find(b'"', 13)
        fields = (line[13:aid_end], line[at + 8:end], line[to + 6:line.find(b'"', to + 6)])
        if line.startswith(b'{"asset_id":"') and at > 0 and to > 0 \
                and not any(b"\\" in f for f in fields):
            aid, time, target = (f.decode() for f in fields)
            return (STATUS, aid, time, {"to": target})
        d = json.loads(line)
        return (d["type"], d["asset_id"], d["time"], d["payload"])
    if tail is PROBE_TAIL:
        aid_end = line.find(b'"', 13)
        m, t = CHASSIS_RE.search(line), TIME_RE.search(line)
        if not line.startswith(b'{"asset_id":"') or t is None:
            raise ValueError("not a probe line")
        payload = {"machine": {"system": {"chassis": m.group(1).decode()}}} if m else {}
        return (PROBED, line[13:aid_end].decode(), t.group(1).decode(), payload)
    if not line.startswith(b'{"asset_id":'):
        raise ValueError("not an event line")
    return SKIPPED                        # still counts as an event read


def _raise_at_bad_line(block: bytes, offset: int) -> None:
    pos = 0
    for line in block.split(b"\n")[:-1]:
        try:
            d = json.loads(line)
            d["type"], d["time"], d["payload"], d["asset_id"]
        except (ValueError, KeyError, TypeError):
            raise corrupt(offset + pos) from None
        pos += len(line) + 1
    raise corrupt(offset)
