"""The overwrite/verify engine: large aligned direct writes, a generator thread, read-back.

Why this shape (measured on this project's test box, see benchmarks/wipe.py):

* ``O_DIRECT`` with 4 MiB buffers matches ``dd bs=4M oflag=direct``; buffered writes
  plus ``fsync`` reach half that speed, and nwipe 0.3x's 4 KiB page-cache writes less.
  ``O_DIRECT`` needs buffers aligned to the logical block size: anonymous ``mmap``
  memory is page-aligned, which satisfies every block size up to 4 KiB.
* Two writes are in flight (``WRITE_DEPTH`` writer threads taking the blocks in disk
  order): with one synchronous ``pwrite`` at a time the device idles between a
  completion and the next submission, the time our thread takes to wake up, which a
  loaded CPU stretches (2 GiB RAM-backed loop, load 4-7, 15 interleaved rounds:
  1.22 s with one writer, 0.96 s with two; a loop device's worker copies one request
  while the next waits in its queue, as an NVMe drive's queue does).
* The PRNG pass fills the next buffers in a generator thread while the writers are
  blocked in ``pwrite`` (which releases the GIL), so the disk never waits for us.
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


WRITE_DEPTH = 2                      # writes in flight (see the module docstring)


class _Broken(Exception):
    """A thread of the pass died (the keystream's, a writer's): recorded as it is,
    not as a device's errno."""


class _ConstBlocks:
    """Blocks of one constant byte: every write comes from the same buffer."""

    def __init__(self, value: int, block: int, total: int) -> None:
        self.buf = _aligned(block)
        if value:
            self.buf.write(bytes([value]) * block)
        self.offsets = iter(range(0, total, block))
        self.block, self.total = block, total

    def take(self):
        off = next(self.offsets, None)
        return None if off is None else (None, off, min(self.block, self.total - off))

    def view(self, slot, n: int) -> memoryview:
        return memoryview(self.buf)[:n]

    def give_back(self, slot) -> None:
        pass

    def close(self) -> None:
        pass


class _KeystreamBlocks:
    """Keystream blocks made ahead by a generator thread into a ring of buffers.

    ``slots`` buffers: ``depth`` being written, the rest being filled, so a writer
    that comes back from ``pwrite`` finds its next block ready."""

    def __init__(self, pattern: Pattern, block: int, total: int, slots: int) -> None:
        # One AES-CTR thread (~8 GB/s on this VM's EPYC) outruns what a device takes
        # (a RAM-backed loop ~5 GB/s, NVMe Gen4 ~7): more pieces in parallel only took
        # a CPU from the writes (2 GiB loop, load 8, 8 rounds: 1.65 s and 0.52 s of CPU
        # with one, 1.81 s and 0.71 s with two).
        self.stream = Keystream(pattern, block, workers=1)
        self.pool = [_aligned(block + 4096) for _ in range(slots)]
        self.free: queue.SimpleQueue = queue.SimpleQueue()
        self.full: queue.SimpleQueue = queue.SimpleQueue()
        for i in range(slots):
            self.free.put(i)
        self.halt = threading.Event()
        self.block, self.total = block, total
        self.thread = threading.Thread(target=self._produce, name="wipe-prng", daemon=True)
        self.thread.start()

    def _produce(self) -> None:
        try:
            for off in range(0, self.total, self.block):
                slot = self.free.get()
                if slot is None or self.halt.is_set():
                    return
                n = min(self.block, self.total - off)
                self.stream.fill(memoryview(self.pool[slot]), off, n)
                self.full.put((slot, off, n))
            self.full.put(None)
        except BaseException as exc:   # never leave a writer waiting forever
            self.full.put(exc)

    def take(self):
        item = self.full.get()
        if isinstance(item, BaseException):
            self.full.put(item)        # the other writers see it too
            raise _Broken(f"PRNG generator failed: {item!r}")
        if item is None:
            self.full.put(None)        # the end, for every writer
        return item

    def view(self, slot, n: int) -> memoryview:
        return memoryview(self.pool[slot])[:n]

    def give_back(self, slot) -> None:
        self.free.put(slot)

    def close(self) -> None:
        self.halt.set()
        self.free.put(None)
        self.thread.join(timeout=5)


def overwrite(dev: Device, pattern: Pattern, *, index: int = 1,
              progress: Progress | None = None, skip_block: int | None = None,
              block: int = BLOCK, depth: int = WRITE_DEPTH) -> PassResult:
    """Write ``pattern`` over the whole device once.

    ``depth`` writer threads take the blocks in disk order and write them, so the
    device always has a write queued when one completes. ``bytes_written`` counts
    the blocks written from the start without a gap (what the record may claim as
    erased); a failure's offset is that of the block that failed."""
    total = dev.size
    tick = _Ticker(progress, f"pass {index}", total)
    start = time.monotonic()
    if pattern.kind == "prng":
        source = _KeystreamBlocks(pattern, block, total, slots=depth + 2)
    else:
        source = _ConstBlocks(pattern.value, block, total)
    take_lock = threading.Lock()
    halt = threading.Event()           # a writer failed, or the main thread stops them
    done: queue.SimpleQueue = queue.SimpleQueue()

    # A block is taken only when fewer than ``depth`` are written but not yet counted
    # by the main loop: progress (and a callback that stops or checks the pass) stays
    # at most ``depth`` blocks behind the writes, as it was one behind with one writer.
    permits = threading.Semaphore(max(1, depth))

    def write() -> None:
        try:
            while not (dev.stop.is_set() or halt.is_set()):
                permits.acquire()
                if dev.stop.is_set() or halt.is_set():
                    return
                with take_lock:        # blocks leave in disk order
                    try:
                        item = source.take()
                    except _Broken as exc:
                        done.put(("failed", None, exc))
                        return
                if item is None:
                    return
                slot, off, n = item
                if dev.stop.is_set() or halt.is_set():
                    source.give_back(slot)
                    return
                view = source.view(slot, n)
                try:
                    if skip_block is None or off // block != skip_block:
                        _pwrite_all(dev.fd, view, off)
                except OSError as exc:
                    done.put(("failed", off, exc))
                    return
                finally:
                    view.release()
                    source.give_back(slot)
                done.put(("written", off, n))
        except BaseException as exc:   # a writer never dies silently
            done.put(("failed", None, _Broken(f"writer failed: {exc!r}")))
        finally:
            done.put(None)

    writers = [threading.Thread(target=write, name=f"wipe-write-{i}", daemon=True)
               for i in range(max(1, depth))]
    written = 0
    finished: dict[int, int] = {}      # offset -> length, written past a gap
    failure: tuple[int | None, OSError] | None = None
    interrupted = False
    running = len(writers)
    try:
        for t in writers:
            t.start()
        while running:
            try:
                item = done.get()
                if item is None:
                    running -= 1
                    continue
                what, off, value = item
                if what == "failed":
                    halt.set()
                    permits.release(len(writers))     # wake the waiting writers
                    # The lowest failing offset: two writes were in flight.
                    if failure is None or (off is not None and (failure[0] is None
                                                                or off < failure[0])):
                        failure = (off, value)
                    continue
                finished[off] = value
                before = written
                while written in finished:
                    written += finished.pop(written)
                try:
                    if written > before:   # a block done past a gap says nothing yet
                        tick(written)
                finally:
                    permits.release()
            except KeyboardInterrupt:
                interrupted = True
                halt.set()
                permits.release(len(writers))
    finally:
        halt.set()
        permits.release(len(writers))
        source.close()
        for t in writers:
            t.join(timeout=5)
    error = error_offset = None
    if failure is not None:
        outcome = Outcome.FAILED
        error_offset = failure[0] if failure[0] is not None else written
        cause = failure[1]
        error = str(cause) if isinstance(cause, _Broken) else _io_error(cause)
    elif interrupted or written < total:
        outcome = Outcome.INTERRUPTED
    else:
        outcome = Outcome.SUCCESS
        try:
            os.fsync(dev.fd)
        except OSError as exc:
            outcome, error = Outcome.FAILED, _io_error(exc)
    try:
        tick(written, force=True)
    except KeyboardInterrupt:
        if outcome == Outcome.SUCCESS:
            outcome = Outcome.INTERRUPTED
    return PassResult(index, pattern.describe(), written, time.monotonic() - start,
                      outcome, error, error_offset)
