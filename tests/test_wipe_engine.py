"""The overwrite/verify engine on real loop devices: nothing planted survives.

Planted data sits at the first byte, across the 4 MiB write boundary, at unaligned
offsets, in the unaligned tail (sizes are not multiples of 4 MiB) and in the very last
sector. Each method must remove all of it and its verification must pass; a skipped
block, a Ctrl-C or a device that refuses writes must never give a success.
"""

import mmap
import os
import subprocess
import threading

import pytest

from reemploi.context import Context
from reemploi.wipe import engine, verify
from reemploi.wipe import run as wiperun
from reemploi.wipe.patterns import Keystream, byte_pattern, prng_pattern

MIB = 1 << 20
SIZE = 32 * MIB + 3 * 512          # unaligned tail: 3 sectors past the last 4 MiB block


def offsets(size, sector):
    return sorted({0, 12345, 4 * MIB - 7, 8 * MIB + 100, size // 2 + 1,
                   size - 4 * MIB - 1234, size - sector})


def plant(path, size, sector=512):
    marks = {}
    fd = os.open(path, os.O_RDWR)
    try:
        for off in offsets(size, sector):
            mark = b"DONOR-SECRET-" + os.urandom(8).hex().encode()
            mark = mark[:min(len(mark), size - off)]
            os.pwrite(fd, mark, off)
            marks[off] = mark
        os.fsync(fd)
    finally:
        os.close(fd)
    return marks


def fill_random(path, size):
    fd = os.open(path, os.O_RDWR)
    try:
        for pos in range(0, size, 4 * MIB):
            os.pwrite(fd, os.urandom(min(4 * MIB, size - pos)), pos)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_all(path, size):
    """Read the device with O_DIRECT (no stale page cache)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 4 * MIB)
    out = bytearray()
    try:
        pos = 0
        while pos < size:
            n = os.preadv(fd, [memoryview(buf)[:min(4 * MIB, size - pos)]], pos)
            out += buf[:n]
            pos += n
    finally:
        os.close(fd)
    return bytes(out)


def survivors(data, marks):
    return [off for off, mark in marks.items() if data[off:off + len(mark)] == mark
            or mark in data]


def ctx_for(tmp_path):
    return Context(home=tmp_path / "home", station="T", operator="op")


def wipe(tmp_path, path, **opts):
    ctx = ctx_for(tmp_path)
    options = wiperun.WipeOptions(**opts)
    [job] = wiperun.prepare(ctx, [path], options)
    return job, wiperun.execute(ctx, job, options)


@pytest.mark.parametrize("method", ["zero", "prng", "dod3", "hmgis5"])
def test_every_method_removes_every_planted_byte(tmp_path, loopdev, method):
    dev = loopdev(SIZE)
    marks = plant(dev.path, SIZE)
    assert len(survivors(read_all(dev.path, SIZE), marks)) == len(marks)
    job, rec = wipe(tmp_path, dev.path, method=method, verify="full")
    assert rec.result == "success", rec.errors
    assert rec.bytes_written == SIZE and rec.percent_erased == 100.0
    assert rec.verification["result"] == "passed"
    assert rec.verification["bytes_checked"] == SIZE
    assert len(rec.passes) == {"zero": 1, "prng": 1, "dod3": 3, "hmgis5": 3}[method]
    data = read_all(dev.path, SIZE)
    assert survivors(data, marks) == []
    if method == "zero":
        assert data.count(0) == SIZE
    else:
        assert data[-512:] != bytes(512)    # the last pass was the PRNG stream


def test_4k_sector_device_and_sampled_verification(tmp_path, loopdev):
    size = 40 * MIB + 4096 * 5
    dev = loopdev(size, sector=4096)
    marks = plant(dev.path, size, 4096)
    job, rec = wipe(tmp_path, dev.path, method="prng", verify="sample")
    assert rec.result == "success"
    v = rec.verification
    assert v["mode"] == "sample" and v["bytes_checked"] >= 0.10 * size
    assert survivors(read_all(dev.path, size), marks) == []


def test_prng_stream_is_reproducible_from_key_at_any_offset():
    p = prng_pattern()
    ks = Keystream(p, 4 * MIB)
    whole = bytearray(4 * MIB + 16)
    ks.fill(memoryview(whole), 0, 4 * MIB)
    assert ks.bytes_at(12345, 1000) == bytes(whole[12345:13345])
    assert ks.bytes_at(0, 16) != Keystream(prng_pattern(), 16).bytes_at(0, 16)


@pytest.mark.parametrize("mode", ["full", "sample"])
def test_verification_catches_a_skipped_block(tmp_path, loopdev, mode):
    dev = loopdev(SIZE)
    fill_random(dev.path, SIZE)        # a used disk: sampling only sees non-zero leftovers
    marks = plant(dev.path, SIZE)
    job, rec = wipe(tmp_path, dev.path, method="zero", verify=mode, skip_block=2)
    assert rec.result == "failed"
    v = rec.verification
    assert v["result"] == "failed" and v["mismatch_count"] > 0
    first = v["mismatches"][0]["offset"]
    assert 8 * MIB <= first < 12 * MIB          # block 2 = [8 MiB, 12 MiB)
    assert 8 * MIB + 100 in survivors(read_all(dev.path, SIZE), marks)
    assert rec.errors


def test_ctrl_c_in_a_progress_callback_gives_interrupted(tmp_path, loopdev):
    dev = loopdev(SIZE)
    ctx = ctx_for(tmp_path)
    options = wiperun.WipeOptions(method="prng", verify="full")
    [job] = wiperun.prepare(ctx, [dev.path], options)
    calls = []

    def progress(phase, done, total):
        calls.append(done)
        if done:                   # the first report comes after the first 4 MiB block
            raise KeyboardInterrupt

    rec = wiperun.execute(ctx, job, options, progress=progress)
    assert rec.result == "interrupted"
    assert rec.bytes_written < SIZE and rec.percent_erased < 100
    assert rec.verification["result"] == "not-done"


def test_stop_event_from_another_thread_interrupts_all_disks(tmp_path, loopdev):
    devs = [loopdev(SIZE) for _ in range(2)]
    ctx = ctx_for(tmp_path)
    options = wiperun.WipeOptions(method="zero", verify="full")
    jobs = wiperun.prepare(ctx, [d.path for d in devs], options)
    stop, reached = threading.Event(), threading.Event()

    def progress_for(job):
        def progress(phase, done, total):
            if done:
                reached.set()
                stop.wait(5)      # hold the writer until the operator "presses Ctrl-C"
        return progress

    setter = threading.Thread(target=lambda: (reached.wait(5), stop.set()))
    setter.start()
    recs = wiperun.run_all(ctx, jobs, options, stop=stop, progress_for=progress_for)
    setter.join()
    assert [r.result for r in recs] == ["interrupted", "interrupted"]


def test_device_refusing_writes_mid_pass_gives_failed_with_offset(tmp_path, loopdev):
    """The kernel refuses writes once the device turns read-only (as when a USB disk is
    pulled, writes start failing): the pass ends, failed, with the offset."""
    dev = loopdev(SIZE)
    ctx = ctx_for(tmp_path)
    options = wiperun.WipeOptions(method="zero", verify="full")
    [job] = wiperun.prepare(ctx, [dev.path], options)
    flipped = []

    def progress(phase, done, total):
        if done and not flipped:
            flipped.append(done)
            subprocess.run(["blockdev", "--setro", dev.path], check=True)

    try:
        rec = wiperun.execute(ctx, job, options, progress=progress)
    finally:
        subprocess.run(["blockdev", "--setrw", dev.path], check=False)
    assert rec.result == "failed"
    # Two writes are in flight (engine.WRITE_DEPTH): the one queued when the device
    # turned read-only may still land. The failure is at a block boundary, at most one
    # block past what the progress had shown, and the pass claims exactly what lies
    # before it.
    failed_at = rec.passes[0]["error_offset"]
    assert failed_at % engine.BLOCK == 0
    assert flipped[0] <= failed_at <= flipped[0] + engine.BLOCK
    assert rec.passes[0]["bytes_written"] == failed_at
    assert "EPERM" in rec.passes[0]["error"] or "EROFS" in rec.passes[0]["error"]


def test_sample_locations_follow_nist_rules():
    size, sector = 10**12 // 512 * 512, 512
    ranges = verify.sample_locations(size, sector, seed=42)
    assert ranges == verify.sample_locations(size, sector, seed=42)
    assert ranges[0][0] == 0 and ranges[0][1] >= MIB
    assert ranges[-1][0] + ranges[-1][1] == size
    assert all(o % sector == 0 and n % sector == 0 for o, n in ranges)
    covered = sum(n for _, n in ranges)
    assert covered >= 0.10 * size
    assert len(ranges) >= 2 * engine.SAMPLE_SUBSECTIONS    # two per subsection, non-overlapping
    assert all(a[0] + a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))


def test_firmware_style_verification_detects_unchanged_content(tmp_path, loopdev):
    dev = loopdev(16 * MIB)
    fd = os.open(dev.path, os.O_RDWR)
    os.pwrite(fd, os.urandom(16 * MIB), 0)
    os.fsync(fd)
    os.close(fd)
    fd = os.open(dev.path, os.O_RDWR | os.O_DIRECT)
    try:
        size, sector = engine.device_geometry(fd)
        d = engine.Device(fd, size, sector)
        ranges = verify.sample_locations(size, sector, 7)
        before = verify.read_fingerprints(d, ranges)
        same = verify.verify_changed(d, ranges, before, 7)
        assert same.outcome == "failed" and same.mismatch_count == same.locations > 0
        engine.overwrite(d, byte_pattern(0))      # stands in for the drive's erase
        changed = verify.verify_changed(d, ranges, before, 7)
        assert changed.ok and changed.locations == len(ranges)
    finally:
        os.close(fd)


def test_a_failing_generator_fails_the_pass_instead_of_hanging(tmp_path, monkeypatch):
    target = tmp_path / "file.img"
    target.write_bytes(b"\x01" * (12 * MIB))
    fd = os.open(target, os.O_RDWR)

    def broken(self, out, offset, length):
        if offset >= 4 * MIB:
            raise RuntimeError("AES engine gone")
        out[:length] = bytes(length)

    monkeypatch.setattr(engine.Keystream, "fill", broken)
    try:
        res = engine.overwrite(engine.Device(fd, 12 * MIB), prng_pattern())
    finally:
        os.close(fd)
    assert res.outcome == "failed" and "PRNG generator failed" in res.error
    assert res.bytes_written == 4 * MIB
