"""Periods and the day an event counts on (pure functions, table-driven)."""

from __future__ import annotations

from datetime import date

import pytest

from reemploi.errors import BadInput
from reemploi.stats.period import local_day, make_period, months_between


@pytest.mark.parametrize("kw, start, end, code", [
    ({"year": 2026}, date(2026, 1, 1), date(2026, 12, 31), "2026"),
    ({"month": "2024-02"}, date(2024, 2, 1), date(2024, 2, 29), "2024-02"),     # leap year
    ({"month": "2026-02"}, date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
    ({"start": "2025-12-01", "end": "2026-01-31"}, date(2025, 12, 1), date(2026, 1, 31),
     "2025-12-01_2026-01-31"),
    ({"start": "2026-03-01"}, date(2026, 3, 1), None, "2026-03-01_"),
    ({}, None, None, "all"),
])
def test_make_period(kw, start, end, code):
    p = make_period(**kw)
    assert (p.start, p.end, p.code) == (start, end, code)


def test_contains_includes_both_ends():
    p = make_period(year=2026)
    assert [p.contains(d) for d in ("2025-12-31", "2026-01-01", "2026-12-31", "2027-01-01")] == \
        [False, True, True, False]


@pytest.mark.parametrize("stamp, day", [
    ("2026-12-31T22:59:59Z", "2026-12-31"),   # 23:59:59 in Paris (UTC+1 in winter)
    ("2026-12-31T23:00:00Z", "2027-01-01"),   # midnight in Paris: next year
    ("2026-07-14T21:59:00Z", "2026-07-14"),   # 23:59 in Paris (UTC+2 in summer)
    ("2026-07-14T22:00:00Z", "2026-07-15"),
    ("2026-03-29T00:30:00Z", "2026-03-29"),   # the night clocks go forward
    ("2026-05-01T10:00:00Z", "2026-05-01"),
])
def test_local_day_in_paris(stamp, day):
    assert local_day(stamp) == day


def test_local_day_other_zone_takes_slow_path():
    assert local_day("2026-01-01T03:00:00Z", "America/Cayenne") == "2026-01-01"   # UTC-3
    assert local_day("2026-01-01T02:00:00Z", "America/Cayenne") == "2025-12-31"


def test_months_between_crosses_years():
    assert months_between("2025-11-15", "2026-02-01") == ["2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize("kw", [
    {"year": 2026, "month": "2026-01"}, {"month": "2026-1"}, {"month": "2026-00"},
    {"start": "2026-02-30"}, {"start": "2026-03-01", "end": "2026-02-01"}, {"year": 12},
])
def test_bad_periods(kw):
    with pytest.raises(BadInput):
        make_period(**kw)
