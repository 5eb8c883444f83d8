"""The read-back reads the disk, never the page cache, even for unaligned pieces.

An image whose size is not a multiple of 4 KiB (an ISO's tail) ends with a piece that
cannot go through O_DIRECT. Read back through the page cache, that piece would be
compared with what we just wrote from memory, not with what the disk holds. The test
makes the disk differ from the cache for real: it changes the loop device's backing
file behind the kernel's block-device cache (as a failing drive or a lying USB bridge
would), then asks the verifier.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from reemploi.errors import ReemploiError
from reemploi.image import writer
from reemploi.system import guard
from test_image_support import put_synced

pytestmark = pytest.mark.root

OFFSET = 40 * 4096
TAIL = b"end of an image that is not a multiple of 4 KiB\n" * 20      # 980 bytes


def test_unaligned_tail_is_read_from_the_disk(loopdev):
    dev = loopdev(8 << 20)
    # An open descriptor keeps the block device's page cache alive (the kernel drops it
    # at the last close), as the writer's own descriptor does between write and verify.
    holder = os.open(dev.path, os.O_RDONLY)
    put_synced(dev.path, TAIL, OFFSET)            # as the writer does for a tail
    assert os.pread(holder, len(TAIL), OFFSET) == TAIL  # the kernel caches it
    # The medium changes under the cache: one byte of the backing file.
    with open(dev.backing, "r+b") as fh:
        fh.seek(OFFSET + 100)
        fh.write(b"X")
        fh.flush()
        os.fsync(fh.fileno())
    piece = writer.Written(OFFSET, len(TAIL), hashlib.sha256(TAIL).hexdigest())
    fd = guard.open_exclusive(dev.path, write=True, direct=True)
    try:
        with pytest.raises(ReemploiError) as err:
            writer.verify(fd, (piece,), dev.path, threads=1)
    finally:
        os.close(fd)
        os.close(holder)
    assert err.value.exit_code == 9 and str(OFFSET) in err.value.render()


def test_unaligned_tail_that_matches_passes(loopdev):
    dev = loopdev(8 << 20)
    put_synced(dev.path, TAIL, OFFSET)
    piece = writer.Written(OFFSET, len(TAIL), hashlib.sha256(TAIL).hexdigest())
    fd = guard.open_exclusive(dev.path, write=True, direct=True)
    try:
        stats = writer.verify(fd, (piece,), dev.path, threads=1)
    finally:
        os.close(fd)
    assert stats.bytes_read == len(TAIL)
