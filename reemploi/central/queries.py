"""Read side: the inventory list and search, a machine and its merged history, lots,
donors. Every reader (web view, public page, JSON API) goes through here."""

from __future__ import annotations

import json
from dataclasses import dataclass

import psycopg

from ..errors import NotFound
from .matching import Ref, group

PAGE = 50


def search(conn: psycopg.Connection, q: str = "", status: str = "", station: str = "",
           page: int = 0, limit: int = PAGE) -> list[dict]:
    where, args = ["kind = 'machine'"], []
    if q:
        where.append("search LIKE %s")
        args.append("%" + q.lower().replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%")
    if status:
        where.append("status = %s")
        args.append(status)
    if station:
        where.append("station_id = %s")
        args.append(station)
    args += [limit, page * limit]
    return conn.execute(
        "SELECT station_id, asset_id, device_kind, status, grade, vendor, product, updated "
        f"FROM assets WHERE {' AND '.join(where)} ORDER BY asset_id LIMIT %s OFFSET %s",
        args).fetchall()


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


def machine(conn: psycopg.Connection, asset_id: str, with_history: bool = True) -> MachineView:
    ref = find(conn, asset_id)
    refs = group(conn, ref)
    stations = [r.station for r in refs]
    assets = [r.asset for r in refs]
    rows = conn.execute(
        "SELECT a.station_id, a.asset_id, a.doc, s.workshop FROM assets a "
        "JOIN stations s USING (station_id) "
        "JOIN unnest(%s::text[], %s::text[]) WITH ORDINALITY AS g(st, aid, n) "
        "ON a.station_id = g.st AND a.asset_id = g.aid ORDER BY g.n",
        (stations, assets)).fetchall()
    history: list[dict] = []
    certs: dict[str, str] = {}
    if with_history:
        for r in conn.execute(
                "SELECT e.station_id, e.seq, e.time, e.type, e.asset_id, e.line FROM events e "
                "JOIN unnest(%s::text[], %s::text[]) AS g(st, aid) "
                "ON e.station_id = g.st AND e.asset_id = g.aid "
                "ORDER BY e.time, e.station_id, e.seq", (stations, assets)):
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
