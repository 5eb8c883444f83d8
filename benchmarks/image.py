"""Benchmark: our sparse zstd writer vs ``bmaptool copy`` vs ``zstd -dc | dd``.

One image, one loop device, the three tools run in alternation (3 rounds by default,
medians compared: the box is shared and noisy), and ratios:

* the image: 2 GiB, about 21 % mapped, filled with real files of this system
  (/usr/lib, /usr/bin, /usr/share: binaries, libraries, text: realistic compressibility)
  laid out in extents of 64 KiB..48 MiB with holes between them, like an installed
  system on a fresh filesystem;
* packed once as our szst master (``reemploi.image.szst.pack``) with its .bmap;
* ours      ``reemploi image write IMG.zst DEV --no-postinstall --yes``
            (write + read-back verify, the full command, Python start-up included; a
            zero-pass wipe is recorded for the loop device, which reads zeros after
            ``blkdiscard``, so holes are skipped as bmaptool skips them);
* bmaptool  ``bmaptool copy IMG.zst DEV`` (same .zst, same bmap; it decompresses the
            whole stream with ``zstd -d`` on one core and checks range checksums);
* dd        ``zstd -dc IMG.zst | dd of=DEV bs=4M oflag=direct`` (the whole image).

Goals (issue 5): ours <= 0.7x bmaptool, <= 0.5x dd. The loop device is discarded
(``blkdiscard``) before each run. By default the files live in /dev/shm so the
numbers measure the tools, not this VM's virtual disk; ``--dir`` changes it.

Run as root:  .venv/bin/python benchmarks/image.py
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reemploi.image.bmap import render_bmap  # noqa: E402
from reemploi.image.service import sidecar_bmap  # noqa: E402
from reemploi.image.szst import pack  # noqa: E402

GiB, MiB = 1 << 30, 1 << 20
SOURCES = ["/usr/lib/x86_64-linux-gnu", "/usr/bin", "/usr/share/doc", "/usr/lib/python3",
           "/usr/share/locale", "/usr/lib"]


def real_files(total: int):
    """Yield bytes of real files from this system until ``total`` bytes."""
    got = 0
    for top in SOURCES:
        for dirpath, _, names in os.walk(top):
            for n in sorted(names):
                p = os.path.join(dirpath, n)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                try:
                    with open(p, "rb") as fh:
                        data = fh.read(min(total - got, 64 * MiB))
                except OSError:
                    continue
                if not data:
                    continue
                yield data
                got += len(data)
                if got >= total:
                    return


def build_image(path: Path, size: int, mapped_fraction: float, seed: int = 5) -> int:
    rng = random.Random(seed)
    target = int(size * mapped_fraction)
    stream = real_files(target + 64 * MiB)
    buf = bytearray()
    written = 0
    with open(path, "wb") as fh:
        fh.truncate(size)
        pos = 0
        while written < target:
            length = rng.choice([64 << 10, 1 * MiB, 4 * MiB, 16 * MiB, 48 * MiB])
            length = min(length, target - written)
            length -= length % 4096
            if length <= 0:
                break
            gap = int(length * (1 - mapped_fraction) / mapped_fraction * rng.uniform(0.5, 1.5))
            gap -= gap % 4096
            pos += gap
            if pos + length > size:
                break
            while len(buf) < length:
                buf += next(stream)
            fh.seek(pos)
            fh.write(buf[:length])
            del buf[:length]
            pos += length
            written += length
    return written


def timed(argv, **kw) -> float:
    start = time.monotonic()
    subprocess.run(argv, check=True, **kw)
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/dev/shm", help="where the image and loop backing go")
    ap.add_argument("--size-gib", type=float, default=2.0)
    ap.add_argument("--mapped", type=float, default=0.21)
    ap.add_argument("--level", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs; medians are compared")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("benchmarks/image.py needs root (loop devices)", file=sys.stderr)
        return 4
    for tool in ("bmaptool", "zstd", "dd", "losetup", "blkdiscard"):
        if shutil.which(tool) is None:
            print(f"missing tool: {tool}", file=sys.stderr)
            return 3
    work = Path(args.dir) / f"reemploi-bench-{os.getpid()}"
    work.mkdir(parents=True)
    size = int(args.size_gib * GiB)
    loop = None
    try:
        raw = work / "master.img"
        t = time.monotonic()
        mapped = build_image(raw, size, args.mapped)
        print(f"image: {size / GiB:.1f} GiB, {mapped / MiB:.0f} MiB mapped "
              f"({100 * mapped / size:.1f} %), built in {time.monotonic() - t:.1f} s")
        szst = work / "master.img.zst"
        t = time.monotonic()
        with open(raw, "rb") as fh:
            res = pack(fh.read, size, szst, level=args.level, whole_sha256=False)
        sidecar_bmap(szst).write_bytes(render_bmap(res.index.to_bmap()))
        raw.unlink()                  # only the .zst is used from here on
        print(f"szst: {res.compressed_bytes / MiB:.0f} MiB, {len(res.index.frames)} frames, "
              f"packed in {time.monotonic() - t:.1f} s")
        backing = work / "disk.img"
        with open(backing, "wb") as fh:
            fh.truncate(size + 256 * MiB)
        loop = subprocess.run(["losetup", "--find", "--show", str(backing)], check=True,
                              capture_output=True, text=True).stdout.strip()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}

        def fresh():
            subprocess.run(["blkdiscard", loop], check=True)

        # blkdiscard makes the loop device read zeros: say so in the inventory before
        # each of our rounds, as a zero-pass wipe would, so our writer skips holes like
        # bmaptool does. (Without it, from the second round on the disk was "imaged since
        # its wipe" and our writer rightly zeroed every hole first: not the same job.)
        from reemploi.context import Context
        from reemploi.inventory.store import Inventory
        from reemploi.system.blockdev import disk_by_path
        home = work / "home"
        identity = disk_by_path(Context(home=home), loop).identity

        def wiped():
            fresh()
            Inventory.open(home, "bench", None).record(
                "wipe.done", None, {"disk": {"identity": identity, "path": loop},
                                    "result": "success", "method": "zero",
                                    "patterns": ["0x00"]})

        rounds = {"ours": [], "bmaptool": [], "dd": []}
        for _ in range(args.rounds):          # alternate, so load spikes hit all three
            wiped()
            rounds["ours"].append(timed(
                [sys.executable, "-m", "reemploi", "image", "write", str(szst), loop,
                 "--no-postinstall", "--yes", "--json"],
                env=dict(env, REEMPLOI_HOME=str(home)), **quiet))
            fresh()
            rounds["bmaptool"].append(timed(["bmaptool", "copy", str(szst), loop], **quiet))
            fresh()
            rounds["dd"].append(timed(
                ["sh", "-c", f"zstd -dc '{szst}' | dd of={loop} bs=4M oflag=direct"], **quiet))
        ours, bmap, dd = (statistics.median(rounds[k]) for k in ("ours", "bmaptool", "dd"))
        with open("/proc/loadavg") as fh:
            load = fh.read().split()[0]
        print(f"{args.rounds} rounds, medians (load average {load} on {os.cpu_count()} CPUs):")
        for k in rounds:
            print(f"  {k:9} " + "  ".join(f"{t:5.2f}" for t in rounds[k]))
        print(f"ours (write + read-back verify): {ours:6.2f} s  "
              f"({mapped / MiB / ours:6.0f} MiB/s of data, {size / MiB / ours:6.0f} MiB/s of image)")
        print(f"bmaptool copy (.zst + bmap):     {bmap:6.2f} s  ({size / MiB / bmap:6.0f} MiB/s of image)")
        print(f"zstd -dc | dd oflag=direct:      {dd:6.2f} s  ({size / MiB / dd:6.0f} MiB/s of image)")
        print(f"ratio ours / bmaptool = {ours / bmap:.2f}  (goal <= 0.70)")
        print(f"ratio ours / dd       = {ours / dd:.2f}  (goal <= 0.50)")
        return 0
    finally:
        if loop:
            subprocess.run(["losetup", "-d", loop], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
