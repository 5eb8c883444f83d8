"""The stations' own fold, writing into SQL tables.

There is one fold (``reemploi.inventory.fold.apply``): the server does not
re-implement it. ``SqlView`` is the ``View`` that fold reads and writes through: it
loads the records a batch of events touches from PostgreSQL (in bulk, up front),
lets the fold change them in memory, and writes the changed ones back with COPY into
a temporary table and one ``INSERT … ON CONFLICT DO UPDATE`` per table, inside the
push's transaction. Records are per station (``station_id`` is part of every key):
each station's journal has its own ``seq``, which the fold uses for idempotence.

``folder`` drives it, a batch of stored lines at a time. After the fold, the strong
identities of every changed machine (DMI serial with its
vendor and model, DMI UUID, internal disk serials) go to ``identities``; matching
reads them (``matching.propose``).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import psycopg

from ..identity import clean_serial, clean_uuid


ASSET_COLUMNS = ("station_id, asset_id, kind, device_kind, status, lot_id, donor_id, grade, "
                 "vendor, product, serial, updated, doc, chassis")


def _dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str)


class SqlView:
    """``reemploi.inventory.fold.View`` over the tables of one station."""

    def __init__(self, conn: psycopg.Connection, station_id: str) -> None:
        self.conn = conn
        self.station = station_id
        self.assets: dict[str, dict | None] = {}
        self.lots: dict[str, dict | None] = {}
        self.donors: dict[str, dict | None] = {}
        self.dirty_assets: set[str] = set()
        self.dirty_lots: set[str] = set()
        self.dirty_donors: set[str] = set()
        self.flushed_lots: set[str] = set()     # the lots written back by the last flush

    # -- loading ------------------------------------------------------------------------

    def _load(self, table: str, key: str, ids: Iterable[str], into: dict) -> None:
        want = [i for i in set(ids) if i and i not in into]
        if not want:
            return
        rows = self.conn.execute(f"SELECT {key} AS k, doc FROM {table} "
                                 f"WHERE station_id = %s AND {key} = ANY(%s)",
                                 (self.station, want))
        for r in rows:
            into[r["k"]] = r["doc"]
        for i in want:
            into.setdefault(i, None)

    def preload(self, events: list[dict]) -> None:
        """Fetch every record the events name, in three queries."""
        assets, lots, donors = set(), set(), set()
        for ev in events:
            p = ev.get("payload") or {}
            if ev.get("asset_id"):
                assets.add(ev["asset_id"])
            for k in ("part_id", "into_asset", "from_asset"):
                if isinstance(p.get(k), str):
                    assets.add(p[k])
            if isinstance(p.get("lot_id"), str):
                lots.add(p["lot_id"])
            if isinstance(p.get("donor_id"), str):
                donors.add(p["donor_id"])
        self._load("assets", "asset_id", assets, self.assets)
        self._load("lots", "lot_id", lots, self.lots)
        self._load("donors", "donor_id", donors, self.donors)

    def load_assets(self, ids: Iterable[str]) -> None:
        """Fetch the records of ``ids`` not loaded yet, in one query."""
        self._load("assets", "asset_id", ids, self.assets)

    def load_lots(self, ids: Iterable[str]) -> None:
        self._load("lots", "lot_id", ids, self.lots)

    def _get(self, table: str, key: str, ident: str, cache: dict) -> dict | None:
        if not ident:
            return None
        if ident not in cache:
            self._load(table, key, [ident], cache)
        return cache[ident]

    # -- the View protocol ----------------------------------------------------------------

    def asset(self, asset_id: str) -> dict | None:
        return self._get("assets", "asset_id", asset_id, self.assets)

    def put_asset(self, doc: dict) -> None:
        self.assets[doc["id"]] = doc
        self.dirty_assets.add(doc["id"])

    def lot(self, lot_id: str) -> dict | None:
        return self._get("lots", "lot_id", lot_id, self.lots)

    def put_lot(self, doc: dict) -> None:
        self.lots[doc["id"]] = doc
        self.dirty_lots.add(doc["id"])

    def donor(self, donor_id: str) -> dict | None:
        return self._get("donors", "donor_id", donor_id, self.donors)

    def put_donor(self, doc: dict) -> None:
        self.donors[doc["id"]] = doc
        self.dirty_donors.add(doc["id"])

    def index_add(self, table: str, key: str, value: Any) -> None:
        """The station's local indexes (serial, identity, disk → journal offsets) are
        for its own look-ups; the server has SQL indexes and ``identities``."""

    def counter(self, key: str, number: int) -> None:
        """Id counters matter on the station only (it issues the ids)."""

    # -- writing back ---------------------------------------------------------------------

    def flush(self) -> set[str]:
        """Write every changed record; returns the changed asset ids."""
        cur = self.conn.cursor()
        if self.dirty_assets:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _assets (LIKE assets) ON COMMIT DROP")
            with cur.copy(f"COPY _assets ({ASSET_COLUMNS}) FROM STDIN") as copy:
                for aid in self.dirty_assets:
                    copy.write_row(self._asset_row(self.assets[aid]))
            cur.execute(f"INSERT INTO assets ({ASSET_COLUMNS}) SELECT {ASSET_COLUMNS} "
                        "FROM _assets ON CONFLICT "
                        "(station_id, asset_id) DO UPDATE SET kind = EXCLUDED.kind, "
                        "device_kind = EXCLUDED.device_kind, status = EXCLUDED.status, "
                        "lot_id = EXCLUDED.lot_id, donor_id = EXCLUDED.donor_id, "
                        "grade = EXCLUDED.grade, vendor = EXCLUDED.vendor, "
                        "product = EXCLUDED.product, serial = EXCLUDED.serial, "
                        "updated = EXCLUDED.updated, doc = EXCLUDED.doc, "
                        "chassis = EXCLUDED.chassis")
            cur.execute("TRUNCATE _assets")
            self._identities(cur)
        for table, key, dirty, cache, extra in (
                ("lots", "lot_id", self.dirty_lots, self.lots, ("donor_id", "date", "created")),
                ("donors", "donor_id", self.dirty_donors, self.donors, ("name",))):
            if not dirty:
                continue
            cols = ", ".join(("station_id", key, *extra, "doc"))
            rows = [(self.station, i, *(cache[i].get(e) for e in extra), _dumps(cache[i]))
                    for i in dirty]
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*extra, "doc"))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES "
                            f"({', '.join(['%s'] * (len(extra) + 3))}) "
                            f"ON CONFLICT (station_id, {key}) DO UPDATE SET {sets}", rows)
        changed = set(self.dirty_assets)
        self.flushed_lots = set(self.dirty_lots)
        self.dirty_assets.clear()
        self.dirty_lots.clear()
        self.dirty_donors.clear()
        return changed

    def _asset_row(self, doc: dict) -> tuple:
        probe = doc.get("probe") or {}
        grade = doc.get("grade") or {}
        return (self.station, doc["id"], doc.get("kind"), doc.get("device_kind"),
                doc.get("status"), doc.get("lot_id"), doc.get("donor_id"), grade.get("grade"),
                probe.get("vendor"), probe.get("product"), doc.get("serial"),
                doc.get("updated"), _dumps(doc), probe.get("chassis"))

    def _identities(self, cur: psycopg.Cursor) -> None:
        rows = []
        for aid in self.dirty_assets:
            for kind, value in strong_identities(self.assets[aid] or {}):
                rows.append((kind, value, self.station, aid))
        if rows:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _ident (LIKE identities) ON COMMIT DROP")
            with cur.copy("COPY _ident (kind, value, station_id, asset_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("INSERT INTO identities SELECT * FROM _ident ON CONFLICT DO NOTHING")
            cur.execute("TRUNCATE _ident")


def strong_identities(doc: dict) -> list[tuple[str, str]]:
    """What may tell this machine apart from every other, and nothing weaker: a real
    DMI serial (with vendor and model: serials are unique per maker only), a real DMI
    UUID, internal disk serials (with the disk model). Never a MAC (a USB dongle moves
    between machines), never vendor+model alone (every twin shares it)."""
    probe = doc.get("probe") or {}
    out = []
    serial = clean_serial(probe.get("serial"))
    if serial and doc.get("kind", "machine") == "machine":
        vendor = str(probe.get("vendor") or "").strip().lower()
        product = str(probe.get("product") or "").strip().lower()
        out.append(("dmi-serial", f"{vendor}|{product}|{serial.lower()}"))
    uuid = clean_uuid(probe.get("uuid"))
    if uuid:
        out.append(("dmi-uuid", uuid))
    for disk in probe.get("disks") or ():
        dserial = clean_serial(disk.get("serial"))
        if dserial:
            model = str(disk.get("model") or "").strip().lower()
            out.append(("disk", f"{model}|{dserial.lower()}"))
    return out
