"""Slices: where each record sits inside a projection file, so one record is read
without reading (or trusting) the rest of its file.

Why: a shard holds N/256 assets. 500 labels at 50 000 machines touch all 256 asset
shards and all 256 index shards, and reading them whole was reading the whole
projection (~90 MB of JSON, 3.7 s of CPU, issue 16). The projection writes each
shard's JSON itself (the same TinyDB layout, ``{table: {key: value}}``) and, beside
it, a small *slice file*: for every record the byte offset and length of its value
in the shard and the CRC-32 of those bytes. A per-asset read then costs one small
slice file per shard and the asked records' bytes.

Trust, as for every projection file (``projection.py``): meta.json, written last,
holds the CRC-32 of each slice file, checked whole on read (it is ~1/30 of its
shard); each slice's own CRC-32 is checked against the bytes it points at. A shard
edited by hand, or written by a writer killed before its slice file or meta.json
moved, has a record whose bytes disagree with its slice: the read raises
``ProjectionDamaged`` and the state is refolded from the journal. The whole-file
CRC-32 of the shard still guards the reads that load a shard whole (listing, writes).

A slice file is one line per table: the table's name (JSON), a space, and the JSON
object {key: [offset, length, crc32]}; a reader parses only the table it needs.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Iterable

# (key in the JSON object, key in the slice table, value)
# Keys looked up by a byte search in one slice table; more are found by parsing it
# (measured: parsing a table costs about as much as 25 searches through it).
FIND_AT_MOST = 25
Item = tuple[str, str, Any]


# One encoder for every value: ``json.dumps`` with options builds a new one per call,
# which was a third of encoding an index shard (a thousand small values at 50 000
# machines: 9.3 -> 5.7 ms, the same bytes).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: Any) -> bytes:
    """The projection's one JSON spelling (compact, UTF-8)."""
    return _ENCODER.encode(obj).encode("utf-8")


def encode(tables: dict[str, Iterable[Item]]) -> tuple[bytes, bytes]:
    """(the file ``{table: {key: value}}``, its slice file). The file is plain JSON:
    TinyDB and ``json.loads`` read it as before."""
    parts: list[bytes] = [b"{"]
    pos = 1
    slices: dict[str, dict[str, list[int]]] = {}
    for t, (name, items) in enumerate(tables.items()):
        head = (b"," if t else b"") + dumps(name) + b":{"
        parts.append(head)
        pos += len(head)
        table = slices[name] = {}
        for i, (json_key, slice_key, value) in enumerate(items):
            key = (b"," if i else b"") + dumps(json_key) + b":"
            body = dumps(value)
            parts.append(key)
            pos += len(key)
            table[slice_key] = [pos, len(body), zlib.crc32(body)]
            parts.append(body)
            pos += len(body)
        parts.append(b"}")
        pos += 1
    parts.append(b"}")
    side = b"".join(dumps(name) + b" " + dumps(table) + b"\n"
                    for name, table in slices.items())
    return b"".join(parts), side


class ProjectionDamaged(Exception):
    """A projection file is unreadable or disagrees with its CRC-32: rebuild from the
    journal (internal signal; ``projection`` re-exports it)."""


def split_tables(side: bytes) -> dict[str, bytes]:
    """{table name: its slice table, still as JSON bytes} of a slice file."""
    found: dict[str, bytes] = {}
    for line in side.split(b"\n"):
        if line:
            name, _, rest = line.partition(b" ")
            try:
                found[json.loads(name)] = rest
            except ValueError:
                raise ProjectionDamaged("slice file") from None
    return found


def parse_table(raw: bytes | None) -> dict[str, list]:
    if not raw:
        return {}
    try:
        table = json.loads(raw)
    except ValueError:
        raise ProjectionDamaged("slice table") from None
    if not isinstance(table, dict):
        raise ProjectionDamaged("slice table")
    return table


def read_slices(path: Path, refs: Iterable[tuple[Any, Any]]) -> dict[Any, Any]:
    """{name: parsed value} of each (name, [offset, length, crc32]) ref, from one open
    of ``path``; ProjectionDamaged if any bytes disagree with their CRC-32."""
    found: dict[Any, Any] = {}
    checked = []
    for name, ref in refs:
        if not (isinstance(ref, list) and len(ref) == 3
                and all(isinstance(x, int) and x >= 0 for x in ref)):
            raise ProjectionDamaged(str(path))
        checked.append((name, ref))
    if not checked:
        return found
    checked.sort(key=lambda r: r[1][0])
    try:
        with open(path, "rb") as fh:
            for name, (offset, length, crc) in checked:
                fh.seek(offset)
                body = fh.read(length)
                if len(body) != length or zlib.crc32(body) != crc:
                    raise ProjectionDamaged(str(path))
                found[name] = json.loads(body)
    except (OSError, ValueError):
        raise ProjectionDamaged(str(path)) from None
    return found


class SlicedReads:
    """The projection ``Session``'s reads by slice (it provides ``proj``, ``meta`` and
    ``slice_files``, the slice files read so far)."""

    proj: Any
    meta: dict
    slice_files: dict[str, dict[str, bytes] | None]

    def _newer(self, name: str, table: str, keys: list[str]) -> tuple[dict[str, Any], list[str]]:
        """({key: value} of these keys found in the group's tail, the keys left to read
        in its base): the projection ``Session`` reads its tails (tails.py) here."""
        return {}, keys

    def _slice_table(self, name: str, table: str) -> bytes | None:
        """The slice table ``table`` of slice file ``name`` (its JSON text, b"" if the
        table is empty); None when meta.json holds no CRC-32 for that file (read the
        shard whole then). The file is checked against meta.json before any of it is
        believed."""
        if name not in self.slice_files:
            crcs = self.meta.get("crc")
            want = None if crcs is None else crcs.get("slices/" + name)
            path = self.proj.slices_path(name)
            if want is None and crcs is not None and _base_key(name) not in crcs:
                # No base file recorded (a shard nothing was ever written to): an
                # empty table, as meta.json vouches, not a whole read of nothing.
                self.slice_files[name] = {}
            elif want is None:
                self.slice_files[name] = None
            else:
                try:
                    raw = path.read_bytes()
                except FileNotFoundError:
                    raise ProjectionDamaged(str(path)) from None
                if zlib.crc32(raw) != want:
                    raise ProjectionDamaged(str(path))
                self.slice_files[name] = split_tables(raw)
        lines = self.slice_files[name]
        return None if lines is None else lines.get(table, b"")

    def _sliced(self, path: Path, name: str, table: str, keys: list[str]
                ) -> dict[str, Any] | None:
        """{key: value} of these keys of one file (absent keys left out), read by their
        slices in one open; None if the file has no slice file to trust. A key in the
        group's tail (tails.py) is read there: the tail is newer than the base."""
        newer, keys = self._newer(name, table, keys)
        raw = self._slice_table(name, table)
        if raw is None:
            return None
        if not keys:
            return newer
        return {**self._base_sliced(path, raw, keys), **newer}

    def _base_sliced(self, path: Path, raw: bytes, keys: list[str]) -> dict[str, Any]:
        if len(keys) > FIND_AT_MOST:
            # Many keys in one table (the lots of 500 labels): one parse beats a
            # search per key through the same bytes.
            table_refs = parse_table(raw)
            refs = [(k, table_refs[k]) for k in keys if k in table_refs]
        else:
            refs = [(k, ref) for k in keys if (ref := find_ref(raw, k)) is not None]
        return read_slices(path, refs)


def _base_key(name: str) -> str:
    """meta.json's CRC key of the file a slice file describes: ``assets-3f`` ->
    ``assets/3f``, ``lots`` -> ``lots``."""
    kind, _, shard = name.partition("-")
    return f"{kind}/{shard}" if shard else kind


def find_ref(raw: bytes, key: str) -> list[int] | None:
    """One key's [offset, length, crc32] in a slice table's JSON text, found without
    parsing the table (a shard's table lists ~200 keys; 500 labels touch 512 tables:
    parsing them all was most of the read). A key is spelled as ``encode`` wrote it,
    after ``{`` or ``,``: inside a JSON string those would be escaped, so the match is
    the key itself."""
    needle = dumps(key) + b":["
    if raw.startswith(b"{" + needle):
        start = 1 + len(needle)
    else:
        at = raw.find(b"," + needle)
        if at < 0:
            return None
        start = at + 1 + len(needle)
    end = raw.find(b"]", start)
    try:
        ref = [int(x) for x in raw[start:end].split(b",")] if end > 0 else []
    except ValueError:
        ref = []
    if len(ref) != 3:
        raise ProjectionDamaged("slice table")
    return ref
