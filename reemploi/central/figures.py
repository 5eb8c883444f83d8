"""The coordinator's figures across stations, computed in SQL.

Same definitions as ``reemploi stats`` (reemploi/stats/figures.py, docs/stats.md), for
one year in local time (Europe/Paris, as the stations' stats): see ``milestones`` for
each stage, the grades, outcomes and erasures. The folder keeps per-machine milestones
and the counts of each (year, month, station, stage or value) up to date as it folds
(``milestones.apply``), so a year's figures are a read of a few hundred ``tallies``
rows, whatever the number of machines.

One inventory: a machine seen by two stations and linked (``links``) counts once, under
the first of its records to reach each stage; the tallies count records, so the few
linked ones are corrected here, from their milestones. Figures follow the fold: lines
not folded yet are not counted yet.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import psycopg

from .milestones import COLUMNS, LAST_VALUE


@dataclass(frozen=True)
class YearFigures:
    year: int
    station: str
    totals: dict[str, int]                   # received, ..., out, built
    months: list[dict]                       # {month, received, ..., out, built}
    by_station: list[dict]                   # {station, workshop, received, ..., out, built}
    outcomes: list[dict]                     # {outcome, machines}
    grades: list[dict]                       # {grade, machines}
    erasures: list[dict]                     # {method, succeeded, failed}
    seconds: float = 0.0
    stages: tuple[str, ...] = field(default=COLUMNS)


def year_figures(conn: psycopg.Connection, year: int, station: str = "") -> YearFigures:
    started = time.perf_counter()
    counts: dict[tuple, int] = defaultdict(int)        # (month, station, what, key) -> n
    for r in conn.execute("SELECT month, station_id, what, key, n FROM tallies WHERE year = %s "
                          "AND (%s = '' OR station_id = %s)", (year, station, station)):
        counts[(r["month"], r["station_id"], r["what"], r["key"])] += int(r["n"])
    _count_groups_once(conn, year, station, counts)
    months: dict[str, dict] = {}
    per_station: dict[str, dict] = {}
    outcomes: dict[str, int] = defaultdict(int)
    grades: dict[str, int] = defaultdict(int)
    erasures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (month, st, what, key), n in counts.items():
        if not n:
            continue
        if what in COLUMNS:
            months.setdefault(month, dict.fromkeys(COLUMNS, 0))[what] += n
            per_station.setdefault(st, dict.fromkeys(COLUMNS, 0))[what] += n
        elif what == "outcome":
            outcomes[key] += n
        elif what == "grade":
            grades[key] += n
        elif what in ("erasure-ok", "erasure-failed"):
            erasures[key][what == "erasure-failed"] += n
    workshops = {r["station_id"]: r["workshop"] for r in conn.execute(
        "SELECT station_id, workshop FROM stations WHERE station_id = ANY(%s)",
        (list(per_station),))}
    month_rows = [{"month": m, **v} for m, v in sorted(months.items())]
    totals = {s: sum(m[s] for m in month_rows) for s in COLUMNS}
    return YearFigures(
        year, station, totals, month_rows,
        [{"station": st, "workshop": workshops.get(st, ""), **v}
         for st, v in sorted(per_station.items())],
        [{"outcome": k, "machines": n} for k, n in
         sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])) if n],
        [{"grade": k, "machines": n} for k, n in sorted(grades.items()) if n],
        [{"method": k, "succeeded": v[0], "failed": v[1]} for k, v in sorted(erasures.items())],
        round(time.perf_counter() - started, 3))


def _count_groups_once(conn: psycopg.Connection, year: int, station: str,
                       counts: dict[tuple, int]) -> None:
    """The tallies count each record; a linked group must count once per stage (at
    its first record to reach it) and once per grade/outcome (its last value)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in conn.execute(
            "WITH members AS (SELECT root_station AS rs, root_asset AS ra, alias_station AS st,"
            " alias_asset AS aid FROM links UNION SELECT root_station, root_asset, root_station,"
            " root_asset FROM links) "
            "SELECT m.rs, m.ra, s.station_id, s.stage, s.time, s.day, s.tag FROM members m "
            "JOIN milestones s ON s.station_id = m.st AND s.asset_id = m.aid AND s.year = %s "
            "AND s.counted "
            "WHERE %s = '' OR s.station_id = %s", (year, station, station)):
        groups[(r["rs"], r["ra"], r["stage"])].append(r)
    for (_, _, stage), rows in groups.items():
        if len(rows) < 2:
            continue
        last = stage in LAST_VALUE
        for r in rows:
            counts[_key(r, last)] -= 1
        kept = max(rows, key=lambda r: r["time"]) if last else min(
            rows, key=lambda r: (r["day"], r["station_id"]))
        counts[_key(kept, last)] += 1


def _key(r: dict, last: bool) -> tuple:
    return ("", r["station_id"], r["stage"], r["tag"]) if last else (
        r["day"][:7], r["station_id"], r["stage"], "")

