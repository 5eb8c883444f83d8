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

Pushes come first: they are what a station waits for, and on a small server the fold
and the pushes share the same cores. So the background folder steps aside while
pushes are arriving (a push is copying its lines, or one ended less than
``QUIET_S`` ago, in any worker: asked of the database, not a per-process flag) and
folds in the gaps; it never waits more than ``MAX_WAIT_S`` in a row, so a server under constant
pushes still folds. The stations page shows how far each station is folded.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg

from ..inventory import fold
from . import matching, milestones
from .fold_sql import SqlView
from ..lazylog import getLogger

log = getLogger(__name__)

BATCH = 20_000
QUIET_S = 0.5
MAX_WAIT_S = 300.0
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
        # The lots the machines were in before the batch: a corrected ``lot_id`` moves
        # a machine out of one lot's count and into another's (milestones._lots).
        lots_before = {doc["lot_id"] for doc in view.assets.values()
                       if doc and isinstance(doc.get("lot_id"), str)}
        for ev in events:
            fold.apply(view, ev, 0, 0)
        changed = view.flush()
        lots_touched = lots_before | view.flushed_lots | {
            doc["lot_id"] for aid in changed
            if isinstance((doc := view.asset(aid) or {}).get("lot_id"), str)}
        with conn.cursor().copy("COPY facts (station_id, seq, asset_id, time, type, tag, subtag) "
                                "FROM STDIN") as copy:
            for ev in events:
                fact = fact_row(station, ev)
                if fact is not None:
                    copy.write_row(fact)
        milestones.apply(conn, station, events, view, changed, lots_touched)
        matching.propose(conn, station, changed)
        conn.execute("UPDATE stations SET folded_seq = %s WHERE station_id = %s",
                     (events[-1]["seq"], station))
        return len(events)


def pushes_arriving(conn: psycopg.Connection) -> bool:
    """Is a push (of any station, in any worker) copying its lines, or did one end in
    the last ``QUIET_S``? (``pg_stat_activity`` shows the server role its own queries.)"""
    return bool(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' "
        "  AND query LIKE 'COPY events %%') OR coalesce(max(last_push_at) > "
        "  clock_timestamp() - make_interval(secs => %s), false) AS busy FROM stations",
        (QUIET_S,)).fetchone()["busy"])


def step_aside(conn: psycopg.Connection, sleep=time.sleep) -> float:
    """Wait while pushes are arriving, at most ``MAX_WAIT_S``; the seconds waited."""
    started = time.monotonic()
    while pushes_arriving(conn) and time.monotonic() - started < MAX_WAIT_S:
        sleep(QUIET_S / 4)
    return time.monotonic() - started


def catch_up(conn: psycopg.Connection, station: str, yield_to_pushes: bool = False) -> int:
    done = 0
    while True:
        if yield_to_pushes:
            step_aside(conn)
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
                catch_up(conn, station, yield_to_pushes=True)
        except Exception:                           # logged, retried at the next push
            log.exception("folding %s failed", station)
