"""One push: check, store and fold a station's new journal lines in one transaction.

    push(conn, key, network, station, seq, hash, signature, body) -> PushResult

Order (each refusal leaves the database as it was, and forks, tampered lines and
forged signatures are written to ``incidents`` in a transaction of their own):

1. the station is enrolled and active (its row locked: pushes of one station queue);
2. the signature over the announced head (seq, hash) verifies with its enrolled key;
3. the body's last line is that head (the signature covers exactly what is sent);
4. lines the server already holds must be byte-identical (same hash at the same seq):
   re-sending them is a no-op; a different line at a held seq is a fork (409);
5. the new lines chain after the server's head, each hash re-computed (``chain``);
6. COPY into ``events``, the head moved, a receipt signed by the server key stored
   and returned. Folding the new lines into the state tables (and proposing matches)
   follows in the background (``folder``): a receipt never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import psycopg
from psycopg.types.json import Jsonb

from ..sync.protocol import VERSION, head_message
from ..sync import chain
from .errors import BadRequest, BadSignature, ChainBroken, Fork, StationNotActive, StationUnknown
from .keys import ServerKey, signature_ok
from ..i18n import N_


@dataclass(frozen=True)
class PushResult:
    stored: int                  # new lines inserted (0: nothing new, a no-op)
    receipt: dict | None         # the receipt for the server's head now


def record_incident(conn: psycopg.Connection, station: str | None, kind: str,
                    seq: int | None, detail: dict) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO incidents (station_id, kind, seq, detail) "
                     "VALUES (%s, %s, %s, %s)", (station, kind, seq, Jsonb(detail)))


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def last_receipt(conn: psycopg.Connection, station: str) -> dict | None:
    row = conn.execute("SELECT body, signature FROM receipts WHERE station_id = %s "
                       "ORDER BY seq DESC LIMIT 1", (station,)).fetchone()
    if row is None:
        return None
    return {**row["body"], "signature": row["signature"]}


def _active_station(conn: psycopg.Connection, station: str) -> dict:
    row = conn.execute("SELECT * FROM stations WHERE station_id = %s FOR UPDATE",
                       (station,)).fetchone()
    if row is None:
        raise StationUnknown(station=station)
    if row["status"] != "active" or row["public_key"] is None:
        raise StationNotActive(station=station, state=row["status"])
    return row


def push(conn: psycopg.Connection, key: ServerKey, network: str, station: str, seq: int,
         hash_: str, signature: str, body: bytes) -> PushResult:
    try:
        with conn.transaction():
            return _push_locked(conn, key, network, station, seq, hash_, signature, body)
    except BadSignature:
        record_incident(conn, station, "bad-signature", seq, {"hash": hash_})
        raise
    except Fork as exc:
        record_incident(conn, station, "fork", exc.params.get("seq"),
                        {"server_hash": exc.params.get("server_hash"),
                         "station_hash": exc.params.get("station_hash")})
        raise
    except ChainBroken as exc:
        record_incident(conn, station, "refused-line", exc.params.get("seq"),
                        {"reason": exc.params.get("why")})
        raise


def _push_locked(conn, key, network, station, seq, hash_, signature, body) -> PushResult:
    row = _active_station(conn, station)
    if not signature_ok(row["public_key"], head_message(station, seq, hash_), signature):
        raise BadSignature(station=station)
    try:
        raws = chain.split_lines(body)
        if not raws:
            return PushResult(0, last_receipt(conn, station))
        first = chain.first_seq(raws[0])
        tail = chain.parse(raws[-1], first + len(raws) - 1)
    except chain.LineRefused as exc:
        raise ChainBroken(station=station, seq=exc.seq, why=exc.reason) from None
    if (tail.seq, tail.hash) != (seq, hash_) or tail.seq != first + len(raws) - 1:
        raise BadRequest(why=N_("the signed head is not the last line sent"))
    head = row["head_seq"]
    if first < 1 or first > head + 1:
        raise BadRequest(why=f"lines must start at or before {head + 1}, not {first}")
    _check_overlap(conn, station, raws, first, min(head, seq))
    new = raws[head - first + 1:]
    if not new:
        return PushResult(0, last_receipt(conn, station))
    try:
        lines = chain.rows(new, row["head_hash"], head + 1)
        _copy_events(conn, station, lines)
    except chain.LineRefused as exc:
        raise ChainBroken(station=station, seq=exc.seq, why=exc.reason) from None
    received_at = now_iso()
    conn.execute("UPDATE stations SET head_seq = %s, head_hash = %s, last_push_at = clock_timestamp(), "
                 "genesis_hash = coalesce(genesis_hash, %s) WHERE station_id = %s",
                 (seq, hash_, lines[0][1] if head == 0 else None, station))
    receipt = key.sign_receipt({"protocol": VERSION, "network": network, "server_key": key.fingerprint,
                                "station": station, "seq": seq, "hash": hash_,
                                "received": len(lines), "time": received_at})
    body_only = {k: v for k, v in receipt.items() if k not in ("signature",)}
    conn.execute("INSERT INTO receipts (station_id, seq, hash, received, body, signature) "
                 "VALUES (%s, %s, %s, %s, %s, %s)",
                 (station, seq, hash_, len(lines), Jsonb(body_only), receipt["signature"]))
    return PushResult(len(lines), receipt)


def _check_overlap(conn, station: str, raws: list[bytes], first: int, upto: int) -> None:
    """Lines at seqs the server holds must be the very lines it holds."""
    if first > upto:
        return
    held = {r["seq"]: r["hash"] for r in conn.execute(
        "SELECT seq, hash FROM events WHERE station_id = %s AND seq BETWEEN %s AND %s",
        (station, first, upto))}
    for raw in raws[:upto - first + 1]:
        try:
            line = chain.parse(raw, first)
        except chain.LineRefused as exc:
            raise ChainBroken(station=station, seq=first, why=exc.reason) from None
        if held.get(line.seq) != line.hash:
            raise Fork(station=station, seq=line.seq, server_hash=held.get(line.seq),
                       station_hash=line.hash)


COPY_TYPES = ("text", "int8", "text", "text", "text", "timestamptz", "text", "text", "bytea")


def _when(text: str, seq: int) -> datetime:
    """An event's time (ISO 8601, as the journal writes it; UTC when it names no zone)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise chain.LineRefused(seq, "malformed") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _copy_events(conn: psycopg.Connection, station: str, rows: list[tuple]) -> None:
    """Binary COPY: the raw line goes to PostgreSQL as it came (no bytea escaping to
    double it, none to undo on the server side)."""
    with conn.cursor().copy("COPY events (station_id, seq, hash, prev, event_id, time, type, "
                            "asset_id, line) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(COPY_TYPES)
        write = copy.write_row
        for seq, hash_, prev, eid, when, etype, aid, raw in rows:
            write((station, seq, hash_, prev, eid, _when(when, seq), etype, aid, raw))


def lines_from(conn: psycopg.Connection, station: str, start: int, limit: int) -> list[bytes]:
    """Raw lines from ``start`` (restore), in order."""
    return [bytes(r["line"]) for r in conn.execute(
        "SELECT line FROM events WHERE station_id = %s AND seq >= %s ORDER BY seq LIMIT %s",
        (station, start, limit))]
