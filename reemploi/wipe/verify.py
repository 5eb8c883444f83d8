"""Read-back verification (NIST SP 800-88 r1 §4.7.3 "Verification of Sanitization Results").

*full* reads every byte back; *sample* reads the first and last MiB plus two
pseudo-random, non-overlapping locations in each of at least 1 000 equal subsections,
sized so the sample covers at least 10 % of the media. Expected data is regenerated
(constant byte or the AES-CTR stream at that offset) and compared with one ``memcmp``
per chunk. After a firmware erase, whose result cannot be predicted, ``verify_changed``
checks the other way round: what was sampled before must read differently after.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time

from .engine import (BLOCK, MAX_REPORTED_MISMATCHES, MIB, SAMPLE_FRACTION,
                     SAMPLE_SUBSECTIONS, Device, Mismatch, Outcome, Progress, VerifyResult,
                     _aligned, _io_error, _pread_into, _Ticker)
from .patterns import Keystream, Pattern

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
            except Exception as exc:   # a dead reader must not leave "passed" behind
                stop_with(Outcome.FAILED, f"verification error at {pos}: {exc!r}")
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
    if outcome == Outcome.SUCCESS and state["done"] < total:
        # Belt and braces: whatever stopped a reader, a check that did not read every
        # byte it planned to is not a pass.
        outcome = Outcome.FAILED
        state["error"] = state["error"] or f"only {state['done']} of {total} bytes read back"
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

    When every sampled range was uniform before (a blank, new or already zeroed drive)
    there was nothing to compare: the check proved nothing, and saying "passed" would
    certify an erase nobody observed. The outcome is then *inconclusive* (not a
    failure: the drive reported its erase done; not a pass either).
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
    compared = sum(n for (_, n), b in zip(ranges, before) if b is not None)
    total = sum(n for _, n in ranges)
    outcome = (Outcome.FAILED if same else
               Outcome.SUCCESS if checked else Outcome.INCONCLUSIVE)
    return VerifyResult("sample-changed", total, time.monotonic() - start, outcome,
                        tuple(same[:MAX_REPORTED_MISMATCHES]), len(same), checked, seed,
                        compared_bytes=compared)
