#!/usr/bin/env python3
"""Wipe throughput against reference tools, on the same loop device, in one run.

    sudo .venv/bin/python benchmarks/wipe.py [--size-mib 1024] [--backing DIR] [--buffered]

Backing store: a sparse file in ``--backing`` (default /var/tmp, on the same disk as
/work: this machine's virtual disk /dev/vda), attached with ``losetup --direct-io=on`` so the loop
driver passes our O_DIRECT writes straight to that disk instead of the page cache of
the backing file. With ``--backing /dev/shm`` the store is RAM (tmpfs, which has no
direct I/O: the loop then falls back to buffered I/O) and the figures measure CPU and
memory bandwidth rather than a disk.

Figures (goals from issue 4):
  1. our zero pass vs ``dd if=/dev/zero of=DEV bs=4M oflag=direct``     goal >= 0.97
  2. our PRNG pass vs our zero pass                                     goal >= 0.95
  3. our PRNG pass + full verification vs
     ``nwipe --autonuke --nogui --method=random --verify=last --noblank``  goal <= 0.5 (time)
  4. the default since issue 11, a zero pass + full read-back (with the re-check of the
     device after the confirmation), vs ``dd`` zero write + ``dd`` direct read of the
     same device                                                       (time, lower is better)
Ratios 1 and 2 are throughput ratios (higher is better), 3 and 4 are time ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reemploi.context import Context  # noqa: E402
from reemploi.wipe import run as wiperun  # noqa: E402
from reemploi.wipe.recheck import open_jobs  # noqa: E402

ROUNDS = 3


def timed(argv: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def ours(dev: str, home: Path, method: str, verify: str) -> tuple[float, dict]:
    """One wipe as the command runs it after "yes": exclusive open and re-check of the
    device (wipe/recheck.py), the passes, the verification (no journal writes)."""
    ctx = Context(home=home, station="bench", operator="bench")
    options = wiperun.WipeOptions(method=method, verify=verify)
    jobs = wiperun.prepare(ctx, [dev], options)
    start = time.monotonic()
    [job] = open_jobs(ctx, jobs, None)
    try:
        rec = wiperun.execute(ctx, job, options)
    finally:
        os.close(job.fd)
    seconds = time.monotonic() - start
    if rec.result != "success":
        raise SystemExit(f"our {method} wipe did not succeed: {rec.errors}")
    return seconds, rec.payload()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--backing", default="/var/tmp",
                    help="folder of the backing file (default /var/tmp: the machine's disk)")
    ap.add_argument("--buffered", action="store_true", help="attach the loop without --direct-io")
    ap.add_argument("--no-nwipe", action="store_true", help="skip the (slow) nwipe run")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (loop devices)", file=sys.stderr)
        return 4
    size = args.size_mib << 20
    workdir = Path(tempfile.mkdtemp(prefix="reemploi-bench-", dir=args.backing))
    backing = workdir / "disk.img"
    with open(backing, "wb") as fh:
        fh.truncate(size)
    flags = [] if args.buffered else ["--direct-io=on"]
    dev = subprocess.run(["losetup", "--find", "--show", *flags, str(backing)], check=True,
                         capture_output=True, text=True).stdout.strip()
    home = workdir / "home"
    try:
        print(f"device {dev}: {args.size_mib} MiB, backing file {backing} "
              f"({'buffered' if args.buffered else 'direct I/O'})")
        dd = ["dd", "if=/dev/zero", f"of={dev}", "bs=4M", f"count={size // (4 << 20)}",
              "oflag=direct", "status=none"]
        timed(dd)      # warm-up: allocate the sparse backing file once
        # Reference for incompressible data: many virtual disks store zeros faster than
        # random bytes (zero detection), so also time dd writing random data from RAM.
        rand = Path("/dev/shm") / f"reemploi-bench-{os.getpid()}.rand"
        with open(rand, "wb") as fh:
            for _ in range(size // (4 << 20)):
                fh.write(os.urandom(4 << 20))
        dd_rand = ["dd", f"if={rand}", f"of={dev}", "bs=4M", f"count={size // (4 << 20)}",
                   "oflag=direct", "status=none"]
        # Interleaved, best of ROUNDS: the host's caches and the other users of this
        # machine make single runs noisy, and interleaving spreads that over all tools.
        t_dd = t_dd_rand = t_zero = t_prng = float("inf")
        try:
            for _ in range(ROUNDS):
                t_dd = min(t_dd, timed(dd))
                t_zero = min(t_zero, ours(dev, home, "zero", "none")[0])
                t_dd_rand = min(t_dd_rand, timed(dd_rand))
                t_prng = min(t_prng, ours(dev, home, "prng", "none")[0])
        finally:
            rand.unlink()
        # The default (issue 11): zero pass + full read-back, against dd writing zeros
        # then dd reading the device back (direct I/O both ways), interleaved.
        dd_read = ["dd", f"if={dev}", "of=/dev/null", "bs=4M", "iflag=direct", "status=none"]
        t_zero_full = t_dd_wr = float("inf")
        for _ in range(ROUNDS):
            t_zero_full = min(t_zero_full, ours(dev, home, "zero", "full")[0])
            t_dd_wr = min(t_dd_wr, timed(dd) + timed(dd_read))
        t_prng_full, rec = ours(dev, home, "prng", "full")
        t_prng_sample, _ = ours(dev, home, "prng", "sample")
        # What a dd-speed eraser with a full read-back costs (newer nwipe releases write
        # about as fast as dd): dd of random data plus one direct read of the device.
        t_dd_read = timed(["dd", f"if={dev}", "of=/dev/null", "bs=4M", "iflag=direct",
                           "status=none"])
        t_nwipe = None
        if shutil.which("nwipe") and not args.no_nwipe:
            t_nwipe = timed(["nwipe", "--autonuke", "--nogui", "--method=random",
                             "--verify=last", "--noblank", dev])
        mb = size / 1e6
        print(f"dd zero (bs=4M oflag=direct): {t_dd:7.2f} s  {mb / t_dd:7.1f} MB/s")
        print(f"dd random data from tmpfs:    {t_dd_rand:7.2f} s  {mb / t_dd_rand:7.1f} MB/s")
        print(f"reemploi zero pass:           {t_zero:7.2f} s  {mb / t_zero:7.1f} MB/s")
        print(f"reemploi prng pass:           {t_prng:7.2f} s  {mb / t_prng:7.1f} MB/s")
        print(f"reemploi prng + full verify:  {t_prng_full:7.2f} s")
        print(f"reemploi prng + sampled verify:{t_prng_sample:6.2f} s")
        print(f"dd random write + dd read:    {t_dd_rand + t_dd_read:7.2f} s")
        print(f"reemploi zero + full verify:  {t_zero_full:7.2f} s   (the default)")
        print(f"dd zero write + dd read:      {t_dd_wr:7.2f} s")
        if t_nwipe:
            print(f"nwipe random + verify last:   {t_nwipe:7.2f} s")
        print()
        print(f"ratio 1  zero vs dd (throughput, goal >= 0.97):        {t_dd / t_zero:.3f}")
        print(f"ratio 2  prng vs zero (throughput, goal >= 0.95):      {t_zero / t_prng:.3f}")
        print(f"ratio 2b prng vs dd of random data (throughput):       {t_dd_rand / t_prng:.3f}")
        if t_nwipe:
            print(f"ratio 3  prng+verify vs nwipe (time, goal <= 0.50):    {t_prng_full / t_nwipe:.3f}")
        print(f"ratio 3b prng+full verify vs dd write+read (time):     "
              f"{t_prng_full / (t_dd_rand + t_dd_read):.3f}")
        print(f"ratio 3c prng+sampled verify vs dd write+read (time):  "
              f"{t_prng_sample / (t_dd_rand + t_dd_read):.3f}")
        print(f"ratio 4  zero+full verify vs dd write+dd read (time):  {t_zero_full / t_dd_wr:.3f}")
        print(f"(record: {rec['passes'][0]['throughput_mb_s']} MB/s write, "
              f"verification {rec['verification']['result']})")
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
