#!/usr/bin/env python3
"""Wipe speed as a user sees it: whole ``reemploi wipe`` commands against dd and nwipe.

    sudo .venv/bin/python benchmarks/wipe.py [--size-mib 2048] [--backing /dev/shm]
                                             [--rounds 5] [--nwipe-rounds 5]

One loop device (default: 2 GiB backed by /dev/shm, i.e. RAM: the figures then
measure our CPU and memory cost, not a disk; ``--backing /var/tmp --direct`` puts it
on this machine's virtual disk). In every round, interleaved so a load spike hits all:

* ``reemploi wipe DEV --method prng|zero --verify none|full --yes --json`` as a
  process (guard, plan, exclusive open and re-check, the pass, the verification, the
  ``wipe.started``/``wipe.done`` records in a private inventory);
* the engine alone inside this Python (``engine.overwrite`` and ``verify.verify`` on
  an exclusively opened descriptor), reported apart;
* ``dd if=/dev/zero of=DEV bs=4M oflag=direct``; ``dd`` of pre-generated random data
  from tmpfs then ``dd iflag=direct`` read-back (what a dd-speed eraser with a full
  read-back costs);
* ``nwipe --autonuke --nogui --method=random --verify=last --noblank`` (Debian's
  package; upstream releases, which write about as fast as dd, are not packaged).

After every timed run the device is read back and checked: zeros after a zero pass,
the exact keystream after an engine PRNG pass, the exact file after dd of random
data, and after a command's PRNG pass (whose key never leaves the process) no 4 KiB
run of zeros anywhere and a first MiB unlike the previous random run's. Each run
writes over a device that the previous run filled differently (random after zeros,
zeros after random), so a run that wrote nothing would fail its check.

Figures: median (min–max) of the rounds, wall and CPU for commands, and the ratio of
each round's interleaved pair. Issue 16's goals: zero command >= 0.9 x dd's speed;
PRNG pass >= 0.95 x our zero pass; PRNG + full verify <= 0.4 x nwipe's time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mmap
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.cmdtiming import (Loads, cli_env, lodetach, losetup, print_ratios,  # noqa: E402
                                  print_table, run, timed)
from reemploi.wipe import engine  # noqa: E402
from reemploi.wipe.verify import verify as verify_pass  # noqa: E402
from reemploi.wipe.patterns import Keystream, byte_pattern, prng_pattern  # noqa: E402

CHUNK = 4 << 20
ZERO_RUN = bytes(4096)


def read_chunks(dev: str, size: int):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, CHUNK)
    try:
        for off in range(0, size, CHUNK):
            n = min(CHUNK, size - off)
            view = memoryview(buf)[:n]
            got = os.preadv(fd, [view], off)
            view.release()
            if got != n:
                raise SystemExit(f"short read at {off}")
            yield off, buf[:n]
    finally:
        os.close(fd)
        buf.close()


def check_zeros(dev: str, size: int, what: str) -> None:
    zero = bytes(CHUNK)
    for off, data in read_chunks(dev, size):
        if data != zero[:len(data)]:
            raise SystemExit(f"{what}: not zeros at {off}")


def check_keystream(dev: str, size: int, pattern, what: str) -> None:
    stream = Keystream(pattern, CHUNK)
    want = bytearray(CHUNK)
    for off, data in read_chunks(dev, size):
        stream.fill(want, off, len(data))
        if data != want[:len(data)]:
            raise SystemExit(f"{what}: not the keystream at {off}")


def check_file(dev: str, size: int, sha: str, what: str) -> None:
    h = hashlib.sha256()
    for _, data in read_chunks(dev, size):
        h.update(data)
    if h.hexdigest() != sha:
        raise SystemExit(f"{what}: the device does not hold the random file")


class Fresh:
    """Random data of unknown key: no 4 KiB zero run anywhere, and new (the first MiB
    differs from the last random run's)."""

    def __init__(self) -> None:
        self.last = None

    def __call__(self, dev: str, size: int, what: str) -> None:
        first = None
        for off, data in read_chunks(dev, size):
            if first is None:
                first = hashlib.sha256(data[:1 << 20]).digest()
            if ZERO_RUN in data:
                raise SystemExit(f"{what}: a run of zeros at {off}+")
        if first == self.last:
            raise SystemExit(f"{what}: the same data as the previous random run")
        self.last = first


def command_ok(out: str, verify: str, what: str) -> None:
    doc = json.loads(out)
    [rec] = doc["records"]
    if rec["result"] != "success":
        raise SystemExit(f"{what}: {rec['result']} {rec['errors']}")
    want = "passed" if verify != "none" else "not-done"
    if rec["verification"]["result"] != want:
        raise SystemExit(f"{what}: verification {rec['verification']}")


def timed_cpu(fn, *args) -> tuple[float, float]:
    """Wall and CPU time (this process: the engine's threads, nothing else runs) of
    one engine run. The loop driver's copy is kernel work outside the process."""
    cpu = time.process_time()
    wall, _ = timed(fn, *args)
    return wall, time.process_time() - cpu


def engine_pass(dev: str, pattern, verify: str) -> None:
    fd = os.open(dev, os.O_RDWR | os.O_DIRECT | os.O_EXCL)
    try:
        size, sector = engine.device_geometry(fd)
        d = engine.Device(fd, size, sector, dev)
        res = engine.overwrite(d, pattern)
        if res.outcome != engine.Outcome.SUCCESS:
            raise SystemExit(f"engine pass: {res}")
        if verify != "none":
            v = verify_pass(d, pattern, verify)
            if not v.ok:
                raise SystemExit(f"engine verify: {v}")
    finally:
        os.close(fd)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mib", type=int, default=2048)
    ap.add_argument("--backing", default="/dev/shm",
                    help="folder of the backing file (default /dev/shm: RAM)")
    ap.add_argument("--direct", action="store_true",
                    help="attach the loop with --direct-io=on (a disk-backed folder)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--nwipe-rounds", type=int, default=5,
                    help="rounds that also run nwipe (about 30 s per GiB here)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (loop devices)", file=sys.stderr)
        return 4
    size = args.size_mib << 20
    workdir = Path(tempfile.mkdtemp(prefix="reemploi-bench-", dir=args.backing))
    backing = workdir / "disk.img"
    with open(backing, "wb") as fh:
        fh.truncate(size)
    dev = losetup(backing, args.direct)
    scratch = Path(tempfile.mkdtemp(prefix="reemploi-bench-"))
    env = cli_env(scratch / "home", scratch / "pycache")
    rand = Path("/dev/shm") / f"reemploi-bench-{os.getpid()}.rand"
    try:
        print(f"device {dev}: {args.size_mib} MiB, backing {backing} "
              f"({'direct I/O' if args.direct else 'buffered'})", flush=True)
        count = f"count={size // CHUNK}"
        dd_zero = ["dd", "if=/dev/zero", f"of={dev}", "bs=4M", count, "oflag=direct",
                   "status=none"]
        dd_rand = ["dd", f"if={rand}", f"of={dev}", "bs=4M", count, "oflag=direct",
                   "status=none"]
        dd_read = ["dd", f"if={dev}", "of=/dev/null", "bs=4M", "iflag=direct", "status=none"]
        h = hashlib.sha256()
        with open(rand, "wb") as fh:
            for _ in range(size // CHUNK):
                block = os.urandom(CHUNK)
                h.update(block)
                fh.write(block)
        rand_sha = h.hexdigest()

        def ours(method: str, verify: str):
            r = run([sys.executable, "-m", "reemploi", "wipe", dev, "--method", method,
                     "--verify", verify, "--yes", "--json"], env=env)
            command_ok(r.stdout, verify, f"reemploi wipe {method}/{verify}")
            return r

        run(dd_zero)
        ours("zero", "none")                 # warm-up: byte-code cache, inventory
        fresh = Fresh()
        t: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        loads = Loads()

        def put(name, wall, c=None):
            t.setdefault(name, []).append(wall)
            if c is not None:
                cpu.setdefault(name, []).append(c)

        nwipe = shutil.which("nwipe")
        for rnd in range(args.rounds):
            loads.sample()
            r = ours("prng", "none")
            fresh(dev, size, "prng command")
            put("cmd prng", r.wall, r.cpu)
            r = run(dd_zero)
            check_zeros(dev, size, "dd zero")
            put("dd zero", r.wall, r.cpu)
            pat = prng_pattern()
            w, c = timed_cpu(engine_pass, dev, pat, "none")
            check_keystream(dev, size, pat, "engine prng")
            put("engine prng", w, c)
            r = ours("zero", "none")
            check_zeros(dev, size, "zero command")
            put("cmd zero", r.wall, r.cpu)
            r = run(dd_rand)
            check_file(dev, size, rand_sha, "dd random")
            r2 = run(dd_read)
            put("dd random + read", r.wall + r2.wall, r.cpu + r2.cpu)
            w, c = timed_cpu(engine_pass, dev, byte_pattern(0), "none")
            check_zeros(dev, size, "engine zero")
            put("engine zero", w, c)
            r = ours("prng", "full")
            fresh(dev, size, "prng + verify command")
            put("cmd prng + verify", r.wall, r.cpu)
            r = ours("zero", "full")
            check_zeros(dev, size, "zero + verify command")
            put("cmd zero + verify", r.wall, r.cpu)
            pat = prng_pattern()
            w, c = timed_cpu(engine_pass, dev, pat, "full")
            check_keystream(dev, size, pat, "engine prng + verify")
            put("engine prng + verify", w, c)
            r = run(dd_zero)
            r2 = run(dd_read)
            check_zeros(dev, size, "dd zero + read")
            put("dd zero + read", r.wall + r2.wall, r.cpu + r2.cpu)
            if nwipe and rnd < args.nwipe_rounds:
                r = run(["nwipe", "--autonuke", "--nogui", "--nowait", "--method=random",
                         "--verify=last", "--noblank", dev])
                fresh(dev, size, "nwipe")
                put("nwipe random + verify", r.wall, r.cpu)
                run(dd_zero)
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in t.items()),
                  flush=True)

        mb = size / 1e6
        print(f"\n{args.rounds} rounds, {loads}")
        if nwipe:
            print(f"nwipe: {run(['nwipe', '--version']).stdout.strip()} (Debian's package; "
                  "see apt-cache policy nwipe); upstream nwipe 0.42 is not installed")
        print_table(t, cpu, width=24, rate_head="MB/s", rate=lambda wall: mb / wall,
                    missing="—", cpu_head="CPU s (median)")
        print()
        print_ratios("ratios of interleaved runs, median (min–max) of the rounds:", t, [
            ("zero command, speed vs dd zero (goal >= 0.9)", "dd zero", "cmd zero"),
            ("engine zero, speed vs dd zero", "dd zero", "engine zero"),
            ("prng command vs zero command, speed (goal >= 0.95)", "cmd zero", "cmd prng"),
            ("engine prng vs engine zero, speed (goal >= 0.95)", "engine zero", "engine prng"),
            ("prng + full verify command vs nwipe, time (goal <= 0.4)", "cmd prng + verify",
             "nwipe random + verify"),
            ("prng + full verify command vs dd random write + read", "cmd prng + verify",
             "dd random + read"),
            ("engine prng + verify vs dd random write + read", "engine prng + verify",
             "dd random + read"),
            ("zero + full verify command vs dd zero write + read", "cmd zero + verify",
             "dd zero + read")])
    finally:
        rand.unlink(missing_ok=True)
        lodetach(dev)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
