"""Saving a projection ``Session``: what changed, written after the journal line.

Groups loaded whole (a rebuild, a listing's shard then written) are rewritten whole,
base file and slice file (``slices.encode``) and listing rows; writes to groups not
loaded are appended to their tails (``tails.py``), or, once a tail passes its base's
size, the group is compacted: loaded whole, rewritten, its tail dropped. meta.json,
written last, vouches for all of it (see ``Session.save``).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..system.files import write_atomic
from . import tails
from .listing import row_of, rows_file
from .slices import _base_key, encode


class SessionSaving:
    """``save`` of the projection ``Session`` (which provides the rest)."""

    proj: Any
    meta: dict
    FORMAT: int
    ASSETS_TABLE: str
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
    INDEX_TABLES: tuple
    shard_of: Any
    tail_files: dict

    # -- saving ---------------------------------------------------------------------

    def save(self, seq: int, hash_: str, offset: int, prune: bool = False) -> None:
        """Write changed shards, then move meta forward (it holds their CRC-32s).
        ``prune`` (rebuild): also remove shard files this session does not hold.

        Nothing here is fsynced: the journal line was, before (one fsync per command,
        issue 16), and it is the truth. After a power cut a shard or meta.json may be
        older, newer or empty; each file's CRC-32 in meta.json then disagrees (or
        meta.json is unreadable, or behind the journal) and the next open refolds
        from the journal (rebuild or catch-up) instead of trusting it. A kill -9
        loses nothing written: the page cache survives the process."""
        self.proj.ensure_dirs()
        if prune:
            self.proj.prune(set(self.asset_shards), set(self.index_shards))
            self.meta["crc"] = {}
            self.meta["tails"] = {}
        self._append_pending()
        for shard in sorted(self.dirty_assets):
            docs = self.asset_shards[shard].values()
            self._write(self.proj.asset_path(shard), "assets/" + shard, "assets-" + shard,
                        {self.ASSETS_TABLE: _tinydb_items(docs)})
            rows = json.dumps(rows_file(docs), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            write_atomic(self.proj.rows_path(shard), rows, sync=False)
            self.meta.setdefault("crc", {})["rows/" + shard] = zlib.crc32(rows)
        for shard in sorted(self.dirty_index):
            idx = self.index_shards[shard]
            self._write(self.proj.index_path(shard), "index/" + shard, "index-" + shard,
                        {t: ((k, k, v) for k, v in values.items())
                         for t, values in idx.items()})
        if self.dirty_catalog and self.catalog is not None:
            self._write(self.proj.catalog_path, "lots", "lots",
                        {t: _tinydb_items(self.catalog[t].values())
                         for t in ("lots", "donors")})
        self.meta.update({"format": self.FORMAT, "seq": seq, "hash": hash_, "offset": offset})
        self.proj.write_meta(self.meta)
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
            self._overlay("a", docs, lambda aid: self.shard_of(aid) == shard)
            self.asset_shards[shard] = docs
            self.dirty_assets.add(shard)
        elif kind == "index":
            pending = self.pending.get("index-" + shard, {})
            self.index_shards[shard] = {t: dict(pending.get(t, {}))
                                        for t in self.INDEX_TABLES}
            self.dirty_index.add(shard)
        else:
            self.catalog = {"lots": {}, "donors": {}}
            for table in ("lots", "donors"):
                self._overlay(table[0], self.catalog[table], lambda _: True)
            self.dirty_catalog = True

    def _write(self, path: Path, key: str, slices_name: str, tables: dict) -> None:
        """A shard (plain JSON, TinyDB's layout) and its slice file, their CRC-32s kept
        for meta.json (written after them)."""
        data, side = encode(tables)
        write_atomic(path, data, sync=False)
        write_atomic(self.proj.slices_path(slices_name), side, sync=False)
        # The base now holds the tail's values: meta.json (written after) forgets the
        # tail, and its files go (a writer killed before meta.json moved leaves meta
        # naming a tail whose file is gone: damaged, refolded, never believed).
        if self.meta.get("tails", {}).pop(slices_name, None) is not None:
            tails.drop(self.proj, slices_name)
        crcs = self.meta.setdefault("crc", {})
        crcs[key] = zlib.crc32(data)
        crcs["slices/" + slices_name] = zlib.crc32(side)


def _tinydb_items(docs: Iterable[dict]) -> Iterator[tuple[str, str, dict]]:
    """A TinyDB table's documents: keyed "1", "2"... in the file, by id in the slices."""
    for i, doc in enumerate(docs, 1):
        yield str(i), doc["id"], doc
