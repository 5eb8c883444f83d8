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

Verification (NIST SP 800-88 r1 §4.7.3 "Verification of Sanitization Results"): *full* reads every byte back;
*sample* reads the first and last MiB plus two pseudo-random, non-overlapping
locations in each of at least 1 000 equal subsections, sized so the sample covers at
least 10 % of the media. Buffers are compared as ``bytes`` (C ``memcmp``): comparing
memoryviews element by element is about ten times slower.

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
import random
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .patterns import Keystream, Pattern

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
    return f"{name}: {exc.strerror or exc}"


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


# --------------------------------------------------------------------------- verify

def sample_locations(size: int, sector: int, seed: int,
                     subsections: int = SAMPLE_SUBSECTIONS,
                     fraction: float = SAMPLE_FRACTION) -> list[tuple[int, int]]:
    """(offset, length) ranges to read for a NIST SP 800-88 r1 sampled verification.

    The first and last MiB, then two non-overlapping pseudo-random ranges inside each
    of ``subsections`` equal parts, each range ``fraction/2`` of its part (rounded up
    to whole sectors), so the sample covers at least ``fraction`` of the media.
    Overlapping ranges are merged. ``seed`` makes the choice reproducible.
    """
    rng = random.Random(seed)
    ranges: list[tuple[int, int]] = []
    edge = min(MIB, size)
    ranges.append((0, edge))
    last = max(0, (size - edge) // sector * sector)
    ranges.append((last, size - last))
    sub = size // subsections // sector * sector
    if sub >= 2 * sector:
        length = -(-int(sub * fraction / 2) // sector) * sector
        length = max(sector, min(length, sub // 2))
        half = sub // 2 // sector * sector
        for i in range(subsections):
            base = i * sub
            for h in (0, 1):   # one location in each half: they cannot overlap
                slots = (half - length) // sector
                off = base + h * half + (rng.randint(0, slots) * sector if slots > 0 else 0)
                ranges.append((off, length))
        tail = subsections * sub
        if tail < size:        # the remainder after the last subsection: read it all
            ranges.append((tail, size - tail))
    else:
        ranges = [(0, size)]
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for off, n in ranges:
        if merged and off <= merged[-1][0] + merged[-1][1]:
            o, m = merged[-1]
            merged[-1] = (o, max(o + m, off + n) - o)
        else:
            merged.append((off, n))
    return merged


def _expected(pattern: Pattern, stream: Keystream | None, const: bytearray, off: int,
              n: int, out: bytearray) -> bytearray:
    """What should be at [off, off+n): a bytearray, so that ``expected == view`` is
    one ``memcmp`` (bytearray compares through the buffer protocol, no copy)."""
    if pattern.kind == "prng":
        assert stream is not None
        buf = out if len(out) == n else bytearray(n)
        stream.fill(buf, off, n)
        return buf
    return const if len(const) == n else const[:n]


VERIFY_WORKERS = {"full": 2, "sample": 4}


def _chunks(ranges: list[tuple[int, int]], block: int):
    for roff, rlen in ranges:
        pos, end = roff, roff + rlen
        while pos < end:
            n = min(block, end - pos)
            yield pos, n
            pos += n


def verify(dev: Device, pattern: Pattern, mode: str = "full", *,
           progress: Progress | None = None, seed: int | None = None,
           block: int = BLOCK, workers: int | None = None) -> VerifyResult:
    """Read the device back and compare with what ``pattern`` wrote.

    Several reader threads pull the next chunk in disk order: while one waits in
    ``preadv`` (GIL released) another regenerates and compares, and a sampled check
    keeps several small reads in flight (SSD/NVMe queues; NCQ on hard disks).
    """
    if mode == "none":
        return VerifyResult("none", 0, 0.0, Outcome.SUCCESS)
    if seed is None:
        seed = int.from_bytes(os.urandom(8), "big")
    if mode == "full":
        ranges = [(0, dev.size)]
    else:
        ranges = sample_locations(dev.size, dev.sector, seed)
    total = sum(n for _, n in ranges)
    tick = _Ticker(progress, "verify", total)
    stream = Keystream(pattern, block) if pattern.kind == "prng" else None
    const = bytearray([pattern.value]) * block if pattern.kind != "prng" else bytearray()
    chunks = _chunks(ranges, block)
    lock = threading.Lock()
    state = {"done": 0, "count": 0, "outcome": Outcome.SUCCESS, "error": None}
    mismatches: list[Mismatch] = []
    start = time.monotonic()

    def stop_with(outcome: str, error: str | None = None) -> None:
        with lock:
            if state["outcome"] == Outcome.SUCCESS:
                state["outcome"], state["error"] = outcome, error

    def work() -> None:
        readbuf = _aligned(block + 4096)
        expbuf = bytearray(block) if stream else bytearray()
        while state["outcome"] == Outcome.SUCCESS:
            if dev.stop.is_set():
                stop_with(Outcome.INTERRUPTED)
                return
            with lock:
                item = next(chunks, None)
            if item is None:
                return
            pos, n = item
            view = memoryview(readbuf)[:n]
            try:
                got_n = _pread_into(dev.fd, view, pos)
                want = _expected(pattern, stream, const, pos, n, expbuf)
                found: list[Mismatch] = []
                bad = 0 if want == view else _locate(readbuf[:n], bytes(want), pos, found,
                                                      dev.sector)
            except OSError as exc:
                stop_with(Outcome.FAILED, f"{_io_error(exc)} at {pos}")
                return
            finally:
                view.release()
            with lock:
                state["done"] += n
                state["count"] += bad
                mismatches.extend(found[:MAX_REPORTED_MISMATCHES])
                done = state["done"]
            if got_n < n:
                stop_with(Outcome.FAILED, f"short read at {pos + got_n}")
                return
            try:
                with lock:
                    tick(done)
            except KeyboardInterrupt:
                stop_with(Outcome.INTERRUPTED)
                return

    n_workers = workers or VERIFY_WORKERS.get(mode, 1)
    threads = [threading.Thread(target=work, name=f"wipe-verify-{i}", daemon=True)
               for i in range(n_workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        tick(state["done"], force=True)
    except KeyboardInterrupt:
        stop_with(Outcome.INTERRUPTED)
    outcome, count = state["outcome"], state["count"]
    if outcome == Outcome.SUCCESS and count:
        outcome = Outcome.FAILED
    mismatches.sort(key=lambda m: m.offset)
    return VerifyResult(mode, state["done"], time.monotonic() - start, outcome,
                        tuple(mismatches[:MAX_REPORTED_MISMATCHES]), count,
                        len(ranges), seed if mode == "sample" else None, state["error"])


def _locate(got: bytes, want: bytes, base: int, out: list[Mismatch], sector: int) -> int:
    """Append the mismatching sector runs of one buffer; return how many sectors differ."""
    bad = 0
    run_start = None
    for s in range(0, len(got), sector):
        differs = got[s:s + sector] != want[s:s + sector]
        if differs:
            bad += 1
            if run_start is None:
                run_start = s
        elif run_start is not None:
            out.append(Mismatch(base + run_start, s - run_start))
            run_start = None
    if run_start is not None:
        out.append(Mismatch(base + run_start, len(got) - run_start))
    return bad


def read_fingerprints(dev: Device, ranges: list[tuple[int, int]]) -> list[bytes | None]:
    """SHA-256 of each range (None when the range holds one repeated byte value).

    Taken before a firmware erase and compared after it. Uniform ranges (never
    written, or already zeroed) carry nothing to erase and cannot show a change.
    """
    import hashlib
    out: list[bytes | None] = []
    buf = _aligned(BLOCK + 4096)
    for off, n in ranges:
        h = hashlib.sha256()
        first = None
        uniform = True
        pos = off
        while pos < off + n:
            m = min(BLOCK, off + n - pos)
            view = memoryview(buf)[:m]
            _pread_into(dev.fd, view, pos)
            view.release()
            chunk = buf[:m]
            if first is None:
                first = chunk[:1]
            if uniform and chunk != first * m:
                uniform = False
            h.update(chunk)
            pos += m
        out.append(None if uniform else h.digest())
    return out


def verify_changed(dev: Device, ranges: list[tuple[int, int]], before: list[bytes],
                   seed: int) -> VerifyResult:
    """After a firmware erase: every sampled range must read differently than before.

    A cryptographic or block erase leaves content we cannot predict (zeros, ones or
    ciphertext under a new key), so we check the other direction: nothing we sampled
    before the erase reads the same afterwards. Ranges that were uniform before
    (``None`` fingerprints) are not counted: ``locations`` is the number that were.
    """
    start = time.monotonic()
    try:
        after = read_fingerprints(dev, ranges)
    except OSError as exc:
        return VerifyResult("sample-changed", 0, time.monotonic() - start, Outcome.FAILED,
                            error=_io_error(exc))
    same = [Mismatch(o, n) for (o, n), a, b in zip(ranges, after, before)
            if b is not None and a == b]
    checked = sum(1 for b in before if b is not None)
    total = sum(n for _, n in ranges)
    outcome = Outcome.FAILED if same else Outcome.SUCCESS
    return VerifyResult("sample-changed", total, time.monotonic() - start, outcome,
                        tuple(same[:MAX_REPORTED_MISMATCHES]), len(same), checked, seed)
