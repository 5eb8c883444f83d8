"""Scale benchmark: per-asset commands on registered machines of a real inventory at
1 000 / 10 000 / 50 000 machines, timed as a user runs them (whole CLI process).

Goals (issue 16): ``label`` of 500 registered machines < 2 s and of 50 < 0.5 s at
50 000 machines; nothing per-asset grows with the inventory. The inventory is the
corpus-shaped one of ``benchmarks/inventory.py`` (real dmidecode/smartctl outputs
parsed by our parsers, ~12 events per machine).

Reference, interleaved in each round: the same ``label`` command given the same
number of free ``--payload`` labels (same process start, imports, QR codes and PDF
layout, no inventory read): the difference is what reading the inventory costs.
Each figure is the median (min–max) of ``--rounds`` rounds of wall time, and the
median CPU time (user + system) of the process: on a shared, loaded box wall time
mostly measures the neighbours, CPU time what the command costs; the growth exponent k of
t ∝ N^k is fitted (least squares on log t / log N) over the sizes and printed.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,50000] [--rounds 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from inventory import generate  # noqa: E402

from reemploi.inventory.store import Inventory  # noqa: E402


def inventory_at(base: Path, n: int) -> tuple[Path, list[str]]:
    """The corpus-shaped inventory of ``n`` machines under ``base`` (made once, reused
    when kept): (its home, its machine ids). Shared with benchmarks/documents.py."""
    home = base / f"inv-{n}"
    ids_file = home / "ids.txt"
    if not ids_file.exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        t = time.perf_counter()
        _, ids = generate(home, n)
        t2 = time.perf_counter()
        Inventory.open(home, "bench", "bench")
        ids_file.write_text("\n".join(ids))       # last: a cut run is made again
        print(f"{n} machines: journal {(home / 'journal.jsonl').stat().st_size / 1e6:.0f}"
              f" MB generated in {t2 - t:.0f} s, projection built in "
              f"{time.perf_counter() - t2:.0f} s", flush=True)
    return home, ids_file.read_text().split()


def fmt(ts: list[float]) -> str:
    return f"{statistics.median(ts):.2f} s ({min(ts):.2f}–{max(ts):.2f})"


def slope(points: list[tuple[int, float]]) -> float:
    """k of t ∝ N^k, least squares on the logs (0: flat; 1: linear)."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-3)) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (and reuse) the generated inventories under this folder.")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-scale-"))
    py = sys.executable
    # Byte-code cache on, as in an installed package (see benchmarks/inventory.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REEMPLOI_STATION="bench", PYTHONPYCACHEPREFIX=str(base / "pycache"))
    results: dict[str, list[tuple[int, float]]] = {}
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            home, ids = inventory_at(base, n)
            step = max(1, len(ids) // 500)
            picks = {50: ids[::len(ids) // 50][:50], 500: ids[::step][:500]}
            cmd_env = {**env, "REEMPLOI_HOME": str(home)}
            out = home / "bench.pdf"
            cases = {}
            for k, chosen in picks.items():
                cases[f"label {k} registered"] = ["label", *chosen]
                cases[f"label {k} --payload (reference)"] = [
                    "label", *[x for a in chosen for x in ("--payload", a)]]
            cases["sheet 1 registered"] = ["sheet", ids[len(ids) // 2]]
            cases["inventory show 1"] = ["inventory", "show", ids[len(ids) // 3], "--json"]
            times: dict[str, list[float]] = {c: [] for c in cases}
            cpu: dict[str, list[float]] = {c: [] for c in cases}
            subprocess.run([py, "-m", "reemploi", "--help"], env=cmd_env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, check=True)       # warm the .pyc cache
            for _ in range(args.rounds):
                for name, argv in cases.items():
                    extra = ["--out", str(out)] if argv[0] in ("label", "sheet") else []
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t = time.perf_counter()
                    subprocess.run([py, "-m", "reemploi", *argv, *extra], env=cmd_env,
                                   cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
                    times[name].append(time.perf_counter() - t)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu[name].append(after.ru_utime - before.ru_utime
                                     + after.ru_stime - before.ru_stime)
            for name, ts in times.items():
                c = statistics.median(cpu[name])
                print(f"{n:>6} machines  {name:<32} {fmt(ts)}, CPU {c:.2f} s  (whole command)",
                      flush=True)
                results.setdefault(name, []).append((n, c))
        if len({n for pts in results.values() for n, _ in pts}) > 1:
            print("growth of CPU time with the inventory, t ∝ N^k (0 = flat, 1 = linear):")
            for name, pts in results.items():
                print(f"  {name:<32} k = {slope(pts):+.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
