"""What the figures count, kept up to date by the folder, so a year's figures read a
few hundred summary rows instead of grouping every event of the year.

The definitions are those of ``reemploi stats`` (reemploi/stats/figures.py,
docs/stats.md), applied to each event as the folder folds it:

* a machine reaches a stage with the first event that proves it: received =
  ``asset.created`` of a machine; diagnosed = a grade; wiped / imaged = a successful
  ``wipe.done`` / ``image.written``; out = a checkout (on its own date: the status
  change that follows it is stamped when it was typed); or ``status.changed`` to
  diagnosed, wiped, imaged or ready; built = a ``built`` event (a machine assembled in
  the workshop from parts, never received); parts are not machines;
* received: the units of the lots received in the year (their declared lines
  reconciled with the ids created from them, by kind), plus the machines created in
  the year without a known lot;
* a stage is counted once per machine and year, in the month (Europe/Paris time, as
  the stations' stats) of its first such event inside the year;
* grade and outcome: the machine's last grade / last checkout destination in the year;
* erasures: every ``wipe.done`` of the year, by method, succeeded or failed;
* corrections and voids (``correct``/``void``) count as the stations' own fold reads
  them (stats/fixes.py replays them through ``inventory.fold``; here the folder has
  already folded them into the records): a voided machine, or one of a voided lot,
  counts nowhere (its erasures excepted, as on the station); a lot counts its corrected
  lines on its corrected date; a machine's corrected kind and lot move it between
  lots' counts.

Three tables (migrations 0003, 0004): ``lot_units`` (a lot's units, for ``received``),
``milestones`` (one row per machine, year and stage: the
first time; for ``grade`` and ``outcome`` the last value) and ``tallies`` (counts per
year, month, station, stage or value). The folder derives a batch's milestones
(``marks``), merges them with the rows stored for every machine the batch touched
(``apply``) and moves the tallies by what each row counts now minus what it counted
before (``milestones.counted``), in the fold's transaction: a machine whose first wipe
of the year is already counted adds nothing; a grade that changes moves one machine
between grades; a void takes every row of its machine out.

A linked group (``links``) counts once, under its first member to reach the stage;
``figures`` corrects the tallies for the few linked records at read time.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from dataclasses import dataclass

import psycopg

from ..stats.factors import Reference, load_reference
from ..stats.figures import CHASSIS_KINDS, GENERIC_KINDS
from ..stats.period import local_day

STAGES = ("received", "diagnosed", "wiped", "imaged", "ready", "out")
BUILT = "built"                              # a machine assembled in the workshop
COLUMNS = (*STAGES, BUILT)                   # what the figures count per month and station
LAST_VALUE = ("grade", "outcome")            # milestones keeping the year's last value
OK_RESULTS = ("success", "ok", "done", "verified", True)   # as reemploi/stats/figures.py
_STATUS_STAGES = frozenset(("diagnosed", "wiped", "imaged", "ready"))


@dataclass(frozen=True)
class Mark:
    """One event's contribution: (asset, year, stage) reached at ``time`` (``day`` its
    local date), or, for grade/outcome, set to ``tag``."""
    asset_id: str
    year: int
    stage: str
    time: str
    day: str
    tag: str | None = None


def marks(ev: dict) -> list[Mark]:
    """What one event proves, by the definitions above (parts filtered by the caller)."""
    t, aid = ev.get("type"), ev.get("asset_id")
    if not aid or not isinstance(ev.get("time"), str):
        return []
    p = ev.get("payload") if isinstance(ev.get("payload"), dict) else {}
    day = local_day(ev["time"])
    year = int(day[:4]) if day[:4].isdigit() else 0

    def mark(stage: str, tag: str | None = None, on: str | None = None) -> Mark:
        return Mark(aid, year, stage, ev["time"], day, tag) if on is None else \
            Mark(aid, int(on[:4]) if on[:4].isdigit() else 0, stage, ev["time"], on, tag)

    if t == "asset.created":
        lot = p.get("lot_id") if isinstance(p.get("lot_id"), str) else None
        return [] if p.get("kind") == "part" else [mark("received", lot)]
    if t == "asset.graded":
        verdict = p.get("verdict") if isinstance(p.get("verdict"), dict) else {}
        grade = str(verdict.get("grade") or verdict.get("outcome") or "unknown")
        return [mark("diagnosed"), mark("grade", grade)]
    if t == "wipe.done":
        return [mark("wiped")] if p.get("result") in OK_RESULTS else []
    if t == "image.written":
        return [mark("imaged")] if p.get("result", "success") in OK_RESULTS else []
    if t == "checkout":
        # on its own date when the operator gave one (stats/ledger.py dates it so)
        on = p["date"][:10] if isinstance(p.get("date"), str) and len(p["date"]) >= 10 else None
        return [mark("out", on=on),
                mark("outcome", str(p.get("destination_kind") or "unknown"), on=on)]
    if t == BUILT:
        return [mark(BUILT)]
    if t == "status.changed" and p.get("to") in _STATUS_STAGES:
        return [mark(p["to"])]
    return []


def erasure(ev: dict) -> tuple[int, str, bool] | None:
    """(year, method, succeeded) of a ``wipe.done``, whatever its asset."""
    if ev.get("type") != "wipe.done" or not isinstance(ev.get("time"), str):
        return None
    p = ev.get("payload") if isinstance(ev.get("payload"), dict) else {}
    day = local_day(ev["time"])
    return (int(day[:4]) if day[:4].isdigit() else 0, str(p.get("method") or "unknown"),
            p.get("result") in OK_RESULTS)


def apply(conn: psycopg.Connection, station: str, events: list[dict], view,
          changed: set[str], lots_touched: set[str]) -> None:
    """Fold a batch's milestones and tallies into the tables (events in journal order;
    ``view``: the folded records, ``fold_sql.SqlView``, already written back;
    ``changed``: the assets the fold changed; ``lots_touched``: the lots it changed
    and the lots those assets were in before the batch).

    A milestone row is what the machine's events proved, whatever became of the
    machine; ``counted`` says whether the tallies hold it: a voided machine, one of a
    voided lot, or a part holds none; ``received`` is tallied per machine only for
    machines without a known lot (the machines of a lot are counted with their lot,
    ``_lots``). So a correction or a void read by the fold moves the tallies by the
    machines it touches, as ``reemploi stats`` reads it (stats/fixes.py)."""
    new: dict[tuple, Mark] = {}
    deltas: dict[tuple, int] = defaultdict(int)
    for ev in events:
        for m in marks(ev):
            key = (m.asset_id, m.year, m.stage)
            old = new.get(key)
            # stages keep their first day in the year, grade/outcome their last value
            if old is None or m.stage in LAST_VALUE or m.day < old.day:
                new[key] = m
        e = erasure(ev)
        if e is not None:
            deltas[(e[0], "", "erasure-ok" if e[2] else "erasure-failed", e[1])] += 1
    # The machines of every lot touched count anew too: a voided lot takes its machines
    # out, a lot recorded after its machines makes them its members (no longer
    # received on their own).
    affected = {k[0] for k in new} | set(changed)
    view.load_lots(lots_touched)                 # one query, not one per lot
    if lots_touched:
        affected |= {r["asset_id"] for r in conn.execute(
            "SELECT asset_id FROM assets WHERE station_id = %s AND lot_id = ANY(%s)",
            (station, list(lots_touched)))}
    if affected:
        _machines(conn, station, new, affected, view, deltas)
    _lots(conn, station, lots_touched, view, deltas)
    rows = [(y, mo, station, what, key, n) for (y, mo, what, key), n in deltas.items() if n]
    if rows:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO tallies (year, month, station_id, what, key, n) "
                            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT "
                            "(year, month, station_id, what, key) DO UPDATE "
                            "SET n = tallies.n + EXCLUDED.n", rows)


def counts(doc: dict | None, view) -> tuple[bool, bool]:
    """(counted at all, received on its own) for a machine's folded record, as
    ``reemploi stats`` reads it: voided machines and the machines of a voided lot are
    left out, parts are not machines; a machine whose lot is known is received with it.
    A record the journal never created (events naming an unknown id) counts as the
    stations' figures count it: its stages, never a reception."""
    if doc is None:
        return True, False
    if doc.get("kind") == "part" or doc.get("voided"):
        return False, False
    lot = view.lot(doc["lot_id"]) if isinstance(doc.get("lot_id"), str) else None
    if lot is not None and lot.get("voided"):
        return False, False
    return True, lot is None


def _tally_key(year: int, stage: str, day: str, tag: str | None) -> tuple:
    return (year, "", stage, tag) if stage in LAST_VALUE else (year, day[:7], stage, "")


def _machines(conn: psycopg.Connection, station: str, new: dict[tuple, Mark],
              affected: set[str], view, deltas: dict[tuple, int]) -> None:
    """Merge the batch's marks into the affected machines' milestones and move the
    tallies by what each row counts now minus what it counted before."""
    view.load_assets(affected)
    view.load_lots(doc["lot_id"] for aid in affected
                   if isinstance((doc := view.asset(aid) or {}).get("lot_id"), str))
    held = {(r["asset_id"], r["year"], r["stage"]): r for r in conn.execute(
        "SELECT asset_id, year, stage, time, day, tag, counted FROM milestones "
        "WHERE station_id = %s AND asset_id = ANY(%s)", (station, list(affected)))}
    rows: dict[tuple, tuple] = {k: (r["time"], r["day"], r["tag"]) for k, r in held.items()}
    fresh: set[tuple] = set()
    for key, m in new.items():
        old = rows.get(key)
        if m.stage in LAST_VALUE:
            if old is not None and old[2] == m.tag:
                continue
        elif old is not None and old[1] <= m.day:
            continue
        rows[key] = (m.time, m.day, m.tag)
        fresh.add(key)
    state = {aid: counts(view.asset(aid), view) for aid in affected}
    write = []
    for key, (when, day, tag) in rows.items():
        aid, year, stage = key
        active, lone = state[aid]
        want = active and (stage != "received" or lone)
        old = held.get(key)
        if old is not None and old["counted"]:
            deltas[_tally_key(year, stage, old["day"], old["tag"])] -= 1
        if want:
            deltas[_tally_key(year, stage, day, tag)] += 1
        if key in fresh or old["counted"] != want:
            write.append((station, aid, year, stage, when, day, tag, want))
    if write:
        with conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS _ms (LIKE milestones) ON COMMIT DROP")
            with cur.copy("COPY _ms (station_id, asset_id, year, stage, time, day, tag, counted) "
                          "FROM STDIN") as copy:
                for row in write:
                    copy.write_row(row)
            cur.execute("INSERT INTO milestones SELECT * FROM _ms ON CONFLICT "
                        "(station_id, asset_id, year, stage) DO UPDATE SET "
                        "time = EXCLUDED.time, day = EXCLUDED.day, tag = EXCLUDED.tag, "
                        "counted = EXCLUDED.counted")
            cur.execute("TRUNCATE _ms")


def kind_of(device_kind: str | None, chassis: str | None) -> str:
    """A machine's kind as ``reemploi stats`` sees it: the reference's aliases, and the
    chassis when the intake said only "computer" or a kind the reference lacks."""
    ref = reference()
    kind = ref.canonical(device_kind)
    by_chassis = CHASSIS_KINDS.get(chassis)
    if by_chassis and (kind in GENERIC_KINDS or kind not in ref.kinds):
        return by_chassis
    return kind


@functools.lru_cache(maxsize=1)
def reference() -> Reference:
    """The kinds and aliases of ``reemploi stats`` (the shipped data files: a server has
    no workshop directory to override them)."""
    return load_reference(None)


def units(devices, members: Counter) -> int:
    """A lot's units: per kind, the larger of the units declared and the machines
    created from it (a line of 10 laptops with 12 ids counts 12, with 9 ids 10)."""
    declared: Counter = Counter()
    for line in devices or ():
        if not isinstance(line, dict):
            continue
        kind = reference().canonical(line.get("kind"))
        try:
            declared[kind] += max(int(line.get("count", 1) or 0), 0)
        except (TypeError, ValueError):
            declared[kind] += 1
    return sum(max(declared[k], members[k]) for k in set(declared) | set(members))


def lot_day(doc: dict) -> str:
    """A lot's local day as ``reemploi stats`` dates it: its (corrected) ``date`` when
    the intake gave one, else the day it was recorded."""
    date = doc.get("date")
    return date[:10] if isinstance(date, str) and len(date) >= 10 else local_day(doc["created"])


def _lots(conn: psycopg.Connection, station: str, touched: set[str], view,
          deltas: dict[tuple, int]) -> None:
    """Re-count the lots a batch touched (received, corrected, voided, or a machine of
    theirs created, re-kinded, moved or voided) and move ``received`` by the
    difference, in the lot's month. A voided lot counts nothing."""
    lots = {lot_id: view.lot(lot_id) for lot_id in touched if lot_id}
    lots = {k: v for k, v in lots.items() if v is not None and isinstance(v.get("created"), str)}
    if not lots:
        return
    members: dict[str, Counter] = defaultdict(Counter)
    for r in conn.execute("SELECT lot_id, device_kind, chassis, count(*) AS n FROM assets "
                          "WHERE station_id = %s AND lot_id = ANY(%s) AND kind = 'machine' "
                          "AND NOT doc ? 'voided' GROUP BY 1, 2, 3", (station, list(lots))):
        members[r["lot_id"]][kind_of(r["device_kind"], r["chassis"])] += int(r["n"])
    held = {r["lot_id"]: r for r in conn.execute(
        "SELECT lot_id, year, month, units FROM lot_units WHERE station_id = %s "
        "AND lot_id = ANY(%s)", (station, list(lots)))}
    rows = []
    for lot_id, doc in lots.items():
        day = lot_day(doc)
        year = int(day[:4]) if day[:4].isdigit() else 0
        n = 0 if doc.get("voided") else units(doc.get("devices"), members[lot_id])
        old = held.get(lot_id)
        if old is not None:
            deltas[(old["year"], old["month"], "received", "")] -= int(old["units"])
        deltas[(year, day[:7], "received", "")] += n
        rows.append((station, lot_id, year, day[:7], n))
    conn.cursor().executemany(
        "INSERT INTO lot_units (station_id, lot_id, year, month, units) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (station_id, lot_id) DO UPDATE SET "
        "year = EXCLUDED.year, month = EXCLUDED.month, units = EXCLUDED.units", rows)
