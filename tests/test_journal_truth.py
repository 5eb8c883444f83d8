"""The journal is the truth, and losses stay visible (issue 10, deliverable 6).

Through the real CLI: a journal cut at its end puts the data directory in a broken
state that every later command keeps (writes refused, exit 12) until `inventory
repair` records an integrity.incident, which verify keeps listing; a projection file
edited by hand is never trusted (verify exit 12; checkout refused by the state refolded
from the journal)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import MACHINES
from reemploi.errors import ExitCode


def _ok(result) -> dict:
    assert result.exit_code == 0, result.output
    out = result.output.strip()
    return json.loads(out) if out.startswith(("{", "[")) else {}


def _shop(cli, home: Path) -> list[str]:
    ids = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:3", "--create-ids",
                   "--json", "--home", home]))["ids"]
    for asset in ids:
        _ok(cli(["grade", "--replay", MACHINES / "aspire-es1-non-root", "--asset", asset,
                 "--json", "--home", home]))
    return ids


def _cut(home: Path, keep: int) -> None:
    journal = home / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:keep]))


def test_a_cut_journal_stays_broken_until_repaired(cli, tmp_path):
    home = tmp_path / "shop"
    ids = _shop(cli, home)
    total = len((home / "journal.jsonl").read_bytes().splitlines())
    _cut(home, total - 3)
    # Any command: the loss is noticed and remembered (here a read).
    _ok(cli(["inventory", "list", "--json", "--home", home]))
    for _ in range(2):                           # ...and stays, whatever runs in between
        report = cli(["inventory", "verify", "--home", home, "--lang", "en"])
        assert report.exit_code == ExitCode.INTEGRITY, report.output
        assert "BROKEN" in report.output and f"event {total}" in report.output
        # The problem is said in words, not as its code ("cut").
        assert "(its end cut:" in report.output and "(cut" not in report.output
        _ok(cli(["inventory", "list", "--home", home]))
    before = (home / "journal.jsonl").read_bytes()
    refused = cli(["inventory", "status", ids[0], "received", "--home", home, "--lang", "fr"])
    assert refused.exit_code == ExitCode.INTEGRITY and "repair" in refused.output
    assert "(fin coupée" in refused.output and "(cut" not in refused.output
    stats = cli(["stats", "--home", home, "--lang", "fr"])
    assert stats.exit_code == ExitCode.INTEGRITY and "(fin coupée" in stats.output
    assert (home / "journal.jsonl").read_bytes() == before          # nothing written
    fixed = _ok(cli(["inventory", "repair", "--note", "disk full on the station",
                     "--json", "--home", home]))
    assert fixed["type"] == "integrity.incident"
    assert fixed["payload"]["lost_events"] == 3 and fixed["payload"]["seen_seq"] == total
    report = _ok(cli(["inventory", "verify", "--json", "--home", home]))
    assert report["broken"] is None
    assert [(i["problem"], i["seen_seq"]) for i in report["incidents"]] == [("cut", total)]
    said = cli(["inventory", "verify", "--home", home, "--lang", "fr"]).output
    assert "coupée" in said and "): cut," not in said
    _ok(cli(["inventory", "status", ids[0], "diagnosed", "--home", home]))


def test_random_truncations_are_never_forgotten(cli, tmp_path):
    home = tmp_path / "shop"
    _shop(cli, home)
    full = (home / "journal.jsonl").read_bytes()
    projection = home / "projection"
    saved = {p: p.read_bytes() for p in projection.rglob("*.json")}
    lines = full.count(b"\n")
    for keep in random.Random(10).sample(range(1, lines), 6):
        (home / "journal.broken").unlink(missing_ok=True)
        for path, data in saved.items():            # the projection of the whole journal
            path.write_bytes(data)
        _cut(home, keep)
        _ok(cli(["inventory", "list", "--home", home]))
        report = cli(["inventory", "verify", "--json", "--home", home])
        assert report.exit_code == ExitCode.INTEGRITY, (keep, report.output)
        assert json.loads(report.stdout)["broken"]["kept_seq"] == keep
        (home / "journal.jsonl").write_bytes(full)


def test_a_projection_file_edited_by_hand_is_never_trusted(cli, tmp_path):
    home = tmp_path / "shop"
    ids = _shop(cli, home)
    # Wherever its record is: its base shard, or the tail a later write appended to.
    for shard in [*(home / "projection" / "assets").glob("*.json"),
                  *(home / "projection" / "tails").glob("assets-*.bin")]:
        text = shard.read_text()
        if ids[0] in text:
            shard.write_text(text.replace('"status":"diagnosed"', '"status":"ready"'))
    report = cli(["inventory", "verify", "--home", home, "--lang", "en"])
    assert report.exit_code == ExitCode.INTEGRITY, report.output
    refused = cli(["checkout", ids[0], "--to", "given", "--org", "X", "--home", home])
    assert refused.exit_code == ExitCode.CONFLICT, refused.output      # still diagnosed
    assert _ok(cli(["inventory", "show", ids[0], "--json", "--home", home]))["status"] == \
        "diagnosed"
    _ok(cli(["inventory", "verify", "--deep", "--home", home]))


def test_a_listing_row_edited_by_hand_is_never_trusted(cli, tmp_path):
    """The listing's rows (projection/rows) are checked like the records: a row
    turned "ready" by hand is refolded, never listed."""
    home = tmp_path / "shop"
    ids = _shop(cli, home)
    row = f'["{ids[0]}","machine","diagnosed"'
    edited = 0
    for shard in [*(home / "projection" / "rows").glob("*.json"),
                  *(home / "projection" / "tails").glob("assets-*.log")]:
        text = shard.read_text()
        if row in text:
            shard.write_text(text.replace(row, f'["{ids[0]}","machine","ready"'))
            edited += 1
    assert edited == 1
    report = cli(["inventory", "verify", "--home", home, "--lang", "en"])
    assert report.exit_code == ExitCode.INTEGRITY, report.output
    assert _ok(cli(["inventory", "list", "--status", "ready", "--json", "--home", home])) == []
    _ok(cli(["inventory", "verify", "--deep", "--home", home]))


@pytest.mark.root
def test_documents_carry_the_journal_head_and_verify_against_checks_it(cli, loopdev, tmp_path):
    home = tmp_path / "shop"
    ids = _shop(cli, home)
    disk = loopdev(16 << 20)
    wiped = _ok(cli(["wipe", disk.path, "--asset", ids[0], "--yes", "--json", "--home", home]))
    cert = _ok(cli(["certificate", "issue", "--asset", ids[0], "--event",
                    wiped["records"][0]["event_id"], "--out", tmp_path / "c", "--json",
                    "--home", home]))
    body = json.loads(Path(cert["json"]).read_text())["certificate"]
    lines = (home / "journal.jsonl").read_bytes().splitlines(keepends=True)
    head = json.loads(lines[body["journal"]["seq"] - 1])
    assert body["journal"] == {"seq": head["seq"], "hash": head["hash"]}
    _ok(cli(["inventory", "verify", "--against", cert["json"], "--json", "--home", home]))
    sheet = _ok(cli(["sheet", ids[0], "--out", tmp_path / "s.pdf", "--json", "--home", home]))
    assert sheet is not None
    import subprocess
    text = subprocess.run(["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "journal event" in text
    # The journal rewritten from that event on: the certificate no longer matches.
    _cut(home, body["journal"]["seq"] - 1)
    refused = cli(["inventory", "verify", "--against", cert["json"], "--home", home,
                   "--lang", "en"])
    assert refused.exit_code == ExitCode.INTEGRITY and "rewritten" in refused.output
