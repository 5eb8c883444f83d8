"""Erasure certificates: signed JSON, PDF with the JSON's hash and a QR code, tamper checks."""

import json
import os
import stat
import subprocess

import pytest

from reemploi.context import Context
from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from reemploi.wipe import run as wiperun
from reemploi.wipe.signing import key_path

MIB = 1 << 20


@pytest.fixture
def machine(tmp_path):
    home = tmp_path / "home"
    inv = Inventory.open(home, "T", "Camille")
    _, ids = inv.receive_lot("Mairie de Lyon", "public", devices=[("laptop", 1, 2.0)],
                             create_ids=True)
    (home / "settings.toml").write_text('[workshop]\nname = "Atelier Test"\n'
                                        'contact = "atelier@example.org"\n', encoding="utf-8")
    return home, ids[0]


def wipe_for(home, asset, paths, interrupt=False):
    ctx = Context(home=home, station="T", operator="Camille")
    options = wiperun.WipeOptions(method="prng", verify="sample", asset_id=asset)
    jobs = wiperun.prepare(ctx, paths, options)

    def progress_for(job):
        def progress(phase, done, total):
            if interrupt and done:
                raise KeyboardInterrupt
        return progress
    records = wiperun.run_all(ctx, jobs, options, progress_for=progress_for)
    wiperun.record_all(ctx, records)
    return records


def first_json(text: str):
    """The JSON document a command printed (an error message may follow it)."""
    return json.JSONDecoder().raw_decode(text)[0]


def cert_id(info: dict) -> str:
    return json.loads(open(info["json"]).read())["certificate"]["id"]


def issue(cli, asset, tmp_path, *extra):
    out = tmp_path / "certs"
    result = cli(["certificate", "issue", "--asset", asset, "--out", str(out), "--json",
                  "--operator-name", "Camille Martin", "--operator-title", "Technicienne",
                  "--verifier-name", "Sam Durand", *extra])
    return result, out


def test_certificate_signed_verified_and_tamper_detected(cli, loopdev, machine, tmp_path):
    home, asset = machine
    disks = [loopdev(32 * MIB), loopdev(32 * MIB + 4096)]
    wipe_for(home, asset, [d.path for d in disks])
    result, out = issue(cli, asset, tmp_path)
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["result"] == "success" and len(info["wipes"]) == 2
    doc = json.loads(open(info["json"], encoding="utf-8").read())
    cert = doc["certificate"]
    assert cert["result"] == "success" and cert["category"] == "clear"
    assert cert["asset_id"] == asset and cert["donor"] == "Mairie de Lyon"
    assert cert["workshop"]["name"] == "Atelier Test"
    assert cert["sanitized_by"]["name"] == "Camille Martin"
    assert cert["verified_by"]["name"] == "Sam Durand"
    assert {m["property_number"] for m in cert["media"]} == {asset}
    assert all(m["verification"]["method"] == "sample" for m in cert["media"])
    # The station key: created on first use, private, 0600.
    mode = stat.S_IMODE(os.stat(key_path(home)).st_mode)
    assert mode == 0o600
    # Signature checks.
    ok = cli(["certificate", "verify", info["json"], "--lang", "en"])
    assert ok.exit_code == 0 and "Valid certificate" in ok.output
    tampered = tmp_path / "tampered.json"
    doc["certificate"]["media"][0]["serial"] = "FAKE123"
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    bad = cli(["certificate", "verify", str(tampered)])
    assert bad.exit_code == ExitCode.INTEGRITY
    doc["certificate"]["media"][0]["serial"] = cert["media"][0]["serial"]
    doc["signature"]["value"] = doc["signature"]["value"][:-4] + "AAA="
    tampered.write_text(json.dumps(doc), encoding="utf-8")
    assert cli(["certificate", "verify", str(tampered)]).exit_code == ExitCode.INTEGRITY
    (tmp_path / "junk.json").write_text("[]")
    assert cli(["certificate", "verify", str(tmp_path / "junk.json")]).exit_code == ExitCode.INTEGRITY
    # The journal knows.
    inv = Inventory.open(home, "T")
    assert inv.machine(asset)["certificates"] == [info["id"]]


def test_pdf_carries_the_json_hash_and_a_scannable_qr(cli, loopdev, machine, tmp_path):
    home, asset = machine
    wipe_for(home, asset, [loopdev(32 * MIB).path])
    result, out = issue(cli, asset, tmp_path, "--lang", "fr")
    info = json.loads(result.output)
    text = subprocess.run(["pdftotext", "-layout", info["pdf"], "-"], capture_output=True,
                          text=True, check=True).stdout
    assert info["sha256"] in text
    assert "Certificat" in text and "NIST SP 800-88" in text
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", info["pdf"], str(png)],
                   check=True)
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image
    [page] = sorted(tmp_path.glob("page*.png"))
    codes = zxingcpp.read_barcodes(Image.open(page))
    assert any(c.text == f"{info['id']} sha256:{info['sha256']}" for c in codes)
    # English rendering from the same signed JSON.
    en = tmp_path / "en.pdf"
    r = cli(["certificate", "pdf", info["json"], "--out", str(en), "--lang", "en"])
    assert r.exit_code == 0, r.output
    text_en = subprocess.run(["pdftotext", str(en), "-"], capture_output=True, text=True).stdout
    assert "Certificate of media sanitization" in text_en


def test_interrupted_wipe_certificate_refuses_to_claim_success(cli, loopdev, machine, tmp_path):
    home, asset = machine
    good, cut = loopdev(32 * MIB), loopdev(32 * MIB)
    wipe_for(home, asset, [good.path])
    wipe_for(home, asset, [cut.path], interrupt=True)
    assert Inventory.open(home, "T").machine(asset)["status"] == "wiped"  # from the first run
    result, out = issue(cli, asset, tmp_path, "--lang", "en")
    # A failure report is written, and the command fails (issue 11: it exited 0).
    assert result.exit_code == ExitCode.REFUSED and "No certificate for" in result.output
    info = first_json(result.output)
    assert info["result"] == "failed"
    cert = json.loads(open(info["json"]).read())["certificate"]
    assert cert["category"] is None
    assert [f["result"] for f in cert["failures"]] == ["interrupted"]
    text = subprocess.run(["pdftotext", info["pdf"], "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "FAILED" in flat and "not a certificate" in flat
    shown = cli(["certificate", "show", info["json"], "--lang", "en"])
    assert shown.exit_code == 0 and "failed" in shown.output
    # The failure report certifies nothing: not in the machine's certificates, not beside
    # its wipes; its history names it for what it is.
    m = Inventory.open(home, "T").machine(asset)
    assert m["certificates"] == [] and [w["certificate"] for w in m["wipes"]] == [None, None]
    history = cli(["inventory", "history", asset, "--lang", "en"]).output
    assert f"{cert['id']}: failure report, not a certificate" in history
    # The good wipe alone, certified by its event id: that one is listed.
    good_wipe = m["wipes"][0]["event_id"]
    result, _ = issue(cli, asset, tmp_path, "--event", good_wipe)
    real = first_json(result.output)
    assert real["result"] == "success"
    m = Inventory.open(home, "T").machine(asset)
    assert m["certificates"] == [cert_id(real)]
    assert [w["certificate"] for w in m["wipes"]] == [cert_id(real), None]


def test_no_wipe_no_certificate(cli, machine, tmp_path):
    home, asset = machine
    result, _ = issue(cli, asset, tmp_path)
    assert result.exit_code == ExitCode.NOT_FOUND


def test_loose_disk_certificate_by_event_id(cli, loopdev, tmp_path):
    dev = loopdev(32 * MIB)
    wiped = cli(["wipe", dev.path, "--yes", "--json"])
    assert wiped.exit_code == 0, wiped.output
    event_id = json.loads(wiped.output)["records"][0]["event_id"]
    out = tmp_path / "loose"
    result = cli(["certificate", "issue", "--event", event_id, "--out", str(out), "--json",
                  "--no-pdf"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["result"] == "success" and info["wipes"] == [event_id] and info["pdf"] is None
    cert = json.loads(open(info["json"]).read())["certificate"]
    assert cert["asset_id"] is None and cert["media"][0]["identity"].startswith("weak:")
    assert cli(["certificate", "verify", info["json"]]).exit_code == 0


def test_a_probed_disk_left_unwiped_makes_the_machine_certificate_fail(cli, loopdev, machine,
                                                                       tmp_path):
    """The probe saw two disks; only one was wiped. A per-machine certificate must not
    read as success while the other (forgotten in its bay) still holds donor data."""
    home, asset = machine
    dev = loopdev(32 * MIB)
    size = 32 * MIB
    forgotten = {"name": "sdb", "path": "/dev/sdb", "model": "WDC WD5000AAKX-00ERMA0",
                 "serial": "WD-WCC2EKX12345", "size_bytes": 500107862016, "media": "hdd"}
    wiped_disk = {"name": os.path.basename(dev.path), "path": dev.path, "model": None,
                  "serial": None, "size_bytes": size, "media": "virtual"}
    inv = Inventory.open(home, "T", "Camille")
    inv.record("asset.probed", asset, {"machine": {"disks": [wiped_disk, forgotten]}})
    [rec] = wipe_for(home, asset, [dev.path])
    assert rec.result == "success"

    result, out = issue(cli, asset, tmp_path, "--lang", "en")
    assert result.exit_code == ExitCode.REFUSED
    info = first_json(result.output)
    assert info["result"] == "failed"
    cert = json.loads(open(info["json"]).read())["certificate"]
    assert cert["category"] is None
    [missing] = cert["failures"]
    assert missing["serial"] == "WD-WCC2EKX12345" and missing["result"] == "not-wiped"
    text = " ".join(subprocess.run(["pdftotext", info["pdf"], "-"], capture_output=True,
                                   text=True).stdout.split())
    assert "not a certificate" in text and "WD-WCC2EKX12345: not wiped" in text

    # The disk was taken out since the probe: certify the wipe chosen by event id.
    result, _ = issue(cli, asset, tmp_path, "--event", info["wipes"][0])
    assert json.loads(result.output)["result"] == "success"


def test_certificate_of_an_unverified_wipe_does_not_say_verified(cli, loopdev, machine, tmp_path):
    home, asset = machine
    dev = loopdev(16 * MIB)
    ctx = Context(home=home, station="T", operator="Camille")
    options = wiperun.WipeOptions(method="zero", verify="none", asset_id=asset)
    records = wiperun.run_all(ctx, wiperun.prepare(ctx, [dev.path], options), options)
    wiperun.record_all(ctx, records)
    result, _ = issue(cli, asset, tmp_path, "--lang", "en")
    info = json.loads(result.output)
    text = " ".join(subprocess.run(["pdftotext", info["pdf"], "-"], capture_output=True,
                                   text=True).stdout.split())
    assert "each was verified" not in text
    assert "NOT verified" in text


def test_certificate_names_the_bytes_each_pass_wrote(cli, loopdev, machine, tmp_path):
    """dod3 writes a random byte then its complement: the certificate must say which
    (0x5a, 0xa5...), not the plan's placeholders "char, ~char"."""
    home, asset = machine
    dev = loopdev(16 * MIB)
    ctx = Context(home=home, station="T", operator="Camille")
    options = wiperun.WipeOptions(method="dod3", verify="sample", asset_id=asset)
    [rec] = wiperun.run_all(ctx, wiperun.prepare(ctx, [dev.path], options), options)
    wiperun.record_all(ctx, [rec])
    result, _ = issue(cli, asset, tmp_path, "--no-pdf")
    [media] = json.loads(open(json.loads(result.output)["json"]).read())["certificate"]["media"]
    first, second, third = media["patterns"]
    assert first.startswith("0x") and int(first, 16) ^ int(second, 16) == 0xFF
    assert third == "aes-128-ctr" and media["passes"] == 3
