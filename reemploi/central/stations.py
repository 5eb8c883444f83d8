"""Stations: enrolment by a one-time code, approval, key revocation, restore.

A station asks to enrol with its Ed25519 public key (signing the request proves it
holds the private key) and gets a one-time code, shown on its screen. A coordinator
types that code in the web view: only then is the key active. The code travels by a
person, not by the network, so someone who can only reach the server cannot enrol a
station. A lost or re-flashed stick enrols again with ``restore``: once approved, its
new key replaces the old one (revoked) and it pulls its chain back
(``sync pull --restore``); or it takes a new station code, so an asset id is never
issued twice.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

import psycopg
from psycopg.types.json import Jsonb

from ..errors import NotFound
from ..sync.protocol import STATION_RE, enrol_message
from .errors import BadRequest, BadSignature, Fork
from .ingest import record_incident
from .keys import fingerprint, signature_ok
from ..i18n import N_

CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"      # no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes
CODE_LENGTH = 8
CODE_TTL = timedelta(hours=24)


def code_hash(code: str) -> str:
    clean = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(clean.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return raw[:4] + "-" + raw[4:]


def request(conn: psycopg.Connection, *, prefix: str, code: str, workshop: str,
            public_key: bytes, genesis: str, restore: bool, signature: str) -> dict:
    """A station's enrolment request; returns {state, code?, station, fingerprint}."""
    station = f"{prefix}-{code}"
    if not STATION_RE.match(station) or len(public_key) != 32:
        raise BadRequest(why=N_("station or public key"))
    fp = fingerprint(public_key)
    if not signature_ok(public_key, enrol_message(station, fp, genesis), signature):
        raise BadSignature(station=station)
    row = conn.execute("SELECT * FROM stations WHERE station_id = %s", (station,)).fetchone()
    if row is not None and row["fingerprint"] == fp and row["status"] == "active":
        return {"state": "active", "station": station, "fingerprint": fp}
    if (row is not None and not restore and row["genesis_hash"] and genesis
            and genesis != row["genesis_hash"]):
        # A new journal under a known station code: two sticks would issue the same ids.
        record_incident(conn, station, "new-genesis", 1,
                        {"server_hash": row["genesis_hash"], "station_hash": genesis,
                         "fingerprint": fp})
        raise Fork(station=station, seq=1)
    one_time = new_code()
    with conn.transaction():
        conn.execute(
            "INSERT INTO enrolments (code_hash, station_id, prefix, code, workshop, public_key,"
            " fingerprint, genesis_hash, restore, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (code_hash(one_time), station, prefix, code, workshop, public_key, fp, genesis or "",
             restore, datetime.now(timezone.utc) + CODE_TTL))
    return {"state": "pending", "code": one_time, "station": station, "fingerprint": fp}


def status(conn: psycopg.Connection, station: str, fp: str) -> str:
    """What a station's key may do now: active, pending, revoked or unknown."""
    row = conn.execute("SELECT status, fingerprint FROM stations WHERE station_id = %s",
                       (station,)).fetchone()
    if row is not None and row["fingerprint"] == fp:
        return row["status"]
    key = conn.execute("SELECT revoked_at FROM station_keys WHERE fingerprint = %s",
                       (fp,)).fetchone()
    if key is not None and key["revoked_at"] is not None:
        return "revoked"
    pend = conn.execute("SELECT 1 FROM enrolments WHERE station_id = %s AND fingerprint = %s "
                        "AND state = 'pending' AND expires_at > now()", (station, fp)).fetchone()
    return "pending" if pend else "unknown"


def pending_enrolments(conn: psycopg.Connection) -> list[dict]:
    return conn.execute("SELECT id, station_id, workshop, fingerprint, restore, requested_at "
                        "FROM enrolments WHERE state = 'pending' AND expires_at > now() "
                        "ORDER BY requested_at").fetchall()


def approve(conn: psycopg.Connection, one_time: str, operator: str) -> dict:
    """Approve the pending enrolment whose code was typed; returns the station row."""
    with conn.transaction():
        enr = conn.execute("SELECT * FROM enrolments WHERE code_hash = %s AND state = 'pending' "
                           "AND expires_at > now() FOR UPDATE",
                           (code_hash(one_time),)).fetchone()
        if enr is None:
            raise NotFound(what="enrolment code")
        station = enr["station_id"]
        row = conn.execute("SELECT * FROM stations WHERE station_id = %s FOR UPDATE",
                           (station,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO stations (station_id, prefix, code, workshop, public_key,"
                         " fingerprint, status, enrolled_at) "
                         "VALUES (%s, %s, %s, %s, %s, %s, 'active', now())",
                         (station, enr["prefix"], enr["code"], enr["workshop"],
                          enr["public_key"], enr["fingerprint"]))
        else:
            conn.execute("UPDATE station_keys SET revoked_at = now(), revoked_by = %s "
                         "WHERE station_id = %s AND revoked_at IS NULL AND fingerprint <> %s",
                         (operator, station, enr["fingerprint"]))
            conn.execute("UPDATE stations SET public_key = %s, fingerprint = %s, "
                         "status = 'active', enrolled_at = now(), workshop = %s "
                         "WHERE station_id = %s",
                         (enr["public_key"], enr["fingerprint"], enr["workshop"] or row["workshop"],
                          station))
        conn.execute("INSERT INTO station_keys (fingerprint, station_id, public_key) "
                     "VALUES (%s, %s, %s) ON CONFLICT (fingerprint) DO UPDATE "
                     "SET revoked_at = NULL, revoked_by = NULL",
                     (enr["fingerprint"], station, enr["public_key"]))
        conn.execute("UPDATE enrolments SET state = 'approved', decided_by = %s, "
                     "decided_at = now() WHERE id = %s", (operator, enr["id"]))
        conn.execute("INSERT INTO central_events (type, operator, payload) VALUES (%s, %s, %s)",
                     ("station.enrolled", operator,
                      Jsonb({"station": station, "fingerprint": enr["fingerprint"],
                             "restore": enr["restore"]})))
    return {"station": station, "fingerprint": enr["fingerprint"], "restore": enr["restore"]}


def revoke(conn: psycopg.Connection, station: str, operator: str) -> None:
    with conn.transaction():
        row = conn.execute("SELECT fingerprint FROM stations WHERE station_id = %s FOR UPDATE",
                           (station,)).fetchone()
        if row is None:
            raise NotFound(what=station)
        conn.execute("UPDATE stations SET status = 'revoked' WHERE station_id = %s", (station,))
        conn.execute("UPDATE station_keys SET revoked_at = now(), revoked_by = %s "
                     "WHERE station_id = %s AND revoked_at IS NULL", (operator, station))
        conn.execute("INSERT INTO central_events (type, operator, payload) VALUES (%s, %s, %s)",
                     ("station.key-revoked", operator,
                      Jsonb({"station": station, "fingerprint": row["fingerprint"]})))


def ids(conn: psycopg.Connection) -> list[str]:
    """Station ids, for the pages' filters (``overview`` counts every station's
    machines: too much for a search box)."""
    return [r["station_id"] for r in conn.execute(
        "SELECT station_id FROM stations ORDER BY station_id")]


def overview(conn: psycopg.Connection) -> list[dict]:
    """Every station with its sync state and open incidents."""
    return conn.execute(
        "SELECT s.station_id, s.workshop, s.status, s.fingerprint, s.head_seq, s.head_hash,"
        " s.folded_seq,"
        " s.last_push_at, s.enrolled_at,"
        " (SELECT count(*) FROM incidents i WHERE i.station_id = s.station_id"
        "   AND i.resolved_at IS NULL) AS open_incidents,"
        " (SELECT count(*) FROM assets a WHERE a.station_id = s.station_id) AS assets "
        "FROM stations s ORDER BY s.station_id").fetchall()


def incidents(conn: psycopg.Connection, open_only: bool = True) -> list[dict]:
    where = "WHERE resolved_at IS NULL" if open_only else ""
    return conn.execute(f"SELECT * FROM incidents {where} ORDER BY created_at DESC, id DESC "
                        "LIMIT 200").fetchall()


def resolve_incident(conn: psycopg.Connection, incident_id: int, operator: str) -> None:
    with conn.transaction():
        cur = conn.execute("UPDATE incidents SET resolved_at = now(), resolved_by = %s "
                           "WHERE id = %s AND resolved_at IS NULL", (operator, incident_id))
        if cur.rowcount != 1:
            raise NotFound(what=f"incident {incident_id}")
