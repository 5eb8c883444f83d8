"""The overwrite/verify engine: large aligned direct writes, a generator thread, read-back.

Why this shape (measured on this project's test box, see benchmarks/wipe.py):

* ``O_DIRECT`` with 4 MiB buffers matches ``dd bs=4M oflag=direct``; buffered writes
  plus ``fsync`` reach half that speed, and nwipe 0.3x's 4 KiB page-cache writes less.
  ``O_DIRECT`` needs buffers aligned to the logical block size: anonymous ``mmap``
  memory is page-aligned, which satisfies every block size up to 4 KiB.
* The PRNG pass fills the next buffer in a generator thread while the writer thread
  is blocked in ``pwrite`` (which releases the GIL), so the disk never waits for us.
* The device size is always a multiple of its logical block size, so the last,
  shorter chunk (size mod 4 MiB) is still a legal direct write: no buffered tail.

Verification (full or NIST-sampled read-back) is in verify.py and shares this
module's helpers; it is re-exported here.

Stopping: every loop checks ``stop`` (a ``threading.Event`` set on Ctrl-C by the main
thread) between blocks; a ``KeyboardInterrupt`` raised by a progress callback is
treated the same way. I/O errors (EIO, ENODEV, ENXIO: a vanished disk) end the pass
with the failing offset. Neither can ever produce a successful result.

``skip_block`` is a fault-injection hook for tests: the block with that index is not
written, and the verification must catch it.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import queue
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .patterns import Keystream, Pattern
from ..syserr import reason

BLOCK = 4 << 20                      # 4 MiB per write
MIB = 1 << 20
BLKGETSIZE64 = 0x80081272            # linux/fs.h _IOR(0x12, 114, size_t)
BLKSSZGET = 0x1268                   # linux/fs.h _IO(0x12, 104): logical block size
SAMPLE_SUBSECTIONS = 1000            # NIST SP 800-88 r1 §4.7.3
SAMPLE_FRACTION = 0.10               # NIST SP 800-88 r1 §4.7.3: at least 10 %
MAX_REPORTED_MISMATCHES = 100

Progress = Callable[[str, int, int], None]   # (phase, done_bytes, total_bytes)


class Outcome:
    SUCCESS = "success"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    # A verification only (never a wipe's result): it ran and proved nothing either
    # way, e.g. every sampled area was already blank before a firmware erase.
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class PassResult:
    index: int
    pattern: dict
    bytes_written: int
    seconds: float
    outcome: str
    error: str | None = None
    error_offset: int | None = None

    @property
    def throughput_mb_s(self) -> float:
        return round(self.bytes_written / self.seconds / 1e6, 1) if self.seconds else 0.0


@dataclass(frozen=True)
class Mismatch:
    offset: int
    length: int


@dataclass(frozen=True)
class VerifyResult:
    mode: str
    bytes_checked: int
    seconds: float
    outcome: str
    mismatches: tuple[Mismatch, ...] = ()
    mismatch_count: int = 0
    locations: int = 0
    seed: int | None = None
    error: str | None = None
    compared_bytes: int = 0      # after a firmware erase: sampled bytes that held data

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.SUCCESS and not self.mismatch_count


@dataclass
class Device:
    """An open block device (or, for the engine's own tests, any file)."""

    fd: int
    size: int
    sector: int = 512
    path: str = ""
    stop: threading.Event = field(default_factory=threading.Event)


def device_geometry(fd: int) -> tuple[int, int]:
    """(size in bytes, logical block size) from the kernel, for a block device fd."""
    buf = bytearray(8)
    try:
        fcntl.ioctl(fd, BLKGETSIZE64, buf)
        size = struct.unpack("Q", bytes(buf))[0]
    except OSError:
        size = os.fstat(fd).st_size
    sbuf = bytearray(4)
    try:
        fcntl.ioctl(fd, BLKSSZGET, sbuf)
        sector = struct.unpack("i", bytes(sbuf))[0] or 512
    except OSError:
        sector = 512
    return size, sector


def _aligned(size: int) -> mmap.mmap:
    # Anonymous mmap: page-aligned and zero-filled, as O_DIRECT wants.
    return mmap.mmap(-1, size)


def _io_error(exc: OSError) -> str:
    name = errno.errorcode.get(exc.errno or 0, "E?")
    return f"{name}: {reason(exc)}"


def _pwrite_all(fd: int, view: memoryview, offset: int) -> None:
    done = 0
    while done < len(view):
        n = os.pwrite(fd, view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "short write")
        done += n


def _pread_into(fd: int, view: memoryview, offset: int) -> int:
    done = 0
    while done < len(view):
        n = os.preadv(fd, [view[done:]], offset + done)
        if n <= 0:
            break
        done += n
    return done


class _Ticker:
    """Calls the progress callback at most ~5 times a second."""

    def __init__(self, progress: Progress | None, phase: str, total: int) -> None:
        self.progress, self.phase, self.total = progress, phase, total
        self.last = 0.0

    def __call__(self, done: int, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self.last >= 0.2:
            self.last = now
            self.progress(self.phase, done, self.total)


def overwrite(dev: Device, pattern: Pattern, *, index: int = 1,
              progress: Progress | None = None, skip_block: int | None = None,
              block: int = BLOCK) -> PassResult:
    """Write ``pattern`` over the whole device once."""
    total = dev.size
    nblocks = (total + block - 1) // block
    tick = _Ticker(progress, f"pass {index}", total)
    start = time.monotonic()
    written = 0
    outcome, error, error_offset = Outcome.SUCCESS, None, None

    if pattern.kind == "prng":
        stream = Keystream(pattern, block)
        pool = [_aligned(block + 4096) for _ in range(3)]
        free: queue.Queue = queue.Queue()
        full: queue.Queue = queue.Queue()
        for i in range(len(pool)):
            free.put(i)
        halt = threading.Event()

        def produce() -> None:
            try:
                for b in range(nblocks):
                    slot = free.get()
                    if slot is None or halt.is_set():
                        return
                    off = b * block
                    n = min(block, total - off)
                    stream.fill(memoryview(pool[slot]), off, n)
                    full.put((slot, off, n))
                full.put(None)
            except BaseException as exc:   # never leave the writer waiting forever
                full.put(exc)

        producer = threading.Thread(target=produce, name="wipe-prng", daemon=True)
        producer.start()

        def next_chunk():
            item = full.get()
            if isinstance(item, BaseException):
                raise OSError(errno.EIO, f"PRNG generator failed: {item!r}")
            return item

        def release(slot):
            free.put(slot)
    else:
        buf = _aligned(block)
        if pattern.value:
            buf.write(bytes([pattern.value]) * block)
        producer = None
        halt = None
        offsets = iter(range(0, total, block))

        def next_chunk():
            off = next(offsets, None)
            if off is None:
                return None
            return (None, off, min(block, total - off))

        def release(slot):
            pass

    try:
        while True:
            if dev.stop.is_set():
                outcome = Outcome.INTERRUPTED
                break
            try:
                item = next_chunk()
            except OSError as exc:
                outcome, error, error_offset = Outcome.FAILED, _io_error(exc), written
                break
            if item is None:
                break
            slot, off, n = item
            view = memoryview(pool[slot] if slot is not None else buf)[:n]
            try:
                if skip_block is None or off // block != skip_block:
                    _pwrite_all(dev.fd, view, off)
            except OSError as exc:
                outcome, error, error_offset = Outcome.FAILED, _io_error(exc), off
                break
            finally:
                view.release()
                release(slot)
            written += n
            tick(written)
        if outcome == Outcome.SUCCESS:
            try:
                os.fsync(dev.fd)
            except OSError as exc:
                outcome, error = Outcome.FAILED, _io_error(exc)
        tick(written, force=True)
    except KeyboardInterrupt:
        outcome = Outcome.INTERRUPTED
    finally:
        if producer is not None:
            halt.set()
            free.put(None)
            producer.join(timeout=5)
    return PassResult(index, pattern.describe(), written, time.monotonic() - start,
                      outcome, error, error_offset)

