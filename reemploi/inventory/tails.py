"""Tails: what a write appends to the projection instead of rewriting a shard.

Why: a shard holds N/256 records. A write used to rewrite every file it touched
whole (the asset shard, its slice file, its listing rows, the index shards of the
keys it added, ``lots.json``), so every writing command (``grade``, ``intake``, a
wipe's record, ``checkout``) cost a little more with each machine in the inventory
(at 50 000 machines a status change wrote 524 KiB and took 21 ms of CPU, issue 16). Now a write appends, beside each file it touches (a *group*:
``assets-XX``, ``index-XX`` or ``lots``, named as their slice files):

- ``tails/<group>.bin``: the new values' bytes (the records, an index key's values),
  the projection's one JSON spelling, one after another;
- ``tails/<group>.log``: one JSON array per value, ``[table, key, offset, length,
  crc32]`` into the ``.bin`` (plus, for an asset, its listing row): a later line for
  the same key replaces an earlier one, and a key in the tail replaces the base's.

The cost of a write is then what it changed, whatever the inventory's size. A group
is *compacted* (its base file, slice file and rows rewritten whole, its tail emptied)
when its ``.bin`` would pass the size of its base file (``MIN_COMPACT`` at least):
one whole rewrite per base-size of appended bytes, so a write costs O(1) amortised,
and a tail's log (what a reader reads whole, to check it) stays a fraction of its
base.

Trust, as for every projection file: meta.json, written last, holds each tail's
state ``[bin length, bin crc32, log length, log crc32]`` (CRC-32s carried forward on
each append, so keeping them costs what the append writes; ``verify`` checks both
files whole, like the base files). A reader reads the log's first ``log
length`` bytes only and checks them against the CRC-32 (bytes appended by a writer
killed before meta.json moved are never read); each value's own CRC-32, in its log
line, is checked against the ``.bin`` bytes it points at. A writer first cuts both
files back to meta.json's lengths, so such leftovers are dropped, never believed.
A log or value that disagrees raises ``ProjectionDamaged``: refold from the journal.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable

from ..system.files import open_private
from .slices import FIND_AT_MOST, ProjectionDamaged, dumps, read_slices

TAILS_DIR = "tails"
# A tail is compacted once its values pass this or its base file's size, whichever is
# larger: small inventories would otherwise rewrite a 10 KiB shard every few writes.
MIN_COMPACT = 64 * 1024

# (table, key, value, listing row or None)
Item = tuple[str, str, Any, "list | None"]


class Tail:
    """A group's tail as meta.json vouches for it: its log (checked whole against its
    CRC-32), parsed only when all of a table is wanted (a listing, a compaction);
    a few keys are found by a byte search from its end, as slice tables are
    (``slices.find_ref``): what a label costs does not depend on the tail's length."""

    def __init__(self, raw: bytes, bin_len: int, bin_path: Path, log_path: Path) -> None:
        self.raw = raw
        self.bin_len = bin_len
        self.bin_path = bin_path
        self.log_path = log_path
        self._refs: dict[str, dict[str, list[int]]] | None = None
        self._rows: dict[str, list] = {}

    def _parse(self) -> None:
        refs: dict[str, dict[str, list[int]]] = {}
        try:
            # One parse of the whole log (a JSON array of its lines), not one a line.
            entries = json.loads(b"[" + self.raw.rstrip(b"\n").replace(b"\n", b",") + b"]")
            for entry in entries:
                refs.setdefault(entry[0], {})[entry[1]] = self._checked(entry[2:5])
                if len(entry) > 5:
                    self._rows[entry[1]] = entry[5]
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            raise ProjectionDamaged(str(self.log_path)) from None
        self._refs = refs

    def _checked(self, ref: Any) -> list[int]:
        if not (isinstance(ref, list) and len(ref) == 3
                and all(isinstance(x, int) and x >= 0 for x in ref)
                and ref[0] + ref[1] <= self.bin_len):
            raise ProjectionDamaged(str(self.log_path))
        return ref

    @property
    def refs(self) -> dict[str, dict[str, list[int]]]:
        """{table: {key: [offset, length, crc32]}}, the latest line of each key."""
        if self._refs is None:
            self._parse()
        return self._refs or {}

    @property
    def rows(self) -> dict[str, list]:
        """{asset id: its latest listing row} (an ``assets-XX`` tail)."""
        if self._refs is None:
            self._parse()
        return self._rows

    def find(self, table: str, keys: list[str]) -> dict[str, list[int]]:
        """{key: ref} of these keys of ``table`` that the tail holds."""
        if self._refs is not None or len(keys) > FIND_AT_MOST:
            refs = self.refs.get(table) or {}
            return {k: refs[k] for k in keys if k in refs}
        found = {}
        for key in keys:
            # Lines start with ``[table,key,``; the last such line is the key's value.
            needle = b"[" + dumps(table) + b"," + dumps(key) + b","
            at = self.raw.rfind(needle)
            if at < 0:
                continue
            if at and self.raw[at - 1] != 0x0A:     # not at a line's start: parse it all
                self._parse()
                return self.find(table, keys)
            end = self.raw.find(b"\n", at)
            try:
                entry = json.loads(self.raw[at:end if end >= 0 else None])
            except ValueError:
                raise ProjectionDamaged(str(self.log_path)) from None
            found[key] = self._checked(entry[2:5] if isinstance(entry, list) else None)
        return found


class TailReads:
    """The projection ``Session``'s reads of its tails (it provides ``proj``, ``meta``,
    ``fresh`` and ``tail_files``, the tails read so far)."""

    proj: Any
    meta: dict
    fresh: bool
    tail_files: dict[str, "Tail | None"]

    def _tail(self, name: str) -> Tail | None:
        """The tail of group ``name`` that meta.json vouches for, None if it has none;
        read once per session."""
        if name not in self.tail_files:
            state = (self.meta.get("tails") or {}).get(name)
            self.tail_files[name] = (None if state is None
                                     else read_tail(self.proj, name, state))
        return self.tail_files[name]

    def _newer(self, name: str, table: str, keys: list[str]) -> tuple[dict[str, Any], list[str]]:
        tail = self._tail(name)
        if tail is None:
            return {}, keys
        refs = tail.find(table, keys)
        return read_slices(tail.bin_path, refs.items()), [k for k in keys if k not in refs]

    def _tail_all(self, group: str, table: str) -> dict[str, Any]:
        """Every value of ``table`` in the group's tail (newer than its base)."""
        if self.fresh:
            return {}
        tail = self._tail(group)
        return {} if tail is None else tail_values(tail, table)


def paths(proj: Any, group: str) -> tuple[Path, Path]:
    return proj.tails_dir / f"{group}.bin", proj.tails_dir / f"{group}.log"


def read_tail(proj: Any, group: str, state: Any) -> Tail:
    """The tail of ``group`` at ``state`` (meta.json's ``[bin length, bin crc32, log
    length, log crc32]``); ProjectionDamaged if the log disagrees with it."""
    bin_path, log_path = paths(proj, group)
    if not (isinstance(state, list) and len(state) == 4
            and all(isinstance(x, int) and x >= 0 for x in state)):
        raise ProjectionDamaged(str(log_path))
    bin_len, _, log_len, log_crc = state
    try:
        with open(log_path, "rb") as fh:
            raw = fh.read(log_len)
    except OSError:
        raise ProjectionDamaged(str(log_path)) from None
    if len(raw) != log_len or zlib.crc32(raw) != log_crc:
        raise ProjectionDamaged(str(log_path))
    return Tail(raw, bin_len, bin_path, log_path)


def tail_values(tail: Tail, table: str) -> dict[str, Any]:
    """{key: value} of all of a tail's ``table``, each value checked against its
    CRC-32."""
    return read_slices(tail.bin_path, (tail.refs.get(table) or {}).items())


def appended_size(items: Iterable[Item]) -> tuple[list[bytes], int]:
    """The values' bytes (as they would be appended) and their total length."""
    bodies = [dumps(value) for _, _, value, _ in items]
    return bodies, sum(map(len, bodies))


def append(proj: Any, group: str, state: list[int] | None, items: list[Item],
           bodies: list[bytes]) -> list[int]:
    """Append ``items`` (their ``bodies`` from ``appended_size``) to the group's tail
    after cutting it back to ``state``; returns the new state for meta.json. Not
    fsynced, like every projection file: the journal line was."""
    bin_path, log_path = paths(proj, group)
    bin_len, bin_crc, log_len, log_crc = state or (0, 0, 0, 0)
    lines = []
    offset = bin_len
    for (table, key, _, row), body in zip(items, bodies):
        entry = [table, key, offset, len(body), zlib.crc32(body)]
        if row is not None:
            entry.append(row)
        lines.append(dumps(entry) + b"\n")
        offset += len(body)
    log = b"".join(lines)
    values = b"".join(bodies)
    _append_at(bin_path, bin_len, values)
    _append_at(log_path, log_len, log)
    return [offset, zlib.crc32(values, bin_crc), log_len + len(log), zlib.crc32(log, log_crc)]


def holds(proj: Any, group: str, state: Any) -> bool:
    """Both tail files are what ``state`` says, byte for byte (the quick check of
    ``verify``; a reader checks the log whole and each value it reads)."""
    try:
        read_tail(proj, group, state)
        with open(paths(proj, group)[0], "rb") as fh:
            values = fh.read(state[0])
    except (ProjectionDamaged, OSError):
        return False
    return len(values) == state[0] and zlib.crc32(values) == state[1]


def _append_at(path: Path, length: int, data: bytes) -> None:
    """Write ``data`` at ``length``: a longer file (a killed writer's leftovers) is cut
    back first; a shorter one is damaged."""
    fd = open_private(path, os.O_WRONLY | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        if size < length:
            raise ProjectionDamaged(str(path))
        if size > length:
            os.ftruncate(fd, length)
        view = memoryview(data)
        pos = length
        while view:
            n = os.pwrite(fd, view, pos)
            view, pos = view[n:], pos + n
    finally:
        os.close(fd)


def drop(proj: Any, group: str) -> None:
    """Remove a group's tail files (after its base was rewritten whole)."""
    for path in paths(proj, group):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def needs_compaction(base: Path, state: list[int] | None, adding: int) -> bool:
    """True when the group's base should be rewritten whole: it is missing, or the
    tail's values would pass the base's size. (A group meta.json records nothing of
    is started whole before this is asked: saving.py ``_start_group``.)"""
    try:
        base_size = base.stat().st_size
    except FileNotFoundError:
        return True
    return (state[0] if state else 0) + adding > max(MIN_COMPACT, base_size)
