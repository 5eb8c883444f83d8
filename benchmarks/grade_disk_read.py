"""Disk score of the grading benchmark vs ``dd iflag=direct``, same device, same run.

Our ``reemploi.grade.bench.read_speed`` (O_DIRECT, 1 MiB page-aligned reads) must
read as fast as dd does, or the disk score would measure our code, not the disk.
Prints MB/s for both and the ratio ours/dd (1.0 = as fast as dd). Uses a loop device
over a 256 MiB file when run as root, else the file itself. About 20 s.

    .venv/bin/python benchmarks/grade_disk_read.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from reemploi.grade.bench import read_speed  # noqa: E402

SIZE = 256 << 20
ROUNDS = 3


def dd_speed(path: str) -> float:
    out = subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M", "iflag=direct"],
                         capture_output=True, text=True, check=True, env={"LC_ALL": "C"}).stderr
    m = re.search(r"copied, ([0-9.]+) s", out)
    return round(SIZE / float(m.group(1)) / 1e6, 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backing = Path(tmp) / "disk.img"
        with open(backing, "wb") as fh:
            for _ in range(SIZE >> 20):
                fh.write(os.urandom(1 << 20))
        dev, loop = str(backing), None
        if os.geteuid() == 0:
            loop = subprocess.run(["losetup", "--find", "--show", str(backing)],
                                  capture_output=True, text=True, check=True).stdout.strip()
            dev = loop
        try:
            ours, theirs = [], []
            for _ in range(ROUNDS):
                ours.append(read_speed(dev, seconds=30, max_bytes=SIZE))
                theirs.append(dd_speed(dev))
        finally:
            if loop:
                subprocess.run(["losetup", "-d", loop], check=False)
    best_ours, best_dd = max(ours), max(theirs)
    print(f"device: {'loop' if loop else 'file'} {SIZE >> 20} MiB, best of {ROUNDS}")
    print(f"reemploi read_speed: {best_ours} MB/s   dd iflag=direct: {best_dd} MB/s")
    print(f"ratio ours/dd: {best_ours / best_dd:.2f}")


if __name__ == "__main__":
    main()
