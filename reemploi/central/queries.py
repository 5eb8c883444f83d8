"""Read side: the inventory list and search, a machine and its merged history, lots,
donors. Every reader (web view, public page, JSON API) goes through here."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg

from ..errors import NotFound
from .matching import Ref, group

PAGE = 50
# A term's page is first looked for among the first SPREAD × (page + 1) × PAGE ids in
# order: a common term (a model family, "latitude", on 10 % of machines) fills its page
# there after ~PAGE/share rows, where fetching every match to sort it grows with the
# matches (20 000 for a model on 10 % of 200 000 machines). A rare term (a serial), or
# one whose matches all sit late in id order (one station's serials), does not fill
# it: its matches are then fetched and sorted.
SPREAD = 20
# pg_trgm indexes three-letter slices: a shorter term cannot use the trigram index
# (it would scan every machine), so it searches asset ids by prefix only.
TRIGRAM_FROM = 3


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_COLUMNS = "station_id, asset_id, device_kind, status, grade, vendor, product, updated"
_ID = 'asset_id COLLATE "C"'         # ids are ASCII: byte order, and LIKE 'X%' uses the index


def search(conn: psycopg.Connection, q: str = "", status: str = "", station: str = "",
           page: int = 0, limit: int = PAGE, spread: int = SPREAD) -> list[dict]:
    """Machines in id order. A term that begins some asset id is an id search: a range
    of the id index. Any other term of three letters or more is looked for in make,
    model and serial (the trigram index; the matches are fetched then sorted, never
    found by walking every id in order until a page is full — ids of one station are
    contiguous, so a term matching only the last station's machines would walk all the
    others'). Ids stay out of the trigram index: every id shares trigrams such as
    "-26" and "000" with every other, and a term made of them would read the whole
    index (measured: 1.2 s for "BEN-3-26-01" among 206 000 machines). The page is
    first looked for among the first ``spread`` × (``page`` + 1) × ``limit`` ids in
    order (see ``SPREAD``): a common term needs ~``limit``/share rows, not every
    match sorted."""
    where, args = ["kind = 'machine'"], []
    if status:
        where.append("status = %s")
        args.append(status)
    if station:
        where.append("station_id = %s")
        args.append(station)
    cond = " AND ".join(where)
    page_args = [limit, page * limit]
    prefix = _like(q.upper()) + "%"
    # Never a prepared statement for a term: a generic plan cannot see it, and the term
    # is what decides the plan — ``LIKE $1`` with no known prefix cannot use the id
    # index as a range, and psycopg prepares a statement run five times on a
    # connection, after which PostgreSQL may keep a generic plan: every id read for
    # each search (measured: 15–45 ms instead of 0.1 ms among 200 000 machines).
    if q and len(q) >= TRIGRAM_FROM and conn.execute(
            f"SELECT NOT EXISTS (SELECT 1 FROM assets WHERE {_ID} LIKE %s) AS other",
            [prefix], prepare=False).fetchone()["other"]:
        # A rare serial or a common model: the term decides the plan (never prepared).
        like = "%" + _like(q.lower()) + "%"
        # The first ids in order (the id index, walked), then the matches among them:
        # when they fill the page, it is the page (every earlier match is among them).
        window = spread * limit * (page + 1)
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM (SELECT {_COLUMNS}, search FROM assets WHERE {cond} "
            f"ORDER BY {_ID} LIMIT %s) AS w WHERE search LIKE %s "
            f"ORDER BY {_ID} LIMIT %s OFFSET %s", [*args, window, like, *page_args],
            prepare=False).fetchall() if window else []
        if len(rows) == limit:
            return rows
        # OFFSET 0 keeps the planner from turning the sort into an unbounded id walk.
        return conn.execute(
            f"SELECT * FROM (SELECT {_COLUMNS} FROM assets WHERE {cond} AND search LIKE %s "
            f"OFFSET 0) AS t ORDER BY {_ID} LIMIT %s OFFSET %s",
            [*args, like, *page_args], prepare=False).fetchall()
    if q:
        where.append(f"{_ID} LIKE %s")
        args.append(prefix)
    return conn.execute(f"SELECT {_COLUMNS} FROM assets WHERE {' AND '.join(where)} "
                        f"ORDER BY {_ID} LIMIT %s OFFSET %s", [*args, *page_args],
                        prepare=False if q else None).fetchall()


@dataclass(frozen=True)
class MachineView:
    ref: Ref                         # the asset asked for
    members: list[dict]              # the linked group's asset rows (root first)
    history: list[dict]              # merged events, oldest first
    certificates: dict[str, str]     # certificate id -> sha256 of the signed file

    @property
    def main(self) -> dict:
        return self.members[0]["doc"]

    @property
    def wipes(self) -> list[dict]:
        """Every recorded wipe of the group's records, oldest first."""
        return sorted((w for m in self.members for w in m["doc"].get("wipes") or ()),
                      key=lambda w: w.get("time") or "")


def find(conn: psycopg.Connection, asset_id: str) -> Ref:
    row = conn.execute("SELECT station_id FROM assets WHERE asset_id = %s ORDER BY station_id "
                       "LIMIT 1", (asset_id,)).fetchone()
    if row is None:
        raise NotFound(what=asset_id)
    return Ref(row["station_id"], asset_id)


# The asset asked for, its root (through ``links``) and every record of the group,
# root first, with their documents; then the group's events. Both are sent at once
# (pipeline mode): one round trip for the machine page.
_GROUP_CTE = """
WITH a AS (SELECT station_id, asset_id FROM assets WHERE asset_id = %(aid)s
           ORDER BY station_id LIMIT 1),
r AS (SELECT coalesce(l.root_station, a.station_id) AS st, coalesce(l.root_asset, a.asset_id) AS aid
      FROM a LEFT JOIN links l ON l.alias_station = a.station_id AND l.alias_asset = a.asset_id),
g AS (SELECT st, aid, 0 AS n FROM r
      UNION ALL SELECT l.alias_station, l.alias_asset, 1 FROM links l JOIN r
      ON l.root_station = r.st AND l.root_asset = r.aid)
"""
_GROUP = _GROUP_CTE + """
SELECT g.st AS station_id, g.aid AS asset_id, x.doc, s.workshop,
       (SELECT station_id FROM a) AS asked
FROM g JOIN assets x ON x.station_id = g.st AND x.asset_id = g.aid
JOIN stations s ON s.station_id = g.st ORDER BY g.n, g.st, g.aid
"""
_HISTORY = _GROUP_CTE + """
SELECT e.station_id, e.seq, e.time, e.type, e.asset_id, e.line FROM events e
JOIN g ON e.station_id = g.st AND e.asset_id = g.aid ORDER BY e.time, e.station_id, e.seq
"""


def machine(conn: psycopg.Connection, asset_id: str, with_history: bool = True) -> MachineView:
    args = {"aid": asset_id}
    with conn.pipeline():
        group_cur = conn.execute(_GROUP, args)
        events_cur = conn.execute(_HISTORY, args) if with_history else None
    rows = group_cur.fetchall()
    if not rows:
        raise NotFound(what=asset_id)
    ref = Ref(rows[0]["asked"], asset_id)
    history: list[dict] = []
    certs: dict[str, str] = {}
    if events_cur is not None:
        for r in events_cur.fetchall():
            ev = json.loads(bytes(r["line"]))
            history.append({"station": r["station_id"], "seq": r["seq"], "time": ev["time"],
                            "type": r["type"], "asset_id": r["asset_id"],
                            "operator": ev.get("operator"), "payload": ev.get("payload") or {}})
            if r["type"] == "certificate.issued":
                p = ev.get("payload") or {}
                if p.get("certificate_id"):
                    certs[str(p["certificate_id"])] = str(p.get("sha256") or "")
    return MachineView(ref, rows, history, certs)


def evidence_lines(conn: psycopg.Connection, asset_id: str) -> bytes:
    """The raw signed journal lines of a machine's group: each re-checkable offline."""
    refs = group(conn, find(conn, asset_id))
    rows = conn.execute(
        "SELECT e.line FROM events e JOIN unnest(%s::text[], %s::text[]) AS g(st, aid) "
        "ON e.station_id = g.st AND e.asset_id = g.aid ORDER BY e.time, e.station_id, e.seq",
        ([r.station for r in refs], [r.asset for r in refs]))
    return b"".join(bytes(r["line"]) for r in rows)


def lots(conn: psycopg.Connection, limit: int = 200) -> list[dict]:
    return conn.execute(
        "SELECT l.station_id, l.lot_id, l.date, l.donor_id, d.name AS donor_name,"
        " jsonb_array_length(coalesce(l.doc->'assets', '[]'::jsonb)) AS assets,"
        " l.doc->'weight_kg' AS weight_kg "
        "FROM lots l LEFT JOIN donors d ON d.station_id = l.station_id "
        " AND d.donor_id = l.donor_id ORDER BY l.date DESC NULLS LAST, l.lot_id LIMIT %s",
        (limit,)).fetchall()


def lot(conn: psycopg.Connection, station: str, lot_id: str) -> dict:
    row = conn.execute("SELECT l.*, d.name AS donor_name FROM lots l LEFT JOIN donors d "
                       "ON d.station_id = l.station_id AND d.donor_id = l.donor_id "
                       "WHERE l.station_id = %s AND l.lot_id = %s", (station, lot_id)).fetchone()
    if row is None:
        raise NotFound(what=lot_id)
    return row


def donors(conn: psycopg.Connection, limit: int = 500) -> list[dict]:
    return conn.execute(
        "SELECT station_id, donor_id, name, doc->>'kind' AS kind,"
        " jsonb_array_length(coalesce(doc->'lots', '[]'::jsonb)) AS lots "
        "FROM donors ORDER BY name, donor_id LIMIT %s", (limit,)).fetchall()


def public_view(conn: psycopg.Connection, asset_id: str) -> dict:
    """What anyone scanning the label may see: nothing personal. Built field by field
    from an allow-list (never by removing fields from the full record), so a field
    added to the fold later stays private until someone decides otherwise."""
    view = machine(conn, asset_id)
    doc = view.main
    probe = doc.get("probe") or {}
    grade = doc.get("grade") or {}
    erasures = []
    for member in view.members:
        for w in member["doc"].get("wipes") or ():
            if w.get("result") != "success":
                continue
            cert = w.get("certificate")
            erasures.append({"method": w.get("method"), "nist": w.get("nist"),
                             "date": (w.get("time") or "")[:10],
                             "certificate": cert,
                             "certificate_sha256": view.certificates.get(cert or "", "")})
    image = doc.get("image") or {}
    return {
        "asset_id": view.ref.asset,
        "workshop": view.members[0]["workshop"],
        "device_kind": doc.get("device_kind"),
        "vendor": probe.get("vendor"), "product": probe.get("product"),
        "cpu": probe.get("cpu_model"), "ram_mb": probe.get("ram_total_mb"),
        "disks": [{"size_bytes": d.get("size_bytes"), "media": d.get("media")}
                  for d in probe.get("disks") or ()],
        "grade": grade.get("grade"), "outcome": grade.get("outcome"),
        "status": doc.get("status"),
        "system": (f"{image.get('name')} {image.get('version') or ''}".strip()
                   if image.get("result") == "success" else None),
        "erasures": erasures,
    }
