#!/usr/bin/env python3
"""Imaging speed as a user sees it: whole ``reemploi image`` commands against bmaptool.

    sudo .venv/bin/python benchmarks/image.py [--dir /dev/shm] [--size-gib 2] [--rounds 5]

The image: ``--size-gib`` GiB, about 21 % mapped, filled with real files of this system
(/usr/lib, /usr/bin, /usr/share: binaries, libraries, text) laid out in extents of
64 KiB..48 MiB with holes between them, like an installed system on a fresh
filesystem, kept as a sparse raw file. From it, two published forms:

* ours: ``reemploi image make`` of a loop device over the raw file (szst + .bmap);
* bmaptool's own: ``bmaptool create`` of the raw file (.bmap) and ``zstd -3`` of it
  (one zstd frame, what a plain ``.img.zst`` is).

In every round, interleaved (so load spikes hit every tool), each written to one
target loop device that is ``blkdiscard``-ed (reads zeros) before each run:

* ``reemploi image write IMG DEV --no-postinstall --yes --json`` as a process (plan,
  guard, records, write, read-back verification), on each form; before our runs a
  zero-pass wipe of the target is recorded (the discard made it read zeros), so our
  writer skips holes as bmaptool does;
* the writer engine alone in this Python (``writer.write`` + ``writer.verify``), on
  each form, reported apart;
* ``bmaptool copy IMG DEV`` on each form; ``zstd -dc IMG.zst | dd of=DEV bs=4M
  oflag=direct`` (the whole image);
* the device's floor for the same bytes: ``dd bs=16M oflag=direct conv=fsync`` of as
  many random bytes as the image maps (page-cached, so only the target is timed),
  then ``dd bs=16M iflag=direct`` of them back: the least any tool can take to write
  what bmaptool writes, and to read it back once (sequential 16 MiB requests, not the
  image's scattered extents, so an optimistic floor); with our fixed part
  (``reemploi image write IMG DEV --dry-run --json``: start-up and plan), the least
  our command could take;
* ``reemploi image make SRC OUT.img.zst --json`` (SRC: a loop device over the raw
  file) against ``bmaptool create RAW > RAW.bmap`` followed by ``zstd -3 RAW``.

Every run is checked: the target's first image-size bytes must hash to the raw
image's sha256, and each captured master must decompress (``zstd -dc``) to it.

``--dir`` holds the files and the loop devices' backing; the default /dev/shm (RAM)
measures the tools, ``--dir /var/tmp --direct`` this machine's virtual disk (loop
with direct I/O). Issue 16's goals: write on bmaptool's own .zst + .bmap <= 0.7 x
bmaptool; our format's write + read-back <= 0.4 x bmaptool on a disk-backed target;
``image make`` <= 0.7 x (``bmaptool create`` + ``zstd -3``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cmdtiming import (Loads, cli_env, lodetach, losetup, print_ratios,  # noqa: E402
                                  print_table, run)

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


def sha_of_device(dev: str, length: int) -> str:
    h = hashlib.sha256()
    fd = os.open(dev, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        pos = 0
        while pos < length:
            data = os.pread(fd, min(8 * MiB, length - pos), pos)
            if not data:
                break
            h.update(data)
            pos += len(data)
    finally:
        os.close(fd)
    return h.hexdigest()


def sha_of_zstd(path: Path) -> str:
    h = hashlib.sha256()
    with subprocess.Popen(["zstd", "-dc", str(path)], stdout=subprocess.PIPE) as p:
        while chunk := p.stdout.read(8 * MiB):
            h.update(chunk)
    if p.returncode:
        raise SystemExit(f"zstd -dc {path} failed")
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/dev/shm", help="where the images and loop backing go")
    ap.add_argument("--direct", action="store_true", help="attach the target with direct I/O")
    ap.add_argument("--size-gib", type=float, default=2.0)
    ap.add_argument("--mapped", type=float, default=0.21)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-make", action="store_true", help="skip the image make rounds")
    ap.add_argument("--no-write", action="store_true", help="only the image make rounds")
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
    size = int(args.size_gib * GiB) // MiB * MiB   # whole MiB: a loop device has whole sectors
    loops: list[str] = []
    try:
        raw = work / "raw.img"
        t = time.monotonic()
        mapped = build_image(raw, size, args.mapped)
        h = hashlib.sha256()
        with open(raw, "rb") as fh:
            while chunk := fh.read(8 * MiB):
                h.update(chunk)
        raw_sha = h.hexdigest()
        print(f"image: {size / GiB:.1f} GiB, {mapped / MiB:.0f} MiB mapped "
              f"({100 * mapped / size:.1f} %), built in {time.monotonic() - t:.1f} s",
              flush=True)
        env = cli_env(work / "home", work / "pycache")
        src = losetup(raw)
        loops.append(src)
        ours_img = work / "ours.img.zst"
        r = run([sys.executable, "-m", "reemploi", "image", "make", src, str(ours_img),
                 "--json"], env=env)
        print(f"ours: {json.loads(r.stdout)['compressed_bytes'] / MiB:.0f} MiB, "
              f"made in {r.wall:.1f} s", flush=True)
        plain = work / "plain.img.zst"       # bmaptool finds plain.img.bmap beside it
        run(["bmaptool", "create", "-o", str(work / "plain.img.bmap"), str(raw)])
        run(["zstd", "-q", "-3", str(raw), "-o", str(plain)])
        print(f"plain: {plain.stat().st_size / MiB:.0f} MiB (zstd -3, one frame)", flush=True)
        backing = work / "target.img"
        with open(backing, "wb") as fh:
            fh.truncate(size + 256 * MiB)
        dev = losetup(backing, args.direct)
        loops.append(dev)

        from reemploi.context import Context
        from reemploi.image import writer
        from reemploi.image.sources import inspect
        from reemploi.inventory.store import Inventory
        from reemploi.system.blockdev import disk_by_path
        home = work / "home"
        identity = disk_by_path(Context(home=home), dev).identity
        floor = work / "floor.bin"            # as many bytes as our image maps
        floor_mib = inspect(ours_img).mapped_bytes // MiB
        with open(floor, "wb") as fh:
            for _ in range(floor_mib):
                fh.write(os.urandom(MiB))

        def discard():
            subprocess.run(["blkdiscard", dev], check=True)

        def wiped():
            discard()
            Inventory.open(home, "bench", None).record(
                "wipe.done", None, {"disk": {"identity": identity, "path": dev},
                                    "result": "success", "method": "zero",
                                    "patterns": ["0x00"]})

        def check(what: str) -> None:
            if sha_of_device(dev, size) != raw_sha:
                raise SystemExit(f"{what}: the target does not hold the image")

        def ours_write(img: Path):
            r = run([sys.executable, "-m", "reemploi", "image", "write", str(img), dev,
                     "--no-postinstall", "--yes", "--json"], env=env)
            doc = json.loads(r.stdout)
            if doc.get("result") != "success" or doc.get("verify") != "passed":
                raise SystemExit(f"image write {img.name}: {r.stdout[:500]}")
            return r

        def engine_write(img: Path) -> float:
            start = time.monotonic()
            info = inspect(img)
            fd = os.open(dev, os.O_RDWR | os.O_DIRECT | os.O_EXCL)
            try:
                stats = writer.write(info, fd, dev, verify_later=True)
                writer.verify(fd, stats.pieces, dev)
            finally:
                os.close(fd)
            return time.monotonic() - start

        wiped()
        ours_write(ours_img)                  # warm-up (byte-code cache)
        t: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        loads = Loads()

        def put(name, wall, c=None):
            t.setdefault(name, []).append(wall)
            if c is not None:
                cpu.setdefault(name, []).append(c)

        for rnd in range(args.rounds):
            loads.sample()
            if not args.no_write:
                for form, img in (("szst", ours_img), ("zst", plain)):
                    wiped()
                    r = ours_write(img)
                    check(f"ours {form}")
                    put(f"ours write {form}", r.wall, r.cpu)
                    discard()
                    r = run(["bmaptool", "copy", str(img), dev])
                    check(f"bmaptool {form}")
                    put(f"bmaptool copy {form}", r.wall, r.cpu)
                    discard()
                    put(f"engine write {form}", engine_write(img))
                    check(f"engine {form}")
                discard()
                r = run(f"zstd -dc '{plain}' | dd of={dev} bs=4M oflag=direct status=none",
                        shell=True)
                check("zstd | dd")
                put("zstd -dc | dd", r.wall, r.cpu)
                discard()
                r = run(["dd", f"if={floor}", f"of={dev}", "bs=16M", "oflag=direct",
                         "conv=fsync", "status=none"])
                put("floor: dd write", r.wall, r.cpu)
                r = run(["dd", f"if={dev}", "of=/dev/null", "bs=16M", "iflag=direct,count_bytes",
                         f"count={floor_mib * MiB}", "status=none"])
                put("floor: dd read back", r.wall, r.cpu)
                put("floor: dd write + read back", t["floor: dd write"][-1] + r.wall,
                    cpu["floor: dd write"][-1] + r.cpu)
                # Our fixed part: the same command up to the plan (interpreter, imports,
                # image, guard, wipe check), nothing written or recorded.
                r = run([sys.executable, "-m", "reemploi", "image", "write", str(ours_img),
                         dev, "--dry-run", "--json"], env=env)
                put("ours --dry-run (fixed part)", r.wall, r.cpu)
                put("floor: --dry-run + dd write + read back",
                    r.wall + t["floor: dd write + read back"][-1])
            if not args.no_make:
                out = work / "made.img.zst"
                r = run([sys.executable, "-m", "reemploi", "image", "make", src, str(out),
                         "--json"], env=env)
                if sha_of_zstd(out) != raw_sha:
                    raise SystemExit("image make: the master does not decompress to the image")
                put("ours image make", r.wall, r.cpu)
                out.unlink()
                (work / "made.img.bmap").unlink()
                bm, zs = work / "ref.img.bmap", work / "ref.img.zst"
                r1 = run(["bmaptool", "create", "-o", str(bm), str(raw)])
                r2 = run(["zstd", "-q", "-3", str(raw), "-o", str(zs)])
                if sha_of_zstd(zs) != raw_sha:
                    raise SystemExit("zstd -3: the file does not decompress to the image")
                put("bmaptool create + zstd -3", r1.wall + r2.wall, r1.cpu + r2.cpu)
                bm.unlink()
                zs.unlink()
            print(f"round {rnd + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in t.items()),
                  flush=True)

        print(f"\n{args.rounds} rounds, {loads}; files and target in {args.dir}"
              f"{' (target with direct I/O)' if args.direct else ''}")
        print_table(t, cpu, width=28, rate_head="MiB/s of image",
                    rate=lambda wall: size / MiB / wall, missing="(in process)")
        print()
        print_ratios("time ratios of interleaved runs, median (min–max) of the rounds:", t, [
            ("ours write + read-back, szst vs bmaptool copy (goal <= 0.4 disk)",
             "ours write szst", "bmaptool copy szst"),
            ("ours write + read-back, plain .zst + bmaptool's bmap vs bmaptool copy "
             "(goal <= 0.7)", "ours write zst", "bmaptool copy zst"),
            ("ours write + read-back, szst vs zstd -dc | dd", "ours write szst", "zstd -dc | dd"),
            ("device floor, dd write of the mapped bytes vs bmaptool copy szst",
             "floor: dd write", "bmaptool copy szst"),
            ("device floor, dd read back of them vs bmaptool copy szst",
             "floor: dd read back", "bmaptool copy szst"),
            ("device floor, dd write + read back vs bmaptool copy szst",
             "floor: dd write + read back", "bmaptool copy szst"),
            ("our floor (--dry-run + dd write + read back) vs bmaptool copy szst",
             "floor: --dry-run + dd write + read back", "bmaptool copy szst"),
            ("ours write + read-back, szst vs our floor",
             "ours write szst", "floor: --dry-run + dd write + read back"),
            ("engine alone, szst vs bmaptool copy", "engine write szst", "bmaptool copy szst"),
            ("engine alone, plain .zst vs bmaptool copy", "engine write zst",
             "bmaptool copy zst"),
            ("image make vs bmaptool create + zstd -3 (goal <= 0.7)", "ours image make",
             "bmaptool create + zstd -3")])
        print_ratios("CPU time ratios (what each command costs, less bent by the load):", cpu, [
            ("ours write szst vs bmaptool copy", "ours write szst", "bmaptool copy szst"),
            ("ours write plain .zst vs bmaptool copy", "ours write zst", "bmaptool copy zst"),
            ("image make vs bmaptool create + zstd -3", "ours image make",
             "bmaptool create + zstd -3")])
        return 0
    finally:
        for loop in loops:
            lodetach(loop)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
