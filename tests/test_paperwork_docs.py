"""The donor's and recipient's papers, their refusals and the money, through the CLI on
recorded machines (no root: no disk is wiped here; the full walk with real wipes is
test_paperwork_e2e.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import MACHINES


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _lot(cli, *devices):
    return _json(cli(["intake", "--donor", "Mairie de Test", "--donor-kind", "public",
                      *[x for d in devices for x in ("--device", d)], "--create-ids", "--json"]))


def test_a_lot_nobody_probed_gets_an_incomplete_report_not_a_certificate(cli, tmp_path):
    lot = _lot(cli, "laptop:2")
    cert = _json(cli(["lot", "certificate", lot["lot"]["id"], "--out", tmp_path, "--json",
                      "--lang", "fr"]))
    body = json.loads(Path(cert["json"]).read_text())["certificate"]
    assert body["result"] == "incomplete" and body["disks"] == []
    assert [d["asset_id"] for d in body["not_examined"]] == lot["ids"]
    text = subprocess.run(["pdftotext", "-layout", cert["pdf"], "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "INCOMPLET, ce n'est pas un certificat" in " ".join(text.split())
    # Rendered again in English from the signed JSON.
    en = tmp_path / "en.pdf"
    assert cli(["certificate", "pdf", cert["json"], "--out", en, "--lang", "en"]).exit_code == 0
    assert "INCOMPLETE, not a certificate" in " ".join(subprocess.run(
        ["pdftotext", str(en), "-"], capture_output=True, text=True).stdout.split())


def test_a_probed_disk_neither_wiped_nor_removed_is_listed_as_not_erased(cli, tmp_path):
    lot = _lot(cli, "laptop:1")
    aid = lot["ids"][0]
    assert cli(["grade", "--replay", MACHINES / "latitude-e5410-failing-disk", "--asset", aid,
                "--json"]).exit_code == 0
    disk = _json(cli(["inventory", "show", aid, "--json"]))["probe"]["disks"][0]
    body = json.loads(Path(_json(cli(["lot", "certificate", lot["lot"]["id"], "--out", tmp_path,
                                      "--json"]))["json"]).read_text())["certificate"]
    assert body["result"] == "incomplete"
    assert [(d["asset_id"], d["serial"]) for d in body["not_wiped"]] == [(aid, disk["serial"])]
    # Taken out and sent for destruction: accounted for, the certificate is complete.
    # (A SMART-failing disk never goes into reusable stock: custody refuses, exit 8.)
    harvest = ["parts", "harvest", aid, "--kind", "disk", "--serial", disk["serial"], "--json"]
    assert cli(harvest).exit_code == 8
    part = _json(cli(harvest + ["--for", "destruction", "--reason", "SMART en échec"]))
    assert cli(["checkout", part["id"], "--to", "recycled", "--org", "Broyeur"]).exit_code == 0
    body = json.loads(Path(_json(cli(["lot", "certificate", lot["lot"]["id"], "--out", tmp_path,
                                      "--json"]))["json"]).read_text())["certificate"]
    assert body["result"] == "complete" and body["not_wiped"] == []
    assert [(r["serial"], r["part_id"], r["fate"]) for r in body["removed"]] == [
        (disk["serial"], part["id"], "recycled")]


def test_refusals_write_nothing(cli):
    lot = _lot(cli, "desktop:1")
    aid = lot["ids"][0]
    assert cli(["lot", "attestation", "LOT-Z-99-9999"]).exit_code == 10
    assert cli(["receipt", aid]).exit_code == 11                    # still at the workshop
    journal_before = len(_json(cli(["inventory", "history", aid, "--json"])))
    bad = cli(["checkout", aid, "--to", "recycled", "--org", "X", "--receipt", "--lang", "fr"])
    assert bad.exit_code == 2 and "--receipt" in bad.output
    assert len(_json(cli(["inventory", "history", aid, "--json"]))) == journal_before
    assert _json(cli(["inventory", "show", aid, "--json"]))["status"] == "received"


def test_revenue_counts_priced_sales_and_says_how_many_have_no_price(cli, tmp_path):
    lot = _lot(cli, "laptop:3")
    for aid in lot["ids"]:
        # Custody: a laptop goes ready probed, its disk wiped or taken out (issue 10).
        assert cli(["grade", "--replay", MACHINES / "aspire-es1-non-root", "--asset", aid,
                    "--json"]).exit_code == 0
        assert cli(["parts", "remove", aid, "--reason", "kept by the donor"]).exit_code == 0
        assert cli(["inventory", "status", aid, "ready"]).exit_code == 0
    a, b, c = lot["ids"]
    assert cli(["checkout", a, "--to", "sold", "--org", "Famille A", "--price", "60"]).exit_code == 0
    assert cli(["checkout", b, "--to", "sold", "--org", "Famille B", "--price", "1234.5"]).exit_code == 0
    assert cli(["checkout", c, "--to", "sold", "--org", "Famille A"]).exit_code == 0
    year = lot["lot"]["date"][:4]
    f = _json(cli(["stats", "--year", year, "--json"]))["figures"]
    assert (f["revenue_eur"], f["sales"], f["unpriced_sales"]) == (1294.5, 3, 1)
    assert {r["organisation"]: r["revenue_eur"] for r in f["by_destination"]} == {
        "Famille A": 60.0, "Famille B": 1234.5}
    assert sorted(r["price_eur"] for r in f["machines"] if r["price_eur"]) == [60.0, 1234.5]
    text = cli(["stats", "--year", year, "--lang", "fr"]).output
    assert "recettes 1\u202f294,50 €" in text                    # thousands separated
    assert "(1 sans prix enregistré)" in text
