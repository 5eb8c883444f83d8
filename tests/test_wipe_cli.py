"""``reemploi wipe`` through the CLI on real loop devices: refusals, parallel runs, records."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from reemploi.context import Context
from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from reemploi.system.guard import Reason, TargetRefused
from reemploi.wipe import run as wiperun

MIB = 1 << 20


def journal_wipes(home: Path):
    inv = Inventory.open(home, "T")
    return [ev for ev in inv.events(types=["wipe.done"])]


def fill(path, size, byte=b"\xab"):
    fd = os.open(path, os.O_RDWR)
    os.pwrite(fd, byte * size, 0)
    os.fsync(fd)
    os.close(fd)


def head(path, n=4096):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, n, 0)
    finally:
        os.close(fd)


@pytest.fixture
def mounted_partition(loopdev, tmp_path):
    """A loop disk with one ext4 partition mounted under tmp_path/mnt."""
    dev = loopdev(48 * MIB)
    # A loop number reused from an earlier test may still carry that test's partition
    # node (with the old size): drop it before partitioning, then add ours.
    subprocess.run(["partx", "-d", dev.path], check=False, capture_output=True)
    subprocess.run(["sfdisk", "--quiet", dev.path], input="start=2048, type=83\n", text=True,
                   check=True, capture_output=True)
    subprocess.run(["partx", "-u", dev.path], check=False, capture_output=True)
    subprocess.run(["partx", "-a", dev.path], check=False, capture_output=True)
    part = dev.path + "p1"
    for i in range(100):           # the partition node appears asynchronously
        if os.path.exists(part):
            break
        if i % 20 == 19:
            subprocess.run(["partx", "-u", dev.path], check=False, capture_output=True)
        time.sleep(0.05)
    made = subprocess.run(["mkfs.ext4", "-q", "-F", part], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(["mount", part, str(mnt)], check=True)
    try:
        yield dev, part, mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
        subprocess.run(["partx", "-d", dev.path], check=False, capture_output=True)


def test_refuses_a_disk_with_a_mounted_partition(cli, mounted_partition):
    dev, part, mnt = mounted_partition
    before = head(dev.path, 1 << 20)
    result = cli(["wipe", dev.path, "--yes", "--lang", "en"])
    assert result.exit_code == ExitCode.REFUSED, result.output
    assert "mounted" in result.output
    assert head(dev.path, 1 << 20) == before


def test_refuses_the_partition_itself(cli, mounted_partition):
    dev, part, mnt = mounted_partition
    result = cli(["wipe", part, "--yes", "--lang", "en"])
    assert result.exit_code == ExitCode.REFUSED


def test_refuses_the_system_disk(cli):
    root = subprocess.run(["findmnt", "-no", "SOURCE", "/"], capture_output=True,
                          text=True).stdout.strip()
    disk = subprocess.run(["lsblk", "-no", "PKNAME", root], capture_output=True,
                          text=True).stdout.strip()
    target = f"/dev/{disk}" if disk else root
    if not os.path.exists(target) or not target.startswith("/dev/"):
        pytest.skip(f"root filesystem {root!r} is not on a block device here")
    result = cli(["wipe", target, "--yes", "--lang", "en"])
    assert result.exit_code == ExitCode.REFUSED
    assert "running system" in result.output or "running program" in result.output


def test_refuses_the_disk_holding_the_running_code(tmp_path, mounted_partition):
    dev, part, mnt = mounted_partition
    code = mnt / "reemploi_main.py"
    code.write_text("print('running')\n")
    ctx = Context(home=tmp_path / "home", station="T")
    with pytest.raises(TargetRefused) as exc:
        wiperun.prepare(ctx, [dev.path], wiperun.WipeOptions(), program=(str(code),))
    reasons = {exc.value.reason, *(r.reason for r in exc.value.others)}
    assert Reason.PROGRAM_FILES in reasons


def test_parallel_wipe_of_three_loop_devices_gives_three_records(cli, loopdev, tmp_path):
    devs = [loopdev(32 * MIB + 512 * (i + 1)) for i in range(3)]
    for d in devs:
        fill(d.path, 32 * MIB)
    result = cli(["wipe", *[d.path for d in devs], "--yes", "--json", "--verify", "full"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert sorted(r["disk"]["path"] for r in out["records"]) == sorted(d.path for d in devs)
    events = journal_wipes(tmp_path / "home")
    assert len(events) == 3
    by_path = {ev.payload["disk"]["path"]: ev.payload for ev in events}
    for i, d in enumerate(devs):
        p = by_path[d.path]
        assert p["result"] == "success" and p["nist"] == "clear"
        assert p["disk"]["size_bytes"] == 32 * MIB + 512 * (i + 1)
        assert p["disk"]["identity"].startswith("weak:")   # loop devices have no serial
        assert p["verification"]["result"] == "passed"
        assert p["station"] == "T" and p["asset_id"] is None
        assert head(d.path) != b"\xab" * 4096
        # The default method (auto) is recorded as the method that ran (random data on a
        # disk with no firmware erase), in the start and the end (issue 10).
        assert (p["method"], p["technique"]) == ("prng", "overwrite")
    starts = Inventory.open(tmp_path / "home", "T").events(types=["wipe.started"])
    assert [ev.payload["method"] for ev in starts] == ["prng"] * 3


def test_asset_is_moved_to_wiped(cli, loopdev, tmp_path):
    inv = Inventory.open(tmp_path / "home", "T")
    asset = inv.create_asset("machine", "laptop")
    dev = loopdev(32 * MIB)
    result = cli(["wipe", dev.path, "--yes", "--asset", asset, "--method", "zero", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "success" in result.output
    doc = Inventory.open(tmp_path / "home", "T").machine(asset)
    assert doc["status"] == "wiped"
    assert doc["wipes"][0]["result"] == "success"


def test_unknown_asset_is_refused_before_anything(cli, loopdev):
    dev = loopdev(32 * MIB)
    fill(dev.path, MIB)
    result = cli(["wipe", dev.path, "--yes", "--asset", "NOPE-1"])
    assert result.exit_code == ExitCode.NOT_FOUND
    assert head(dev.path) == b"\xab" * 4096


def test_machine_already_gone_is_refused_before_anything(cli, loopdev, tmp_path):
    """A machine given away cannot become "wiped": refused before a byte is erased (not
    erased, recorded, then failed on the status change)."""
    inv = Inventory.open(tmp_path / "home", "T")
    asset = inv.create_asset("machine", "laptop")
    inv.checkout(asset, "recycled", "Envie")
    dev = loopdev(32 * MIB)
    fill(dev.path, MIB)
    result = cli(["wipe", dev.path, "--yes", "--asset", asset, "--method", "zero"])
    assert result.exit_code == ExitCode.CONFLICT, result.output
    assert head(dev.path) == b"\xab" * 4096 and journal_wipes(tmp_path / "home") == []


def test_a_harvested_disk_part_is_wiped_under_its_part_id(cli, loopdev, tmp_path):
    """A disk taken out of a machine (a part asset) is wiped loose under its own id; parts
    have no "wiped" status, so the wipe is recorded and the part stays in stock."""
    inv = Inventory.open(tmp_path / "home", "T")
    machine = inv.create_asset("machine", "desktop")
    part = inv.harvest_part(machine, "disk", {"size_gb": 250}, None, None)
    dev = loopdev(32 * MIB)
    result = cli(["wipe", dev.path, "--yes", "--asset", part, "--method", "zero", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["records"][0]["asset_id"] == part
    doc = Inventory.open(tmp_path / "home", "T").machine(part)
    assert doc["status"] == "stock" and [w["result"] for w in doc["wipes"]] == ["success"]


def test_dry_run_prints_plan_and_writes_nothing(cli, loopdev, tmp_path):
    dev = loopdev(32 * MIB)
    fill(dev.path, MIB)
    result = cli(["wipe", dev.path, "--dry-run", "--json", "--method", "dod3"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)["plans"][0]
    assert plan["passes"] == ["char", "~char", "prng"] and plan["nist"] == "clear"
    assert "one-pass-enough" in plan["caveats"]
    assert head(dev.path) == b"\xab" * 4096
    assert journal_wipes(tmp_path / "home") == []


def test_no_confirmation_means_nothing_is_written(cli, loopdev):
    dev = loopdev(32 * MIB)
    fill(dev.path, MIB)
    result = cli(["wipe", dev.path], input="no\n")
    assert result.exit_code == ExitCode.ABORTED
    assert head(dev.path) == b"\xab" * 4096
