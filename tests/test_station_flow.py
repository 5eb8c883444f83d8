"""``reemploi station`` through the real CLI: a recorded machine (replay runner), real
loop devices as its disks holding planted donor data, an unattended profile.

The run must go from nothing to a ready machine: graded with the profile's checklist,
every disk wiped and verified (no planted byte left), a signed certificate that
verifies, the image written and verified, a label and a sheet, status ready; the
journal tells that story; a second run finds everything done and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MACHINES
from test_image_support import MiB, build_master

pytestmark = pytest.mark.root

SECRET = b"SECRET-DONOR-DATA: payslips of the donor, never to be read again. "


def plant(path: str, size: int) -> None:
    with open(path, "r+b") as fh:
        for offset in (0, size // 2 + 4096 * 3 + 17, size - 512):
            fh.seek(offset)
            fh.write(SECRET)


def leaked(path: str) -> int:
    with open(path, "rb") as fh:
        return fh.read().count(SECRET[:24])


def write_profile(tmp_path: Path, master: Path, disks: list[str], **extra: str) -> Path:
    quoted = ", ".join(f'"{d}"' for d in disks)
    text = f"""
[station]
asset = "identity"
lang = "en"
replay = "{MACHINES / 'thinkbook-nvme-live-usb'}"
disks = [{quoted}]
require_persistence = false
ready_when = ["ready", "ready-after-upgrade"]
{extra.get('station', '')}

[checklist]
keyboard = "ok"
wifi = "ok"
webcam = "fail"
cosmetic = "B"

[wipe]
method = "zero"
verify = "full"
{extra.get('wipe', '')}

[image]
name = "{master}"

[documents]
printer = ""
"""
    path = tmp_path / "ci.toml"
    path.write_text(text)
    return path


def run_json(cli, args) -> dict:
    result = cli(["station", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_unattended_profile_takes_a_machine_to_ready(cli, loopdev, tmp_path):
    home = tmp_path / "home"
    first, second = loopdev(48 * MiB), loopdev(32 * MiB)
    for d, size in ((first, 48 * MiB), (second, 32 * MiB)):
        plant(d.path, size)
        assert leaked(d.path) == 3
    master, _ = build_master(tmp_path, 24 * MiB)
    profile = write_profile(tmp_path, master, [first.path, second.path])

    assert cli(["operator", "add", "Camille"]).exit_code == 0
    report = run_json(cli, ["--profile", profile, "--operator", "Camille"])
    asset = report["asset_id"]
    assert report["result"] == "success" and report["created"] is True
    steps = {k: v["status"] for k, v in report["steps"].items()}
    assert steps == {"probe": "done", "checklist": "done", "grade": "done", "wipe": "done",
                     "certificate": "done", "image": "done", "documents": "done",
                     "ready": "done"}, steps
    # No planted byte survives on either disk (the image went on the first only).
    assert leaked(first.path) == 0 and leaked(second.path) == 0
    with open(second.path, "rb") as fh:
        assert fh.read() == b"\0" * 32 * MiB
    wiped = report["steps"]["wipe"]["disks"]
    assert [w["result"] for w in wiped] == ["success", "success"]
    assert {w["verification"] for w in wiped} == {"passed"}
    cert = report["steps"]["certificate"]
    assert cert["result"] == "success"
    checked = cli(["certificate", "verify", cert["json"], "--json"])
    assert checked.exit_code == 0 and json.loads(checked.output)["result"] == "success"
    signed = json.loads(Path(cert["json"]).read_text())["certificate"]
    assert sorted(m["event_id"] for m in signed["media"]) == sorted(w["event_id"] for w in wiped)
    image = report["steps"]["image"]
    assert image["disk"] == first.path and image["verify"] == "passed"
    for pdf in (report["steps"]["documents"]["labels"], report["steps"]["documents"]["sheet"]):
        assert Path(pdf).read_bytes()[:5] == b"%PDF-"
    shown = json.loads(cli(["inventory", "show", asset, "--json", "--home", home]).output)
    assert shown["status"] == "ready"
    history = json.loads(cli(["inventory", "history", asset, "--json"]).output)
    types = [e["type"] for e in history]
    assert types.index("asset.graded") < types.index("wipe.started") < types.index("wipe.done") \
        < types.index("certificate.issued") < types.index("image.written")
    assert history[-1]["type"] == "status.changed" and history[-1]["payload"]["to"] == "ready"
    assert {e["operator"] for e in history} == {"Camille"}      # who did it, every step
    checks = [e for e in history if e["type"] == "asset.checked"][0]["payload"]["checks"]
    assert checks["webcam"] == "fail" and checks["cosmetic"] == "B"
    verify = json.loads(cli(["inventory", "verify", "--json"]).output)
    assert verify["ok"] is True and verify["unfinished"] == []

    # A second run on the same machine finds it by its identity, all done: no new wipe.
    again = run_json(cli, ["--profile", profile])
    assert again["asset_id"] == asset and again["created"] is False
    assert again["resumed_at"] == "done"
    assert {v["status"] for k, v in again["steps"].items() if k != "probe"} == {"already-done"}
    history2 = json.loads(cli(["inventory", "history", asset, "--json"]).output)
    assert len(history2) == len(history)


def test_a_bad_profile_is_a_clear_error(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[wipe]\nmethod = "shred-it-all"\n')
    result = cli(["station", "--profile", bad])
    assert result.exit_code == 7, result.output
    assert "shred-it-all" in result.output and "Traceback" not in result.output
    typo = tmp_path / "typo.toml"
    typo.write_text('[wipe]\nverfy = "full"\n')
    result = cli(["station", "--profile", typo])
    assert result.exit_code == 7 and "verfy" in result.output


def test_a_recorded_machine_without_named_disks_is_refused(cli, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text(f'[station]\nreplay = "{MACHINES / "aspire-es1-non-root"}"\n'
                       'require_persistence = false\n[image]\nname = "none"\n')
    result = cli(["station", "--profile", profile])
    assert result.exit_code == 7, result.output
    assert "name the disks" in result.output


def test_an_unknown_asset_id_stops_before_anything(cli, loopdev, tmp_path):
    disk = loopdev(8 * MiB)
    plant(disk.path, 8 * MiB)
    master, _ = build_master(tmp_path, 24 * MiB)
    profile = write_profile(tmp_path, master, [disk.path])
    result = cli(["station", "--profile", profile, "--asset", "REE-A-26-99999", "--json"])
    assert result.exit_code == 10, result.output
    assert json.loads(result.stdout)["result"] == "failed"
    assert leaked(disk.path) == 3                       # not a byte written
