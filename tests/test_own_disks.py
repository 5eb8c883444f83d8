"""The machine's own disks (system/owndisks.own_disks): what the probe lists, the
station wipes and a machine's certificate accounts for (issue 13).

A VM run certified fd0, the live system's loop0, the stick and its persistence
partition as the machine's disks, and so said "failed". The lsblk below is real: QEMU
7.2's i440fx machine (floppy controller, PIIX IDE ide-hd, an AHCI ide-hd, an NVMe
controller) recorded by tests/fixtures/qemu/record.sh.
"""

from __future__ import annotations

import subprocess

import pytest

from conftest import FIXTURES
from reemploi.context import Context
from reemploi.system import blockdev, guard, owndisks
from reemploi.system.runner import ReplayRunner
from reemploi.system.sysfs import Sysfs

QEMU = FIXTURES / "qemu" / "commands"


def qemu_ctx(tmp_path, mountinfo: str = "") -> Context:
    root = tmp_path / "sysfs"
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/mountinfo").write_text(mountinfo)
    return Context(runner=ReplayRunner(QEMU), sysfs=Sysfs(root), home=tmp_path / "home",
                   replay=True)


def test_a_vms_floppy_is_not_one_of_its_disks(tmp_path):
    ctx = qemu_ctx(tmp_path)
    everything = {d.name for d in blockdev.list_disks(ctx, program=())}
    assert everything == {"fd0", "sda", "sdb", "nvme0n1"}          # lsblk says "disk"
    own = [d.name for d in owndisks.own_disks(ctx, program=())]
    assert own == ["sda", "sdb", "nvme0n1"]


@pytest.mark.parametrize("kname, kind, role, why", [
    ("fd0", "disk", {}, owndisks.NotOwn.PSEUDO),
    ("loop0", "loop", {}, owndisks.NotOwn.PSEUDO),          # the live squashfs
    ("sr0", "rom", {}, owndisks.NotOwn.PSEUDO),
    ("zram0", "disk", {}, owndisks.NotOwn.PSEUDO),
    ("nbd0", "disk", {}, owndisks.NotOwn.PSEUDO),
    ("sdc", "disk", {"live": {"sdc"}}, owndisks.NotOwn.BOOT_MEDIUM),
    ("sdd", "disk", {"persistence": {"sdd"}}, owndisks.NotOwn.PERSISTENCE),
    ("sdc", "disk", {"program": {"sdc"}}, owndisks.NotOwn.BOOT_MEDIUM),
    # reemploi installed on a workshop PC's system disk: still the PC's own disk.
    ("sda", "disk", {"program": {"sda"}, "system": {"sda"}}, None),
    ("sdb", "disk", {}, None),                                 # a donor's disk in a dock
    ("vda", "disk", {}, None),                                 # a VM's virtio disk
])
def test_not_own_reason(kname, kind, role, why):
    node = blockdev.Node(name=kname, kname=kname, path=f"/dev/{kname}", type=kind)
    roles = blockdev.Roles(system=frozenset(role.get("system", ())),
                           live=frozenset(role.get("live", ())),
                           program=frozenset(role.get("program", ())), mounts_by_disk={},
                           persistence=frozenset(role.get("persistence", ())))
    assert owndisks.not_own_reason(node, roles) is why


def test_live_boots_persistence_mount_marks_its_disk(tmp_path):
    """live-boot mounts the persistence partition under /run/live/persistence/<part>."""
    root = tmp_path / "sysfs"
    devs = root / "sys/devices/pci0000:00"
    (devs / "sdb/sdb3").mkdir(parents=True)
    (devs / "sdb/sdb3/partition").write_text("3\n")
    for d in ("sys/class/block", "sys/block", "sys/dev/block", "proc/self"):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "sys/class/block/sdb").symlink_to(devs / "sdb")
    (root / "sys/class/block/sdb3").symlink_to(devs / "sdb/sdb3")
    (root / "sys/block/sdb").symlink_to(devs / "sdb")
    (root / "sys/dev/block/8:19").symlink_to(devs / "sdb/sdb3")
    (root / "proc/self/mountinfo").write_text(
        "30 1 8:19 / /run/live/persistence/sdb3 rw,noatime - ext4 /dev/sdb3 rw\n")
    ctx = Context(runner=ReplayRunner(QEMU), sysfs=Sysfs(root), replay=True)
    assert blockdev.roles(ctx, program=()).persistence == frozenset({"sdb"})


def test_a_loop_device_is_not_owned_but_still_wipeable_when_named(loopdev):
    loop = loopdev(8 << 20)
    ctx = Context()
    assert loop.path not in {d.path for d in owndisks.own_disks(ctx)}
    assert loop.path in {d.path for d in blockdev.list_disks(ctx)}
    assert guard.check_target(ctx, loop.path).ok            # tests and image files


def test_the_disk_holding_the_data_directory_is_refused(loopdev, tmp_path):
    loop = loopdev(32 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", loop.path], check=True, capture_output=True)
    mnt = tmp_path / "data"
    mnt.mkdir()
    subprocess.run(["mount", loop.path, str(mnt)], check=True)
    try:
        ctx = Context(home=mnt / "reemploi")
        verdict = guard.check_target(ctx, loop.path)
        assert verdict.refusals[0].reason is guard.Reason.PERSISTENCE
        assert "records" in verdict.refusals[0].render("en")
        assert guard.Reason.MOUNTED in {r.reason for r in verdict.refusals}
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_the_station_wipes_the_own_disks_but_the_excluded(tmp_path):
    from reemploi.station.flow import wipe_targets
    from reemploi.station.profile import Profile
    ctx = qemu_ctx(tmp_path)
    assert wipe_targets(ctx, Profile()) == ["/dev/sda", "/dev/sdb", "/dev/nvme0n1"]
    keep = Profile(exclude=("/dev/sdb", "serial:QM-NVME-0001"))
    assert wipe_targets(ctx, keep) == ["/dev/sda"]
    assert wipe_targets(ctx, keep, ("/dev/loop7",)) == ["/dev/loop7"]   # named: as named
