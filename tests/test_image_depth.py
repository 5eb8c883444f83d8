"""Several writes and reads in flight (issue 16): nothing is claimed that the disk did
not acknowledge, and a read-back in parallel parts still checks each range whole.

The writer keeps ``WRITE_DEPTH`` writes in flight and the read-back ``READ_DEPTH``
reads; a range longer than one buffer is read in parts on several threads and hashed
in order. On real loop devices: the medium is changed behind the verifier by writing
the loop's backing file (as a failing drive would return other bytes), and a device
turned read-only mid-write (as a pulled USB disk starts refusing writes) must end the
write with a device error after only acknowledged pieces were counted.
"""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from reemploi.errors import ExitCode, ReemploiError
from reemploi.image import writer
from reemploi.image.sources import inspect
from reemploi.system import guard
from test_image_support import MiB, pack_szst, put_synced

pytestmark = pytest.mark.root


def _damage(backing, offset: int) -> None:
    with open(backing, "r+b") as fh:
        fh.seek(offset)
        old = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([old[0] ^ 0xFF]))
        fh.flush()
        os.fsync(fh.fileno())


def _verify(dev, ranges):
    fd = guard.open_exclusive(dev.path, write=True, direct=True)
    try:
        return writer.verify(fd, ranges, dev.path)
    finally:
        os.close(fd)


def test_a_range_read_in_parallel_parts_passes_when_the_disk_holds_it(loopdev):
    dev = loopdev(48 * MiB)
    data = os.urandom(40 * MiB)                  # 16 + 16 + 8 MiB: three parts
    put_synced(dev.path, data)
    ranges = (writer.Written(0, len(data), hashlib.sha256(data).hexdigest()),)
    assert _verify(dev, ranges).bytes_read == len(data)


@pytest.mark.parametrize("where", [5, 20 * MiB + 7, 40 * MiB - 1])
def test_one_changed_byte_in_any_part_of_a_long_range_fails_the_read_back(loopdev, where):
    dev = loopdev(48 * MiB)
    data = os.urandom(40 * MiB)
    put_synced(dev.path, data)
    _damage(dev.backing, where)
    ranges = (writer.Written(0, len(data), hashlib.sha256(data).hexdigest()),)
    with pytest.raises(ReemploiError) as err:
        _verify(dev, ranges)
    assert err.value.exit_code == ExitCode.VERIFY_FAILED
    assert "at byte 0 " in err.value.render()


def test_many_small_ranges_in_flight_each_checked(loopdev):
    """Ranges read four at a time: a change in one of them names that one."""
    dev = loopdev(16 * MiB)
    ranges = []
    for i in range(24):                           # 64 KiB pieces with holes between
        piece = os.urandom(64 << 10)
        put_synced(dev.path, piece, i * (256 << 10))
        ranges.append(writer.Written(i * (256 << 10), len(piece),
                                     hashlib.sha256(piece).hexdigest()))
    assert _verify(dev, tuple(ranges)).bytes_read == 24 * (64 << 10)
    _damage(dev.backing, 17 * (256 << 10) + 1000)
    with pytest.raises(ReemploiError) as err:
        _verify(dev, tuple(ranges))
    assert err.value.exit_code == ExitCode.VERIFY_FAILED
    assert f"at byte {17 * (256 << 10)} " in err.value.render()


def test_a_device_refusing_writes_mid_image_is_a_device_error_after_acknowledged_pieces(
        loopdev, tmp_path):
    raw = tmp_path / "a.img"
    data = os.urandom(48 * MiB)                   # three 16 MiB frames
    raw.write_bytes(data)
    info = inspect(pack_szst(raw, tmp_path / "a.img.zst"))
    dev = loopdev(64 * MiB)
    shown = []

    def progress(phase, done, total):
        shown.append(done)
        if len(shown) == 1:
            subprocess.run(["blockdev", "--setro", dev.path], check=True)

    fd = guard.open_exclusive(dev.path, write=True, direct=True)
    try:
        with pytest.raises(ReemploiError) as err:
            writer.write(info, fd, dev.path, progress=progress, verify_later=True)
    finally:
        os.close(fd)
        subprocess.run(["blockdev", "--setrw", dev.path], check=False)
    assert err.value.exit_code == ExitCode.DEVICE_ERROR
    # The second frame was already in flight when the device turned read-only and may
    # have landed; the third was submitted after and cannot have. What progress showed
    # is on the disk.
    assert shown[0] == 16 * MiB and shown[-1] <= 32 * MiB
    with open(dev.backing, "rb") as fh:
        assert fh.read(shown[-1]) == data[:shown[-1]]
        fh.seek(32 * MiB)
        assert fh.read(16 * MiB) == bytes(16 * MiB)
