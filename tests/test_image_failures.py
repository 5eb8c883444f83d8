"""What goes wrong after the checks: post-install tools failing, Ctrl-C while the table
is rewritten, a failed re-install, a disk swapped during the confirmation, a damaged
download. Real loop devices, real images built here, real tools failing for real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from test_image_support import machine_on_test_disk, MiB, corrupt_szst, image_events, pack_szst, record_wipe, sh

pytestmark = pytest.mark.root


def _read(dev: str, length: int) -> bytes:
    with open(dev, "rb") as fh:
        return fh.read(length)


def _newer_e2fsprogs_master(raw: Path, out: Path) -> Path:
    """The master with its root ext4 marked with an incompat feature this station's
    e2fsprogs does not know (as a master made by a newer Debian would be): blkid still
    says ext4, but e2fsck exits 8 and debugfs cannot open it (while exiting 0)."""
    out.write_bytes(raw.read_bytes())
    p2 = json.loads(sh("sfdisk", "--json", out).stdout)["partitiontable"]["partitions"][1]
    loop = sh("losetup", "--find", "--show", "--offset", p2["start"] * 512, "--sizelimit",
              p2["size"] * 512, out).stdout.decode().strip()
    try:
        sh("debugfs", "-w", "-R", "ssv feature_incompat 0x80000242", loop)
        assert subprocess.run(["e2fsck", "-fn", loop], capture_output=True).returncode == 8
        assert sh("blkid", "-p", "-o", "value", "-s", "TYPE", loop).stdout.strip() == b"ext4"
    finally:
        sh("losetup", "-d", loop)
    return out


def _machine(home: Path, status: str, device: str) -> str:
    """A graded machine whose disk is the test's loop device, wiped under it."""
    return machine_on_test_disk(home, device, status)


def _status(home: Path, asset: str) -> str:
    from reemploi.inventory.store import Inventory
    return Inventory.open(home, "T", None).machine(asset)["status"]


def test_postinstall_tool_failure_is_recorded_failed_and_the_machine_not_imaged(
        cli, loopdev, master, tmp_path):
    home = tmp_path / "home"
    img = _newer_e2fsprogs_master(master["raw"], tmp_path / "newer.img")
    dev = loopdev(128 * MiB)
    record_wipe(home, dev.path)
    asset = _machine(home, "imaged", dev.path)                   # a re-install over a good one

    # debugfs cannot open the root: machine-id must say failed, never "done".
    r = cli(["image", "write", img, dev.path, "--yes", "--asset", asset, "--json",
             "--skip", "grow-partition", "--skip", "grow-filesystem"])
    assert r.exit_code == 5, r.output
    out = json.loads(r.output[:r.output.rindex("}") + 1])
    steps = {s["step"]: s for s in out["postinstall"]}
    for step in ("hostname", "machine-id", "ssh-keys"):
        assert steps[step]["status"] == "failed", steps
        assert "unsupported feature" in steps[step]["params"]["why"]
    assert out["result"] == "failed" and out["verify"] == "passed"
    assert set(out["postinstall_failed"]) == {"hostname", "machine-id", "ssh-keys"}

    # Every step: e2fsck fails too; the write itself stays verified, the rest is told.
    r = cli(["image", "write", img, dev.path, "--yes", "--asset", asset])
    assert r.exit_code == 5, r.output
    assert "FAILED   grow-filesystem" in r.output and "e2fsck" in r.output
    assert "post-install steps failed: grow-filesystem, hostname, machine-id, ssh-keys" \
        in r.output
    p = image_events(home)[-1].payload
    assert p["result"] == "failed" and p["installed"] is False and p["verify"] == "passed"
    assert p["error"].startswith("post-install failed")
    assert {s["step"]: s["status"] for s in p["postinstall"]}["gpt-backup"] == "done"
    # Was imaged by the earlier image: the disk no longer holds it, so back to wiped.
    assert _status(home, asset) == "wiped"
    # The image itself reached the disk (post-install edits aside, p1 is bytewise).
    p1 = json.loads(sh("sfdisk", "--json", img).stdout)["partitiontable"]["partitions"][0]
    with open(img, "rb") as src:
        src.seek(p1["start"] * 512)
        want = src.read(p1["size"] * 512)
    with open(dev.path, "rb") as dst:
        dst.seek(p1["start"] * 512)
        assert dst.read(p1["size"] * 512) == want


def test_failed_reinstall_of_a_ready_machine_sends_it_back(cli, loopdev, master, tmp_path):
    """A ready machine re-imaged with a damaged image must not stay ready (and leave)."""
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    record_wipe(home, dev.path)
    asset = _machine(home, "ready", dev.path)
    bad = corrupt_szst(master["szst"], tmp_path / "bad.img.zst")
    r = cli(["image", "write", bad, dev.path, "--yes", "--asset", asset])
    assert r.exit_code == 9, r.output
    assert _status(home, asset) == "wiped"
    from reemploi.inventory.store import Inventory
    last = [e for e in Inventory.open(home, "T", None).history(asset)
            if e.type == "status.changed"][-1].payload
    # It left "ready" when the first byte was about to be written (a power cut then
    # would leave it the same), in the write that recorded the start.
    assert last["from"] == "ready" and last["because"] == "image-started"
    # Without a wipe check the donor's data is not known gone: back to the bench.
    other = _machine(home, "imaged", dev.path)
    r = cli(["image", "write", bad, dev.path, "--yes", "--asset", other, "--no-wipe-check"])
    assert r.exit_code == 9, r.output
    assert _status(home, other) == "diagnosed"
    # A machine that was only wiped stays wiped.
    plain = _machine(home, "wiped", dev.path)
    assert cli(["image", "write", bad, dev.path, "--yes", "--asset", plain]).exit_code == 9
    assert _status(home, plain) == "wiped"


class _SigintOn:
    """The real runner, plus a real SIGINT to this process when ``tool`` starts: the
    operator's Ctrl-C at the worst moment."""

    def __init__(self, tool: str) -> None:
        from reemploi.system.runner import RealRunner
        self.inner = RealRunner()
        self.tool = tool

    def run(self, argv, **kw):
        if argv[0] == self.tool:
            os.kill(os.getpid(), signal.SIGINT)
        return self.inner.run(argv, **kw)

    def has_tool(self, tool):
        return self.inner.has_tool(tool)


def test_ctrl_c_during_postinstall_is_recorded_and_leaves_no_loop(loopdev, master, tmp_path):
    from reemploi.cli.common import make_context
    from reemploi.errors import ExitCode
    from reemploi.image import service
    from reemploi.image.errors import WriteFailed
    home = tmp_path / "home"
    dev = loopdev(128 * MiB)
    record_wipe(home, dev.path)
    asset = _machine(home, "imaged", dev.path)
    ctx = make_context(home, "en", runner=_SigintOn("resize2fs"))
    plan = service.plan_write(ctx, str(master["szst"]), dev.path, asset_id=asset)
    with pytest.raises(WriteFailed) as exc:
        service.execute(ctx, plan)
    assert exc.value.exit_code == ExitCode.INTERRUPTED
    p = image_events(home)[-1].payload
    assert p["result"] == "interrupted" and p["installed"] is False
    assert p["verify"] == "passed" and "post-install" in p["error"]
    assert _status(home, asset) == "wiped"
    # The offset loop device made for the partition was detached despite the Ctrl-C.
    assert dev.path not in sh("losetup", "-a").stdout.decode().replace(f"{dev.path}:", "")


def test_a_disk_changed_after_the_plan_is_not_written(loopdev, master, tmp_path):
    """Between the plan (and its confirmation) and the first byte, the disk at that
    path changed (here: its size, as when another disk is plugged in under the same
    name): refused, not a byte written, the refusal recorded (no image event)."""
    from reemploi.cli.common import make_context
    from reemploi.image import service
    from reemploi.inventory.store import Inventory
    from reemploi.system.guard import DeviceChanged
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    ctx = make_context(home, "en")
    plan = service.plan_write(ctx, str(master["szst"]), dev.path, wipe_check=False)
    with open(dev.backing, "r+b") as fh:
        fh.truncate(128 * MiB)
    sh("losetup", "-c", dev.path)
    with pytest.raises(DeviceChanged) as exc:
        service.execute(ctx, plan)
    assert exc.value.exit_code == 8
    assert {d["field"] for d in exc.value.differences} == {"size"}
    assert _read(dev.path, 4 * MiB) == bytes(4 * MiB) and image_events(home) == []
    refused = [e for e in Inventory.open(home, "T").events() if e.type == "guard.refused"]
    assert [e.payload["action"] for e in refused] == ["image"]


def test_image_write_to_a_loop_reattached_while_asking_is_refused(loopdev, master, tmp_path):
    """Issue 11 through the real command: two serial-less disks of one size passed the
    old model/serial/size check. Here the loop device is re-attached to another file of
    the same size while the command asks: the diskseq and the backing inode differ."""
    from prompt_support import answer_prompt
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    other = tmp_path / "other.img"
    with open(other, "wb") as fh:
        fh.truncate(96 * MiB)

    def swap():
        sh("losetup", "-d", dev.path)
        sh("losetup", dev.path, str(other))
    code, out = answer_prompt(["image", "write", master["szst"], dev.path, "--no-wipe-check",
                               "--lang", "en"], home, swap)
    assert code == 8, out
    assert "no longer the disk shown in the plan" in out and "backing" in out
    assert _read(str(other), 4 * MiB) == bytes(4 * MiB) and image_events(home) == []


def test_an_iso_never_installs_a_machine(cli, loopdev, tmp_path):
    home = tmp_path / "home"
    img = tmp_path / "live.iso"
    body = bytearray(os.urandom(2 * MiB))
    body[32769:32774] = b"CD001"
    img.write_bytes(bytes(body))
    dev = loopdev(8 * MiB)
    asset = _machine(home, "wiped", dev.path)
    r = cli(["image", "write", img, dev.path, "--yes", "--no-wipe-check", "--asset", asset])
    assert r.exit_code == 2, r.output
    assert "install stick" in r.output
    assert _read(dev.path, 2 * MiB) == bytes(2 * MiB) and image_events(home) == []
    assert _status(home, asset) == "wiped"


def test_reinstalling_another_image_zeroes_the_holes_the_first_one_filled(cli, loopdev,
                                                                         tmp_path):
    """Zero wipe, image A (data everywhere), then image B (zeros where A had data): the
    wipe's zeros are gone, so B's holes must be zeroed or B's files keep A's bytes."""
    home = tmp_path / "home"
    a, b = tmp_path / "a.img", tmp_path / "b.img"
    a.write_bytes(os.urandom(8 * MiB))
    body = bytearray(os.urandom(8 * MiB))
    body[MiB:3 * MiB] = bytes(2 * MiB)
    b.write_bytes(bytes(body))
    dev = loopdev(16 * MiB)
    record_wipe(home, dev.path)                        # last pass: zeros
    for img, reason in ((a, "wipe-wrote-zeros"), (b, "imaged-since-wipe")):
        szst = pack_szst(img, tmp_path / (img.name + ".zst"))
        r = cli(["image", "write", szst, dev.path, "--yes", "--no-postinstall", "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output)["plan"]["holes_reason"] == reason
        assert _read(dev.path, 8 * MiB) == img.read_bytes()


def test_a_returned_machine_needs_a_new_wipe(cli, loopdev, master, tmp_path):
    """Given, then brought back: the disk was used after its wipe; that old record
    does not let the image through (the holes would keep the last owner's files)."""
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"
    dev = loopdev(96 * MiB)
    record_wipe(home, dev.path)
    asset = _machine(home, "ready", dev.path)
    inv = Inventory.open(home, "T", None)
    inv.checkout(asset, "given", "Association Y")
    inv.set_status(asset, "received")
    with open(dev.path, "r+b") as fh:
        fh.write(b"owner's letter" * 100)
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset])
    assert r.exit_code == 8, r.output
    # Wipes from before it came back no longer count (custody: since it re-entered).
    assert "wipe the disk first" in r.output
    assert _read(dev.path, 1400) == b"owner's letter" * 100 and image_events(home) == []
    record_wipe(home, dev.path, asset=asset)           # wiped again after the return
    r = cli(["image", "write", master["szst"], dev.path, "--yes", "--asset", asset,
             "--no-postinstall"])
    assert r.exit_code == 0, r.output
    assert _status(home, asset) == "imaged"
