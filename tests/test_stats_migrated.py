"""The statistics read an old journal as the typed events do: a schema-1 wipe recorded
the method asked ("auto"); it counts as the method that ran (issue 10)."""

from __future__ import annotations

import shutil

from conftest import FIXTURES
from reemploi.stats import figures_for, make_period


def test_an_old_auto_wipe_counts_as_the_method_that_ran(tmp_path):
    """tests/fixtures/journals/v1: written by the real CLI before typed events; its one
    wipe (a loop device, random data) said "auto"."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURES / "journals" / "v1" / "journal.jsonl", home / "journal.jsonl")
    f = figures_for(home, make_period(year=2026))
    assert {(r.method, r.nist): (r.succeeded, r.failed) for r in f.erasures} == {
        ("prng", "clear"): (1, 0)}
