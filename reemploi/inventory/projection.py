"""The projection: current state folded from the journal, stored in TinyDB files.

Why sharded: TinyDB's JSON storage rewrites its whole file on every write. With
20 000 machines (about 40 MB of JSON) one file would cost ~0.5 s per event, far from
the 150 ms goal. So asset records are spread over 256 TinyDB files by a stable hash
of the asset id (``assets/3f.json``, ~80 machines each at that size); recording an
event rewrites only the shard(s) it touched. Lookup indexes (serial, fingerprint,
disk identity → wipe events) are sharded the same way by key. Lots and donors are few
and live in one TinyDB file. ``meta.json`` holds the last applied journal seq, hash
and byte offset and the id counters; it is written last, so a crash leaves it behind
the shards and the next open re-applies the tail (the fold is idempotent).

Every file is written atomically (temp file, rename) but not fsynced: the journal line
was, and the journal stays the truth. ``meta.json`` holds a CRC-32 of every file it
wrote; any missing, damaged, stale or hand-edited projection file disagrees with it
and triggers a refold from the journal (see ``Session.save``).
"""

from __future__ import annotations

import functools
import json
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from ..system.files import private_subdir, write_atomic  # noqa: F401 (re-exported)
from .listing import ROW_FIELDS, rows_file

PROJECTION_DIR = "projection"
# Bumped whenever a record's shape changes: a projection of another format is rebuilt
# from the journal on open. 2: grade records carry the verdict's upgrades and harvest.
# 3: records list their ``unfinished`` wipes and image writes (start, no end).
# 4: records say their ``origin`` (received, or built in the workshop).
# 5: the ``events`` index (asset id -> [offset, length, seq] of every journal line
# naming it), so an asset's history is read without scanning the journal, and the
# ``disk_events`` index (disk identity -> the same, for wipes and image writes) (issue 16).
# 6: (a custody branch's 5 and 6, never on main) custody fields, ``touch``, CRC-32s.
# 7 (issue 10, custody): custody fields (entered_seq, probe_seq, removed_disks, wipes'
# verified, a part's destiny) and the ``touch`` index (disk identity -> [seq, asset] of
# every wipe, image write and probe on it: who held that disk when); meta.json holds a
# CRC-32 of every shard file it wrote (``crc``): a file edited by hand, or written by a
# writer killed before meta.json moved, is never trusted.
# 8: ``rows/XX.json`` beside each asset shard, its assets' listing rows (listing.py).
# 9: only real certificates in an asset's ``certificates`` (never a failure report);
# an asset's lot corrected moves it between the lots' ``assets``; a part's kind corrected
# is its ``part_kind``; a lot's donor corrected is its assets' ``donor_id`` too.
FORMAT = 9
SHARDS = 256
ASSETS_TABLE = "assets"
INDEX_TABLES = ("serial", "identity", "disk", "events", "disk_events", "touch")


class ProjectionDamaged(Exception):
    """A projection file is unreadable: rebuild from the journal (internal signal)."""


@functools.lru_cache(maxsize=65536)
def shard_of(key: str) -> str:
    """The shard of an asset id or index key: CRC-32 (stable across runs and
    machines, unlike ``hash()``) modulo the shard count."""
    return f"{zlib.crc32(key.encode('utf-8')) % SHARDS:02x}"


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
        self.meta_path = self.root / "meta.json"
        self.catalog_path = self.root / "lots.json"

    def ensure_dirs(self) -> None:
        for d in (self.root, self.assets_dir, self.index_dir, self.rows_dir):
            private_subdir(d)

    def read_meta(self) -> dict | None:
        try:
            meta = read_json(self.meta_path)
        except ProjectionDamaged:
            return None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
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


class Session:
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

    def _record_crc(self, path: Path, key: str) -> None:
        self.meta.setdefault("crc", {})[key] = zlib.crc32(path.read_bytes())

    def _assets(self, shard: str) -> dict[str, dict]:
        docs = self.asset_shards.get(shard)
        if docs is None:
            if not self.fresh:
                self._check(self.proj.asset_path(shard), "assets/" + shard)
            docs = {} if self.fresh else load_table(self.proj.asset_path(shard), ASSETS_TABLE)
            self.asset_shards[shard] = docs
        return docs

    def rows(self) -> Iterator[list]:
        """Every asset's listing row (listing.py), shard by shard; each file checked
        against its CRC-32 like the records."""
        for shard in sorted(p.stem for p in self.proj.assets_dir.glob("*.json")):
            path = self.proj.rows_path(shard)
            self._check(path, "rows/" + shard)
            data = read_json(path)
            if not isinstance(data, dict) or data.get("fields") != list(ROW_FIELDS):
                raise ProjectionDamaged(str(path))
            yield from data["rows"]

    def _index(self, shard: str) -> dict[str, dict]:
        idx = self.index_shards.get(shard)
        if idx is None:
            if not self.fresh:
                self._check(self.proj.index_path(shard), "index/" + shard)
            data = None if self.fresh else read_json(self.proj.index_path(shard))
            if data is not None and not isinstance(data, dict):
                raise ProjectionDamaged(str(self.proj.index_path(shard)))
            idx = {t: dict((data or {}).get(t) or {}) for t in INDEX_TABLES}
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
        return self.catalog

    # -- the View protocol ----------------------------------------------------------

    def asset(self, asset_id: str) -> dict | None:
        if not asset_id:
            return None
        return self._assets(shard_of(asset_id)).get(asset_id)

    def put_asset(self, doc: dict) -> None:
        shard = shard_of(doc["id"])
        self._assets(shard)[doc["id"]] = doc
        self.dirty_assets.add(shard)

    def lot(self, lot_id: str) -> dict | None:
        return self._catalog()["lots"].get(lot_id)

    def put_lot(self, doc: dict) -> None:
        self._catalog()["lots"][doc["id"]] = doc
        self.dirty_catalog = True

    def donor(self, donor_id: str) -> dict | None:
        return self._catalog()["donors"].get(donor_id)

    def put_donor(self, doc: dict) -> None:
        self._catalog()["donors"][doc["id"]] = doc
        self.dirty_catalog = True

    def index_add(self, table: str, key: str, value: Any) -> None:
        shard = shard_of(key)
        values = self._index(shard)[table].setdefault(key, [])
        if value not in values:
            values.append(value)
            self.dirty_index.add(shard)

    def index_get(self, table: str, key: str) -> list:
        return list(self._index(shard_of(key))[table].get(key, []))

    def counter(self, key: str, number: int) -> None:
        counters = self.meta.setdefault("counters", {})
        if number > counters.get(key, 0):
            counters[key] = number
            self.counters_changed = True

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
        for shard in sorted(self.dirty_assets):
            docs = self.asset_shards[shard].values()
            save_table(self.proj.asset_path(shard), {ASSETS_TABLE: docs})
            self._record_crc(self.proj.asset_path(shard), "assets/" + shard)
            rows = json.dumps(rows_file(docs), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            write_atomic(self.proj.rows_path(shard), rows, sync=False)
            self.meta.setdefault("crc", {})["rows/" + shard] = zlib.crc32(rows)
        for shard in sorted(self.dirty_index):
            data = json.dumps(self.index_shards[shard], ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            write_atomic(self.proj.index_path(shard), data, sync=False)
            self.meta.setdefault("crc", {})["index/" + shard] = zlib.crc32(data)
        if self.dirty_catalog and self.catalog is not None:
            save_table(self.proj.catalog_path, {"lots": self.catalog["lots"].values(),
                                                "donors": self.catalog["donors"].values()})
            self._record_crc(self.proj.catalog_path, "lots")
        self.meta.update({"format": FORMAT, "seq": seq, "hash": hash_, "offset": offset})
        self.proj.write_meta(self.meta)
        self.dirty_assets.clear()
        self.dirty_index.clear()
        self.dirty_catalog = False
