"""The projection: current state folded from the journal, stored in TinyDB files.

Why sharded: TinyDB's JSON storage rewrites its whole file on every write. With
20 000 machines (about 40 MB of JSON) one file would cost ~0.5 s per event, far from
the 150 ms goal. So asset records are spread over 256 TinyDB files by a stable hash
of the asset id (``assets/3f.json``, ~80 machines each at that size). Recording an
event rewrites no shard: it appends what changed to the tails of the shards it
touched (``tails.py``), compacted into them once a tail passes its shard's size.
Lookup indexes (serial, fingerprint, disk identity → wipe events) are sharded the
same way by key. Lots and donors are few and live in one TinyDB file. ``meta.json``
holds the last applied journal seq, hash and byte offset and the id counters; it is
written last, so a crash leaves it behind the shards and the next open re-applies the
journal's tail (the fold is idempotent).

Every file is written atomically (temp file, rename) but not fsynced: the journal line
was, and the journal stays the truth. ``meta.json`` holds a CRC-32 of every file it
wrote; any missing, damaged, stale or hand-edited projection file disagrees with it
and triggers a refold from the journal (see ``Session.save``).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from ..system.files import private_subdir, write_atomic  # noqa: F401 (re-exported)
from .layout import ASSETS_TABLE, INDEX_TABLES, READABLE_FORMATS, shard_of
from .listing import ROW_FIELDS
from .saving import SessionSaving
from .slices import ProjectionDamaged, SlicedReads, parse_table
from . import tails

PROJECTION_DIR = "projection"
def read_json(path: Path) -> Any:
    """Parsed JSON, None if the file is absent; ProjectionDamaged if unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise ProjectionDamaged(str(path)) from None


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-file JSON, written by temp file + rename so a reader
    never sees half a file (TinyDB's JSONStorage rewrites in place). Not fsynced: see
    ``Session.save``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> dict | None:
        data = read_json(self.path)
        if data is not None and not isinstance(data, dict):
            raise ProjectionDamaged(str(self.path))
        return data

    def write(self, data: dict) -> None:
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                     .encode("utf-8"), sync=False)

    def close(self) -> None:
        pass


def open_db(path: Path) -> TinyDB:
    """A TinyDB on our atomic storage, writes cached until ``close()`` (one file
    write per batch of table operations)."""
    return TinyDB(path, storage=CachingMiddleware(AtomicJSONStorage))


def load_table(path: Path, table: str) -> dict[str, dict]:
    """{record id: record} of one TinyDB table file."""
    db = open_db(path)
    try:
        return {doc["id"]: dict(doc) for doc in db.table(table).all()}
    except (KeyError, TypeError, AttributeError, ValueError):
        raise ProjectionDamaged(str(path)) from None
    finally:
        db.storage.cache = None  # drop without flushing: nothing was changed


def save_table(path: Path, tables: dict[str, Iterable[dict]]) -> None:
    """Write a TinyDB file holding exactly these tables, in one atomic write. The old
    file is not read (it may be the damaged one being replaced)."""
    db = open_db(path)
    db.storage.cache = {}
    try:
        for name, docs in tables.items():
            table = db.table(name)
            table.truncate()
            table.insert_multiple(Document(doc, doc_id=i) for i, doc in enumerate(docs, 1))
    finally:
        db.close()


class Projection:
    """Files of the projection under ``<home>/projection``."""

    def __init__(self, home: Path) -> None:
        self.root = Path(home) / PROJECTION_DIR
        self.assets_dir = self.root / "assets"
        self.index_dir = self.root / "index"
        self.rows_dir = self.root / "rows"
        self.slices_dir = self.root / "slices"
        self.meta_path = self.root / "meta.json"
        self.catalog_path = self.root / "lots.json"
        self.tails_dir = self.root / tails.TAILS_DIR

    def ensure_dirs(self) -> None:
        for d in (self.root, self.assets_dir, self.index_dir, self.rows_dir, self.slices_dir,
                  self.tails_dir):
            private_subdir(d)

    def read_meta(self) -> dict | None:
        try:
            meta = read_json(self.meta_path)
        except ProjectionDamaged:
            return None
        if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
            return None
        return meta

    def write_meta(self, meta: dict) -> None:
        write_atomic(self.meta_path, json.dumps(meta, sort_keys=True).encode("utf-8"),
                     sync=False)

    def asset_path(self, shard: str) -> Path:
        return self.assets_dir / f"{shard}.json"

    def rows_path(self, shard: str) -> Path:
        return self.rows_dir / f"{shard}.json"

    def index_path(self, shard: str) -> Path:
        return self.index_dir / f"{shard}.json"

    def slices_path(self, name: str) -> Path:
        """The slice file of ``assets-XX``, ``index-XX`` or ``lots`` (slices.py)."""
        return self.slices_dir / f"{name}.json"

    def all_asset_shards(self) -> list[Path]:
        return sorted(self.assets_dir.glob("*.json"))

    def drop_meta(self) -> None:
        """Forget what was applied: readers then wait for the lock (and the rebuild)
        instead of reading shards that are being replaced."""
        try:
            self.meta_path.unlink()
        except FileNotFoundError:
            pass

    def prune(self, asset_shards: set[str], index_shards: set[str]) -> None:
        """Remove shard files a rebuild did not write (their records no longer exist)."""
        for folder, keep in ((self.assets_dir, asset_shards), (self.rows_dir, asset_shards),
                             (self.index_dir, index_shards)):
            for f in folder.glob("*.json"):
                if f.stem not in keep:
                    f.unlink()
        keep = ({f"assets-{s}" for s in asset_shards} | {f"index-{s}" for s in index_shards}
                | {"lots"})
        for f in self.slices_dir.glob("*.json"):
            if f.stem not in keep:
                f.unlink()
        for f in self.tails_dir.glob("*"):      # a rebuild writes every base whole
            f.unlink()
        for f in self.root.glob("**/*.json.next"):    # saves killed before meta.json
            f.unlink()


class Session(SessionSaving, tails.TailReads, SlicedReads):
    """A fold ``View`` over the projection files: loads shards lazily, remembers what
    changed, and ``save()`` writes only that. ``fresh=True`` starts empty (rebuild)."""

    def __init__(self, proj: Projection, meta: dict, fresh: bool = False) -> None:
        self.proj = proj
        self.meta = meta
        self.fresh = fresh
        self.asset_shards: dict[str, dict[str, dict]] = {}
        self.index_shards: dict[str, dict[str, dict]] = {}
        self.catalog: dict[str, dict[str, dict]] | None = None
        self.dirty_assets: set[str] = set()
        self.dirty_index: set[str] = set()
        self.dirty_catalog = False
        self.counters_changed = False
        # Records read by their slice (shard not loaded): kept so that a record read
        # twice, or read then its shard loaded for a write, stays one object.
        self.loose: dict[tuple[str, str], dict | None] = {}
        self.slice_files: dict[str, dict[str, bytes] | None] = {}
        self.tail_files: dict[str, tails.Tail | None] = {}
        # Writes to groups not loaded whole: {group: {table: {key: value}}}, appended to
        # their tails by ``save`` (tails.py). The values are the objects the fold holds.
        self.pending: dict[str, dict[str, dict[str, Any]]] = {}

    # -- loading --------------------------------------------------------------------

    def _check(self, path: Path, key: str) -> None:
        """The file is the one meta.json recorded (CRC-32), or absent as recorded."""
        crcs = self.meta.get("crc")
        if crcs is None:
            return
        want = crcs.get(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if want is None:
                return
            raise ProjectionDamaged(str(path)) from None
        if want != zlib.crc32(raw):
            raise ProjectionDamaged(str(path))

    def _assets(self, shard: str) -> dict[str, dict]:
        docs = self.asset_shards.get(shard)
        if docs is None:
            if not self.fresh:
                self._check(self.proj.asset_path(shard), "assets/" + shard)
            absent = self.fresh or self._absent("assets/" + shard)
            docs = {} if absent else load_table(self.proj.asset_path(shard), ASSETS_TABLE)
            docs.update(self._tail_all("assets-" + shard, ASSETS_TABLE))
            self._overlay("a", docs, lambda aid: shard_of(aid) == shard)
            self.asset_shards[shard] = docs
        return docs

    def _absent(self, key: str) -> bool:
        """meta.json records no such file (a shard nothing was written to yet)."""
        crcs = self.meta.get("crc")
        return crcs is not None and key not in crcs

    def _overlay(self, kind: str, docs: dict[str, dict], mine: Callable[[str], bool]) -> None:
        """Put back the records already read by their slice (same file version, both
        checked against meta.json) so their objects stay the ones the fold holds."""
        for (k, key), doc in self.loose.items():
            if k == kind and doc is not None and mine(key):
                docs[key] = doc

    def assets_of(self, asset_ids: Iterable[str]) -> dict[str, dict | None]:
        """{asset id: record or None} for many ids: each shard's records read by their
        slices, one open per shard; a loaded shard (a writer's) from memory."""
        found: dict[str, dict | None] = {}
        by_shard: dict[str, list[str]] = {}
        for aid in dict.fromkeys(asset_ids):
            if not aid:
                found[aid] = None
                continue
            shard = shard_of(aid)
            if self.fresh or shard in self.asset_shards:
                found[aid] = self._assets(shard).get(aid)
            elif ("a", aid) in self.loose:
                found[aid] = self.loose[("a", aid)]
            else:
                by_shard.setdefault(shard, []).append(aid)
        for shard, ids in by_shard.items():
            got = self._sliced(self.proj.asset_path(shard), "assets-" + shard, ASSETS_TABLE,
                               ids)
            if got is None:
                docs = self._assets(shard)
                found.update((aid, docs.get(aid)) for aid in ids)
                continue
            for aid in ids:
                doc = got.get(aid)
                if doc is not None and (not isinstance(doc, dict) or doc.get("id") != aid):
                    raise ProjectionDamaged(str(self.proj.asset_path(shard)))
                self.loose[("a", aid)] = found[aid] = doc
        return found

    def rows(self) -> Iterator[list]:
        """Every asset's listing row (listing.py), shard by shard; each file checked
        against its CRC-32 like the records."""
        for shard in sorted(p.stem for p in self.proj.assets_dir.glob("*.json")):
            yield from self.rows_of(shard)

    def rows_of(self, shard: str) -> Iterator[list]:
        """One shard's listing rows: its rows file's, those of its tail over them."""
        path = self.proj.rows_path(shard)
        self._check(path, "rows/" + shard)
        data = read_json(path)
        if not isinstance(data, dict) or data.get("fields") != list(ROW_FIELDS):
            raise ProjectionDamaged(str(path))
        tail = self._tail("assets-" + shard)
        if tail is None or not tail.rows:
            yield from data["rows"]
            return
        newer = tail.rows
        yield from (r for r in data["rows"] if not isinstance(r, list) or not r
                    or r[0] not in newer)
        yield from newer.values()

    def _index(self, shard: str) -> dict[str, dict]:
        idx = self.index_shards.get(shard)
        if idx is None:
            if not self.fresh:
                self._check(self.proj.index_path(shard), "index/" + shard)
            data = None if self.fresh else read_json(self.proj.index_path(shard))
            if data is not None and not isinstance(data, dict):
                raise ProjectionDamaged(str(self.proj.index_path(shard)))
            idx = {t: dict((data or {}).get(t) or {}) for t in INDEX_TABLES}
            for t in INDEX_TABLES:
                idx[t].update(self._tail_all("index-" + shard, t))
            for t, values in self.pending.get("index-" + shard, {}).items():
                idx[t].update(values)
            self.index_shards[shard] = idx
        return idx

    def _catalog(self) -> dict[str, dict[str, dict]]:
        if self.catalog is None:
            if self.fresh:
                self.catalog = {"lots": {}, "donors": {}}
            else:
                self._check(self.proj.catalog_path, "lots")
                self.catalog = {"lots": load_table(self.proj.catalog_path, "lots"),
                                "donors": load_table(self.proj.catalog_path, "donors")}
                for table in ("lots", "donors"):
                    self.catalog[table].update(self._tail_all("lots", table))
                    self._overlay(table[0], self.catalog[table], lambda _: True)
        return self.catalog

    def catalog_of(self, table: str, keys: Iterable[str | None]) -> dict[str, dict | None]:
        """{id: lot or donor (``table``) or None} for many ids, read by their slices
        (one open) while the catalogue is not loaded whole."""
        kind = table[0]
        keys = [k for k in dict.fromkeys(keys) if k]
        if self.fresh or self.catalog is not None:
            return {k: self._catalog()[table].get(k) for k in keys}
        found = {k: self.loose[(kind, k)] for k in keys if (kind, k) in self.loose}
        missing = [k for k in keys if k not in found]
        got = self._sliced(self.proj.catalog_path, "lots", table, missing) if missing else {}
        if got is None:
            return {k: self._catalog()[table].get(k) for k in keys}
        for key in missing:
            doc = got.get(key)
            if doc is not None and (not isinstance(doc, dict) or doc.get("id") != key):
                raise ProjectionDamaged(str(self.proj.catalog_path))
            self.loose[(kind, key)] = found[key] = doc
        return found

    def all_of(self, table: str) -> list[dict]:
        """Every lot or donor (``table``), read by their slices: the donors (a few
        hundred) without the lots (one per ten machines) when the catalogue is not
        loaded whole."""
        if self.fresh or self.catalog is not None:
            return list(self._catalog()[table].values())
        raw = self._slice_table("lots", table)
        if raw is None:
            return list(self._catalog()[table].values())
        keys = set(parse_table(raw))
        tail = self._tail("lots")
        if tail is not None:
            keys.update(tail.refs.get(table, ()))
        keys.update(k for kind, k in self.loose if kind == table[0])
        return [d for d in self.catalog_of(table, sorted(keys)).values() if d is not None]

    # -- the View protocol ----------------------------------------------------------

    def asset(self, asset_id: str) -> dict | None:
        if not asset_id:
            return None
        return self.assets_of([asset_id])[asset_id]

    def put_asset(self, doc: dict) -> None:
        shard = shard_of(doc["id"])
        if self.fresh or shard in self.asset_shards:
            self._assets(shard)[doc["id"]] = doc
            self.dirty_assets.add(shard)
        else:
            self.loose[("a", doc["id"])] = doc
            self._pend("assets-" + shard, ASSETS_TABLE, doc["id"], doc)

    def _pend(self, group: str, table: str, key: str, value: Any) -> None:
        self.pending.setdefault(group, {}).setdefault(table, {})[key] = value

    def lot(self, lot_id: str) -> dict | None:
        return self.catalog_of("lots", [lot_id]).get(lot_id)

    def put_lot(self, doc: dict) -> None:
        self._put_catalog("lots", doc)

    def _put_catalog(self, table: str, doc: dict) -> None:
        if self.fresh or self.catalog is not None:
            self._catalog()[table][doc["id"]] = doc
            self.dirty_catalog = True
        else:
            self.loose[(table[0], doc["id"])] = doc
            self._pend("lots", table, doc["id"], doc)

    def donor(self, donor_id: str) -> dict | None:
        return self.catalog_of("donors", [donor_id]).get(donor_id)

    def put_donor(self, doc: dict) -> None:
        self._put_catalog("donors", doc)

    def index_add(self, table: str, key: str, value: Any) -> None:
        shard = shard_of(key)
        pending = self.pending.get("index-" + shard, {}).get(table, {})
        values = pending.get(key)
        if values is None and not (self.fresh or shard in self.index_shards):
            values = self.index_many(table, [key])[key]     # may load the shard whole
        if self.fresh or shard in self.index_shards:
            values = self._index(shard)[table].setdefault(key, [])
            if value not in values:
                values.append(value)
                self.dirty_index.add(shard)
            return
        if value not in values:
            values.append(value)
            self._pend("index-" + shard, table, key, values)

    def index_get(self, table: str, key: str) -> list:
        return self.index_many(table, [key])[key]

    def index_many(self, table: str, keys: Iterable[str]) -> dict[str, list]:
        """{key: its values} of one index table for many keys, by their slices (one
        open per index shard) unless the shard is loaded."""
        found: dict[str, list] = {}
        by_shard: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            shard = shard_of(key)
            pending = self.pending.get("index-" + shard, {}).get(table, {})
            if self.fresh or shard in self.index_shards:
                found[key] = list(self._index(shard)[table].get(key, []))
            elif key in pending:
                found[key] = list(pending[key])
            else:
                by_shard.setdefault(shard, []).append(key)
        for shard, wanted in by_shard.items():
            got = self._sliced(self.proj.index_path(shard), "index-" + shard, table, wanted)
            if got is None:
                idx = self._index(shard)[table]
                got = {k: idx[k] for k in wanted if k in idx}
            for key in wanted:
                values = got.get(key, [])
                if not isinstance(values, list):
                    raise ProjectionDamaged(str(self.proj.index_path(shard)))
                found[key] = list(values)
        return found

    def counter(self, key: str, number: int) -> None:
        counters = self.meta.setdefault("counters", {})
        if number > counters.get(key, 0):
            counters[key] = number
            self.counters_changed = True
