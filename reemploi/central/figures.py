"""The coordinator's figures across stations, computed in SQL.

Same definitions as ``reemploi stats`` (reemploi/stats/figures.py, docs/stats.md), on
the events every station pushed, for one year in local time (Europe/Paris, as the
stations' stats):

* a machine reaches a stage with the first event that proves it: received =
  ``asset.created`` of a machine; diagnosed = a grade or ``status.changed`` to
  diagnosed; wiped / imaged = a successful ``wipe.done`` / ``image.written`` or the
  status; ready = the status; out = a checkout or the status; counted once per stage,
  in the month of its first such event inside the year;
* outcome: the destination kind of the machine's last checkout in the year;
* erasures: successful and failed ``wipe.done`` by method.

One inventory: a machine seen by two stations and linked (``links``) counts once,
under its root. The figures read ``facts`` (the events they count, with the payload
values they group by), filled by the folder (``folder.fact_row``): no JSON is parsed
here. Figures follow the fold, so lines still being folded are not counted yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from ..stats.period import DEFAULT_TZ

STAGES = ("received", "diagnosed", "wiped", "imaged", "ready", "out")
OK = ("success", "ok", "done", "verified", "True", "true")

# One row per (machine, stage) event; the root of a linked group stands for it.
_STAGE_EVENTS = """
WITH ev AS (
  SELECT coalesce(l.root_station, e.station_id) AS st, coalesce(l.root_asset, e.asset_id) AS aid,
         e.station_id AS origin, e.time, e.type, e.tag, e.subtag, e.seq
  FROM facts e LEFT JOIN links l ON l.alias_station = e.station_id AND l.alias_asset = e.asset_id
  WHERE e.time >= %(start)s AND e.time < %(end)s
    AND (%(station)s = '' OR e.station_id = %(station)s)
), stage AS (
  SELECT st, aid, origin, time, CASE
    WHEN type = 'asset.created' AND coalesce(tag, 'machine') = 'machine' THEN 'received'
    WHEN type = 'asset.graded' THEN 'diagnosed'
    WHEN type = 'wipe.done' AND tag = ANY(%(ok)s) THEN 'wiped'
    WHEN type = 'image.written' AND tag = ANY(%(ok)s) THEN 'imaged'
    WHEN type = 'checkout' THEN 'out'
    WHEN type = 'status.changed' AND tag IN ('diagnosed', 'wiped', 'imaged', 'ready', 'out')
      THEN tag END AS stage
  FROM ev
), firsts AS (
  SELECT st, aid, stage, min(time) AS first, min(origin) AS origin FROM stage
  WHERE stage IS NOT NULL GROUP BY st, aid, stage
)
"""


@dataclass(frozen=True)
class YearFigures:
    year: int
    station: str
    totals: dict[str, int]
    months: list[dict]                       # {month, received, ..., out}
    by_station: list[dict]                   # {station, workshop, received, ..., out}
    outcomes: list[dict]                     # {outcome, machines}
    grades: list[dict]                       # {grade, machines}
    erasures: list[dict]                     # {method, succeeded, failed}
    seconds: float = 0.0
    stages: tuple[str, ...] = field(default=STAGES)


def year_figures(conn: psycopg.Connection, year: int, station: str = "") -> YearFigures:
    import time
    started = time.perf_counter()
    # Bounds and months in the workshops' local time.
    args = {"start": f"{year}-01-01 00:00:00 {DEFAULT_TZ}",
            "end": f"{year + 1}-01-01 00:00:00 {DEFAULT_TZ}",
            "station": station, "ok": list(OK), "tz": DEFAULT_TZ}
    sums = ", ".join(f"count(*) FILTER (WHERE stage = '{s}') AS {s}" for s in STAGES)
    months = conn.execute(
        _STAGE_EVENTS + f"SELECT to_char(first AT TIME ZONE %(tz)s, 'YYYY-MM') AS month, {sums} "
        "FROM firsts GROUP BY 1 ORDER BY 1", args).fetchall()
    by_station = conn.execute(
        _STAGE_EVENTS + f"SELECT f.origin AS station, s.workshop, {sums} FROM firsts f "
        "JOIN stations s ON s.station_id = f.origin GROUP BY 1, 2 ORDER BY 1", args).fetchall()
    outcomes = conn.execute(
        "SELECT outcome, count(*) AS machines FROM ("
        " SELECT DISTINCT ON (coalesce(l.root_station, e.station_id),"
        "  coalesce(l.root_asset, e.asset_id)) e.tag AS outcome FROM facts e"
        " LEFT JOIN links l ON l.alias_station = e.station_id AND l.alias_asset = e.asset_id"
        " WHERE e.type = 'checkout' AND e.time >= %(start)s AND e.time < %(end)s"
        "  AND (%(station)s = '' OR e.station_id = %(station)s)"
        " ORDER BY coalesce(l.root_station, e.station_id), coalesce(l.root_asset, e.asset_id),"
        "  e.time DESC) AS last GROUP BY 1 ORDER BY 2 DESC, 1", args).fetchall()
    grades = conn.execute(
        _STAGE_EVENTS + "SELECT coalesce(a.grade, '?') AS grade, count(*) AS machines "
        "FROM firsts f JOIN assets a ON a.station_id = f.st AND a.asset_id = f.aid "
        "WHERE f.stage = 'diagnosed' GROUP BY 1 ORDER BY 1", args).fetchall()
    erasures = conn.execute(
        "SELECT coalesce(subtag, '?') AS method,"
        " count(*) FILTER (WHERE tag = ANY(%(ok)s)) AS succeeded,"
        " count(*) FILTER (WHERE NOT (coalesce(tag, '') = ANY(%(ok)s))) AS failed "
        "FROM facts WHERE type = 'wipe.done' AND time >= %(start)s AND time < %(end)s"
        " AND (%(station)s = '' OR station_id = %(station)s) GROUP BY 1 ORDER BY 1",
        args).fetchall()
    totals = {s: sum(int(m[s]) for m in months) for s in STAGES}
    return YearFigures(year, station, totals, months, by_station, outcomes, grades, erasures,
                       round(time.perf_counter() - started, 3))
