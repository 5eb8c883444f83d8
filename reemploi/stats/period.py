"""The reporting period and the date an event counts on.

A period is a closed range of calendar days (``start`` and ``end`` included), or
"all time" when both are ``None``. Every event counts in the period of ITS OWN date:
a machine received on 20 December and given on 10 January counts as received in
December and out in January. Funders and the eco-organism ask for calendar years, so
this is what makes two consecutive yearly reports add up without double counting.

The date of an event is the business date the operator recorded when there is one
(``lot.received`` and ``checkout`` carry a ``date`` field: the lorry may be unloaded
on Monday and entered on Tuesday), else the journal timestamp converted to the
workshop's time zone (French workshops: Europe/Paris). The journal stores UTC; an
intake at 23:30 UTC on 31 December is already 1 January in Paris.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from ..errors import BadInput
from ..i18n import N_

DEFAULT_TZ = "Europe/Paris"


class NotADate(BadInput):
    """Exit 7: a --from, --to or --month the calendar does not know, said in the
    reader's words (the value as typed, the form expected)."""
    msg = N_("Cannot read {what}: '{text}' is not a date YYYY-MM-DD")
    month = N_("Cannot read {what}: '{text}' is not a month YYYY-MM")


@dataclass(frozen=True)
class Period:
    start: date | None = None   # inclusive; None = from the first event
    end: date | None = None     # inclusive; None = up to the last event

    def contains(self, day: str) -> bool:
        """``day`` is an ISO date string (YYYY-MM-DD): string order is date order."""
        if self.start is not None and day < self.start.isoformat():
            return False
        if self.end is not None and day > self.end.isoformat():
            return False
        return True

    @property
    def code(self) -> str:
        """A stable label for file names and JSON: 2026, 2026-03, 2026-01-01_2026-06-30, all."""
        if self.start is None and self.end is None:
            return "all"
        if self.start and self.end and self.start.month == 1 and self.start.day == 1 \
                and self.end == date(self.start.year, 12, 31):
            return str(self.start.year)
        if self.start and self.end and self.start.day == 1 and self.start.year == self.end.year \
                and self.start.month == self.end.month \
                and self.end.day == calendar.monthrange(self.start.year, self.start.month)[1]:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.isoformat() if self.start else ''}_{self.end.isoformat() if self.end else ''}"


def _parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotADate(what=what, text=text) from None


def make_period(year: int | None = None, month: str | None = None,
                start: str | None = None, end: str | None = None) -> Period:
    """Build the period from the command-line choices (at most one kind of choice)."""
    chosen = sum(x is not None for x in (year, month)) + (1 if (start or end) else 0)
    if chosen > 1:
        raise BadInput("Give the period one way only: --year, --month or --from/--to")
    if year is not None:
        if not 1970 <= year <= 9999:
            raise BadInput("Cannot read --year: {year} is not a plausible year", year=year)
        return Period(date(year, 1, 1), date(year, 12, 31))
    if month is not None:
        m = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise NotADate(NotADate.month, what="--month", text=month)
        y, mo = int(m.group(1)), int(m.group(2))
        return Period(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]))
    p = Period(_parse_day(start, "--from") if start else None,
               _parse_day(end, "--to") if end else None)
    if p.start and p.end and p.start > p.end:
        raise BadInput(what="--from/--to", why=N_("the start is after the end"))
    return p


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(timestamp: str, tz: str = DEFAULT_TZ) -> str:
    """The calendar day (YYYY-MM-DD) of a journal UTC timestamp in zone ``tz``.

    Fast path: metropolitan France is UTC+1 or UTC+2, so only timestamps from 22:00
    UTC on can fall on the next local day; the rest keep their UTC date without a
    datetime parse (this matters for 50 000 machines). Other zones take the slow path.
    """
    if tz == DEFAULT_TZ and len(timestamp) >= 13 and timestamp[11:13] < "22":
        return timestamp[:10]
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp[:10]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_zone(tz)).date().isoformat()


def months_between(first: str, last: str) -> list[str]:
    """Every month YYYY-MM from ``first`` to ``last`` (day strings), both included."""
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out
