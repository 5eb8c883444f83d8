"""``reemploi grade`` end to end: this machine recorded with ``probe --record``, then
graded from the replay folder and recorded in a fresh inventory."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reemploi.cli.main import cli as group
from reemploi.grade.engine import is_laptop
from reemploi.grade.checks import ITEMS, LAPTOP_ONLY


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("machine") / "m"
    result = CliRunner().invoke(group, ["probe", "--record", str(folder), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def _events(home, types):
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T")
    return [e for e in inv.events() if e.type in types]


def test_replay_grade_creates_then_matches_the_asset(cli, recorded, tmp_path):
    home = tmp_path / "home"
    first = cli(["grade", "--replay", recorded, "--home", home, "--json",
                 "--check", "wifi=fail", "--cosmetic", "A", "--notes", "rayure capot"])
    assert first.exit_code == 0, first.output
    one = json.loads(first.output)
    assert one["created"] is True and one["asset_id"]
    v = one["verdict"]
    assert {"outcome", "grade", "reasons", "upgrades", "harvest", "components",
            "emmabuntus", "rules_version"} <= set(v)
    assert {"code": "CHECK_FAILED", "params": {"item": "wifi"}, "component": "checks"} \
        in v["reasons"]
    second = json.loads(cli(["grade", "--replay", recorded, "--home", home, "--json"]).output)
    assert second["asset_id"] == one["asset_id"] and second["created"] is False

    graded = _events(home, {"asset.graded"})
    assert len(graded) == 2 and graded[0].asset_id == one["asset_id"]
    payload = graded[0].payload
    assert payload["rules_version"] == v["rules_version"] and payload["verdict"] == v
    from reemploi import events as typed
    assert typed.read("asset.graded", payload).benchmark is None    # none asked for
    checked = _events(home, {"asset.checked"})
    assert len(checked) == 1 and checked[0].payload["checks"]["notes"] == "rayure capot"
    assert checked[0].payload["checks"]["cosmetic"] == "A"
    probed = _events(home, {"asset.probed"})
    assert probed[0].payload["machine"]["cpu"]
    from reemploi.inventory.store import Inventory
    assert Inventory.open(home, "T").machine(one["asset_id"])["status"] == "diagnosed"


def test_text_output_in_both_languages(cli, recorded, tmp_path):
    fr = cli(["grade", "--replay", recorded, "--no-save", "--lang", "fr"])
    en = cli(["grade", "--replay", recorded, "--no-save", "--lang", "en"])
    assert fr.exit_code == en.exit_code == 0
    assert "Verdict\u00a0:" in fr.output and "Version des règles" in fr.output
    assert "Verdict:" in en.output and "Rules version" in en.output


def test_no_save_writes_nothing(cli, recorded, tmp_path):
    home = tmp_path / "h"
    out = json.loads(cli(["grade", "--replay", recorded, "--no-save", "--home", home,
                          "--json"]).output)
    assert out["asset_id"] is None
    assert not (home / "journal.jsonl").exists() and not any(home.glob("**/*.jsonl"))


def test_unknown_asset_is_refused_before_writing(cli, recorded, tmp_path):
    home = tmp_path / "h2"
    r = cli(["grade", "--replay", recorded, "--home", home, "--asset", "REE-A-26-99999"])
    assert r.exit_code == 10, r.output
    assert _events(home, {"asset.probed", "asset.graded"}) == []


@pytest.mark.parametrize("args", [["--check", "keyboard=maybe"], ["--check", "keyboard"],
                                  ["--check", "antenna=ok"]])
def test_bad_checks_exit_7(cli, recorded, args):
    r = cli(["grade", "--replay", recorded, "--no-save", *args])
    assert r.exit_code == 7, r.output


def test_missing_replay_folder_is_not_found(cli, tmp_path):
    r = cli(["grade", "--replay", tmp_path / "nothing", "--no-save"])
    assert r.exit_code == 10 and "Traceback" not in r.output


def test_workshop_rules_in_home_are_used(cli, recorded, tmp_path):
    home = tmp_path / "h3"
    home.mkdir()
    (home / "grading.toml").write_text('version = "atelier-7"\n', encoding="utf-8")
    out = json.loads(cli(["grade", "--replay", recorded, "--home", home, "--no-save",
                          "--json"]).output)
    assert out["verdict"]["rules_version"] == "atelier-7"


def test_interactive_checklist(cli, recorded, tmp_path):
    from reemploi.context import Context
    from reemploi.station.grading import open_machine, probe
    ctx, facts = open_machine(Context(home=tmp_path), recorded)
    laptop = is_laptop(probe(ctx, facts))
    asked = [i for i in ITEMS if laptop or i not in LAPTOP_ONLY]
    answers = ["non" if i == "audio" else "ok" for i in asked] + ["c", "écran rayé"]
    r = cli(["grade", "--replay", recorded, "--no-save", "--interactive", "--json",
             "--lang", "fr"], input="\n".join(answers) + "\n")
    assert r.exit_code == 0, r.output
    body = json.loads(r.output[r.output.index("{\n"):])
    checks = body["checks"]
    assert checks["audio"] == "fail" and checks["cosmetic"] == "C"
    assert checks["notes"] == "écran rayé"
    if not laptop:
        assert checks["keyboard"] == "na"
    assert any(x["code"] == "CHECK_FAILED" and x["params"]["item"] == "audio"
               for x in body["verdict"]["reasons"])


# -- the recorded workshop machines (tests/fixtures/machines) ---------------------------

from pathlib import Path  # noqa: E402

MACHINES = Path(__file__).parent / "fixtures" / "machines"


def test_a_typo_in_the_interactive_checklist_asks_again(cli, tmp_path):
    # The trainee types "bien": the question comes again (in French), the grading goes on.
    e5410 = MACHINES / "latitude-e5410-failing-disk"          # a laptop: every item asked
    answers = ["bien", "ok"] + ["ok"] * (len(ITEMS) - 1) + ["B", ""]
    r = cli(["grade", "--replay", e5410, "--no-save", "--interactive", "--json",
             "--lang", "fr"], input="\n".join(answers) + "\n")
    assert r.exit_code == 0, r.output
    assert "«\u00a0bien\u00a0» n'est ni ok, ni panne, ni na" in r.output
    body = json.loads(r.output[r.output.index("{\n"):])
    assert body["checks"]["keyboard"] == "ok" and body["checks"]["cosmetic"] == "B"


def test_bad_check_messages_are_french(cli):
    r = cli(["grade", "--replay", MACHINES / "medion-usb-dock", "--no-save",
             "--check", "frigo=ok", "--lang", "fr"])
    # The items in French words ("clavier" is one, typed so since qa17).
    assert r.exit_code == 7 and "élément inconnu\u202f; éléments possibles\u00a0: clavier" in r.output


def test_regrading_after_the_ssd_is_fitted_finds_the_same_asset(cli, tmp_path):
    home = tmp_path / "h"
    e5410 = MACHINES / "latitude-e5410-failing-disk"
    first = json.loads(cli(["grade", "--replay", e5410, "--home", home, "--json"]).output)
    assert first["created"] and not first["unrecognisable"]
    assert {"part": "ssd", "min_gb": 120} in first["verdict"]["upgrades"]
    # Same board (same MACs), its failing disk swapped for a good one: a copy of the
    # folder whose sda SMART recordings are another real machine's (another serial).
    import shutil
    swapped = tmp_path / "e5410-with-ssd"
    shutil.copytree(e5410, swapped, symlinks=True)
    medion = MACHINES / "medion-usb-dock" / "commands"
    for name in ("smartctl__--json=c__-x___dev_sda", "smartctl__--json=c__-x___dev_sda.rc"):
        shutil.copy(medion / name, swapped / "commands" / name)
    second = json.loads(cli(["grade", "--replay", swapped, "--home", home, "--json"]).output)
    assert second["asset_id"] == first["asset_id"] and second["created"] is False
    assert not any(u["part"] == "ssd" for u in second["verdict"]["upgrades"])


def test_a_machine_nothing_identifies_is_never_merged_with_its_twin(cli, tmp_path):
    # D600 replay: no DMI serial, no network card, no disk serial. Two such laptops of
    # one lot must not share a record: each grading without --asset makes a new one,
    # and the operator is told to give --asset next time.
    home = tmp_path / "h"
    d600 = MACHINES / "latitude-d600-32bit"
    one = cli(["grade", "--replay", d600, "--home", home, "--lang", "en"])
    two = json.loads(cli(["grade", "--replay", d600, "--home", home, "--json"]).output)
    assert one.exit_code == 0 and "to grade it again, give --asset" in one.output
    first_id = one.output.split("New asset: ")[1].split()[0]
    assert two["asset_id"] != first_id and two["created"] and two["unrecognisable"]
    again = json.loads(cli(["grade", "--replay", d600, "--home", home, "--asset", first_id,
                            "--json"]).output)
    assert again["asset_id"] == first_id and again["created"] is False


def test_grading_a_machine_that_left_writes_nothing(cli, tmp_path):
    home = tmp_path / "h"
    d600 = MACHINES / "latitude-d600-32bit"
    aid = json.loads(cli(["grade", "--replay", d600, "--home", home, "--json"]).output)["asset_id"]
    assert cli(["checkout", aid, "--to", "dismantled", "--org", "Atelier", "--home",
                home]).exit_code == 0
    before = (home / "journal.jsonl").read_bytes()
    r = cli(["grade", "--replay", d600, "--home", home, "--asset", aid, "--lang", "fr"])
    assert r.exit_code == 11 and "«\u00a0Sorti\u00a0»" in r.output
    assert (home / "journal.jsonl").read_bytes() == before


def test_one_grading_is_one_block_of_events(cli, tmp_path):
    from reemploi.inventory.store import Inventory
    home = tmp_path / "h"
    out = json.loads(cli(["grade", "--replay", MACHINES / "aspire-m3920-desktop", "--home",
                          home, "--check", "usb_ports=fail", "--json"]).output)
    events = Inventory.open(home, "T").history(out["asset_id"])
    assert [e.type for e in events] == ["asset.created", "status.changed", "asset.probed",
                                        "asset.checked", "asset.graded"]
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 5))
    assert events[2].payload["identity"] == events[0].payload["identity"]


@pytest.mark.parametrize("name, edition, arch", [
    # Pentium M, 1 GB with a 1 GB board maximum: the i386 path is kept (no amd64 to fall
    # back to), still parts only.
    ("latitude-d600-32bit", "DE5", "i386"),
    ("medion-usb-dock", "DE6", "amd64"),
])
def test_replayed_verdict_names_the_edition_and_its_arch(cli, name, edition, arch):
    from conftest import MACHINES
    r = cli(["grade", "--replay", MACHINES / name, "--no-save", "--json"])
    assert r.exit_code == 0, r.output
    v = json.loads(r.output)["verdict"]
    assert (v["emmabuntus"], v["emmabuntus_arch"]) == (edition, arch)
    assert "RAM_EDITION_FALLBACK" not in {x["code"] for x in v["reasons"]}
    text = cli(["grade", "--replay", MACHINES / name, "--no-save", "--lang", "en"]).output
    assert f"Emmabuntüs: {edition} {arch}" in text
