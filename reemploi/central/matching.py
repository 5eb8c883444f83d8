"""One inventory across stations: matches on strong identities, links on confirmation.

The same machine may be seen by two stations (a workshop sends a laptop to another
for its screen; a machine comes back as a new donation). When a fold gives a machine
a strong identity that another asset already has (``identities``, filled by
``fold_sql``), a match is *proposed*. Nothing merges on its own: an operator confirms
in the web view, and the server records a link event (alias → root) in its own
journal (``central_events``). Station events are never rewritten: the merged history
is read through the links (``group``), DeviceHub-style.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from .. import events
from ..errors import NotFound
from .errors import Duplicate

LINKED = "asset.linked"        # reemploi/events/sync.py
REJECTED = "match.rejected"


@dataclass(frozen=True)
class Ref:
    station: str
    asset: str


def propose(conn: psycopg.Connection, station: str, asset_ids: set[str]) -> int:
    """Propose a match for each changed asset sharing a strong identity with another.
    Pairs are stored in one order (the smaller (station, asset) first): one row each."""
    if not asset_ids:
        return 0
    cur = conn.execute(
        "INSERT INTO matches (a_station, a_asset, b_station, b_asset, reason, value) "
        "SELECT DISTINCT ON (a_s, a_a, b_s, b_a) a_s, a_a, b_s, b_a, kind, value FROM ("
        " SELECT CASE WHEN (o.station_id, o.asset_id) < (n.station_id, n.asset_id) "
        "   THEN o.station_id ELSE n.station_id END AS a_s,"
        " CASE WHEN (o.station_id, o.asset_id) < (n.station_id, n.asset_id) "
        "   THEN o.asset_id ELSE n.asset_id END AS a_a,"
        " CASE WHEN (o.station_id, o.asset_id) < (n.station_id, n.asset_id) "
        "   THEN n.station_id ELSE o.station_id END AS b_s,"
        " CASE WHEN (o.station_id, o.asset_id) < (n.station_id, n.asset_id) "
        "   THEN n.asset_id ELSE o.asset_id END AS b_a, n.kind, n.value"
        " FROM identities n JOIN identities o ON o.kind = n.kind AND o.value = n.value"
        "  AND (o.station_id, o.asset_id) <> (n.station_id, n.asset_id)"
        " WHERE n.station_id = %s AND n.asset_id = ANY(%s)) AS pairs "
        "ORDER BY a_s, a_a, b_s, b_a, kind "
        "ON CONFLICT DO NOTHING", (station, list(asset_ids)))
    return cur.rowcount


def root_of(conn: psycopg.Connection, ref: Ref) -> Ref:
    """Follow links to the root (links always point at a root: see ``confirm``)."""
    row = conn.execute("SELECT root_station, root_asset FROM links "
                       "WHERE alias_station = %s AND alias_asset = %s",
                       (ref.station, ref.asset)).fetchone()
    return Ref(row["root_station"], row["root_asset"]) if row else ref


def group(conn: psycopg.Connection, ref: Ref) -> list[Ref]:
    """The root and every alias linked to it (root first)."""
    root = root_of(conn, ref)
    rows = conn.execute("SELECT alias_station, alias_asset FROM links "
                        "WHERE root_station = %s AND root_asset = %s "
                        "ORDER BY alias_station, alias_asset", (root.station, root.asset))
    return [root] + [Ref(r["alias_station"], r["alias_asset"]) for r in rows]


def pending(conn: psycopg.Connection, limit: int = 200) -> list[dict]:
    """Proposed matches not decided yet, without pairs already in one group."""
    rows = conn.execute(
        "SELECT m.*, a.vendor AS a_vendor, a.product AS a_product, a.status AS a_status,"
        " b.vendor AS b_vendor, b.product AS b_product, b.status AS b_status "
        "FROM matches m "
        "LEFT JOIN assets a ON a.station_id = m.a_station AND a.asset_id = m.a_asset "
        "LEFT JOIN assets b ON b.station_id = m.b_station AND b.asset_id = m.b_asset "
        "WHERE m.state = 'pending' ORDER BY m.created_at, m.id LIMIT %s", (limit,)).fetchall()
    out = []
    for r in rows:
        if root_of(conn, Ref(r["a_station"], r["a_asset"])) != root_of(
                conn, Ref(r["b_station"], r["b_asset"])):
            out.append(r)
    return out


def _match(conn: psycopg.Connection, match_id: int) -> dict:
    row = conn.execute("SELECT * FROM matches WHERE id = %s FOR UPDATE", (match_id,)).fetchone()
    if row is None:
        raise NotFound(what=f"match {match_id}")
    if row["state"] != "pending":
        raise Duplicate(what=f"match {match_id} ({row['state']})")
    return row


def _created(conn: psycopg.Connection, ref: Ref) -> str:
    row = conn.execute("SELECT doc->>'created' AS c FROM assets WHERE station_id = %s "
                       "AND asset_id = %s", (ref.station, ref.asset)).fetchone()
    return (row and row["c"]) or "9999"


def confirm(conn: psycopg.Connection, match_id: int, operator: str) -> int:
    """Link the two assets: the group whose root was created first stays root; the
    other root and its aliases point at it. One central event; returns its seq."""
    with conn.transaction():
        m = _match(conn, match_id)
        ra = root_of(conn, Ref(m["a_station"], m["a_asset"]))
        rb = root_of(conn, Ref(m["b_station"], m["b_asset"]))
        root, alias = (ra, rb) if _created(conn, ra) <= _created(conn, rb) else (rb, ra)
        seq = conn.execute(
            "INSERT INTO central_events (type, operator, payload) VALUES (%s, %s, %s) "
            "RETURNING seq",
            (LINKED, operator, Jsonb(events.for_append(LINKED, {
                "alias": {"station": alias.station, "asset_id": alias.asset},
                "root": {"station": root.station, "asset_id": root.asset},
                "match": match_id, "reason": m["reason"]}).to_payload()))).fetchone()["seq"]
        if alias != root:
            conn.execute("UPDATE links SET root_station = %s, root_asset = %s, central_seq = %s "
                         "WHERE root_station = %s AND root_asset = %s",
                         (root.station, root.asset, seq, alias.station, alias.asset))
            conn.execute("INSERT INTO links VALUES (%s, %s, %s, %s, %s)",
                         (alias.station, alias.asset, root.station, root.asset, seq))
        conn.execute("UPDATE matches SET state = 'confirmed', decided_by = %s, "
                     "decided_at = now() WHERE id = %s", (operator, match_id))
    return seq


def reject(conn: psycopg.Connection, match_id: int, operator: str) -> int:
    with conn.transaction():
        m = _match(conn, match_id)
        seq = conn.execute(
            "INSERT INTO central_events (type, operator, payload) VALUES (%s, %s, %s) "
            "RETURNING seq", (REJECTED, operator, Jsonb(events.for_append(REJECTED, {
                "match": match_id, "a": {"station": m["a_station"], "asset_id": m["a_asset"]},
                "b": {"station": m["b_station"], "asset_id": m["b_asset"]}}).to_payload()))
        ).fetchone()["seq"]
        conn.execute("UPDATE matches SET state = 'rejected', decided_by = %s, "
                     "decided_at = now() WHERE id = %s", (operator, match_id))
    return seq
