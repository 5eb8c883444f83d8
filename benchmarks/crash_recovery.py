"""Crash benchmark: what the next command costs after a writer was killed (SIGKILL) in
the middle of a projection compaction, at 1 000 / 10 000 / 50 000 machines.

A compaction rewrites one group of the projection whole (docs/inventory.md, "tails").
The writer here is a real process making one status change with that group's
compaction forced (``tails.needs_compaction``), which kills itself with SIGKILL at one
point of its save (``--kill-at``: before meta.json, i.e. after every file of the
group was written; or after meta.json). Then ``reemploi inventory show`` of the same
machine, timed as a user runs it (whole process: wall and CPU), and the projection
files it rewrote counted (mtime or inode changed): a full refold of the journal
rewrites every shard, a local repair a handful.

The inventories are the corpus-shaped ones of ``benchmarks/scale.py`` (kept under
``--keep``); each trial runs on a copy, so the kept home is never changed.

    .venv/bin/python benchmarks/crash_recovery.py [--sizes 1000,10000,50000]
        [--keep DIR] [--kill-at meta|after-meta] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import READY, _in_state, inventory_at  # noqa: E402

# One status change, its groups compacted, SIGKILL at the chosen point of the save.
KILLED = r"""
import os, signal, sys
from pathlib import Path
from reemploi.inventory import tails
from reemploi.inventory.projection import Projection
from reemploi.inventory.store import Inventory
home, aid, at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
inv = Inventory.open(home, "bench", "bench")
tails.needs_compaction = lambda base, state, adding: True
real = Projection.write_meta
def write_meta(self, meta):
    if at == "after-meta":
        real(self, meta)
    os.kill(os.getpid(), signal.SIGKILL)
Projection.write_meta = write_meta
inv.set_status(aid, "diagnosed")
"""


def _files(proj: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(proj)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in proj.rglob("*") if p.is_file()}


def trial(home: Path, work: Path, aid: str, kill_at: str, py: str, env: dict
          ) -> tuple[float, float, int, int]:
    """(wall s, CPU s, files rewritten, files in the projection) of the command after
    the kill, on a fresh copy of ``home``."""
    copy = work / "copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(home, copy)
    killed = subprocess.run([py, "-c", KILLED, str(copy), aid, kill_at], cwd=ROOT, env=env)
    assert killed.returncode == -9, killed.returncode
    before = _files(copy / "projection")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([py, "-m", "reemploi", "inventory", "show", aid, "--json"],
                          cwd=ROOT, env={**env, "REEMPLOI_HOME": str(copy)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"inventory show failed ({done.returncode}): {done.stderr}")
    after = _files(copy / "projection")
    changed = sum(1 for k, v in after.items() if before.get(k) != v)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    return wall, cpu, changed, len(after)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (and reuse) the generated inventories under this folder.")
    ap.add_argument("--kill-at", choices=("meta", "after-meta"), default="meta")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-crash-"))
    work = Path(tempfile.mkdtemp(prefix="reemploi-crash-work-", dir="/var/tmp"))
    py = sys.executable
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REEMPLOI_STATION="bench", PYTHONPYCACHEPREFIX=str(base / "pycache"))
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            home, ids = inventory_at(base, n)
            for _ in range(args.rounds):
                aid = next(_in_state(ids, READY, home, "ready"))
                wall, cpu, changed, total = trial(home, work, aid, args.kill_at, py, env)
                print(f"{n:>6} machines  killed at {args.kill_at:<10} next command "
                      f"{wall:.2f} s wall, CPU {cpu:.2f} s; projection files rewritten "
                      f"{changed} of {total}", flush=True)
        print("load average (1, 5, 15 min): "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
