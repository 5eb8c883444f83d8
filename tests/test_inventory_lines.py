"""The ``lines`` index (fold.line_keys, issue 16): the roster, a person's atelier
sittings and a finished wipe by its event id are read at their journal offsets, the
same events as a scan of the whole journal, without that scan; an index out of step
falls back to the scan.

The shop is made by the real stages: intake, grading by replaying a recorded machine
(tests/fixtures/machines), a part harvested, people put on the roster, atelier
sittings before and after a Jerry is built from harvested parts, and wipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reemploi.atelier.record import Atelier
from reemploi.inventory import operators
from reemploi.inventory.fold import ROSTER_KEY, line_keys
from reemploi.inventory.journal import Journal, parse_line
from reemploi.inventory.projection import Session
from reemploi.inventory.store import Inventory

ROOT = Path(__file__).resolve().parent.parent
MACHINE = ROOT / "tests" / "fixtures" / "machines" / "latitude-e5410-failing-disk"
DISK = {"identity": "serial:WD-WX11A", "model": "WDC WD2500BEVT", "serial": "WD-WX11A"}


@pytest.fixture
def shop(cli, tmp_path):
    home = tmp_path / "shop"
    out = cli(["intake", "--donor", "Mairie", "--device", "laptop:3", "--create-ids", "--json",
               "--home", home])
    assert out.exit_code == 0, out.output
    ids = json.loads(out.stdout)["ids"]
    graded = cli(["grade", "--replay", MACHINE, "--asset", ids[0], "--json", "--home", home])
    assert graded.exit_code == 0, graded.output
    inv = Inventory.open(home, "poste-1", "Camille")
    at = Atelier(inv, home)
    lea, sam = at.add_person("Léa", "trainee"), at.add_person("Sam", "trainee")
    tom = at.add_person("Tom Martin", "trainer")
    operators.add(inv, "Camille Roy", ("validator",))
    at.record_sitting(lea, tom, "2026-11-02T09:00:00Z", ["open"], None,
                      ended="2026-11-02T11:00:00Z")
    at.record_sitting(sam, None, "2026-11-03T09:00:00Z", ["clean"], None,
                      ended="2026-11-03T10:00:00Z")
    parts = [inv.harvest_part(ids[1], "ram", {"type": "DDR3", "size_gb": 4}),
             inv.harvest_part(ids[2], "psu", {"watts": 300})]
    jerry = at.build("Bidule", parts, lea)
    at.record_sitting(lea, tom, "2026-11-04T09:00:00Z", ["assemble"], jerry,
                      ended="2026-11-04T12:00:00Z")
    wipes = [inv.record("wipe.done", ids[0], {"disk": DISK, "result": "success",
                                              "method": "zero"}).id,
             inv.record("wipe.done", None, {"disk": {**DISK, "identity": "serial:LOOSE",
                                                     "serial": "LOOSE"},
                                            "result": "success", "method": "zero"}).id]
    return inv, at, jerry, wipes, [lea.id, sam.id, tom.id]


def _scanned(inv, key: str) -> list[str]:
    return [d["id"] for _, line in inv.journal.iter_lines()
            if key in line_keys(d := parse_line(line))]


def test_indexed_lines_are_the_scanned_lines(shop):
    inv, _, _, wipes, people = shop
    keys = [ROSTER_KEY, *(f"person:{p}" for p in people), *(f"event:{w}" for w in wipes)]
    got = inv.lines_of(keys)
    for key in keys:
        assert [e.id for e in got[key]] == _scanned(inv, key) != [], key
    assert len(got[ROSTER_KEY]) == 4 and len(got[f"person:{people[2]}"]) == 2
    assert inv.lines_of(["event:nope", "person:nobody"]) == {"event:nope": [],
                                                             "person:nobody": []}


def test_roster_carnet_and_wipes_by_id_read_no_whole_journal(shop, monkeypatch):
    inv, at, jerry, wipes, people = shop
    roster = operators.roster(inv)
    story = at.story(jerry)
    wiped = inv.lines_of([f"event:{w}" for w in wipes], types=["wipe.done"])
    assert [s.session_id for s in story.sittings] and story.trainee.name == "Léa"
    assert len(story.sittings) == 2              # the one before the Jerry existed too

    def whole(*a, **k):
        raise AssertionError("the whole journal was read")
    monkeypatch.setattr(Journal, "iter_lines", whole)
    again = Inventory.open(inv.home, "poste-1")
    assert operators.roster(again) == roster
    assert operators.roster(inv.home) == roster          # ``--operator``, by the home
    assert Atelier(again, inv.home).story(jerry) == story
    assert again.lines_of([f"event:{w}" for w in wipes], types=["wipe.done"]) == wiped


def test_the_roster_by_home_scans_while_the_projection_is_behind(shop):
    inv, _, _, _, _ = shop
    roster = operators.roster(inv)
    inv.projection.meta_path.unlink()        # behind: the command's open will refold
    assert operators.roster(inv.home) == roster
    assert not inv.projection.meta_path.exists()     # read-only: nothing refolded here


def test_an_index_out_of_step_falls_back_to_the_scan(shop, monkeypatch):
    inv, at, jerry, wipes, people = shop
    keys = [ROSTER_KEY, f"person:{people[0]}", f"event:{wipes[0]}"]
    expected = inv.lines_of(keys)
    real = Session.index_many

    def lying(self, table, wanted):
        got = real(self, table, wanted)
        if table == "lines":       # every ref one byte off its line
            got = {k: [[o + 1, n, seq] for o, n, seq in refs] for k, refs in got.items()}
        return got
    monkeypatch.setattr(Session, "index_many", lying)
    assert inv.lines_of(keys) == expected


def test_the_roster_by_home_reads_past_settings_the_command_will_refuse(shop):
    """``--operator`` is checked before the command opens the inventory: settings it
    will refuse (exit 7) do not turn the roster check into that error first."""
    inv, _, _, _, _ = shop
    roster = operators.roster(inv)
    (inv.home / "settings.toml").write_text("workshop = 5\n")
    assert operators.roster(inv.home) == roster
