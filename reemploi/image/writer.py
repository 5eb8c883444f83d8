"""The writer engine: mapped pieces in, bytes on the disk, then an optional read-back.

bmaptool's lessons kept (BmapCopy.py): size check before the first byte (done by
the caller with ``ImageInfo.image_size``), exclusive open (``guard.open_exclusive``),
periodic flush so the page cache never holds gigabytes of unwritten data, checksum
verification. What we add for speed:

* writes go through ``O_DIRECT`` from page-aligned buffers: no page-cache copy and
  no flush storm at the end (open(2), "O_DIRECT": buffer, offset and length must be
  multiples of the logical block size, 512 or 4096 bytes). A piece that is not
  aligned (the tail of an image whose size is not a multiple of 4 KiB) is written
  with ``O_DIRECT`` switched off for that one write (``fcntl(F_SETFL)``, allowed
  on Linux);
* for szst images the frames are decoded and hashed on a thread pool (zstandard and
  hashlib release the GIL) while this thread writes, in order;
* the read-back reads with ``O_DIRECT`` too, so it reads the disk, not the cache,
  and hashes on the pool while the next piece is read; an unaligned piece is read
  buffered after its cached pages are evicted (``_drop_cache``).

Holes: our block maps come from zero detection, so an unmapped range means "zeros",
and zero runs inside files (ELF alignment padding, zeroed inode-table blocks) do
matter. Skipping them is only right when the disk already reads zeros there (its last
wipe pass wrote zeros); otherwise the service asks ``fill_zeros`` for them first.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from ..errors import DeviceError, VerifyFailed
from .sources import PIECE, Buffers, ImageInfo, Piece, pieces
from ..syserr import reason

ALIGN = 4096                      # covers 512- and 4096-byte logical sectors
FLUSH_EVERY = 1 << 30             # fdatasync after this many bytes (bmaptool: ~1 GiB too)

Progress = Callable[[str, int, int], None]   # (phase "write"|"verify", done, total)


@dataclass(frozen=True)
class Written:
    offset: int
    length: int
    sha256: str


@dataclass(frozen=True)
class WriteStats:
    bytes_written: int
    seconds: float
    pieces: tuple[Written, ...]

    @property
    def throughput(self) -> float:
        return self.bytes_written / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class VerifyStats:
    bytes_read: int
    seconds: float


def _threads() -> int:
    return max(2, min(os.cpu_count() or 2, 8))


def _set_direct(fd: int, on: bool) -> None:
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    want = (flags | os.O_DIRECT) if on else (flags & ~os.O_DIRECT)
    if want != flags:
        fcntl.fcntl(fd, fcntl.F_SETFL, want)


def _aligned(p) -> bool:
    return p.offset % ALIGN == 0 and p.length % ALIGN == 0


def _pwrite_all(fd: int, view, offset: int, device: str) -> None:
    done = 0
    while done < len(view):
        try:
            n = os.pwrite(fd, view[done:], offset + done)
        except OSError as exc:
            raise DeviceError(device=device, why=f"write at byte {offset + done}: "
                              f"{reason(exc)}") from None
        if n <= 0:
            raise DeviceError(device=device, why=f"short write at byte {offset + done}")
        done += n


def write(info: ImageInfo, fd: int, device: str, *, direct: bool = True,
          threads: int | None = None, progress: Progress | None = None,
          flush_every: int = FLUSH_EVERY, verify_later: bool = False) -> WriteStats:
    """Write the mapped pieces of ``info`` to ``fd``. Raises VerifyFailed/DeviceError.

    ``verify_later``: the caller runs ``verify`` afterwards (see ``sources.pieces``)."""
    threads = threads or _threads()
    lookahead = threads + 1
    buffers = Buffers(lookahead + 2)
    written: list[Written] = []
    total = info.mapped_bytes
    done = since_flush = 0
    start = time.monotonic()
    direct_now = direct
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="img-decode") as pool:
            gen = pieces(info, pool, buffers, lookahead, verify_later)
            try:
                for item in gen:
                    piece: Piece = item.result() if isinstance(item, Future) else item
                    try:
                        want_direct = direct and _aligned(piece)
                        if want_direct != direct_now:
                            _set_direct(fd, want_direct)
                            direct_now = want_direct
                        _pwrite_all(fd, memoryview(piece.buf)[:piece.length], piece.offset,
                                    device)
                    finally:
                        buffers.release(piece.buf)
                    if piece.range_start is not None:     # a range for the read-back
                        written.append(Written(piece.range_start, piece.offset
                                               + piece.length - piece.range_start,
                                               piece.sha256))
                    elif piece.sha256 is not None:
                        written.append(Written(piece.offset, piece.length, piece.sha256))
                    done += piece.length
                    since_flush += piece.length
                    if since_flush >= flush_every:
                        os.fdatasync(fd)
                        since_flush = 0
                    if progress:
                        progress("write", done, total)
            finally:
                gen.close()
        os.fdatasync(fd)
    finally:
        if direct and not direct_now:
            _set_direct(fd, True)
        buffers.close()
    return WriteStats(done, time.monotonic() - start, tuple(written))


BLKZEROOUT = 0x127F              # _IO(0x12, 127), linux/fs.h: zero a byte range
FILL_CHUNK = 1 << 30


def holes(info: ImageInfo) -> list[tuple[int, int]]:
    """(offset, length) of the image's unmapped ranges: the complement of its extents."""
    out, pos = [], 0
    for ext in info.extents:
        if ext.start > pos:
            out.append((pos, ext.start - pos))
        pos = max(pos, ext.end)
    if pos < info.image_size:
        out.append((pos, info.image_size - pos))
    return out


def fill_zeros(fd: int, ranges: list[tuple[int, int]], device: str,
               progress: Progress | None = None) -> int:
    """Make ``ranges`` read as zeros: BLKZEROOUT (the drive's WRITE ZEROES / UNMAP when
    it has one, else the kernel writes zero pages), or plain zero writes if refused."""
    total = sum(n for _, n in ranges)
    done = 0
    zero = None
    for offset, length in ranges:
        pos, end = offset, offset + length
        while pos < end:
            n = min(FILL_CHUNK, end - pos)
            aligned = n - n % 512 if pos % 512 == 0 else 0
            try:
                if not aligned:
                    raise OSError("unaligned")
                fcntl.ioctl(fd, BLKZEROOUT, struct.pack("QQ", pos, aligned))
                n = aligned
            except OSError:
                if zero is None:
                    zero = mmap.mmap(-1, 1 << 20)
                n = min(n, len(zero))
                want_direct = pos % ALIGN == 0 and n % ALIGN == 0
                flags = fcntl.fcntl(fd, fcntl.F_GETFL)
                if not want_direct and flags & os.O_DIRECT:
                    _set_direct(fd, False)
                try:
                    _pwrite_all(fd, memoryview(zero)[:n], pos, device)
                finally:
                    if not want_direct and flags & os.O_DIRECT:
                        _set_direct(fd, True)
            pos += n
            done += n
            if progress:
                progress("zero", done, total)
    if zero is not None:
        zero.close()
    return done


def _drop_cache(fd: int, offset: int, length: int) -> None:
    """Evict the page-cache pages under a piece, so a buffered read asks the disk.

    Needed for the pieces O_DIRECT cannot read (an image's unaligned tail): our own
    write left those pages cached, and a read-back served from them would compare our
    memory with itself. posix_fadvise(2) only drops whole, clean pages: flush first,
    and widen the range to page boundaries.
    """
    os.fdatasync(fd)
    start = offset - offset % mmap.PAGESIZE
    end = -(-(offset + length) // mmap.PAGESIZE) * mmap.PAGESIZE
    os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)


def verify(fd: int, written: tuple[Written, ...], device: str, *, direct: bool = True,
           threads: int | None = None, progress: Progress | None = None) -> VerifyStats:
    """Read back every written piece (or whole range) from the disk and compare its
    sha256; a range longer than one buffer is read and hashed in buffer-sized parts."""
    threads = threads or _threads()
    lookahead = threads + 1
    size = min(max((w.length for w in written), default=ALIGN), PIECE)
    size = (size + ALIGN - 1) // ALIGN * ALIGN
    buffers = Buffers(lookahead + 1, size)
    total = sum(w.length for w in written)
    start = time.monotonic()
    done = 0
    direct_now = direct

    def job(w: Written, buf, use_direct: bool) -> str:
        view = memoryview(buf)
        h = hashlib.sha256()
        got = 0
        try:
            if not use_direct:
                _drop_cache(fd, w.offset, w.length)
            while got < w.length:
                part = min(len(buf), w.length - got)
                filled = 0
                while filled < part:
                    n = os.preadv(fd, [view[filled:part]], w.offset + got + filled)
                    if n <= 0:
                        raise DeviceError(device=device, why=f"short read at byte "
                                          f"{w.offset + got + filled}")
                    filled += n
                h.update(view[:part])
                got += part
            return h.hexdigest()
        except OSError as exc:
            raise DeviceError(device=device, why=f"read at byte {w.offset}: "
                              f"{reason(exc)}") from None
        finally:
            buffers.release(buf)

    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="img-verify") as pool:
            window: deque = deque()

            def settle(entry):
                nonlocal done
                w, fut = entry
                if fut.result() != w.sha256:
                    raise VerifyFailed(why=f"the disk differs from the image in the range "
                                       f"at byte {w.offset} ({w.length} bytes)")
                done += w.length
                if progress:
                    progress("verify", done, total)

            for w in written:
                use_direct = direct and _aligned(w)
                if use_direct != direct_now:
                    while window:      # F_SETFL is per open file: drain before switching
                        settle(window.popleft())
                    _set_direct(fd, use_direct)
                    direct_now = use_direct
                if len(window) >= lookahead:
                    settle(window.popleft())
                window.append((w, pool.submit(job, w, buffers.acquire(), use_direct)))
            while window:
                settle(window.popleft())
    finally:
        if direct and not direct_now:
            _set_direct(fd, True)
        buffers.close()
    return VerifyStats(done, time.monotonic() - start)
