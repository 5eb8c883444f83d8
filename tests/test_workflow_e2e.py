"""The whole life of two donated laptops, through the real CLI, in one inventory.

A technician's day: a lot comes in, both laptops are graded from recorded machines,
the first one's disk (a REAL loop device holding planted donor data) is wiped and
certified, an image built here with sfdisk + mkfs.ext4 is written on it, it is marked
ready, labelled, its traceability sheet printed, it gets a RAM module harvested from
the second laptop and is given away; then the coordinator's figures, the journal check
and the machine's history must tell exactly that story. Plus the unhappy path: an image
on a disk without a wipe record is refused and the disk left untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from reemploi.errors import ExitCode
from conftest import MACHINES
from test_image_support import MiB, build_master, sh

pytestmark = pytest.mark.root

SECRET = b"SECRET-DONOR-DATA: bank statement of Entreprise X, do not leak. "


def _json(result) -> dict | list:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _plant(path: str, size: int) -> None:
    """Donor data at the start, in the middle and in the last sector of the disk."""
    with open(path, "r+b") as fh:
        for offset in (0, size // 2 + 12345, size - 512):
            fh.seek(offset)
            fh.write(SECRET[:512])


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def _qr_payloads(pdf: Path, tmp_path: Path, dpi: int = 300) -> list[str]:
    stem = tmp_path / f"{pdf.stem}-p1"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(stem)], check=True)
    image = Image.open(f"{stem}.png")
    return [c.text for c in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def _status(cli, home: Path, asset: str) -> str:
    return _json(cli(["inventory", "show", asset, "--json", "--home", home]))["status"]


def test_a_donated_laptop_from_intake_to_given(cli, loopdev, tmp_path):
    home = tmp_path / "shop"
    year = datetime.now(timezone.utc).year

    # 1. Intake: one lot of two laptops, 4.6 kg in all, ids created to label at once.
    lot = _json(cli(["intake", "--donor", "Entreprise X", "--device", "laptop:2:4.6",
                     "--create-ids", "--json", "--home", home]))
    first, second = lot["ids"]
    assert lot["lot"]["assets"] == [first, second]
    assert {_status(cli, home, a) for a in (first, second)} == {"received"}

    # 2. Grade both from recorded machines; the first with the operator's checklist.
    graded = _json(cli(["grade", "--replay", MACHINES / "aspire-es1-non-root", "--asset", first,
                        "--check", "keyboard=ok", "--check", "wifi=ok", "--check", "webcam=fail",
                        "--cosmetic", "b", "--json", "--home", home]))
    assert graded["asset_id"] == first and graded["created"] is False
    assert graded["verdict"]["grade"] in ("A", "B", "C", "D")
    donor_grade = _json(cli(["grade", "--replay", MACHINES / "latitude-e5410-failing-disk",
                             "--asset", second, "--json", "--home", home]))
    assert donor_grade["asset_id"] == second
    assert {c["code"] for c in donor_grade["verdict"]["reasons"]} >= {"SMART_FAILED"}
    shown = _json(cli(["inventory", "show", first, "--json", "--home", home]))
    assert shown["status"] == "diagnosed" and shown["probe"]["product"] == "Aspire ES1-512"
    assert shown["grade"]["grade"] == graded["verdict"]["grade"]
    # The image stage follows the grade's edition (its 4 GB read as 3896 MB by MemTotal).
    chosen = _json(cli(["image", "choose", "--asset", first, "--json", "--home", home]))
    assert graded["verdict"]["emmabuntus"] == "DE6" and chosen["edition"] == "DE6", chosen

    # 3. Wipe the laptop's disk (a real 64 MiB loop device holding donor data).
    disk = loopdev(64 * MiB)
    _plant(disk.path, 64 * MiB)
    with open(disk.path, "rb") as fh:
        assert fh.read().count(SECRET[:32]) == 3
    wiped = _json(cli(["wipe", disk.path, "--asset", first, "--yes", "--json", "--home", home]))
    assert wiped["blocked"] == [] and len(wiped["records"]) == 1
    record = wiped["records"][0]
    assert record["result"] == "success" and record["asset_id"] == first
    assert record["verification"]["result"] == "passed" and record["percent_erased"] == 100.0
    assert record["disk"]["path"] == disk.path and record["disk"]["size_bytes"] == 64 * MiB
    with open(disk.path, "rb") as fh:
        assert SECRET[:32] not in fh.read()
    assert _status(cli, home, first) == "wiped"

    # The recorded laptop's own disk (sda of the Aspire folder) was never wiped: the loop
    # device stands in for it. A certificate of the whole machine says so, honestly...
    failed = cli(["certificate", "issue", "--asset", first, "--json", "--home", home,
                  "--out", tmp_path / "whole"])
    assert failed.exit_code == ExitCode.REFUSED, failed.output     # not a certificate
    whole = json.JSONDecoder().raw_decode(failed.output)[0]
    assert whole["result"] == "failed"
    probed = _json(cli(["inventory", "show", first, "--json", "--home", home]))["probe"]
    unwiped = json.loads(Path(whole["json"]).read_text())["certificate"]["failures"]
    assert [f["result"] for f in unwiped] == ["not-wiped"]
    assert unwiped[0]["identity"] == probed["disks"][0]["identity"]
    # ...and the technician certifies the wipe actually done, as for a disk taken out.
    cert = _json(cli(["certificate", "issue", "--asset", first, "--event", record["event_id"],
                      "--json", "--home", home]))
    assert cert["result"] == "success" and cert["wipes"] == [record["event_id"]]
    assert Path(cert["pdf"]).read_bytes()[:5] == b"%PDF-"
    signed = json.loads(Path(cert["json"]).read_text())["certificate"]
    assert signed["asset_id"] == first and signed["donor"] == "Entreprise X"
    assert [m["event_id"] for m in signed["media"]] == [record["event_id"]]
    assert cert["id"] in _pdf_text(Path(cert["pdf"]))
    checked = _json(cli(["certificate", "verify", cert["json"], "--json", "--home", home]))
    assert checked["result"] == "success" and checked["id"] == cert["id"]

    # Unhappy path: a second disk never wiped. The writer refuses it (exit 8, the
    # documented "refused to protect data" code) and writes not a byte; the asset
    # named with it does not move.
    master, _files = build_master(tmp_path, 32 * MiB)
    stranger = loopdev(48 * MiB)
    _plant(stranger.path, 48 * MiB)
    before = _sha(stranger.path)
    refused = cli(["image", "write", master, stranger.path, "--asset", first, "--yes", "--json",
                   "--home", home])
    assert refused.exit_code == 8, refused.output
    assert _sha(stranger.path) == before
    assert _status(cli, home, first) == "wiped"

    # 4. Write the image on the wiped disk: the wipe check is met by step 3's record.
    written = _json(cli(["image", "write", master, disk.path, "--asset", first, "--yes",
                         "--json", "--home", home]))
    assert written["result"] == "success" and written["verify"] == "passed"
    assert written["plan"]["wipe_checked"] is True
    assert written["plan"]["wipe_event"] == record["event_id"]
    steps = {s["step"]: s["status"] for s in written["postinstall"]}
    assert steps["hostname"] == "done" and steps["grow-partition"] == "done"
    hostname = written["plan"]["hostname"]
    assert hostname == first.lower()
    parts = json.loads(sh("sfdisk", "--json", master).stdout)["partitiontable"]["partitions"]
    p1 = parts[0]
    with open(master, "rb") as src, open(disk.path, "rb") as dst:   # the data partition, bytewise
        src.seek(p1["start"] * 512)
        dst.seek(p1["start"] * 512)
        assert dst.read(p1["size"] * 512) == src.read(p1["size"] * 512)
    assert _status(cli, home, first) == "imaged"

    # 5. Final check done: ready (by hand; giving it away first is refused).
    early = cli(["checkout", second, "--to", "given", "--org", "X", "--home", home])
    assert early.exit_code == 11, early.output
    # The recorded laptop's own disk was never wiped (the loop device stood in for it):
    # custody refuses "ready" (exit 8, nothing written) until it is taken out.
    unwiped = cli(["inventory", "status", first, "ready", "--home", home])
    assert unwiped.exit_code == 8 and "no verified wipe" in unwiped.output, unwiped.output
    _json(cli(["parts", "harvest", first, "--kind", "disk", "--for", "destruction",
               "--reason", "replaced by the wiped disk", "--json", "--home", home]))
    ready = _json(cli(["inventory", "status", first, "ready", "--note", "contrôle final",
                       "--json", "--home", home]))
    assert ready["payload"] == {"note": "contrôle final", "from": "imaged", "to": "ready", "v": 1}
    assert _status(cli, home, first) == "ready"

    # 6. Label and traceability sheet: both QR codes carry the id.
    label_pdf, sheet_pdf = tmp_path / "x.pdf", tmp_path / "y.pdf"
    label = _json(cli(["label", first, "--out", label_pdf, "--json", "--home", home]))
    assert label["pages"] == 1 and [x["payload"] for x in label["labels"]] == [first]
    assert _qr_payloads(label_pdf, tmp_path) == [first]
    sheet = _json(cli(["sheet", first, "--out", sheet_pdf, "--json", "--home", home]))
    assert sheet["qr_payload"] == first and sheet_pdf.read_bytes()[:5] == b"%PDF-"
    assert _qr_payloads(sheet_pdf, tmp_path) == [first]
    text = _pdf_text(sheet_pdf)
    assert cert["id"] in text and cert["sha256"] in text          # the wipe certificate
    assert "master" in text                                        # the image written
    assert "Aspire ES1-512" in text and first in text
    assert not re.search(r"\sNone$", text, re.M)  # checks not asked are not printed as None
    assert re.search(r"webcam\s+fails$", text, re.M) and "USB ports" not in text
    # The method that ran (the default, auto, recorded resolved), never only what was asked.
    assert "random data" in text and "automatic" not in text
    assert "Ready" in text
    from reemploi.i18n import tr
    fr_pdf = tmp_path / "fiche.pdf"
    _json(cli(["sheet", first, "--out", fr_pdf, "--lang", "fr", "--json", "--home", home]))
    fr = _pdf_text(fr_pdf)           # French words from the stages' own catalogues
    for msgid in ("Ready", "success", "cosmetic state", "keyboard", "Traceability sheet"):
        assert tr(msgid, "fr") != msgid and tr(msgid, "fr") in fr, msgid
    assert f"{tr('Imaged', 'fr')} → {tr('Ready', 'fr')}" in fr      # history, statuses in French

    # 7. A RAM module from the second laptop goes into the first; the first is given.
    part = _json(cli(["parts", "harvest", second, "--kind", "ram", "--facts", "type=DDR3",
                      "--facts", "form_factor=SODIMM", "--facts", "size_gb=4", "--grade", "A",
                      "--json", "--home", home]))
    assert part["kind"] == "part" and part["status"] == "stock" and part["from_asset"] == second
    assert part["lot_id"] == lot["lot"]["id"]
    part_pdf = tmp_path / "part.pdf"
    _json(cli(["label", part["id"], "--template", "L7163", "--out", part_pdf, "--json",
               "--home", home]))      # 99 mm wide: room for the whole line
    part_text = " ".join(_pdf_text(part_pdf).split())
    assert "4 GB" in part_text and "Grade A" in part_text and second in part_text, part_text
    installed = _json(cli(["parts", "install", part["id"], first, "--json", "--home", home]))
    assert installed["type"] == "part.installed" and installed["asset_id"] == first
    part_now = _json(cli(["inventory", "show", part["id"], "--json", "--home", home]))
    assert part_now["status"] == "installed" and part_now["installed_in"] == first
    # A changed machine goes back to the bench: checked again, then ready again.
    assert _status(cli, home, first) == "diagnosed"
    _json(cli(["inventory", "status", first, "ready", "--json", "--home", home]))
    gone = _json(cli(["checkout", first, "--to", "given", "--org", "Emmaüs Connect",
                      "--json", "--home", home]))
    assert gone["type"] == "checkout" and gone["payload"]["destination_kind"] == "given"
    final = _json(cli(["inventory", "show", first, "--json", "--home", home]))
    assert final["status"] == "out" and final["checkout"]["organisation"] == "Emmaüs Connect"
    assert [p["part_id"] for p in final["parts_installed"]] == [part["id"]]

    # 8. The coordinator's figures for this year tell the same story.
    stats = _json(cli(["stats", "--year", year, "--json", "--home", home]))["figures"]
    assert stats["totals"] == {"received": 2, "diagnosed": 2, "wiped": 1, "imaged": 1,
                               "ready": 1, "out": 1}
    outcomes = {o["outcome"]: o["machines"] for o in stats["outcomes"]}
    assert outcomes == {"given": 1, "sold": 0, "recycled": 0, "dismantled": 0}
    assert stats["by_destination"] == [{"organisation": "Emmaüs Connect", "outcome": "given",
                                        "machines": 1, "revenue_eur": 0.0}]
    assert stats["parts"] == [{"part_kind": "disk", "harvested": 1, "reused": 0},
                              {"part_kind": "ram", "harvested": 1, "reused": 1}]
    # Two certificates were issued, one saying a disk was left: only the good one counts.
    # The RAM put into the donated laptop is a repair: no machine was built here (issue
    # 10: "machines montées" are the ``built`` ones only).
    assert stats["disks_erased"] == 1 and stats["certificates"] == 1 and stats["built"] == 0
    assert stats["received_weight"]["total_kg"] == pytest.approx(4.6)
    assert stats["reused_weight"]["total_kg"] == pytest.approx(2.3)      # half the lot
    from reemploi.stats.factors import load_reference
    laptop = load_reference(home).factors["laptop"].kg_co2e
    assert stats["kg_co2e_avoided"] == pytest.approx(laptop)             # one laptop reused
    assert {d["name"] for d in stats["by_donor"]} == {"Entreprise X"}

    # 9. The journal holds together, and the machine's history is every step in order.
    report = _json(cli(["inventory", "verify", "--json", "--home", home]))
    assert report["ok"] is True and report["projection"] == "current"
    assert report["unfinished"] == []          # every start has its end
    events = _json(cli(["inventory", "history", first, "--json", "--home", home]))
    steps = [(e["type"], e["payload"].get("to")) for e in events]
    assert steps == [
        ("asset.created", None),
        ("status.changed", "diagnosed"), ("asset.probed", None), ("asset.checked", None),
        ("asset.graded", None),
        ("wipe.started", None),                 # the intent, before the first byte
        ("wipe.done", None), ("status.changed", "wiped"),
        ("certificate.issued", None), ("certificate.issued", None),     # failed, then good
        ("image.started", None),
        ("image.written", None), ("status.changed", "imaged"),
        ("part.harvested", None),               # its own disk, out for destruction
        ("status.changed", "ready"),
        ("part.installed", None), ("status.changed", "diagnosed"),      # changed: re-check
        ("status.changed", "ready"),
        ("checkout", None), ("status.changed", "out"),
    ], steps
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    assert [e for e in events if e["type"] == "image.written"][0]["payload"]["result"] == "success"
    shown_fr = cli(["inventory", "show", first, "--lang", "fr", "--home", home])
    assert shown_fr.exit_code == 0 and graded["verdict"]["outcome"] not in shown_fr.output
    assert tr("success", "fr") in shown_fr.output and "success" not in shown_fr.output
    listing = cli(["inventory", "history", first, "--home", home])
    assert listing.exit_code == 0 and len(listing.output.strip().splitlines()) == len(events)
