"""Listing benchmark: ``inventory list`` as a user runs it, at 50 000 machines.

Goal (issue 16): the whole command < 1 s and < 100 MiB at 50 000 machines (it was
3.0 s and 336 MiB, loading every record). The inventory is the corpus-shaped one of
``benchmarks/inventory.py`` (real dmidecode/smartctl outputs parsed by our parsers).

Timed as whole CLI processes, interleaved in each round with the reference: ``python
-c pass`` (interpreter start) and ``inventory show`` of one machine (the same start-up,
imports and projection check, one record read). Each figure is the median (min–max)
of ``--rounds`` rounds of wall time, the median CPU time (user + system) of the
process, and its peak resident memory (``ru_maxrss`` from ``wait4``). In the same
process, the listing rows (what the command reads) against every record
(``Inventory.machines``, what it read before), as a ratio.

    .venv/bin/python benchmarks/listing.py [--machines 50000] [--rounds 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
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


def run(argv: list[str], env: dict) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one child process. Called from a small process
    (``--commands``): a child forked from a big parent counts the parent's pages in
    its peak RSS until it execs."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def spread(values: list[float], unit: str, scale: float = 1.0) -> str:
    v = [x * scale for x in values]
    return f"{statistics.median(v):.0f} {unit} ({min(v):.0f}–{max(v):.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--machines", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (or reuse, if it holds a journal) the generated data here.")
    ap.add_argument("--commands", metavar="ID", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.commands:
        commands_only(args.keep, args.commands, args.rounds)
        return
    # Imported here: the ``--commands`` process stays small (see ``run``).
    from inventory import generate
    from reemploi.inventory.store import Inventory

    home = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-bench-"))
    try:
        if not (home / "journal.jsonl").exists():
            events, ids = generate(home, args.machines)
            print(f"generated {events} events for {len(ids)} machines")
        t = time.perf_counter()
        inv = Inventory.open(home, "bench", "bench")
        inv.listing()
        print(f"projection ready in {time.perf_counter() - t:.1f} s")
        rows = inv.listing(kind=None)
        target = rows[len(rows) // 2].id
        del rows
        # The whole commands, timed from a small process (see ``run``).
        subprocess.run([sys.executable, __file__, "--keep", str(home), "--rounds",
                        str(args.rounds), "--commands", target], check=True)

        t = time.perf_counter()
        rows = inv.listing()
        rows_s = time.perf_counter() - t
        t = time.perf_counter()
        records = inv.machines()
        records_s = time.perf_counter() - t
        print(f"in process: {len(rows)} listing rows {rows_s:.2f} s, {len(records)} whole "
              f"records {records_s:.2f} s; ratio {rows_s / records_s:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)


def commands_only(home: Path, target: str, rounds: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REEMPLOI_HOME=str(home), REEMPLOI_STATION="bench",
               PYTHONPYCACHEPREFIX=str(home / "pycache"))
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "inventory show ID": [py, "-m", "reemploi", "inventory", "show", target],
        "inventory list": [py, "-m", "reemploi", "inventory", "list"],
        "inventory list --json": [py, "-m", "reemploi", "inventory", "list", "--json"],
        "inventory list --limit 100": [py, "-m", "reemploi", "inventory", "list",
                                       "--offset", "25000", "--limit", "100"],
    }
    for argv in commands.values():
        run(argv, env)                                   # warm caches, .pyc
    figures: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, argv in commands.items():             # interleaved
            figures[name].append(run(argv, env))
    for name, rows in figures.items():
        wall, cpu, rss = zip(*rows)
        print(f"{name:28} wall {spread(list(wall), 'ms', 1000)}, "
              f"CPU {statistics.median(cpu) * 1000:.0f} ms, peak RSS {max(rss):.0f} MiB")
    start = statistics.median(r[0] for r in figures["python -c pass"])
    listed = statistics.median(r[0] for r in figures["inventory list"])
    print(f"inventory list beyond interpreter start: {(listed - start) * 1000:.0f} ms "
          f"(goal: whole command < 1 s, < 100 MiB)")


if __name__ == "__main__":
    main()
