"""Saving a projection ``Session``: what changed, written after the journal line.

Groups loaded whole (a rebuild, a listing's shard then written) are rewritten whole,
base file and slice file (``slices.encode``) and listing rows; writes to groups not
loaded are appended to their tails (``tails.py``), or, once a tail passes its base's
size, the group is compacted: loaded whole, rewritten, its tail dropped. meta.json,
written last, vouches for all of it (see ``Session.save``).
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..system.files import write_atomic
from . import tails
from .layout import ASSETS_TABLE, FORMAT, INDEX_TABLES, shard_of
from .listing import row_of, rows_file
from .slices import _base_key, encode


class SessionSaving:
    """``save`` of the projection ``Session`` (which provides the rest)."""

    proj: Any
    meta: dict
    asset_shards: dict
    index_shards: dict
    catalog: Any
    dirty_assets: set
    dirty_index: set
    dirty_catalog: bool
    pending: dict
    slice_files: dict
    _absent: Any
    _overlay: Any
    tail_files: dict
    _in_place = False

    # -- saving ---------------------------------------------------------------------

    def save(self, seq: int, hash_: str, offset: int, prune: bool = False,
             progress: "Callable[[int, int], None] | None" = None) -> None:
        """Write changed shards, then move meta forward (it holds their CRC-32s).
        ``prune`` (rebuild): also remove shard files this session does not hold.

        Nothing here is fsynced: the journal line was, before (one fsync per command,
        issue 16), and it is the truth. After a power cut a shard or meta.json may be
        older, newer or empty; each file's CRC-32 in meta.json then disagrees (or
        meta.json is unreadable, or behind the journal) and the next open refolds
        from the journal (rebuild or catch-up) instead of trusting it. A kill -9
        loses nothing written: the page cache survives the process.

        Files written whole (a compaction, a group first written, a rebuild) go in two
        phases (``_stage``): staged beside their places, meta.json, then moved in
        place; so a kill -9 at any point leaves a state the next open accepts as it
        is, after checking it, and folds the journal's new lines over it: it never
        refolds the whole journal for that. A rebuild (``prune``) writes in place:
        meta.json is gone until it ends, so nothing vouches for the files meanwhile."""
        self.proj.ensure_dirs()
        self._in_place = prune
        if prune:
            self.proj.prune(set(self.asset_shards), set(self.index_shards))
            self.meta["crc"] = {}
            self.meta["tails"] = {}
        self._append_pending()
        staged: list[str] = []          # meta.json's keys of the files written whole
        emptied: list[str] = []         # groups whose tails those files take in
        whole = len(self.dirty_assets) + len(self.dirty_index)
        done = 0
        for shard in sorted(self.dirty_assets):
            docs = self.asset_shards[shard].values()
            self._write("assets/" + shard, "assets-" + shard,
                        {ASSETS_TABLE: _tinydb_items(docs)}, staged, emptied)
            rows = json.dumps(rows_file(docs), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            self._stage("rows/" + shard, rows, staged)
            if progress is not None:
                done += 1
                progress(done, whole)
        for shard in sorted(self.dirty_index):
            idx = self.index_shards[shard]
            self._write("index/" + shard, "index-" + shard,
                        {t: ((k, k, v) for k, v in values.items())
                         for t, values in idx.items()}, staged, emptied)
            if progress is not None:
                done += 1
                progress(done, whole)
        if self.dirty_catalog and self.catalog is not None:
            self._write("lots", "lots", {t: _tinydb_items(self.catalog[t].values())
                                         for t in ("lots", "donors")}, staged, emptied)
        self.meta.update({"format": FORMAT, "seq": seq, "hash": hash_, "offset": offset})
        if staged:
            self.meta["staged"] = staged
        else:
            self.meta.pop("staged", None)
        self.proj.write_meta(self.meta)
        # Second phase: meta.json now vouches for the staged files; put them in place,
        # then drop the tails they took in (meta.json no longer names those).
        promote(self.proj, staged)
        for group in emptied:
            tails.drop(self.proj, group)
        self.dirty_assets.clear()
        self.dirty_index.clear()
        self.dirty_catalog = False
        self.pending.clear()
        # Slices and tails read before this save may point into files it replaced.
        self.slice_files.clear()
        self.tail_files.clear()

    def _append_pending(self) -> None:
        """Append each group's pending writes to its tail, or, when the tail would pass
        its base's size (or the group is being rewritten whole anyway), load the group
        whole and mark it for a whole write: its tail is then dropped (compaction)."""
        states = self.meta.setdefault("tails", {})
        for group, tables in sorted(self.pending.items()):
            kind, _, shard = group.partition("-")
            if (kind == "assets" and shard in self.dirty_assets) or \
                    (kind == "index" and shard in self.dirty_index) or \
                    (kind == "lots" and self.dirty_catalog):
                continue        # loaded whole: the whole write holds these values
            if self._absent(_base_key(group)):
                # A group nothing was written to (so no tail either): its first base
                # is what this session holds, whatever a killed writer left there.
                self._start_group(kind, shard)
                continue
            items = [(table, key, value, row_of(value) if kind == "assets" else None)
                     for table, values in tables.items() for key, value in values.items()]
            bodies, size = tails.appended_size(items)
            base = (self.proj.asset_path(shard) if kind == "assets" else
                    self.proj.index_path(shard) if kind == "index" else
                    self.proj.catalog_path)
            if not tails.needs_compaction(base, states.get(group), size):
                states[group] = tails.append(self.proj, group, states.get(group), items,
                                             bodies)
            elif kind == "assets":
                self._assets(shard)             # the pending records are in ``loose``
                self.dirty_assets.add(shard)
            elif kind == "index":
                self._index(shard)              # overlays the pending values
                self.dirty_index.add(shard)
            else:
                self._catalog()
                self.dirty_catalog = True

    def _start_group(self, kind: str, shard: str) -> None:
        """Hold a group meta.json records nothing of, made of this session's values
        only, and mark it for a whole write."""
        if kind == "assets":
            docs: dict = {}
            self._overlay("a", docs, lambda aid: shard_of(aid) == shard)
            self.asset_shards[shard] = docs
            self.dirty_assets.add(shard)
        elif kind == "index":
            pending = self.pending.get("index-" + shard, {})
            self.index_shards[shard] = {t: dict(pending.get(t, {}))
                                        for t in INDEX_TABLES}
            self.dirty_index.add(shard)
        else:
            self.catalog = {"lots": {}, "donors": {}}
            for table in ("lots", "donors"):
                self._overlay(table[0], self.catalog[table], lambda _: True)
            self.dirty_catalog = True

    def _write(self, key: str, slices_name: str, tables: dict, staged: list[str],
               emptied: list[str]) -> None:
        """A shard (plain JSON, TinyDB's layout) and its slice file, staged beside
        their places, their CRC-32s kept for meta.json. The group's tail is forgotten
        by meta.json (the base now holds its values) and its files dropped after it."""
        data, side = encode(tables)
        self._stage(key, data, staged)
        self._stage("slices/" + slices_name, side, staged)
        if self.meta.get("tails", {}).pop(slices_name, None) is not None:
            emptied.append(slices_name)

    def _stage(self, key: str, data: bytes, staged: list[str]) -> None:
        """Write the file of meta.json's ``key`` as its staged copy (``staged_path``), moved in place once meta.json vouches for it.

        Why two phases (a compaction rewrites a group whole): a writer killed between
        the files and meta.json left files that disagreed with it, and the next open
        refolded the whole journal (18 s at 10 000 machines, minutes at 50 000). Now a
        kill before meta.json leaves the files it vouches for untouched (the catch-up
        folds the journal's new lines over them); a kill after it leaves staged files
        that the next open moves in place once each matches its CRC-32
        (``settle``)."""
        if self._in_place:
            write_atomic(final_path(self.proj, key), data, sync=False)
        else:
            write_atomic(staged_path(self.proj, key), data, sync=False)
            staged.append(key)
        self.meta.setdefault("crc", {})[key] = zlib.crc32(data)


def _tinydb_items(docs: Iterable[dict]) -> Iterator[tuple[str, str, dict]]:
    """A TinyDB table's documents: keyed "1", "2"... in the file, by id in the slices."""
    for i, doc in enumerate(docs, 1):
        yield str(i), doc["id"], doc


# The staged copy of a projection file, beside it: never matched by the ``*.json``
# globs of readers, ``verify`` and ``prune`` (which removes leftovers of a rebuild).
STAGED = ".next"


def final_path(proj: Any, key: str) -> Path:
    """The file of meta.json's CRC key: ``assets/3f`` -> ``assets/3f.json``,
    ``slices/lots`` -> ``slices/lots.json``, ``lots`` -> ``lots.json``."""
    return proj.root / f"{key}.json"


def staged_path(proj: Any, key: str) -> Path:
    return proj.root / f"{key}.json{STAGED}"


def promote(proj: Any, keys: Iterable[str]) -> None:
    """Move staged files in place (each rename atomic), once meta.json vouches for
    them."""
    for key in keys:
        os.replace(staged_path(proj, key), final_path(proj, key))


def settle(proj: Any, meta: dict, sweep: bool = False) -> list[str]:
    """Finish the second phase of a save that was killed after meta.json: each staged
    file meta.json names is moved in place if it matches meta.json's CRC-32 (else it is
    another, unfinished save's: removed), and the tails its groups took in, which
    meta.json no longer names, are removed. Call under the journal's lock. Returns the
    keys moved. What is moved is then read like any file: checked against meta.json,
    which is checked against the journal's head. ``sweep`` (meta.json behind the
    journal: a save was cut before it): also remove the staged files it does not name,
    that save's leftovers."""
    keys = [k for k in meta.get("staged") or () if isinstance(k, str) and _KEY.match(k)]
    if sweep:
        named = {staged_path(proj, k) for k in keys}
        for path in proj.root.glob("**/*.json" + STAGED):
            if path not in named:
                path.unlink()
    moved = []
    crcs = meta.get("crc") or {}
    vouched = meta.get("tails") or {}
    for key in keys:
        group = _group_of(key)
        if group is not None and group not in vouched and \
                any(p.exists() for p in tails.paths(proj, group)):
            tails.drop(proj, group)     # killed before the save dropped it
        path = staged_path(proj, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue                    # moved already (the usual case)
        if crcs.get(key) == zlib.crc32(data):
            os.replace(path, final_path(proj, key))
            moved.append(key)
        else:
            path.unlink()
    return moved


def pending(proj: Any, meta: dict) -> dict[str, Path]:
    """{key: staged file} of the staged files meta.json names that are still there and
    match its CRC-32 (a save cut after meta.json; ``settle`` moves them at the next
    open). One that does not match is another save's, killed before its meta.json:
    meta.json keeps naming the files the last save staged, and a later save may stage
    the same key again (``settle`` removes such a leftover; ``verify`` must not take it
    for the projection's file and call the projection damaged)."""
    crcs = meta.get("crc") or {}
    out: dict[str, Path] = {}
    for key in meta.get("staged") or ():
        if not (isinstance(key, str) and _KEY.match(key)):
            continue
        path = staged_path(proj, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        if zlib.crc32(data) == crcs.get(key):
            out[key] = path
    return out


# The CRC keys a save stages (a hand-edited meta.json naming anything else, such as
# a path out of the projection, is not followed).
_KEY = re.compile(r"(?:(?:assets|index|rows)/[0-9a-f]{2}|slices/(?:(?:assets|index)-[0-9a-f]{2}"
                  r"|lots)|lots)\Z")


def _group_of(key: str) -> str | None:
    """The group (tails.py) whose base file is ``key``: ``assets/3f`` -> ``assets-3f``,
    ``lots`` -> ``lots``; None for a slice or rows file."""
    kind, _, shard = key.partition("/")
    if kind in ("assets", "index"):
        return f"{kind}-{shard}"
    return "lots" if key == "lots" else None
