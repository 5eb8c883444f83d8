"""Block device listing and roles, on real loop devices and on this VM's own disks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from reemploi.context import Context
from reemploi.errors import BadInput, NotFound
from reemploi.model import Media
from reemploi.system import blockdev
from reemploi.system.runner import ReplayRunner, recording_name
from reemploi.system.sysfs import Sysfs


def partitioned(loop, mount_dir: Path | None):
    """One ext4 partition on ``loop``; mounted at ``mount_dir`` if given."""
    subprocess.run(["sfdisk", "-q", loop.path], input="type=83\n", text=True, check=True)
    subprocess.run(["partx", "-a", loop.path], check=False, capture_output=True)
    part = loop.path + "p1"
    subprocess.run(["mkfs.ext4", "-q", "-F", part], check=True, capture_output=True)
    if mount_dir is not None:
        mount_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", part, str(mount_dir)], check=True)
    return part


@pytest.fixture
def mounted_loop(loopdev, tmp_path):
    """A loop device with an ext4 partition mounted under tmp (unmounted after)."""
    loop = loopdev(64 << 20)
    mnt = tmp_path / "mnt with space"
    part = partitioned(loop, mnt)
    yield loop, part, mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_loop_device_is_listed_with_its_size(loopdev):
    loop = loopdev(48 << 20)
    disks = {d.path: d for d in blockdev.list_disks(Context())}
    disk = disks[loop.path]
    assert disk.size_bytes == 48 << 20
    assert disk.media is Media.VIRTUAL
    assert not disk.mounted and not disk.holders
    assert not disk.is_system_disk and not disk.is_live_medium
    assert disk.read_only is False


def test_zram_is_not_a_disk():
    names = {d.name for d in blockdev.list_disks(Context())}
    assert not any(n.startswith(("zram", "ram")) for n in names)


def test_root_disk_is_the_system_disk():
    ctx = Context()
    root_dev = os.stat("/").st_dev
    majmin = f"{os.major(root_dev)}:{os.minor(root_dev)}"
    expected = blockdev.whole_disks_under(ctx, Path(f"/sys/dev/block/{majmin}").resolve().name)
    assert expected, "the VM's / must be on a block device"
    system = {d.name for d in blockdev.list_disks(ctx) if d.is_system_disk}
    assert system == set(expected)


def test_mounted_partition_names_mount_point_even_with_spaces(mounted_loop):
    loop, part, mnt = mounted_loop
    disk = blockdev.disk_by_path(Context(), loop.path)
    assert str(mnt) in disk.mounted
    assert not disk.is_system_disk


def test_program_on_a_disk_marks_it_live(mounted_loop):
    loop, part, mnt = mounted_loop
    (mnt / "reemploi").mkdir()
    disk = blockdev.disk_by_path(Context(), loop.path, program=(str(mnt / "reemploi"),))
    assert disk.is_live_medium
    assert blockdev.disks_of_path(Context(), str(mnt / "reemploi")) == (loop.path.rsplit("/", 1)[1],)


def test_disk_by_path_follows_symlinks(loopdev, tmp_path):
    loop = loopdev()
    link = tmp_path / "by-id-link"
    link.symlink_to(loop.path)
    assert blockdev.disk_by_path(Context(), str(link)).path == loop.path


def test_disk_by_path_unknown_is_not_found():
    with pytest.raises(NotFound) as info:
        blockdev.disk_by_path(Context(), "/dev/does-not-exist")
    assert info.value.exit_code == 10


def test_partition_is_not_a_disk(mounted_loop):
    loop, part, mnt = mounted_loop
    with pytest.raises(NotFound):
        blockdev.disk_by_path(Context(), part)


# ---- pure parsing and replayed trees (a machine without util-linux 2.37, LVM on sda2)

LSBLK_LVM = {"blockdevices": [
    {"name": "sda", "kname": "sda", "path": "/dev/sda", "type": "disk", "size": "500107862016",
     "model": "ST500LM012 HN-M500MBB", "serial": "S2ZZZZZZ", "wwn": None, "rota": "1",
     "tran": "sata", "rm": "0", "ro": "0", "mountpoint": None, "fstype": None,
     "label": None, "pkname": None, "hotplug": "0",
     "children": [
         {"name": "sda1", "kname": "sda1", "path": "/dev/sda1", "type": "part",
          "size": "536870912", "rota": "1", "rm": "0", "ro": "0", "mountpoint": "/boot/efi",
          "fstype": "vfat", "pkname": "sda"},
         {"name": "sda2", "kname": "sda2", "path": "/dev/sda2", "type": "part",
          "size": "499570991104", "rota": "1", "rm": "0", "ro": "0", "mountpoint": None,
          "fstype": "LVM2_member", "pkname": "sda",
          "children": [{"name": "vg-root", "kname": "dm-0", "path": "/dev/mapper/vg-root",
                        "type": "lvm", "size": "499570991104", "mountpoint": "/",
                        "fstype": "ext4", "pkname": "sda2"}]}]},
    {"name": "sdb", "kname": "sdb", "path": "/dev/sdb", "type": "disk", "size": "16008609792",
     "model": "Cruzer Blade", "serial": "4C53", "rota": "0", "tran": "usb", "rm": "1",
     "ro": "0", "mountpoint": None, "pkname": None,
     "children": [{"name": "sdb1", "kname": "sdb1", "path": "/dev/sdb1", "type": "part",
                   "size": "16008609792", "mountpoint": "/run/live/medium",
                   "fstype": "iso9660", "pkname": "sdb"}]},
    {"name": "sr0", "kname": "sr0", "path": "/dev/sr0", "type": "rom", "size": "1073741312",
     "rota": "1", "tran": "sata", "rm": "1", "ro": "0", "mountpoint": None},
]}


def _fake_machine(tmp_path: Path) -> Context:
    """sda (LVM root + EFI), sdb the live USB stick: lsblk < 2.37 and a sysfs tree."""
    cmds = tmp_path / "commands"
    cmds.mkdir()
    (cmds / recording_name(blockdev.LSBLK_ARGV)).write_text("")
    (cmds / (recording_name(blockdev.LSBLK_ARGV) + ".rc")).write_text("1\n")
    (cmds / (recording_name(blockdev.LSBLK_ARGV) + ".stderr")).write_text(
        "lsblk: unknown column: MOUNTPOINTS\n")
    (cmds / recording_name(blockdev.LSBLK_ARGV_OLD)).write_text(json.dumps(LSBLK_LVM))
    root = tmp_path / "sysfs"
    devs = root / "sys/devices/pci0000:00"
    for disk, parts in (("sda", ("sda1", "sda2")), ("sdb", ("sdb1",))):
        (devs / disk).mkdir(parents=True)
        for part in parts:
            (devs / disk / part).mkdir()
            (devs / disk / part / "partition").write_text("1\n")
            (devs / disk / part / "holders").mkdir()
    (devs / "sda/sda2/holders/dm-0").mkdir()
    (devs / "dm-0/slaves/sda2").mkdir(parents=True)
    (devs / "dm-0/dm").mkdir()
    (devs / "dm-0/dm/name").write_text("vg-root\n")
    cls = root / "sys/class/block"
    cls.mkdir(parents=True)
    blk = root / "sys/block"
    blk.mkdir(parents=True)
    devblock = root / "sys/dev/block"
    devblock.mkdir(parents=True)
    for name, target in (("sda", "sda"), ("sda1", "sda/sda1"), ("sda2", "sda/sda2"),
                         ("sdb", "sdb"), ("sdb1", "sdb/sdb1"), ("dm-0", "dm-0")):
        (cls / name).symlink_to(devs / target)
        if "/" not in target:
            (blk / name).symlink_to(devs / target)
    for majmin, target in (("8:1", "sda/sda1"), ("254:0", "dm-0"), ("8:17", "sdb/sdb1")):
        (devblock / majmin).symlink_to(devs / target)
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/mountinfo").write_text(
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
        "25 22 8:1 / /boot/efi rw,relatime shared:5 - vfat /dev/sda1 rw\n"
        "27 22 8:17 / /run/live/medium ro,relatime shared:6 - iso9660 /dev/sdb1 ro\n"
        "28 22 0:26 / /tmp rw - tmpfs tmpfs rw\n")
    return Context(runner=ReplayRunner(cmds), sysfs=Sysfs(root), replay=True)


def test_replayed_lvm_root_and_live_stick(tmp_path):
    ctx = _fake_machine(tmp_path)
    disks = {d.name: d for d in blockdev.list_disks(ctx, program=())}
    assert set(disks) == {"sda", "sdb"}            # sr0 is an optical drive, not a disk
    sda, sdb = disks["sda"], disks["sdb"]
    assert sda.is_system_disk and not sda.is_live_medium
    assert sda.holders == ("dm-0",)
    assert set(sda.mounted) == {"/", "/boot/efi"}
    assert sda.media is Media.HDD and sda.size_bytes == 500107862016
    assert sdb.is_live_medium and not sdb.is_system_disk
    assert sdb.media is Media.USB_FLASH
    assert sdb.mounted == ("/run/live/medium",)


def test_parse_lsblk_rejects_garbage():
    with pytest.raises(BadInput):
        blockdev.parse_lsblk("not json")


def test_mountinfo_unescapes_spaces():
    mounts = blockdev.parse_mountinfo(
        "36 35 98:0 /mnt1 /media/my\\040disk rw,noatime master:1 - ext3 /dev/sdc1 rw\n")
    assert mounts[0].mountpoint == "/media/my disk" and mounts[0].majmin == "98:0"


@pytest.mark.parametrize("size,text", [(None, "?"), (999, "999 B"),
                                       (500107862016, "500.1 GB"), (16008609792, "16.0 GB")])
def test_format_size_uses_decimal_units(size, text):
    assert blockdev.format_size(size) == text


@pytest.mark.parametrize("size,text", [(999, "999 o"), (500107862016, "500,1 Go"),
                                       (2000398934016, "2,0 To")])
def test_format_size_in_french(size, text):
    assert blockdev.format_size(size, "fr") == text
