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

Stopping: the main thread never gets an exception thrown at it by a signal (see
``system/signals.py``: one raised inside a ``queue.get`` or a future's wait can leave
a lock held, and the write then waits forever). ``write``, ``fill_zeros`` and
``verify`` call ``stop()`` between two pieces instead; it raises ``Stopped`` when a
stop signal came, and the writes or reads in flight end before the error leaves.

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
from .sources import PIECE, Buffers, ImageInfo, Piece, pieces, update_hash
from ..syserr import reason
from ..system.signals import never_stop

ALIGN = 4096                      # covers 512- and 4096-byte logical sectors
FLUSH_EVERY = 1 << 30             # fdatasync after this many bytes (bmaptool: ~1 GiB too)
# Writes in flight at once. One synchronous pwrite at a time leaves the device idle
# between requests (each one waits for the last to be acknowledged): on this machine's
# virtio disk behind a direct-I/O loop, the write phase of a 2 GiB image (477 frames,
# 430 of them under 1 MiB) took 2.15 s at depth 1 and 1.61 s at depth 2, and 4 or 8
# gained nothing more (docs/benchmarks.md, issue 16).
WRITE_DEPTH = 2
# Reads in flight during the read-back: reading the same image's 477 frames back took
# 1.35 s one at a time, 0.90 s two at a time and 0.62 s four at a time (same disk).
READ_DEPTH = 4

Progress = Callable[[str, int, int], None]   # (phase "write"|"verify", done, total)
Stop = Callable[[], None]                     # raises to stop between two pieces


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
          flush_every: int = FLUSH_EVERY, verify_later: bool = False,
          depth: int = WRITE_DEPTH, stop: Stop = never_stop) -> WriteStats:
    """Write the mapped pieces of ``info`` to ``fd``. Raises VerifyFailed/DeviceError.

    ``depth`` writes are in flight at once (see ``WRITE_DEPTH``); pieces are settled
    in image order, so ``progress`` and the pieces returned count only what the disk
    acknowledged, in order. ``verify_later``: the caller runs ``verify`` afterwards
    (see ``sources.pieces``). ``stop`` is called before each piece (see above)."""
    threads = threads or _threads()
    depth = max(1, depth)
    lookahead = threads + 1
    # The decoders hold up to ``lookahead`` buffers, the writes ``depth`` more.
    buffers = Buffers(lookahead + depth + 1)
    written: list[Written] = []
    total = info.mapped_bytes
    done = since_flush = 0
    start = time.monotonic()
    direct_now = direct
    inflight: deque = deque()

    def put(piece: Piece) -> None:
        try:
            _pwrite_all(fd, memoryview(piece.buf)[:piece.length], piece.offset, device)
        finally:
            buffers.release(piece.buf)

    def settle() -> None:
        nonlocal done, since_flush
        piece, fut = inflight.popleft()
        fut.result()
        if piece.range_start is not None:          # a range for the read-back
            written.append(Written(piece.range_start, piece.offset + piece.length
                                   - piece.range_start, piece.sha256))
        elif piece.sha256 is not None:
            written.append(Written(piece.offset, piece.length, piece.sha256))
        done += piece.length
        since_flush += piece.length
        if progress:
            progress("write", done, total)

    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="img-decode") as pool, \
                ThreadPoolExecutor(depth, thread_name_prefix="img-write") as writers:
            gen = pieces(info, pool, buffers, lookahead, verify_later)
            try:
                for item in gen:
                    piece: Piece = item.result() if isinstance(item, Future) else item
                    want_direct = direct and _aligned(piece)
                    if want_direct != direct_now:
                        while inflight:    # F_SETFL is per open file: drain first
                            settle()
                        _set_direct(fd, want_direct)
                        direct_now = want_direct
                    inflight.append((piece, writers.submit(put, piece)))
                    while len(inflight) >= depth:
                        settle()
                    if since_flush >= flush_every:
                        while inflight:    # the flush covers every acknowledged write
                            settle()
                        os.fdatasync(fd)
                        since_flush = 0
                    stop()                 # before the next piece is taken from gen
                while inflight:
                    settle()
            finally:
                gen.close()
                for _, fut in inflight:    # an error: the writes in flight end first
                    fut.exception()
        os.fdatasync(fd)
    finally:
        if direct and not direct_now:
            _set_direct(fd, True)
        buffers.close()
    return WriteStats(done, time.monotonic() - start, tuple(written))


BLKZEROOUT = 0x127F              # _IO(0x12, 127), linux/fs.h: zero a byte range
# Zeroed per BLKZEROOUT call. A stop signal waits for the call under way: on a hard
# disk without WRITE ZEROES the kernel writes the zeros itself: 1 GiB is ~10 s at
# 100 MB/s; 128 MiB keeps a Ctrl-C's answer near a second for a few more ioctls.
FILL_CHUNK = 128 << 20


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
               progress: Progress | None = None, stop: Stop = never_stop) -> int:
    """Make ``ranges`` read as zeros: BLKZEROOUT (the drive's WRITE ZEROES / UNMAP when
    it has one, else the kernel writes zero pages), or plain zero writes if refused.
    ``stop`` is called between two chunks (at most ``FILL_CHUNK``)."""
    total = sum(n for _, n in ranges)
    done = 0
    zero = None
    try:
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
                stop()
    finally:               # a stop or an I/O error: the zero buffer goes too
        if zero is not None:
            try:
                zero.close()
            except BufferError:    # a view still held by a traceback frame: GC frees it
                pass
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


def _parts(written: tuple[Written, ...], size: int):
    """(range, offset in it, length, last?) of every buffer-sized read, in disk order."""
    for w in written:
        pos = 0
        while pos < w.length:
            n = min(size, w.length - pos)
            yield w, pos, n, pos + n >= w.length
            pos += n


def verify(fd: int, written: tuple[Written, ...], device: str, *, direct: bool = True,
           threads: int | None = None, progress: Progress | None = None,
           stop: Stop = never_stop) -> VerifyStats:
    """Read back every written piece (or whole range) from the disk and compare its
    sha256; a range longer than one buffer is read in buffer-sized parts.

    ``threads`` reads are in flight at once (``READ_DEPTH``). A range read in one part
    is hashed on the thread that read it; the parts of a longer range (a bmap range
    can be hundreds of MiB) are read in parallel all the same and hashed here, in
    order."""
    threads = threads or READ_DEPTH
    size = min(max((w.length for w in written), default=ALIGN), PIECE)
    size = (size + ALIGN - 1) // ALIGN * ALIGN
    buffers = Buffers(threads + 1, size)
    total = sum(w.length for w in written)
    start = time.monotonic()
    done = 0
    direct_now = direct

    def job(w: Written, pos: int, n: int, buf, use_direct: bool):
        view = memoryview(buf)
        try:
            if not use_direct:
                _drop_cache(fd, w.offset + pos, n)
            filled = 0
            while filled < n:
                k = os.preadv(fd, [view[filled:n]], w.offset + pos + filled)
                if k <= 0:
                    raise DeviceError(device=device, why=f"short read at byte "
                                      f"{w.offset + pos + filled}")
                filled += k
            if n == w.length:              # the whole range: hash it here, in parallel
                digest = hashlib.sha256(view[:n]).hexdigest()
                view.release()
                buffers.release(buf)
                return digest
            view.release()
            return buf
        except OSError as exc:
            view.release()
            buffers.release(buf)
            raise DeviceError(device=device, why=f"read at byte {w.offset + pos}: "
                              f"{reason(exc)}") from None
        except BaseException:
            view.release()
            buffers.release(buf)
            raise

    hashes: dict[int, object] = {}

    def settle(entry) -> None:
        nonlocal done
        (w, pos, n, last), fut = entry
        got = fut.result()
        if n == w.length:
            digest = got
        else:
            try:
                update_hash(hashes.setdefault(w.offset, hashlib.sha256()), got, n)
            finally:
                buffers.release(got)
            digest = hashes.pop(w.offset).hexdigest() if last else None
        if last and digest != w.sha256:
            raise VerifyFailed(why=f"the disk differs from the image in the range "
                               f"at byte {w.offset} ({w.length} bytes)")
        done += n
        if progress:
            progress("verify", done, total)

    window: deque = deque()
    try:
        with ThreadPoolExecutor(threads, thread_name_prefix="img-verify") as pool:
            try:
                for part in _parts(written, size):
                    stop()
                    w = part[0]
                    use_direct = direct and _aligned(w)
                    if use_direct != direct_now:
                        while window:      # F_SETFL is per open file: drain before switching
                            settle(window.popleft())
                        _set_direct(fd, use_direct)
                        direct_now = use_direct
                    if len(window) >= threads:
                        settle(window.popleft())
                    window.append((part, pool.submit(job, *part[:3], buffers.acquire(),
                                                     use_direct)))
                while window:
                    settle(window.popleft())
            finally:
                for _, fut in window:      # an error: the reads in flight end first
                    if fut.exception() is None and not isinstance(fut.result(), str):
                        buffers.release(fut.result())
    finally:
        if direct and not direct_now:
            _set_direct(fd, True)
        buffers.close()
    return VerifyStats(done, time.monotonic() - start)
