"""Wipe the disk that was confirmed (issue 11): re-checked on the open device after
"yes", before the first byte, through the real command on a pseudo-terminal.

Reproduces the attack of issue 11: between the prompt and "yes", the loop device was
detached and re-attached to another file; the other file was zeroed, exit 0. And a
second loop device over the file of a mounted one was wiped, destroying the mounted
filesystem.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from prompt_support import answer_prompt
from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from signal_support import run_cli

MIB = 1 << 20


def digest(data_or_path) -> str:
    """sha256 of a file or bytes: comparing 32 MiB byte strings makes pytest's failure
    diff (difflib) run for many minutes; a digest fails fast and says the same."""
    import hashlib
    data = data_or_path.read_bytes() if hasattr(data_or_path, "read_bytes") else data_or_path
    return hashlib.sha256(data).hexdigest()


def sh(*args):
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout.strip()


def filled(path, size, byte):
    with open(path, "wb") as fh:
        fh.write(bytes([byte]) * size)


def events(home, *types):
    return [ev for ev in Inventory.open(home, "T").events() if not types or ev.type in types]


@pytest.fixture
def swap_files(loopdev, tmp_path):
    """A loop device over a.img (filled with 0x11) and another file b.img (0xab)."""
    dev = loopdev(32 * MIB)
    filled(dev.backing, 32 * MIB, 0x11)
    other = tmp_path / "other.img"
    return dev, other


def _reattach(dev, other):
    def act():
        sh("losetup", "-d", dev.path)
        sh("losetup", dev.path, str(other))
    return act


@pytest.mark.parametrize("other_size", [48 * MIB, 32 * MIB], ids=["bigger", "same-size"])
def test_a_loop_reattached_to_another_file_while_asking_is_refused(swap_files, tmp_path,
                                                                   other_size):
    """The attack of issue 11 (48 MiB), and a same-size file (no serial, no model:
    only the diskseq and the backing inode tell them apart)."""
    dev, other = swap_files
    filled(other, other_size, 0xAB)
    home = tmp_path / "home"
    code, out = answer_prompt(["wipe", dev.path, "--method", "zero", "--lang", "en"],
                              home, _reattach(dev, other))
    assert "diskseq" in out and str(dev.backing) in out     # the plan showed the seal
    assert code == ExitCode.REFUSED, out
    assert "no longer the disk shown in the plan" in out and str(other) in out
    assert digest(other) == digest(bytes([0xAB]) * other_size)   # not a byte written
    assert digest(dev.backing) == digest(bytes([0x11]) * 32 * MIB)
    refused = events(home, "guard.refused")
    assert len(refused) == 1 and refused[0].payload["action"] == "wipe"
    fields = {d["field"] for d in refused[0].payload["differences"]}
    assert {"diskseq", "backing"} <= fields
    assert ("size" in fields) == (other_size != 32 * MIB)
    assert not events(home, "wipe.started", "wipe.done")     # never counted as a wipe


def test_the_same_loop_answered_yes_is_wiped(swap_files, tmp_path):
    """The control: nothing changes while asking, the wipe runs (and verifies fully)."""
    dev, _ = swap_files
    home = tmp_path / "home"
    code, out = answer_prompt(["wipe", dev.path, "--method", "zero", "--lang", "en"],
                              home, lambda: None)
    assert code == 0, out
    assert digest(dev.backing) == digest(bytes(32 * MIB))
    assert not events(home, "guard.refused") and len(events(home, "wipe.done")) == 1


@pytest.fixture
def mounted_file(loopdev, tmp_path):
    """An ext4 filesystem in a file, mounted through one loop device; a second loop
    device over the very same file (what ``losetup -f file`` gives a second time)."""
    first = loopdev(32 * MIB)
    # No lazy init: ext4lazyinit would write the inode tables in the background after
    # mount and change the backing file by itself, with no wipe involved.
    sh("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", first.path)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    sh("mount", first.path, str(mnt))
    (mnt / "donor.txt").write_text("keep me\n")
    # Frozen: everything written back and no journal checkpoint or atime update can
    # change the backing file while the test compares it (fsfreeze, util-linux).
    sh("fsfreeze", "--freeze", str(mnt))
    second = sh("losetup", "--find", "--show", str(first.backing))
    try:
        yield first, second, mnt
    finally:
        subprocess.run(["fsfreeze", "--unfreeze", str(mnt)], check=False)
        subprocess.run(["umount", str(mnt)], check=False)
        subprocess.run(["losetup", "-d", second], check=False)


def test_a_second_loop_over_a_mounted_file_is_refused(mounted_file, tmp_path):
    first, second, mnt = mounted_file
    before = digest(first.backing)
    res = run_cli(["wipe", second, "--yes", "--method", "zero", "--lang", "en"],
                  tmp_path / "home")
    assert res.returncode == ExitCode.REFUSED, res.stdout + res.stderr
    assert "shares its data" in res.stderr and str(mnt) in res.stderr
    assert first.path in res.stderr
    assert digest(first.backing) == before
    sh("fsfreeze", "--unfreeze", str(mnt))
    assert (mnt / "donor.txt").read_text() == "keep me\n"


def test_a_loop_over_a_mounted_partition_is_refused(loopdev, tmp_path):
    """A loop device over a block device (here a loop device's partition-free
    filesystem) that is mounted: same data, refused."""
    base = loopdev(32 * MIB)
    sh("mkfs.ext4", "-q", "-F", base.path)
    mnt = tmp_path / "mnt2"
    mnt.mkdir()
    sh("mount", base.path, str(mnt))
    over = sh("losetup", "--find", "--show", base.path)
    try:
        res = run_cli(["wipe", over, "--yes", "--method", "zero", "--lang", "en"],
                      tmp_path / "home")
        assert res.returncode == ExitCode.REFUSED, res.stdout + res.stderr
        assert "shares its data" in res.stderr
        # And the other way round: the disk under a mounted loop device.
        sh("umount", str(mnt))
        sh("mount", over, str(mnt))
        res = run_cli(["wipe", base.path, "--yes", "--method", "zero", "--lang", "en"],
                      tmp_path / "home")
        assert res.returncode == ExitCode.REFUSED, res.stdout + res.stderr
        assert "shares its data" in res.stderr and over in res.stderr
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
        subprocess.run(["losetup", "-d", over], check=False)


def test_the_seal_reads_what_the_kernel_says(loopdev):
    """Cross-check against the kernel's own tools: stat(1) of the backing file,
    lsblk's MAJ:MIN and the sysfs diskseq."""
    from reemploi.cli.common import make_context
    from reemploi.system import guard, seal
    dev = loopdev(8 * MIB)
    ctx = make_context(None, "en")
    s = seal.take(ctx, guard.guard_target(ctx, dev.path))
    st = os.stat(dev.backing)
    assert s.backing.key == (st.st_dev, st.st_ino) and s.backing.file == str(dev.backing)
    assert s.majmin == sh("lsblk", "-dno", "MAJ:MIN", dev.path).strip()
    kname = dev.path.rsplit("/", 1)[1]
    with open(f"/sys/class/block/{kname}/diskseq") as fh:
        assert s.diskseq == int(fh.read())
    assert s.size == 8 * MIB
