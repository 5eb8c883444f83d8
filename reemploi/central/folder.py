"""Folding stored lines into the state tables, behind the pushes.

A push only has to make the lines durable and answer with a receipt (``ingest``): it
checks every hash and the chain on bytes and COPYs the raw lines. Folding them (the
stations' own fold, ``fold_sql``), pulling out the values the figures group by
(``facts``) and proposing matches is this module's job, per station, in batches, each
one transaction that also moves ``stations.folded_seq``. So a station's receipt never
waits for the fold, and the fold keeps up at its own pace — as a station's projection
follows its journal.

``catch_up`` runs after each push in a background thread of the worker that took it
(``app``), at server start for every station, and from ``reemploi server fold``. One
folder per station at a time (a transaction-level advisory lock); a second one finds
it held and leaves the work to the first.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

from ..inventory import fold
from . import matching
from .fold_sql import SqlView

log = logging.getLogger(__name__)

BATCH = 20_000
FOLD_LOCK = 0x666F6C64          # "fold": pg_try_advisory_xact_lock(FOLD_LOCK, hashtext(station))
# The events the figures read, and the payload values they group by (figures.py).
FACT_KEYS = {"asset.created": ("kind", None), "asset.graded": (None, None),
             "status.changed": ("to", None), "wipe.done": ("result", "method"),
             "image.written": ("result", None), "checkout": ("destination_kind", None),
             "built": (None, None)}


def _text(value) -> str | None:
    return None if value is None else str(value)


def fact_row(station: str, ev: dict) -> tuple | None:
    keys = FACT_KEYS.get(ev.get("type"))
    if keys is None or not ev.get("asset_id"):
        return None
    p = ev.get("payload") if isinstance(ev.get("payload"), dict) else {}
    tag = _text(p.get(keys[0])) if keys[0] else None
    subtag = _text(p.get(keys[1])) if keys[1] else None
    return (station, ev["seq"], ev["asset_id"], ev["time"], ev["type"], tag, subtag)


def fold_batch(conn: psycopg.Connection, station: str, limit: int = BATCH) -> int:
    """Fold the next ``limit`` unfolded lines of ``station``; 0 when none (or when
    another folder holds this station)."""
    with conn.transaction():
        got = conn.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s)) AS ok",
                           (FOLD_LOCK, station)).fetchone()["ok"]
        if not got:
            return 0
        row = conn.execute("SELECT folded_seq FROM stations WHERE station_id = %s",
                           (station,)).fetchone()
        if row is None:
            return 0
        lines = conn.execute("SELECT seq, line FROM events WHERE station_id = %s AND seq > %s "
                             "ORDER BY seq LIMIT %s", (station, row["folded_seq"], limit)
                             ).fetchall()
        if not lines:
            return 0
        events = [json.loads(bytes(r["line"])) for r in lines]
        view = SqlView(conn, station)
        view.preload(events)
        for ev in events:
            fold.apply(view, ev, 0, 0)
        changed = view.flush()
        with conn.cursor().copy("COPY facts (station_id, seq, asset_id, time, type, tag, subtag) "
                                "FROM STDIN") as copy:
            for ev in events:
                fact = fact_row(station, ev)
                if fact is not None:
                    copy.write_row(fact)
        matching.propose(conn, station, changed)
        conn.execute("UPDATE stations SET folded_seq = %s WHERE station_id = %s",
                     (events[-1]["seq"], station))
        return len(events)


def catch_up(conn: psycopg.Connection, station: str) -> int:
    done = 0
    while True:
        n = fold_batch(conn, station)
        if n == 0:
            return done
        done += n


def catch_up_all(conn: psycopg.Connection) -> int:
    stations = [r["station_id"] for r in conn.execute(
        "SELECT station_id FROM stations WHERE folded_seq < head_seq")]
    return sum(catch_up(conn, s) for s in stations)


class Background:
    """One folding thread per worker process: pushes queue their station; a station
    already queued is not queued twice."""

    def __init__(self, pool) -> None:
        self.pool = pool
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fold")
        self.queued: set[str] = set()
        self.lock = threading.Lock()

    def submit(self, station: str) -> None:
        with self.lock:
            if station in self.queued:
                return
            self.queued.add(station)
        self.executor.submit(self._run, station)

    def _run(self, station: str) -> None:
        with self.lock:
            self.queued.discard(station)
        try:
            with self.pool.connection() as conn:
                conn.autocommit = True
                catch_up(conn, station)
        except Exception:                           # logged, retried at the next push
            log.exception("folding %s failed", station)
