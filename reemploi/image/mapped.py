"""Where a source disk can hold data, known before reading it: ``image make`` reads
only there (issue 16).

A master is often prepared in a virtual machine and captured from a loop device over
its disk file, which is sparse: the file system that holds it knows which ranges were
never written (``lseek(2)`` ``SEEK_DATA``/``SEEK_HOLE``, Linux >= 3.1 on ext4, xfs,
btrfs, tmpfs). Those ranges read as zeros through the loop, so they are holes of the
image without a byte read: capturing a 4 GiB disk file with 800 MiB written reads
800 MiB, from the file itself. The loop's backing file is named by sysfs and checked
to be the very file the loop holds (device and inode from ``LOOP_GET_STATUS64``), not
a file since put under that name.

Anything else (a real disk, a backing file we cannot open, a file system without
``SEEK_DATA``) is read whole, and zero detection (``blockmap.segments``) finds the
holes, as before. On any disk, the file systems' own allocation maps (ext2/3/4 block
bitmaps, the FAT) then leave out the blocks they mark free: ``fsmap.py``.
"""

from __future__ import annotations

import errno
import os
import stat

from ..system import seal
from .fsmap import merge
from ..lazylog import getLogger

log = getLogger(__name__)


def data_ranges(fd: int, start: int, length: int) -> list[tuple[int, int]] | None:
    """The data ranges of the open file ``fd`` in [start, start+length), relative to
    ``start`` and widened to 4 KiB, or None if the file system cannot say."""
    end = start + length
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        try:
            data = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:          # no data after pos
                break
            return None                           # EINVAL: not supported here
        if data >= end:
            break
        try:
            hole = os.lseek(fd, data, os.SEEK_HOLE)
        except OSError:
            return None
        hole = min(hole, end)
        out.append((data - start, hole - data))
        pos = hole
    return merge(out, length)


class Source:
    """Where ``image make`` reads: the data ranges and a ``read_at(offset, n)``."""

    def __init__(self, ranges: list[tuple[int, int]] | None, fd: int, offset: int = 0,
                 own_fd: bool = False) -> None:
        self.ranges, self.fd, self.offset, self.own_fd = ranges, fd, offset, own_fd

    def read_at(self, at: int, n: int) -> bytes:
        return os.pread(self.fd, n, self.offset + at)

    def close(self) -> None:
        if self.own_fd:
            os.close(self.fd)


def source(ctx, fd: int, kname: str, size: int) -> Source:
    """How to read the open source device: a loop over a sparse regular file is read
    from that file, where it holds data only; anything else whole, from ``fd``.

    Reading the file rather than the loop device gives the same bytes (the file is
    checked to be the loop's own, and the device is flushed first, so no write made
    through it waits in its page cache) without the loop driver's worker thread,
    which copies every request and, on a loaded machine, waits its turn for each."""
    if not kname.startswith("loop"):
        return Source(None, fd)
    back = seal.loop_status(fd, ctx.sysfs, kname)
    if back is None or not back.file or back.file.endswith("(deleted)"):
        return Source(None, fd)
    try:
        bfd = os.open(back.file, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        log.debug("backing file of %s: %s", kname, exc)
        return Source(None, fd)
    try:
        st = os.fstat(bfd)
        if (st.st_dev, st.st_ino) != (back.dev, back.inode) or not stat.S_ISREG(st.st_mode) \
                or st.st_size < back.offset + size:
            os.close(bfd)                         # not the file the loop holds (as sized)
            return Source(None, fd)
        ranges = data_ranges(bfd, back.offset, size)
        if ranges is None:
            os.close(bfd)
            return Source(None, fd)
        os.fsync(fd)                              # writes made through the loop: in the file
    except OSError as exc:
        log.debug("backing file of %s: %s", kname, exc)
        os.close(bfd)
        return Source(None, fd)
    return Source(ranges, bfd, back.offset, own_fd=True)
