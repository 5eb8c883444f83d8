#!/usr/bin/env python3
"""Wipe speed as a user sees it: whole ``reemploi wipe`` commands against dd and nwipe.

    sudo .venv/bin/python benchmarks/wipe.py [--size-mib 2048] [--backing /dev/shm]
                  [--direct] [--rounds 5] [--nwipe-rounds 1] [--only prng-verify]
                  [--upstream-nwipe PATH] [--upstream-prng NAME ...]

One loop device (default: 2 GiB backed by /dev/shm, i.e. RAM: the figures then
measure our CPU and memory cost, not a disk; ``--backing /var/tmp --direct`` puts it
on this machine's virtual disk). In every round, interleaved so a load spike hits all:

* ``reemploi wipe DEV --method prng|zero --verify none|full --yes --json`` as a
  process (guard, plan, exclusive open and re-check, the pass, the verification, the
  ``wipe.started``/``wipe.done`` records in a private inventory);
* the engine alone inside this Python (``engine.overwrite`` and ``verify.verify`` on
  an exclusively opened descriptor), reported apart; and the keystream alone (2 GiB
  of it into one RAM buffer: what the verification regenerates, without I/O);
* ``dd if=/dev/zero of=DEV bs=4M oflag=direct``; ``dd`` of pre-generated random data
  from tmpfs then ``dd iflag=direct`` read-back (what a dd-speed eraser with a full
  read-back costs);
* nwipe doing the same job as ``--method prng --verify full`` (one PRNG pass, no
  blanking pass, every byte read back; ``nwipe_ref.py`` says exactly what each run
  does): upstream nwipe built by ``benchmarks/build-nwipe.sh`` (every round, one run
  per ``--upstream-prng``: its default ``auto``, ``aes_ctr_prng`` where the kernel
  can, ``chacha20``, ``splitmix64``) and Debian's package (``--nwipe-rounds`` rounds:
  ~35 s per GiB).

``--only prng-verify`` keeps the runs of the "PRNG + full verify" goal and what splits
it into phases (command and engine PRNG + verify, engine PRNG and zero passes,
keystream alone, ``dd`` random write + read, the nwipes); ``--fixed-mib`` also runs
ours and each upstream nwipe on a tiny RAM loop every round, to split each whole run
into its fixed part and its work on the device.

After every timed run the device is read back and checked: zeros after a zero pass,
the exact keystream after an engine PRNG pass, the exact file after dd of random
data, and after a command's or nwipe's PRNG pass (whose key never leaves the process)
no 4 KiB run of zeros anywhere and a first MiB unlike the previous random run's. Each
run writes over a device that the previous run filled differently (random after
zeros, zeros after random), so a run that wrote nothing would fail its check; nwipe's
own log must also say the pass was verified.

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
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import nwipe_ref  # noqa: E402
from benchmarks.installed import user_env, user_install  # noqa: E402
from benchmarks.cmdtiming import (Loads, cli_env, lodetach, losetup, med,  # noqa: E402
                                  print_ratios, print_table, run, timed)
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


def keystream_only(pattern, size: int) -> None:
    """The keystream of the whole device into one RAM buffer, as the verification
    regenerates it (same ``Keystream``, same chunk), with no I/O: the PRNG's share."""
    stream = Keystream(pattern, CHUNK)
    buf = bytearray(CHUNK)
    for off in range(0, size, CHUNK):
        stream.fill(buf, off, min(CHUNK, size - off))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mib", type=int, default=2048)
    ap.add_argument("--backing", default="/dev/shm",
                    help="folder of the backing file (default /dev/shm: RAM)")
    ap.add_argument("--direct", action="store_true",
                    help="attach the loop with --direct-io=on (a disk-backed folder)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--installed", action="store_true",
                    help="time the command installed as a station installs it (pip "
                         "install ., installed.py) instead of this checkout run with "
                         "python -m through the development venv (editable finder)")
    ap.add_argument("--nwipe-rounds", type=int, default=1,
                    help="rounds that also run Debian's nwipe (about 35 s per GiB here)")
    ap.add_argument("--only", choices=("all", "prng-verify"), default="all",
                    help="prng-verify: only the runs of the PRNG + full verify goal")
    ap.add_argument("--fixed-mib", type=int, default=8,
                    help="also run the PRNG + verify command and each upstream nwipe on a "
                         "loop this small, every round: their fixed part (0: not)")
    ap.add_argument("--upstream-nwipe", metavar="PATH",
                    help="upstream nwipe binary (default: $REEMPLOI_NWIPE, else the "
                         "newest build of benchmarks/build-nwipe.sh)")
    ap.add_argument("--upstream-prng", action="append", metavar="NAME",
                    help="its --prng for one run per round, repeatable (default: "
                         + ", ".join(nwipe_ref.UPSTREAM_PRNGS) + "; none: no upstream run)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (loop devices)", file=sys.stderr)
        return 4
    size = args.size_mib << 20
    everything = args.only == "all"
    nwipes: list[nwipe_ref.NwipeRun] = []
    notes: list[str] = []
    prngs = args.upstream_prng or list(nwipe_ref.UPSTREAM_PRNGS)
    upstream = nwipe_ref.upstream_binary(args.upstream_nwipe)
    if upstream and prngs != ["none"]:
        version = nwipe_ref.version_of(run, upstream)
        nwipes, notes = nwipe_ref.upstream_runs(upstream, version, prngs)
        notes.insert(0, f"upstream nwipe {version}: {upstream} (built from "
                        f"{nwipe_ref.build_source(upstream)})")
    elif not upstream:
        notes.append("upstream nwipe: not built (benchmarks/build-nwipe.sh, "
                     "docs/benchmarks.md)")
    debian = None
    if nwipe_ref.DEBIAN.exists() and args.nwipe_rounds > 0:
        debian = nwipe_ref.debian_run(nwipe_ref.version_of(run, nwipe_ref.DEBIAN))
        notes.append(f"{debian.label}: {nwipe_ref.DEBIAN} (Debian's package 0.34-1+b1, "
                     f"apt-cache policy nwipe), {args.nwipe_rounds} round(s)")
    workdir = Path(tempfile.mkdtemp(prefix="reemploi-bench-", dir=args.backing))
    backing = workdir / "disk.img"
    with open(backing, "wb") as fh:
        fh.truncate(size)
    dev = losetup(backing, args.direct)
    # The fixed part (start-up, device scan, bookkeeping, nwipe's one-second polls) is
    # the same job on a device too small for the work to count, always RAM-backed.
    tiny, tiny_file = None, Path("/dev/shm") / f"reemploi-bench-{os.getpid()}.tiny"
    if args.fixed_mib > 0:
        with open(tiny_file, "wb") as fh:
            fh.truncate(args.fixed_mib << 20)
        tiny = losetup(tiny_file)
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

        if args.installed:
            venv = user_install(Path(__file__).resolve().parent.parent)
            program, cmd_env = [str(venv / "bin" / "reemploi")], user_env(env)
        else:
            program, cmd_env = [sys.executable, "-m", "reemploi"], env
        print(f"command: {' '.join(program)}"
              f"{' (pip install ., station-style)' if args.installed else ''}", flush=True)

        def ours(method: str, verify: str, target: str = dev):
            r = run([*program, "wipe", target, "--method", method,
                     "--verify", verify, "--yes", "--json"], env=cmd_env)
            command_ok(r.stdout, verify, f"reemploi wipe {method}/{verify}")
            return r

        run(dd_zero)
        ours("zero", "none")                 # warm-up: byte-code cache, inventory
        fresh = Fresh()
        t: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        used: dict[str, set[str]] = {}       # the generator each nwipe run used
        loads = Loads()

        def put(name, wall, c=None):
            t.setdefault(name, []).append(wall)
            if c is not None:
                cpu.setdefault(name, []).append(c)

        def nwipe(job: nwipe_ref.NwipeRun) -> None:
            run(dd_zero)                     # zeros under it: a pass that wrote nothing fails
            r = run([*job.argv, dev])
            used.setdefault(job.label, set()).add(nwipe_ref.check_log(r.stdout, job.label))
            fresh(dev, size, job.label)
            put(job.label, r.wall, r.cpu)

        for rnd in range(args.rounds):
            loads.sample()
            if everything:
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
            w, c = timed_cpu(keystream_only, prng_pattern(), size)
            put("keystream alone (RAM)", w, c)
            if everything:
                r = ours("zero", "none")
                check_zeros(dev, size, "zero command")
                put("cmd zero", r.wall, r.cpu)
            r = run(dd_rand)
            check_file(dev, size, rand_sha, "dd random")
            r2 = run(dd_read)
            put("dd random + read", r.wall + r2.wall, r.cpu + r2.cpu)
            put("dd direct read", r2.wall, r2.cpu)
            w, c = timed_cpu(engine_pass, dev, byte_pattern(0), "none")
            check_zeros(dev, size, "engine zero")
            put("engine zero", w, c)         # also the write floor of the phases below
            r = ours("prng", "full")
            fresh(dev, size, "prng + verify command")
            put("cmd prng + verify", r.wall, r.cpu)
            if everything:
                r = ours("zero", "full")
                check_zeros(dev, size, "zero + verify command")
                put("cmd zero + verify", r.wall, r.cpu)
            pat = prng_pattern()
            w, c = timed_cpu(engine_pass, dev, pat, "full")
            check_keystream(dev, size, pat, "engine prng + verify")
            put("engine prng + verify", w, c)
            # The same pass and read-back with no keystream at all: our engine's I/O
            # floor, what the PRNG + verify would take if its stream cost nothing.
            w, c = timed_cpu(engine_pass, dev, byte_pattern(0), "full")
            check_zeros(dev, size, "engine zero + verify")
            put("engine zero + verify", w, c)
            if everything:
                r = run(dd_zero)
                r2 = run(dd_read)
                check_zeros(dev, size, "dd zero + read")
                put("dd zero + read", r.wall + r2.wall, r.cpu + r2.cpu)
            for job in nwipes:
                nwipe(job)
            if tiny:
                small = f", {args.fixed_mib} MiB"
                r = ours("prng", "full", tiny)
                put("cmd prng + verify" + small, r.wall, r.cpu)
                for job in nwipes:
                    r = run([*job.argv, tiny])
                    nwipe_ref.check_log(r.stdout, job.label + small)
                    put(job.label + small, r.wall, r.cpu)
            if debian and rnd < args.nwipe_rounds:
                nwipe(debian)
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in t.items()),
                  flush=True)

        mb = size / 1e6
        print(f"\n{args.rounds} rounds, {loads}")
        for note in notes:
            print(note)
        for label, names in used.items():
            print(f"{label}: generator {', '.join(sorted(names))} (from its log)")
        print_table(t, cpu, width=max(24, *(len(k) for k in t)), rate_head="MB/s",
                    rate=lambda wall: mb / wall, missing="—", cpu_head="CPU s (median)",
                    no_rate=lambda name: name.endswith(f", {args.fixed_mib} MiB"))
        print()
        goal = "cmd prng + verify"
        print_ratios("ratios of interleaved runs, median (min–max) of the rounds:", t, [
            ("zero command, speed vs dd zero (goal >= 0.9)", "dd zero", "cmd zero"),
            ("engine zero, speed vs dd zero", "dd zero", "engine zero"),
            ("prng command vs zero command, speed (goal >= 0.95)", "cmd zero", "cmd prng"),
            ("engine prng vs engine zero, speed (goal >= 0.95)", "engine zero", "engine prng"),
            *[(f"prng + full verify command vs {job.label}, time (goal <= 0.4)", goal,
               job.label) for job in [*nwipes, *([debian] if debian else [])]],
            *[(f"engine prng + verify vs {job.label}, time", "engine prng + verify",
               job.label) for job in nwipes],
            ("prng + full verify command vs dd random write + read", goal,
             "dd random + read"),
            ("engine prng + verify vs dd random write + read", "engine prng + verify",
             "dd random + read"),
            ("zero + full verify command vs dd zero write + read", "cmd zero + verify",
             "dd zero + read")])
        print_phases(t, [goal, *(job.label for job in nwipes)],
                     f", {args.fixed_mib} MiB" if tiny else None)
    finally:
        rand.unlink(missing_ok=True)
        lodetach(dev)
        if tiny:
            lodetach(tiny)
        tiny_file.unlink(missing_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def print_phases(t: dict[str, list[float]], jobs: list[str], small: str | None) -> None:
    """Where the PRNG + full verify command's time goes, from the medians of runs of
    the same rounds: the command's fixed part (start-up, guard, plan, records) is the
    command less the engine; the verification is the engine's PRNG + verify less its
    PRNG pass; the keystream alone is what the pass and the verification each
    generate, the engine's zero pass the floor of the write and ``dd`` direct read
    that of the read-back. Then, for ours and
    each nwipe, the whole run split into its run on the tiny loop (fixed part) and
    the rest (the work on the device), and the work's ratio to nwipe's."""
    need = ("cmd prng + verify", "engine prng + verify", "engine prng")
    if not all(k in t for k in need):
        return
    m = {k: statistics.median(v) for k, v in t.items()}
    print("\nphases of the prng + full verify command (medians, s):")
    print(f"  whole command {m['cmd prng + verify']:.2f} = fixed part "
          f"{m['cmd prng + verify'] - m['engine prng + verify']:.2f} + PRNG pass "
          f"{m['engine prng']:.2f} + read-back and compare "
          f"{m['engine prng + verify'] - m['engine prng']:.2f}")
    for k in ("engine zero", "engine zero + verify", "keystream alone (RAM)",
              "dd direct read"):
        if k in t:
            print(f"  {k}: {med(t[k])}")
    if small is None:
        return
    work = {}
    print("whole run = the same run on the tiny loop + the rest (medians, s):")
    for k in jobs:
        if k in t and k + small in t:
            work[k] = m[k] - m[k + small]
            print(f"  {k}: {m[k]:.2f} = {m[k + small]:.2f} + {work[k]:.2f}")
    for k in jobs[1:]:
        if k in work and jobs[0] in work and work[k] > 0:
            print(f"  work part, ours vs {k}: {work[jobs[0]] / work[k]:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
