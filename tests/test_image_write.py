"""The image writer end to end on REAL loop devices with a REAL image built here."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from test_image_support import MiB, build_master, corrupt_szst, image_events, record_wipe, sh

pytestmark = pytest.mark.root


def _read(dev: str, length: int) -> bytes:
    with open(dev, "rb") as fh:
        return fh.read(length)


def test_szst_write_bytes_match_then_postinstall_grows_and_generalises(cli, loopdev, master,
                                                                      tmp_path):
    home = tmp_path / "home"
    dev = loopdev(160 * MiB)
    record_wipe(home, dev.path)
    raw = master["raw"]
    size = raw.stat().st_size

    # 1. Bytes: without post-install the disk holds exactly the image.
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["result"] == "success" and out["verify"] == "passed"
    assert out["bytes_written"] < size                  # holes were skipped
    assert _read(dev.path, size) == raw.read_bytes()

    # 2. With post-install, as a machine of the inventory.
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T", None)
    asset = inv.create_asset()
    # The loose wipe above does not stand for a disk without a serial fitted into a
    # machine (custody: weak identities match only within one asset): wiped under it.
    record_wipe(home, dev.path, asset=asset)
    inv.set_status(asset, "wiped")
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    steps = {s["step"]: s["status"] for s in out["postinstall"]}
    assert steps == {"gpt-backup": "done", "grow-partition": "done", "grow-filesystem": "done",
                     "hostname": "done", "machine-id": "done", "ssh-keys": "done"}, out

    table = json.loads(sh("sfdisk", "--json", dev.path).stdout)["partitiontable"]
    last = table["partitions"][-1]
    disk_sectors = 160 * MiB // 512
    assert table["lastlba"] == disk_sectors - 34          # backup GPT at the new end
    assert last["start"] + last["size"] - 1 == table["lastlba"]   # partition fills the disk
    off, lim = last["start"] * 512, last["size"] * 512
    part = sh("losetup", "--find", "--show", "--offset", off, "--sizelimit", lim,
              dev.path).stdout.decode().strip()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        fsck = subprocess.run(["e2fsck", "-fn", part], capture_output=True)
        assert fsck.returncode == 0, fsck.stdout + fsck.stderr
        blocks = int(sh("dumpe2fs", "-h", part).stdout.decode().split("Block count:")[1]
                     .split()[0])
        assert blocks * 4096 > 140 * MiB                  # the filesystem grew too
        sh("mount", "-o", "ro", part, mnt)
        try:
            for rel, data in master["files"].items():
                assert (mnt / rel).read_bytes() == data
            hostname = asset.lower()
            assert (mnt / "etc/hostname").read_text().strip() == hostname
            assert f"127.0.1.1\t{hostname}" in (mnt / "etc/hosts").read_text()
            assert "::1 localhost" in (mnt / "etc/hosts").read_text()
            mid = mnt / "etc/machine-id"
            assert mid.exists() and mid.stat().st_size == 0
            assert not list((mnt / "etc/ssh").glob("ssh_host_*"))
            assert (mnt / "etc/ssh/sshd_config").exists()
        finally:
            sh("umount", mnt)
    finally:
        sh("losetup", "-d", part)

    ev = image_events(home)[-1]
    assert ev.asset_id == asset
    p = ev.payload
    assert p["result"] == "success" and p["installed"] is True and p["verify"] == "passed"
    assert p["wipe_checked"] is True and p["wipe_event"]
    assert p["disk"]["identity"] and p["bytes_written"] > 0 and p["throughput_mb_s"] > 0
    assert {s["step"] for s in p["postinstall"]} >= {"hostname", "machine-id"}
    assert inv.machine(asset)["status"] == "imaged"


def test_corrupted_image_fails_verification_and_records_failure(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    record_wipe(home, dev.path)
    bad = corrupt_szst(master["szst"], tmp_path / "bad.img.zst")
    r = cli(["image", "write", bad, dev.path, "--yes", "--no-postinstall"])
    assert r.exit_code == 9, r.output
    assert "wipe it again" in r.output or "effacez" in r.output
    ev = image_events(home)[-1]
    assert ev.payload["result"] == "failed" and ev.payload["installed"] is False
    assert ev.payload["error"]


def test_corrupted_raw_image_fails_its_bmap_checksum(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    record_wipe(home, dev.path)
    raw = tmp_path / "copy.img"
    data = bytearray(master["raw"].read_bytes())
    from reemploi.image.bmap import parse_bmap
    bmap = parse_bmap((master["folder"] / "master.img.bmap").read_bytes())
    ext = bmap.extents()[-2]
    data[ext.start + 100] ^= 0x01                      # one bit inside a mapped range
    raw.write_bytes(bytes(data))
    (tmp_path / "copy.img.bmap").write_bytes((master["folder"] / "master.img.bmap").read_bytes())
    r = cli(["image", "write", raw, dev.path, "--yes", "--no-postinstall", "--json"])
    assert r.exit_code == 9, r.output
    assert image_events(home)[-1].payload["result"] == "failed"


def test_image_larger_than_disk_is_refused_before_any_write(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(32 * MiB)
    with open(dev.path, "r+b") as fh:
        fh.write(b"KEEP" * 1024)
    record_wipe(home, dev.path)
    r = cli(["image", "write", master["szst"], dev.path, "--yes"])
    assert r.exit_code == 8, r.output
    assert _read(dev.path, 4096) == b"KEEP" * 1024
    assert image_events(home) == []


def test_mounted_target_is_never_opened_for_writing(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    sh("mkfs.ext4", "-q", "-F", dev.path)
    record_wipe(home, dev.path)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    sh("mount", dev.path, mnt)
    try:
        (mnt / "donor.txt").write_text("still here")
        r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-wipe-check"])
        assert r.exit_code == 8, r.output
    finally:
        sh("umount", mnt)
    # Mounting changes the superblock, so compare meaning, not bytes: no GPT was
    # written (LBA 1 would say "EFI PART"), the filesystem is intact with its file.
    assert _read(dev.path, 1024)[512:520] != b"EFI PART"
    assert subprocess.run(["e2fsck", "-fn", dev.path], capture_output=True).returncode == 0
    assert b"still here" in sh("debugfs", "-R", "cat /donor.txt", dev.path).stdout
    assert image_events(home) == []


def test_no_wipe_record_refused_unless_no_wipe_check(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall"])
    assert r.exit_code == 8, r.output
    assert _read(dev.path, 1 * MiB) == bytes(MiB)
    record_wipe(home, dev.path, result="failed")          # a failed wipe does not count
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall"])
    assert r.exit_code == 8, r.output
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall",
             "--no-wipe-check", "--no-verify", "--json"])
    assert r.exit_code == 0, r.output
    ev = image_events(home)[-1]
    assert ev.payload["wipe_checked"] is False and ev.payload["verify"] == "skipped"


def test_dry_run_writes_nothing(cli, loopdev, master, tmp_path):
    dev = loopdev(96 * MiB)
    r = cli(["image", "write", master["szst"], dev.path, "--dry-run", "--no-wipe-check",
             "--hostname", "poste-12", "--json"])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)["plan"]
    assert plan["hostname"] == "poste-12" and plan["mapped_bytes"] < plan["image_size"]
    assert _read(dev.path, 1 * MiB) == bytes(MiB)


def test_bad_hostname_is_bad_input(cli, loopdev, master):
    dev = loopdev(96 * MiB)
    r = cli(["image", "write", master["szst"], dev.path, "--dry-run", "--no-wipe-check",
             "--hostname", "Bad_Name!"])
    assert r.exit_code == 7, r.output


def test_mbr_master_skips_gpt_step_and_still_grows(cli, loopdev, tmp_path):
    raw, files = build_master(tmp_path, 48 * MiB, label="dos")
    dev = loopdev(80 * MiB)
    r = cli(["image", "write", raw, dev.path, "--yes", "--no-wipe-check", "--hostname",
             "poste-3", "--json"])
    assert r.exit_code == 0, r.output
    steps = {s["step"]: (s["status"], s["reason"]) for s in json.loads(r.output)["postinstall"]}
    assert steps["gpt-backup"] == ("skipped", "not-gpt")
    assert steps["grow-partition"][0] == "done" and steps["hostname"][0] == "done"
    table = json.loads(sh("sfdisk", "--json", dev.path).stdout)["partitiontable"]
    last = table["partitions"][-1]
    assert (last["start"] + last["size"]) * 512 == 80 * MiB


def test_real_wipe_record_lets_the_image_through(cli, loopdev, master, tmp_path):
    """The wipe stage's own record (reemploi wipe) is what the writer checks."""
    dev = loopdev(96 * MiB)
    r = cli(["wipe", dev.path, "--method", "zero", "--verify", "sample", "--yes", "--json"])
    if r.exit_code != 0:
        pytest.fail(f"reemploi wipe failed: {r.output}")
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    ev = image_events(tmp_path / "home")[-1]
    assert ev.payload["wipe_checked"] is True and ev.payload["wipe_event"]


def test_interruption_is_recorded_and_the_disk_not_installed(loopdev, master, tmp_path):
    """Ctrl-C in the middle of the write: record 'interrupted', exit 130, not imaged."""
    from reemploi.cli.common import make_context
    from reemploi.errors import ExitCode
    from reemploi.image import service
    from reemploi.image.errors import WriteFailed
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    inv = Inventory.open(home, "T", None)
    asset = inv.create_asset()
    inv.set_status(asset, "wiped")
    ctx = make_context(home, "en")
    plan = service.plan_write(ctx, str(master["szst"]), dev.path, asset_id=asset,
                              wipe_check=False)

    def ctrl_c(phase, done, total):
        if phase == "write":
            raise KeyboardInterrupt
    with pytest.raises(WriteFailed) as exc:
        service.execute(ctx, plan, progress=ctrl_c)
    assert exc.value.exit_code == ExitCode.INTERRUPTED
    assert "wipe it again" in exc.value.render()
    ev = image_events(home)[-1]
    assert ev.payload["result"] == "interrupted" and ev.payload["installed"] is False
    assert 0 < ev.payload["bytes_written"] < plan.mapped_bytes
    assert inv.machine(asset)["status"] == "wiped"


def test_partition_scanning_device_uses_kernel_partitions(cli, master, tmp_path):
    """A loop device with partition scanning (-P) behaves like a real disk: the kernel's
    own partition nodes are used, and they end with the grown table."""
    backing = tmp_path / "scan.img"
    with open(backing, "wb") as fh:
        fh.truncate(128 * MiB)
    dev = sh("losetup", "--find", "--show", "-P", backing).stdout.decode().strip()
    try:
        r = cli(["image", "write", master["szst"], dev, "--yes", "--no-wipe-check",
                 "--hostname", "poste-9", "--json"])
        assert r.exit_code == 0, r.output
        assert all(s["status"] == "done" for s in json.loads(r.output)["postinstall"])
        sh("udevadm", "settle")
        part = f"{dev}p2"
        assert os.path.exists(part)
        size = int(sh("blockdev", "--getsize64", part).stdout)
        assert size > 120 * MiB
        assert subprocess.run(["e2fsck", "-fn", part], capture_output=True).returncode == 0
        assert sh("debugfs", "-R", "cat /etc/hostname", part).stdout == b"poste-9\n"
        # No offset loop device was left behind on our disk.
        assert dev not in sh("losetup", "-a").stdout.decode().replace(f"{dev}:", "")
    finally:
        sh("losetup", "-d", dev)


def test_holes_are_zeroed_when_the_last_wipe_did_not_write_zeros(cli, loopdev, master, tmp_path):
    """Our maps say "unmapped = zeros": after a random-pattern wipe the disk holds noise
    there, which would corrupt zero blocks inside files, so the writer zeroes them."""
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    with open(dev.path, "r+b") as fh:
        fh.write(os.urandom(96 * MiB))
    record_wipe(home, dev.path, patterns=("prng",))
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["plan"]["fill_holes"] is True and out["zeroed_bytes"] > 0
    size = master["raw"].stat().st_size
    assert _read(dev.path, size) == master["raw"].read_bytes()
    p = image_events(home)[-1].payload
    assert p["holes"] == "zeroed" and p["holes_reason"] == "wipe-not-zeros"


def test_holes_are_skipped_after_a_zero_wipe(cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    record_wipe(home, dev.path, patterns=("0xff", "0x00"))
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--no-postinstall", "--json"])
    out = json.loads(r.output)
    assert out["plan"]["fill_holes"] is False and out["zeroed_bytes"] == 0
    assert image_events(home)[-1].payload["holes"] == "left"


def test_asset_status_is_checked_before_writing(cli, loopdev, master, tmp_path):
    """A machine that cannot become "imaged" is refused before the first byte (exit 11);
    one whose disk was wiped loose (wipe station, no --asset) goes through "wiped"."""
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    inv = Inventory.open(home, "T", None)
    # Diagnosed, and --no-wipe-check: the lifecycle forbids diagnosed → imaged.
    asset = inv.create_asset("machine", "laptop")
    inv.set_status(asset, "diagnosed")
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset,
             "--no-wipe-check", "--no-postinstall"])
    assert r.exit_code == 11, r.output
    assert _read(dev.path, 1 * MiB) == bytes(MiB) and image_events(home) == []
    # A loose wipe (no asset named) of a disk without a serial does not stand for a
    # disk in this machine (custody, weak identity: exit 8, nothing written)...
    record_wipe(home, dev.path)
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset,
             "--no-postinstall", "--json"])
    assert r.exit_code == 8, r.output
    assert _read(dev.path, 1 * MiB) == bytes(MiB) and image_events(home) == []
    # ...its wipe under the machine lets the diagnosed machine through "wiped".
    identity = record_wipe(home, dev.path, asset=asset)
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset,
             "--no-postinstall", "--json"])
    assert r.exit_code == 0, r.output
    wipe_event = json.loads(r.output)["plan"]["wipe_event"]
    changes = [e.payload for e in Inventory.open(home, "T", None).history(asset)
               if e.type == "status.changed"]
    assert [c["to"] for c in changes] == ["diagnosed", "wiped", "imaged"]
    assert changes[1]["wipe_event"] == wipe_event and identity
    # A machine already gone: refused, nothing written.
    gone = inv.create_asset("machine", "laptop")
    inv.checkout(gone, "recycled", "Envie")
    before = _read(dev.path, 4 * MiB)
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", gone,
             "--no-postinstall", "--no-wipe-check"])
    assert r.exit_code == 11, r.output
    assert _read(dev.path, 4 * MiB) == before and len(image_events(home)) == 1
