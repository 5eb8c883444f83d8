"""Certificates anchored in a workshop's trust (issue 11).

The forgery of issue 11, reproduced: a real certificate with its serial changed to
WD-FORGED-123 and its method to Purge, re-signed with a fresh Ed25519 key, used to
pass ``certificate verify`` ("Signature valid", exit 0), even on the issuing station.
Also: content outside the signature, events for every certificate, failed issues.
"""

from __future__ import annotations

import base64
import json
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from reemploi.wipe.signing import canonical, fingerprint, serialize
from test_certificate import MIB, first_json, issue, machine, wipe_for  # noqa: F401 (fixture)


def resign(doc: dict, key: Ed25519PrivateKey) -> dict:
    """What a forger does: sign the edited content with a key of their own."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return {"certificate": doc["certificate"],
            "signature": {"algorithm": "Ed25519", "public_key": base64.b64encode(raw).decode(),
                          "fingerprint": fingerprint(raw),
                          "value": base64.b64encode(key.sign(canonical(doc["certificate"])))
                          .decode()}}


@pytest.fixture
def issued(cli, loopdev, machine, tmp_path):  # noqa: F811 (the fixture imported above)
    home, asset = machine
    wipe_for(home, asset, [loopdev(16 * MIB).path])
    result, _ = issue(cli, asset, tmp_path, "--lang", "en")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    return home, asset, info


def test_a_certificate_forged_and_resigned_with_a_fresh_key_is_refused(cli, issued, tmp_path):
    home, asset, info = issued
    doc = json.loads(open(info["json"], encoding="utf-8").read())
    doc["certificate"]["media"][0]["serial"] = "WD-FORGED-123"
    doc["certificate"]["media"][0]["category"] = "purge"
    doc["certificate"]["category"] = "purge"
    forger = Ed25519PrivateKey.generate()
    forged = tmp_path / "forged.json"
    forged.write_bytes(serialize(resign(doc, forger)))     # byte-perfect layout
    forger_fp = json.loads(forged.read_text())["signature"]["fingerprint"]
    # On the issuing station itself: the signature is valid, the key is nobody's.
    bad = cli(["certificate", "verify", forged, "--lang", "en", "--home", home])
    assert bad.exit_code == ExitCode.INTEGRITY, bad.output
    assert forger_fp in bad.output and "does not trust" in bad.output
    # Nor with the workshop's real fingerprint in a third party's hands.
    bad = cli(["certificate", "verify", forged, "--fingerprint", info["fingerprint"],
               "--home", home])
    assert bad.exit_code == ExitCode.INTEGRITY
    for command in ("show", "pdf"):
        assert cli(["certificate", command, forged, "--home", home]).exit_code \
            == ExitCode.INTEGRITY
    # The genuine one still verifies, naming its key and workshop.
    ok = cli(["certificate", "verify", info["json"], "--lang", "en", "--home", home])
    assert ok.exit_code == 0, ok.output
    assert info["fingerprint"] in ok.output and "Atelier Test" in ok.output
    assert "this station's own key" in ok.output


def test_another_station_trusts_a_key_only_by_its_fingerprint(cli, issued, tmp_path):
    home, asset, info = issued
    other = tmp_path / "station-b"
    exported = cli(["certificate", "export-key", "--out", tmp_path / "key.pem", "--json",
                    "--home", home])
    assert exported.exit_code == 0, exported.output
    key = json.loads(exported.output)
    assert key["fingerprint"] == info["fingerprint"]
    # The file is a standard public key: OpenSSL reads it, and it is the signing key.
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", key["file"], "-outform", "DER"],
                         capture_output=True, check=True).stdout
    assert fingerprint(der[-32:]) == info["fingerprint"]
    # Unknown on another station: exit 12, until imported with the right fingerprint.
    assert cli(["certificate", "verify", info["json"], "--home", other]).exit_code \
        == ExitCode.INTEGRITY
    wrong = "SHA256:" + "0" * 64
    refused = cli(["certificate", "trust", key["file"], "--fingerprint", wrong, "--home", other])
    assert refused.exit_code == ExitCode.INTEGRITY
    assert cli(["certificate", "verify", info["json"], "--home", other]).exit_code \
        == ExitCode.INTEGRITY
    assert cli(["certificate", "trust", key["file"], "--fingerprint", "bogus",
                "--home", other]).exit_code == ExitCode.BAD_INPUT
    took = cli(["certificate", "trust", key["file"], "--fingerprint", info["fingerprint"],
                "--home", other, "--lang", "en"])
    assert took.exit_code == 0, took.output
    ok = cli(["certificate", "verify", info["json"], "--home", other, "--json"])
    assert ok.exit_code == 0, ok.output
    checked = json.loads(ok.output)
    assert checked["trust"] == "imported" and checked["workshop"] == "Atelier Test"
    listed = json.loads(cli(["certificate", "trusted", "--json", "--home", other]).output)
    assert info["fingerprint"] in [k["fingerprint"] for k in listed]
    # Distrusted: refused again.
    assert cli(["certificate", "distrust", info["fingerprint"], "--home", other]).exit_code == 0
    assert cli(["certificate", "verify", info["json"], "--home", other]).exit_code \
        == ExitCode.INTEGRITY


def test_a_third_party_checks_with_the_fingerprint_it_was_given(cli, issued, tmp_path):
    """A donor's DPO: no trust store, only the fingerprint the workshop gave."""
    home, asset, info = issued
    dpo = tmp_path / "dpo"
    ok = cli(["certificate", "verify", info["json"], "--fingerprint", info["fingerprint"],
              "--home", dpo, "--lang", "en"])
    assert ok.exit_code == 0, ok.output
    assert "--fingerprint" in ok.output                       # how it was trusted
    # A bare hex fingerprint (as read aloud) is accepted too.
    bare = info["fingerprint"].split(":", 1)[1].upper()
    assert cli(["certificate", "verify", info["json"], "--fingerprint", bare,
                "--home", dpo]).exit_code == 0
    other = "SHA256:" + "ab" * 32
    assert cli(["certificate", "verify", info["json"], "--fingerprint", other,
                "--home", dpo]).exit_code == ExitCode.INTEGRITY


def _variants(data: bytes) -> dict[str, bytes]:
    doc = json.loads(data)
    text = data.decode()
    extra_top = dict(doc, note="certified Purge by the manufacturer")
    extra_sig = json.loads(data)
    extra_sig["signature"]["comment"] = "ok"
    forged = json.loads(data)
    forged["certificate"]["media"][0]["serial"] = "WD-FORGED-123"
    # Two "certificate" keys: the forged one first (some parsers keep the first).
    dup = "{\n  \"certificate\": " + json.dumps(forged["certificate"], ensure_ascii=False) \
        + ",\n" + text[2:]
    return {
        "extra top-level key": serialize(extra_top),
        "extra signature key": serialize(extra_sig),
        "duplicate certificate key": dup.encode(),
        "re-indented": (json.dumps(doc, ensure_ascii=False, indent=4) + "\n").encode(),
        "compact": json.dumps(doc, ensure_ascii=False).encode(),
        "one more space": data.replace(b'": "', b'":  "', 1),
        "ascii escapes": (json.dumps(doc, ensure_ascii=True, indent=2) + "\n").encode(),
        "no final newline": data.rstrip(b"\n"),
    }


def test_anything_outside_the_signed_content_is_refused(cli, issued, tmp_path):
    home, asset, info = issued
    data = open(info["json"], "rb").read()
    assert serialize(json.loads(data)) == data                # the file as issued
    for name, variant in _variants(data).items():
        if variant == data:                                   # e.g. no non-ASCII to escape
            continue
        path = tmp_path / "variant.json"
        path.write_bytes(variant)
        res = cli(["certificate", "verify", path, "--home", home, "--lang", "en"])
        assert res.exit_code == ExitCode.INTEGRITY, (name, res.output)
    (tmp_path / "nan.json").write_bytes(data.replace(b'"percent_erased": 100.0',
                                                     b'"percent_erased": NaN', 1))
    assert cli(["certificate", "verify", tmp_path / "nan.json",
                "--home", home]).exit_code in (ExitCode.BAD_INPUT, ExitCode.INTEGRITY)


def test_every_certificate_is_a_journal_event_with_asset_donor_and_lot(cli, issued, tmp_path):
    home, asset, info = issued
    inv = Inventory.open(home, "T")
    lot = inv.machine(asset)["lot_id"]
    [wipe] = inv.events(asset, types=["wipe.done"])
    # Issued by event id, without --asset (issue 11: no event, no property number).
    res = cli(["certificate", "issue", "--event", wipe.id, "--json", "--no-pdf",
               "--out", tmp_path / "by-event", "--home", home])
    assert res.exit_code == 0, res.output
    by_event = json.loads(res.output)
    cert = json.loads(open(by_event["json"]).read())["certificate"]
    assert cert["asset_id"] == asset and cert["donor"] == "Mairie de Lyon"
    assert cert["lot_id"] == lot and cert["media"][0]["property_number"] == asset
    events = {e.payload["certificate_id"]: e
              for e in Inventory.open(home, "T").events(types=["certificate.issued"])}
    assert set(events) == {info["id"], by_event["id"]}
    ev = events[by_event["id"]]
    assert ev.asset_id == asset and ev.payload["donor"] == "Mairie de Lyon"
    assert ev.payload["lot_id"] == lot and ev.payload["property_numbers"] == [asset]
    assert ev.payload["fingerprint"] == info["fingerprint"]
    assert ev.payload["sha256"] == by_event["sha256"] and ev.payload["wipes"] == [wipe.id]


def test_a_loose_disk_certificate_is_recorded_too(cli, loopdev, tmp_path):
    dev = loopdev(16 * MIB)
    wiped = cli(["wipe", dev.path, "--yes", "--json", "--method", "zero"])
    event_id = json.loads(wiped.output)["records"][0]["event_id"]
    res = cli(["certificate", "issue", "--event", event_id, "--json", "--no-pdf"])
    assert res.exit_code == 0, res.output
    from reemploi.cli.common import make_context
    home = make_context(None, "en").home
    [ev] = Inventory.open(home, "T").events(types=["certificate.issued"])
    assert ev.asset_id is None and ev.payload["wipes"] == [event_id]


def test_the_pdf_prints_the_signing_fingerprint(cli, issued):
    home, asset, info = issued
    text = subprocess.run(["pdftotext", info["pdf"], "-"], capture_output=True, text=True,
                          check=True).stdout
    assert info["fingerprint"] in "".join(text.split())


def test_a_sheet_lists_only_real_certificates(cli, loopdev, machine, tmp_path):  # noqa: F811
    """A failure report is recorded, exits non-zero, and is not a certificate on the
    machine's sheet (issue 11: "ÉCHEC, ceci n'est pas un certificat" was listed)."""
    from reemploi.documents.facts import facts_from_events
    home, asset = machine
    wipe_for(home, asset, [loopdev(16 * MIB).path], interrupt=True)
    failed, _ = issue(cli, asset, tmp_path, "--no-pdf")
    assert failed.exit_code == ExitCode.REFUSED
    report = first_json(failed.output)["id"]
    wipe_for(home, asset, [loopdev(16 * MIB).path])
    inv = Inventory.open(home, "T")
    wiped = [e for e in inv.events(asset, types=["wipe.done"])]
    ok = cli(["certificate", "issue", "--event", wiped[-1].id, "--json", "--no-pdf",
              "--out", tmp_path / "ok"])
    assert ok.exit_code == 0, ok.output
    real = json.loads(ok.output)["id"]
    facts = facts_from_events(asset, inv.events(asset))
    assert [c[0] for c in facts.certificates] == [real] and report != real
