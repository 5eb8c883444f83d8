"""The shared destructive guard, on real loop devices (house rule 6)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from reemploi.context import Context
from reemploi.errors import ExitCode, Refused
from reemploi.model import Disk, Media
from reemploi.system import guard
from reemploi.system.guard import Reason
from test_blockdev import partitioned


def refused(path, **kw) -> guard.TargetRefused:
    with pytest.raises(guard.TargetRefused) as info:
        guard.guard_target(Context(), path, **kw)
    assert isinstance(info.value, Refused) and info.value.exit_code == ExitCode.REFUSED
    return info.value


def test_free_loop_device_is_accepted(loopdev):
    loop = loopdev(32 << 20)
    disk = guard.guard_target(Context(), loop.path)
    assert disk.path == loop.path and disk.size_bytes == 32 << 20


def test_mounted_partition_refused_naming_mount_point(loopdev, tmp_path):
    loop = loopdev()
    mnt = tmp_path / "mnt"
    partitioned(loop, mnt)
    try:
        err = refused(loop.path)
        assert err.reason is Reason.MOUNTED
        assert str(mnt) in err.render(None)
        assert str(mnt) in err.refusal.render("fr") and "monté" in err.refusal.render("fr")
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_partition_path_refused_naming_the_disk(loopdev):
    loop = loopdev()
    part = partitioned(loop, None)
    err = refused(part)
    assert err.reason is Reason.PARTITION
    assert err.params["disk"] == loop.path


def test_disk_holding_slash_is_refused():
    root_dev = os.stat("/").st_dev
    name = Path(f"/sys/dev/block/{os.major(root_dev)}:{os.minor(root_dev)}").resolve()
    disk = name.parent.name if (name / "partition").exists() else name.name
    err = refused(f"/dev/{disk}")
    assert err.reason is Reason.SYSTEM_DISK
    assert Reason.MOUNTED in {r.reason for r in err.others}


def test_disk_holding_our_program_is_refused(loopdev, tmp_path):
    loop = loopdev()
    mnt = tmp_path / "mnt"
    partitioned(loop, mnt)
    try:
        (mnt / "reemploi").mkdir()
        (mnt / "reemploi" / "__init__.py").write_text("")
        err = refused(loop.path, program=(str(mnt / "reemploi" / "__init__.py"),))
        assert err.reason is Reason.PROGRAM_FILES
        assert Reason.MOUNTED in {r.reason for r in err.others}
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_read_only_loop_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("loop devices need root")
    img = tmp_path / "ro.img"
    img.write_bytes(b"\0" * (8 << 20))
    path = subprocess.run(["losetup", "-r", "--find", "--show", str(img)], check=True,
                          capture_output=True, text=True).stdout.strip()
    try:
        assert refused(path).reason is Reason.READ_ONLY
        with pytest.raises(guard.TargetRefused) as info:
            os.close(guard.open_exclusive(path))
        assert info.value.reason is Reason.READ_ONLY
    finally:
        subprocess.run(["losetup", "-d", path], check=False)


def test_not_a_block_device_and_vanished(tmp_path):
    f = tmp_path / "file.img"
    f.write_bytes(b"x")
    assert refused(str(f)).reason is Reason.NOT_BLOCK_DEVICE
    assert refused(str(tmp_path / "nothing")).reason is Reason.VANISHED


def test_zero_size_zram_refused():
    if not Path("/dev/zram0").exists():
        pytest.skip("no zram device on this machine")
    assert refused("/dev/zram0").reason is Reason.NOT_WHOLE_DISK


def test_open_exclusive_on_mounted_loop_fails_cleanly(loopdev, tmp_path):
    loop = loopdev()
    mnt = tmp_path / "mnt"
    part = partitioned(loop, mnt)
    try:
        with pytest.raises(guard.TargetRefused) as info:
            guard.open_exclusive(part)
        assert info.value.reason is Reason.BUSY
        assert part in info.value.render(None)
        # The whole disk too: a mounted partition claims its disk in the kernel.
        with pytest.raises(guard.TargetRefused) as info:
            guard.open_exclusive(loop.path)
        assert info.value.reason is Reason.BUSY
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def test_open_exclusive_free_loop_and_missing(loopdev, tmp_path):
    loop = loopdev()
    fd = guard.open_exclusive(loop.path, direct=True)
    try:
        # A second exclusive opener is refused by the kernel while we hold it.
        with pytest.raises(guard.TargetRefused) as info:
            guard.open_exclusive(loop.path)
        assert info.value.reason is Reason.BUSY
    finally:
        os.close(fd)
    with pytest.raises(guard.TargetRefused) as info:
        guard.open_exclusive(str(tmp_path / "gone"))
    assert info.value.reason is Reason.VANISHED


def test_every_reason_has_a_message_in_both_languages():
    for reason in Reason:
        params = {"path": "/dev/sdz", "disk": "/dev/sdz", "kind": "lvm",
                  "holders": "dm-0", "mounts": "/mnt", "other": "/dev/loop1",
                  "backing": "/srv/a.img", "differences": "diskseq: 9 → 12"}
        fr = guard.Refusal(reason, params).render("fr")
        en = guard.Refusal(reason, params).render("en")
        assert "/dev/sdz" in fr and fr != en and fr.startswith("Refusé")


def test_confirm_text_shows_identity():
    disk = Disk(name="sda", path="/dev/sda", model="ST500LM012", serial="S2ABC",
                size_bytes=500107862016, transport="sata", media=Media.HDD)
    fr = guard.confirm_text(disk, "fr")
    assert "ST500LM012" in fr and "S2ABC" in fr and "500,1 Go" in fr and "sata" in fr
    assert "série" in fr and "serial" in guard.confirm_text(disk, "en")
