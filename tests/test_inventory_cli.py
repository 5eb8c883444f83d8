"""The inventory commands through the CLI: intake, inventory, parts, checkout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import MACHINES

from reemploi.errors import ExitCode


def _home() -> Path:
    return Path(os.environ["REEMPLOI_HOME"])


def _intake(cli, *extra):
    res = cli(["intake", "--donor", "Mairie de Villeurbanne", "--donor-kind", "public",
               "--date", "2026-03-02", "--device", "laptop:2:5,5", "--device", "desktop:1",
               "--weight", "14", "--notes", "3 cartons", "--create-ids", "--json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_inventory_list_pages_and_streams_short_rows(cli):
    ids = _intake(cli)["ids"] + _intake(cli)["ids"]
    rows = json.loads(cli(["inventory", "list", "--json"]).output)
    assert [r["id"] for r in rows] == sorted(ids)
    # Short rows (inventory show has the record), the same fields for every asset.
    assert rows[0] == {"id": ids[0], "kind": "machine", "status": "received",
                       "device_kind": "laptop", "part_kind": None, "lot_id": rows[0]["lot_id"],
                       "grade": None, "outcome": None, "vendor": None, "product": None,
                       "serial": None, "voided": False}
    page = json.loads(cli(["inventory", "list", "--offset", "2", "--limit", "3", "--json"]).output)
    assert [r["id"] for r in page] == sorted(ids)[2:5]
    assert json.loads(cli(["inventory", "list", "--offset", "6", "--json"]).output) == []
    text = cli(["inventory", "list", "--offset", "4", "--limit", "10", "--lang", "fr"]).output
    assert sorted(ids)[4] in text and sorted(ids)[3] not in text
    assert "5 à 6 sur 6 élément(s)" in text
    assert cli(["inventory", "list", "--limit", "0"]).exit_code == ExitCode.USAGE


def test_intake_registers_lot_and_prints_ids(cli):
    out = _intake(cli)
    lot = out["lot"]
    assert lot["donor_id"].startswith("DON-") and lot["id"].startswith("LOT-")
    assert lot["devices"] == [{"kind": "laptop", "count": 2, "weight_kg": 5.5},
                              {"kind": "desktop", "count": 1, "weight_kg": None}]
    assert lot["weight_kg"] == 14 and lot["notes"] == "3 cartons"
    assert len(out["ids"]) == 3 and lot["assets"] == out["ids"]
    text = cli(["intake", "--donor", "Particulier", "--donor-kind", "individual",
                "--device", "screen:3", "--lang", "fr"])
    assert text.exit_code == 0
    assert "enregistré" in text.output and "3 appareil(s)" in text.output
    en = cli(["intake", "--donor", "Particulier", "--device", "screen:1", "--create-ids",
              "--lang", "en"])
    assert "registered" in en.output and en.output.strip().splitlines()[-1].endswith("-00004")


@pytest.mark.parametrize("device", ["laptop", "laptop:x", "laptop:0", ":3", "laptop:2:heavy"])
def test_intake_bad_device_is_bad_input_and_writes_nothing(cli, device):
    _intake(cli)
    before = (_home() / "journal.jsonl").read_bytes()
    res = cli(["intake", "--donor", "X", "--device", device])
    assert res.exit_code == ExitCode.BAD_INPUT, res.output
    assert "Traceback" not in res.output
    assert (_home() / "journal.jsonl").read_bytes() == before


def test_inventory_list_show_search_history(cli):
    ids = _intake(cli)["ids"]
    res = cli(["inventory", "list", "--json"])
    assert [d["id"] for d in json.loads(res.output)] == ids
    res = cli(["inventory", "list", "--kind", "desktop", "--json"])
    assert [d["id"] for d in json.loads(res.output)] == ids[2:]
    res = cli(["inventory", "list", "--status", "ready", "--json"])
    assert json.loads(res.output) == []
    text = cli(["inventory", "list", "--lang", "fr"]).output
    assert ids[0] in text and "Reçu" in text and "3 élément(s)" in text

    show = json.loads(cli(["inventory", "show", ids[0], "--json"]).output)
    assert show["id"] == ids[0] and show["status"] == "received" and show["weight_kg"] == 2.75
    text = cli(["inventory", "show", ids[0], "--lang", "en"]).output
    assert "Lot: " in text and "1 event(s)" in text

    found = json.loads(cli(["inventory", "search", "villeurbanne", "--json"]).output)
    assert [d["id"] for d in found] == ids
    assert "Nothing found." in cli(["inventory", "search", "zzz", "--lang", "en"]).output

    hist = json.loads(cli(["inventory", "history", ids[0], "--json"]).output)
    assert [e["type"] for e in hist] == ["asset.created"]
    lot = show["lot_id"]
    assert f"registered — laptop, lot {lot}" in \
        cli(["inventory", "history", ids[0], "--lang", "en"]).output


def test_show_and_history_unknown_id_exit_10(cli):
    _intake(cli)
    before = (_home() / "journal.jsonl").read_bytes()
    for args in (["inventory", "show", "NOPE"], ["inventory", "history", "NOPE"],
                 ["checkout", "NOPE", "--to", "recycled", "--org", "Envie"],
                 ["parts", "harvest", "NOPE", "--kind", "ram"],
                 ["parts", "install", "NOPE", "NOPE2"]):
        res = cli(args + ["--lang", "fr"])
        assert res.exit_code == ExitCode.NOT_FOUND, (args, res.output)
        assert "Identifiant inconnu\u00a0: NOPE" in res.output
    assert (_home() / "journal.jsonl").read_bytes() == before


def test_checkout_and_illegal_transition_exit_11(cli):
    ids = _intake(cli)["ids"]
    before = (_home() / "journal.jsonl").read_bytes()
    res = cli(["checkout", ids[0], "--to", "given", "--org", "Emmaüs", "--lang", "en"])
    # The refusal says why and what to do, with the status in words, not its code.
    assert res.exit_code == ExitCode.CONFLICT and "is 'Received'" in res.output
    assert "given or sold only once it is 'Ready'" in res.output
    assert f"reemploi inventory status {ids[0]} ready" in res.output
    res = cli(["checkout", ids[0], "--to", "sold", "--org", "Emmaüs", "--lang", "fr"])
    assert res.exit_code == ExitCode.CONFLICT and "est «\u00a0Reçu\u00a0»" in res.output
    assert (_home() / "journal.jsonl").read_bytes() == before
    res = cli(["checkout", ids[1], "--to", "recycled", "--org", "Envie Rhône", "--date",
               "2026-05-01", "--lang", "fr"])
    assert res.exit_code == 0 and "recyclé par Envie Rhône le 01/05/2026" in res.output
    res = cli(["checkout", ids[2], "--to", "dismantled", "--org", "Atelier", "--price", "0",
               "--json"])
    ev = json.loads(res.output)
    assert ev["type"] == "checkout" and ev["payload"]["destination_kind"] == "dismantled"
    assert json.loads(cli(["inventory", "show", ids[2], "--json"]).output)["status"] == "out"
    assert cli(["checkout", ids[1], "--to", "sold", "--org", "X", "--date", "demain"]).exit_code \
        == ExitCode.BAD_INPUT
    assert cli(["checkout", ids[1], "--to", "sold", "--org", "X", "--price", "-5"]).exit_code \
        == ExitCode.USAGE


def test_parts_harvest_list_stock_install(cli):
    ids = _intake(cli)["ids"]
    made = []
    for _ in range(3):
        res = cli(["parts", "harvest", ids[2], "--kind", "ram", "--facts", "type=DDR3",
                   "--facts", "form_factor=SODIMM", "--facts", "size_gb=4", "--json"])
        assert res.exit_code == 0, res.output
        made.append(json.loads(res.output)["id"])
    res = cli(["parts", "harvest", ids[2], "--kind", "disk", "--facts", "media=hdd",
               "--facts", "size_gb=250", "--grade", "B", "--lang", "en"])
    assert res.exit_code == 0 and "harvested from" in res.output
    assert cli(["parts", "harvest", ids[2], "--kind", "ram", "--facts", "oops"]).exit_code \
        == ExitCode.BAD_INPUT
    stock = cli(["parts", "stock"]).output
    assert "DDR3 SODIMM 4 GB × 3" in stock and "hdd 250 GB × 1" in stock
    res = cli(["parts", "install", made[0], ids[0], "--lang", "fr"])
    assert res.exit_code == 0 and "montée" in res.output
    assert "DDR3 SODIMM 4 GB × 2" in cli(["parts", "stock"]).output
    stock_json = json.loads(cli(["parts", "stock", "--json"]).output)
    assert {(s["label"], s["count"]) for s in stock_json} == {("DDR3 SODIMM 4 GB", 2),
                                                             ("hdd 250 GB", 1)}
    listed = json.loads(cli(["parts", "list", "--kind", "ram", "--json"]).output)
    assert [p["status"] for p in listed] == ["installed", "stock", "stock"]
    assert cli(["parts", "install", made[0], ids[1]]).exit_code == ExitCode.CONFLICT
    shown = json.loads(cli(["inventory", "show", ids[0], "--json"]).output)
    assert shown["parts_installed"][0]["from_asset"] == ids[2]


def test_verify_ok_then_tampered_exit_12(cli):
    _intake(cli)
    res = cli(["inventory", "verify", "--lang", "en"])
    assert res.exit_code == 0 and "Hash chain intact." in res.output
    report = json.loads(cli(["inventory", "verify", "--json"]).output)
    assert report["ok"] and report["projection"] == "current"
    path = _home() / "journal.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"laptop"', b'"tablet"')
    path.write_bytes(b"".join(lines))
    res = cli(["inventory", "verify", "--lang", "fr"])
    assert res.exit_code == ExitCode.INTEGRITY
    assert "événement 4" in res.output and "modifié après son écriture" in res.output
    assert "hash-mismatch" not in res.output          # the code is for --json, not people


def test_verify_without_journal_is_bad_input(cli):
    res = cli(["inventory", "verify"])
    assert res.exit_code == ExitCode.BAD_INPUT


def test_verify_deep_and_repair(cli):
    from reemploi.inventory.projection import Projection
    ids = _intake(cli)["ids"]
    meta = Projection(_home()).meta_path
    data = json.loads(meta.read_text())
    data["counters"] = {}
    meta.write_text(json.dumps(data))
    assert cli(["inventory", "verify"]).exit_code == 0
    res = cli(["inventory", "verify", "--deep", "--lang", "en"])
    assert res.exit_code == ExitCode.INTEGRITY and "differs from the journal at counters" in res.output
    res = cli(["inventory", "verify", "--deep", "--repair", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["projection"] == "current"
    assert json.loads(cli(["inventory", "show", ids[0], "--json"]).output)["id"] == ids[0]


def test_verify_repair_catches_a_projection_behind_up_without_a_rebuild(cli):
    """A projection left behind the journal (the state of one command ago, as after a
    kill -9 between the journal line and the projection's save) is caught up by
    opening, not refolded whole: the shards the last write did not touch stay."""
    import shutil
    from reemploi.inventory.projection import Projection
    _intake(cli)
    proj = Projection(_home())
    before = _home().parent / "projection-before"
    shutil.copytree(proj.root, before)
    ids = _intake(cli)["ids"]
    shutil.rmtree(proj.root)
    shutil.copytree(before, proj.root)
    res = cli(["inventory", "verify", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["projection"] == "behind"
    files = {p: p.stat().st_mtime_ns for p in proj.root.rglob("*") if p.is_file()}
    res = cli(["inventory", "verify", "--deep", "--repair", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["projection"] == "current"
    kept = [p for p, t in files.items() if p.exists() and p.stat().st_mtime_ns == t]
    assert len(kept) > len(files) // 2, "a rebuild rewrote every file"
    assert json.loads(cli(["inventory", "show", ids[-1], "--json"]).output)["id"] == ids[-1]


def test_verify_cut_journal_exit_12(cli):
    _intake(cli)
    path = _home() / "journal.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))
    res = cli(["inventory", "verify", "--lang", "en"])
    assert res.exit_code == ExitCode.INTEGRITY
    assert "events are missing from its end" in res.output


def test_intake_labels_makes_the_pdf(cli):
    out = _intake(cli, "--labels")
    pdf = Path(out["labels_pdf"])
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.parent == _home() / "documents"


def test_status_moves_along_the_lifecycle_and_refuses_a_skip(cli):
    ids = _intake(cli)["ids"]
    before = (_home() / "journal.jsonl").read_bytes()
    res = cli(["inventory", "status", ids[0], "ready", "--lang", "en"])   # received → ready
    assert res.exit_code == ExitCode.CONFLICT and "cannot go from 'Received' to 'Ready'" in res.output
    res = cli(["inventory", "status", ids[0], "ready", "--lang", "fr"])
    assert "impossible de passer de «\u00a0Reçu\u00a0» à «\u00a0Prêt\u00a0»" in res.output
    assert (_home() / "journal.jsonl").read_bytes() == before
    assert cli(["inventory", "status", ids[0], "out"]).exit_code == ExitCode.USAGE  # checkout's job
    assert cli(["inventory", "status", ids[0], "diagnosed"]).exit_code == 0
    # Ready needs the machine's disks known and each wiped or taken out (custody).
    res = cli(["inventory", "status", ids[0], "ready", "--lang", "en"])
    assert res.exit_code == ExitCode.REFUSED and "no probe on record" in res.output
    assert cli(["grade", "--replay", MACHINES / "aspire-es1-non-root", "--asset", ids[0]]
               ).exit_code == 0
    res = cli(["inventory", "status", ids[0], "ready", "--lang", "en"])
    assert res.exit_code == ExitCode.REFUSED and "no verified wipe" in res.output, res.output
    assert cli(["parts", "remove", ids[0], "--reason", "kept by the donor"]).exit_code == 0
    res = cli(["inventory", "status", ids[0], "ready", "--note", "sans disque", "--lang", "fr"])
    assert res.exit_code == 0 and f"{ids[0]}\u00a0: Diagnostiqué → Prêt" in res.output, res.output
    ev = json.loads(cli(["inventory", "history", ids[0], "--json"]).output)[-1]
    assert ev["payload"] == {"note": "sans disque", "from": "diagnosed", "to": "ready", "v": 1}
    assert json.loads(cli(["inventory", "show", ids[0], "--json"]).output)["status"] == "ready"
    assert cli(["inventory", "status", "REE-Z-26-99999", "ready"]).exit_code == ExitCode.NOT_FOUND


def test_parts_errors_say_what_is_wrong_and_stock_lines_merge_spellings(cli):
    ids = _intake(cli)["ids"]
    a = json.loads(cli(["parts", "harvest", ids[2], "--kind", "ram", "--facts", "type=ddr3",
                        "--facts", "form_factor=so-dimm", "--facts", "size_gb=4",
                        "--json"]).output)["id"]
    cli(["parts", "harvest", ids[2], "--kind", "ram", "--facts", "type=DDR3",
         "--facts", "form_factor=SODIMM", "--facts", "size_gb=4"])
    assert "DDR3 SODIMM 4 GB × 2" in cli(["parts", "stock"]).output
    assert {d["id"] for d in json.loads(cli(["inventory", "search", "sodimm",
                                             "--json"]).output)} >= {a}
    before = (_home() / "journal.jsonl").read_bytes()
    res = cli(["parts", "install", ids[1], ids[0], "--lang", "fr"])     # a machine id
    assert res.exit_code == ExitCode.CONFLICT and "est une machine, pas une pièce" in res.output
    assert cli(["parts", "install", a, ids[0]]).exit_code == 0
    assert (_home() / "journal.jsonl").read_bytes() != before
    before = (_home() / "journal.jsonl").read_bytes()
    res = cli(["parts", "install", a, ids[1], "--lang", "en"])          # already fitted
    assert res.exit_code == ExitCode.CONFLICT
    assert f"Part {a} is not in stock: it is 'Installed' ({ids[0]})" in res.output
    res = cli(["parts", "harvest", a, "--kind", "ram", "--lang", "fr"])  # a part id
    assert res.exit_code == ExitCode.CONFLICT and "est une pièce, pas une machine" in res.output
    assert (_home() / "journal.jsonl").read_bytes() == before            # refusals wrote nothing


def test_show_says_what_the_verdict_asks_for(cli):
    machines = Path(__file__).parent / "fixtures" / "machines"
    res = cli(["grade", "--replay", machines / "latitude-e5410-failing-disk", "--json"])
    aid = json.loads(res.output)["asset_id"]
    fr = cli(["inventory", "show", aid, "--lang", "fr"]).output
    assert "Catégorie\u00a0: B (Prêt après mise à niveau)" in fr
    assert "À faire avant le départ\u00a0:\n  - un SSD ≥ 120 Go\n  - une batterie" in fr
    assert "Emmabuntüs\u00a0: DE6" in fr
    d600 = cli(["grade", "--replay", machines / "latitude-d600-32bit", "--json"])
    en = cli(["inventory", "show", json.loads(d600.output)["asset_id"], "--lang", "en"]).output
    assert "Parts to keep:\n  - disk SSD 120 GB (PH120 SSD)" in en
    shown = json.loads(cli(["inventory", "show", aid, "--json"]).output)
    assert {"part": "ssd", "min_gb": 120} in shown["grade"]["upgrades"]


def test_verify_and_prices_read_in_french(cli):
    ids = _intake(cli)["ids"]
    out = cli(["inventory", "verify", "--lang", "fr"]).output
    assert "Projection\u00a0: à jour" in out and "current" not in out
    res = cli(["checkout", ids[0], "--to", "dismantled", "--org", "Atelier", "--price", "12.5",
               "--lang", "fr"])
    assert res.exit_code == 0 and "(12,50 €)" in res.output


def test_history_says_what_happened_in_each_language_and_json_keeps_its_fields(cli):
    """Each line says what happened, in the words of the traceability sheet (shared
    with documents/sheet.py); --json keeps every field and adds the line as "text"."""
    from reemploi.documents.facts import HistoryFact
    from reemploi.documents.sheet import _event_detail
    from reemploi.inventory.store import Inventory
    ids = _intake(cli)["ids"]
    part = json.loads(cli(["parts", "harvest", ids[2], "--kind", "ram", "--facts", "type=DDR3",
                           "--facts", "size_gb=4", "--json"]).output)["id"]
    assert cli(["inventory", "status", ids[0], "diagnosed"]).exit_code == 0
    inv = Inventory.open(_home(), "T", "Camille")
    inv.record("asset.graded", ids[0], {"verdict": {"outcome": "ready-after-upgrade",
                                                    "grade": "B"}, "rules_version": "t"})
    inv.record("asset.checked", ids[0], {"checks": {"keyboard": "ok", "wifi": "fail"}})
    inv.record("note", ids[0], {"text": "Charnière gauche resserrée"})
    assert cli(["parts", "install", part, ids[0]]).exit_code == 0
    assert cli(["inventory", "status", ids[0], "wiped", "--note", "effacé à la main"]).exit_code == 0

    fr = cli(["inventory", "history", ids[0], "--lang", "fr"]).output.splitlines()
    en = cli(["inventory", "history", ids[0], "--lang", "en"]).output.splitlines()
    assert any("changement d'état — Reçu → Diagnostiqué" in line for line in fr), fr
    assert any("Diagnostiqué → Effacé (effacé à la main)" in line for line in fr), fr
    assert any("status changed — Received → Diagnosed" in line for line in en), en
    assert any("évalué — Prêt après mise à niveau, catégorie B" in line for line in fr), fr
    assert any("graded — Ready after upgrade, grade B" in line for line in en), en
    assert any("en panne\u00a0: Wi-Fi" in line for line in fr), fr
    assert any("remarque — Charnière gauche resserrée" in line for line in fr), fr
    assert any(f"pièce installée — {part} → {ids[0]}" in line for line in fr), fr
    assert any(f"part installed — {part} → {ids[0]}" in line for line in en), en
    assert all("asset.created" not in line and "status.changed" not in line for line in fr)
    assert all(line.split()[3] == "T" for line in en)          # station still shown

    events = json.loads(cli(["inventory", "history", ids[0], "--json", "--lang", "en"]).output)
    for e in events:            # the recorded fields, as before, and the line's text
        assert {"seq", "id", "time", "station", "operator", "asset_id", "type", "payload",
                "prev", "hash"} <= set(e) and e["text"]
    # The sheet says the same of each event (one wording, two places).
    for e in events:
        h = HistoryFact(e["time"], e["type"], e["operator"], e["station"], e["payload"],
                        e["asset_id"])
        detail = _event_detail(h, "en")
        assert e["text"].endswith(detail)
