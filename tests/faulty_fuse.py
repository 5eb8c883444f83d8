"""A faulty disk for tests: a FUSE file whose writes to one range are acknowledged and
never made (what issue 11's attack showed: a write the kernel acknowledged, not on
the medium, caught only by a full read-back).

Run: python faulty_fuse.py BACKING MOUNTPOINT HOLE_OFFSET HOLE_LENGTH
It serves MOUNTPOINT/disk.img (the size of BACKING); a loop device over it is then
a block device that silently drops the writes to [HOLE_OFFSET, +HOLE_LENGTH).
Every open file is in FUSE direct-I/O mode, so no page cache on the FUSE side can
hand back the dropped bytes: a read returns what the backing file really holds.

(No tests in this file: a helper for test_wipe_faulty.py, run as its own process.)
"""

from __future__ import annotations

import errno
import os
import stat
import sys

import mfusepy

NAME = "/disk.img"


class DroppingDisk(mfusepy.Operations):
    use_ns = True

    def __init__(self, backing: str, hole: int, length: int) -> None:
        self.fd = os.open(backing, os.O_RDWR)
        self.size = os.fstat(self.fd).st_size
        self.hole, self.end = hole, hole + length

    def getattr(self, path, fh=None):
        if path == "/":
            return {"st_mode": stat.S_IFDIR | 0o755, "st_nlink": 2}
        if path == NAME:
            return {"st_mode": stat.S_IFREG | 0o600, "st_nlink": 1, "st_size": self.size}
        raise mfusepy.FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", NAME[1:]]

    def open(self, path, fi):
        if path != NAME:
            raise mfusepy.FuseOSError(errno.ENOENT)
        fi.direct_io = 1
        return 0

    def read(self, path, size, offset, fh):
        return os.pread(self.fd, size, offset)

    def write(self, path, data, offset, fh):
        start, stop = offset, offset + len(data)
        # Write what lies outside the hole; report everything written.
        if stop <= self.hole or start >= self.end:
            os.pwrite(self.fd, data, offset)
        else:
            if start < self.hole:
                os.pwrite(self.fd, data[:self.hole - start], start)
            if stop > self.end:
                os.pwrite(self.fd, data[self.end - start:], self.end)
        return len(data)

    def truncate(self, path, length, fh=None):
        return 0

    def fsync(self, path, datasync, fh):
        os.fsync(self.fd)
        return 0

    def flush(self, path, fh):
        return 0


if __name__ == "__main__":
    backing, mountpoint, hole, length = sys.argv[1:5]
    mfusepy.FUSE(DroppingDisk(backing, int(hole), int(length)), mountpoint, raw_fi=True,
                 foreground=True)
