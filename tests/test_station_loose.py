"""``reemploi station --disks``: a wiping station wipes every loose disk at once, each
under its own part id, each with its certificate (real loop devices, planted data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_image_support import MiB
from test_station_flow import leaked, plant

pytestmark = pytest.mark.root


def test_three_loose_disks_each_under_its_part_id(cli, loopdev, tmp_path):
    disks = [loopdev(size) for size in (16 * MiB, 24 * MiB, 8 * MiB)]
    for d, size in zip(disks, (16 * MiB, 24 * MiB, 8 * MiB)):
        plant(d.path, size)
    profile = tmp_path / "dock.toml"
    profile.write_text('[station]\nlang = "en"\n[wipe]\nmethod = "prng"\nverify = "full"\n'
                       '[documents]\nprinter = ""\n')
    args = ["station", "--disks", "--profile", profile, "--json"]
    for d in disks:
        args += ["--disk", d.path]
    result = cli(args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # One progress line per disk on stderr: bytes done of total, speed, time left.
    for d in disks:
        name = d.path.rsplit("/", 1)[1]
        lines = [line for line in result.stderr.splitlines() if line.strip().startswith(name + " ")]
        assert any("100.0%" in line and "/s" in line and "ETA" in line for line in lines), \
            result.stderr
    wiped = report["steps"]["wipe"]["disks"]
    assert [w["disk"] for w in wiped] == [d.path for d in disks]
    parts = [w["part_id"] for w in wiped]
    assert len(set(parts)) == 3 and all(w["created"] for w in wiped)
    assert {w["result"] for w in wiped} == {"success"}
    assert {w["verification"] for w in wiped} == {"passed"}
    for d in disks:
        assert leaked(d.path) == 0
    for w in wiped:
        shown = json.loads(cli(["inventory", "show", w["part_id"], "--json"]).output)
        assert shown["kind"] == "part"
        history = json.loads(cli(["inventory", "history", w["part_id"], "--json"]).output)
        done = [e for e in history if e["type"] == "wipe.done"]
        assert [e["id"] for e in done] == [w["event_id"]]
        assert done[0]["payload"]["disk"]["path"] == w["disk"]
        cert = w["certificate"]
        assert cert["result"] == "success" and Path(cert["pdf"]).read_bytes()[:5] == b"%PDF-"
        signed = json.loads(Path(cert["json"]).read_text())["certificate"]
        assert signed["asset_id"] == w["part_id"]
        assert [m["event_id"] for m in signed["media"]] == [w["event_id"]]
        verified = cli(["certificate", "verify", cert["json"], "--json"])
        assert verified.exit_code == 0, verified.output
    assert Path(report["steps"]["documents"]["labels"]).read_bytes()[:5] == b"%PDF-"
    check = json.loads(cli(["inventory", "verify", "--json"]).output)
    assert check["ok"] is True and check["unfinished"] == []


def test_a_refused_disk_stops_before_any_part_is_made(cli, loopdev, tmp_path):
    good = loopdev(8 * MiB)
    profile = tmp_path / "dock.toml"
    profile.write_text('[wipe]\nmethod = "zero"\n')
    result = cli(["station", "--disks", "--profile", profile, "--disk", good.path,
                  "--disk", str(tmp_path / "no-such-disk")])
    assert result.exit_code == 8, result.output
    listed = json.loads(cli(["inventory", "list", "--json"]).output)
    assert listed == []


def test_a_disk_already_registered_as_a_part_keeps_its_id(tmp_path):
    """A harvested disk registered with its serial is found again, not registered twice."""
    from reemploi.inventory.store import Inventory
    from reemploi.model import Disk, Media
    from reemploi.station.loose import part_for
    inv = Inventory.open(tmp_path / "home", "T")
    known = inv.create_asset("part", "disk", serial="WD-WCC4E1234567")
    disk = Disk("sdb", "/dev/sdb", serial="WD-WCC4E1234567", media=Media.HDD)
    assert part_for(inv, disk) == (known, False)
    other, created = part_for(inv, Disk("sdc", "/dev/sdc", serial="S3Z9NB0K", media=Media.SSD))
    assert created and other != known
    assert inv.machine(other)["kind"] == "part"
