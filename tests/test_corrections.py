"""Corrections (issue 10, deliverable 5): append-only ``correct``/``void`` events that
the fold applies, through the real CLI; the history keeps the original."""

from __future__ import annotations

import json

from reemploi.errors import ExitCode


def _ok(result):
    assert result.exit_code == 0, result.output
    out = result.output.strip()
    return json.loads(out) if out.startswith(("{", "[")) else {}


def test_a_lot_typo_is_corrected_and_a_mistaken_asset_voided(cli, tmp_path):
    home = tmp_path / "shop"
    made = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:30:75", "--create-ids",
                    "--json", "--home", home]))
    lot, ids = made["lot"]["id"], made["ids"]
    # It was 3 laptops, 7.5 kg: the lot is corrected, 27 ids voided.
    fixed = _ok(cli(["inventory", "correct", lot, "--device", "laptop:3:7.5", "--reason",
                     "typo at intake", "--json", "--home", home]))
    assert fixed["type"] == "correct" and fixed["payload"]["target_kind"] == "lot"
    from reemploi.inventory.store import Inventory
    assert Inventory.open(home, "T").lot(lot)["devices"] == [
        {"kind": "laptop", "count": 3, "weight_kg": 7.5}]
    for extra in ids[3:]:
        _ok(cli(["inventory", "void", extra, "--reason", "typo at intake", "--home", home]))
    machines = _ok(cli(["inventory", "list", "--json", "--home", home]))
    assert sorted(m["id"] for m in machines) == ids[:3]
    shown = _ok(cli(["inventory", "show", ids[5], "--json", "--home", home]))
    assert shown["voided"]["reason"] == "typo at intake"
    history = _ok(cli(["inventory", "history", ids[5], "--json", "--home", home]))
    assert [e["type"] for e in history] == ["asset.created", "void"]
    # A machine with a history of its own is not voided (exit 11, nothing written).
    _ok(cli(["inventory", "status", ids[0], "diagnosed", "--home", home]))
    before = (home / "journal.jsonl").read_bytes()
    refused = cli(["inventory", "void", ids[0], "--reason", "x", "--home", home,
                   "--lang", "fr"])
    assert refused.exit_code == ExitCode.CONFLICT and "historique" not in refused.output
    assert "depuis" in refused.output
    assert (home / "journal.jsonl").read_bytes() == before
    # The bounds hold for corrections too.
    bad = cli(["inventory", "correct", lot, "--device", "laptop:" + "9" * 400, "--reason", "x",
               "--home", home])
    assert bad.exit_code == ExitCode.BAD_INPUT
    assert (home / "journal.jsonl").read_bytes() == before


def test_a_lot_correction_reads_its_devices_as_the_intake_does(cli, tmp_path):
    """``portable:2:3,5`` is two laptops of 3.5 kg at intake; the correction read it as
    a kind 'portable' (the statistics by kind then split) and refused the comma."""
    home = tmp_path / "shop"
    lot = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:3", "--json",
                   "--home", home]))["lot"]["id"]
    _ok(cli(["inventory", "correct", lot, "--device", "portable:2:3,5", "--reason", "recompté",
             "--home", home, "--lang", "fr"]))
    from reemploi.inventory.store import Inventory
    assert Inventory.open(home, "T").lot(lot)["devices"] == [
        {"kind": "laptop", "count": 2, "weight_kg": 3.5}]
    bad = cli(["inventory", "correct", lot, "--device", "portable:2:-1", "--reason", "x",
               "--home", home, "--lang", "fr"])
    assert bad.exit_code == ExitCode.BAD_INPUT and "--device portable:2:-1" in bad.output


def test_papers_read_the_corrected_state(cli, tmp_path):
    """One fold, one state: a machine's kind corrected after intake is what its sheet
    and label facts say, while its history keeps the original."""
    home = tmp_path / "shop"
    made = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids",
                    "--json", "--home", home]))
    aid = made["ids"][0]
    _ok(cli(["inventory", "correct", aid, "--set", "device_kind=desktop", "--reason",
             "a tower, not a laptop", "--home", home]))
    from reemploi.documents.sources import asset_facts
    from reemploi.inventory.store import Inventory
    facts = asset_facts(Inventory.open(home, "T"), aid)
    assert facts.device_kind == "desktop"
    assert [h.type for h in facts.history] == ["asset.created", "correct"]
    assert facts.history[0].detail["device_kind"] == "laptop"


def test_an_asset_moved_to_another_lot_leaves_the_first(cli, tmp_path):
    """An asset typed into the wrong lot at intake: corrected, it is in the other lot's
    assets (and of its donor), no longer in the first; a lot that does not exist is
    refused and nothing is written."""
    home = tmp_path / "shop"
    first = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids",
                     "--json", "--home", home]))
    other = _ok(cli(["intake", "--donor", "Emmaüs Lyon", "--device", "desktop:1",
                     "--create-ids", "--json", "--home", home]))
    moved = first["ids"][1]
    _ok(cli(["inventory", "correct", moved, "--set", f"lot_id={other['lot']['id']}",
             "--reason", "its label was on the other pallet", "--home", home]))
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T")
    assert inv.lot(first["lot"]["id"])["assets"] == first["ids"][:1]
    assert inv.lot(other["lot"]["id"])["assets"] == other["ids"] + [moved]
    assert inv.machine(moved)["donor_id"] == other["lot"]["donor_id"]
    listed = _ok(cli(["inventory", "list", "--lot", other["lot"]["id"], "--json", "--home", home]))
    assert sorted(m["id"] for m in listed) == sorted(other["ids"] + [moved])
    before = (home / "journal.jsonl").read_bytes()
    refused = cli(["inventory", "correct", moved, "--set", "lot_id=LOT-T-26-9999",
                   "--reason", "x", "--home", home])
    assert refused.exit_code == ExitCode.NOT_FOUND
    assert (home / "journal.jsonl").read_bytes() == before
    # The fold is the same from the journal alone (a projection rebuilt from scratch).
    import shutil
    shutil.rmtree(home / "projection")
    assert Inventory.open(home, "T").lot(first["lot"]["id"])["assets"] == first["ids"][:1]


def test_a_part_kind_corrected_shows_in_the_parts_table_and_the_history(cli, tmp_path):
    home = tmp_path / "shop"
    made = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids",
                    "--json", "--home", home]))
    part = _ok(cli(["parts", "harvest", made["ids"][0], "--kind", "ram", "--json",
                    "--home", home]))["id"]
    _ok(cli(["inventory", "correct", part, "--set", "part_kind=battery",
             "--reason", "it was the battery", "--home", home]))
    [row] = _ok(cli(["parts", "list", "--json", "--home", home]))
    assert row["part_kind"] == "battery"
    assert "Batterie" in cli(["parts", "list", "--home", home, "--lang", "fr"]).output
    assert _ok(cli(["parts", "list", "--kind", "ram", "--json", "--home", home])) == []
    fr = cli(["inventory", "history", part, "--home", home, "--lang", "fr"]).output
    en = cli(["inventory", "history", part, "--home", home, "--lang", "en"]).output
    assert "corrigé — device_kind = battery — it was the battery" in fr
    assert "corrected — device_kind = battery" in en
    bad = cli(["inventory", "correct", part, "--set", "part_kind=flux-capacitor",
               "--reason", "x", "--home", home, "--lang", "en"])
    assert bad.exit_code == ExitCode.BAD_INPUT and "not a kind of part" in bad.output


def test_void_is_named_in_the_history_in_both_languages(cli, tmp_path):
    home = tmp_path / "shop"
    made = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids",
                    "--json", "--home", home]))
    _ok(cli(["inventory", "void", made["ids"][1], "--reason", "counted twice", "--home", home]))
    fr = cli(["inventory", "history", made["ids"][1], "--home", home, "--lang", "fr"]).output
    en = cli(["inventory", "history", made["ids"][1], "--home", home, "--lang", "en"]).output
    assert "annulé (créé par erreur) — counted twice" in fr
    assert "voided (created by mistake) — counted twice" in en
