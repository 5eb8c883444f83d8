"""Probe benchmark: wall time of our live probe vs ``lshw -json`` on this machine.

Both run in the same process, alternately, ``--rounds`` times after one warm-up
(imports and page cache): ``probe_machine`` with SMART (as ``reemploi probe`` runs it)
and ``lshw -json`` through the same runner. The figure is the ratio of medians
(goal: <= 0.5, i.e. at least twice as fast as lshw while also reading SMART, EDID
and batteries, which lshw does not). Also replays every fixture machine folder (the
offline cost of the collector itself) and, when ``benchmarks/parse.py`` offers
``bench_parsers()``, prints the parsers' median ms per kind.

    .venv/bin/python benchmarks/probe.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reemploi.context import Context  # noqa: E402
from reemploi.probe import folder  # noqa: E402
from reemploi.probe.collector import probe_machine  # noqa: E402
from reemploi.system.runner import RealRunner  # noqa: E402

MACHINES = ROOT / "tests" / "fixtures" / "machines"


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    runner = RealRunner()
    ours, lshw = [], []
    have_lshw = runner.has_tool("lshw")
    probe_machine(Context())                                # warm-up
    if have_lshw:
        runner.run(("lshw", "-json"), timeout=120, check=False)
    for _ in range(args.rounds):
        ours.append(_time(lambda: probe_machine(Context())))
        if have_lshw:
            lshw.append(_time(lambda: runner.run(("lshw", "-json"), timeout=120, check=False)))
    ours_ms = statistics.median(ours) * 1000
    print(f"live probe (reemploi)  median {ours_ms:8.1f} ms  over {args.rounds} rounds")
    if lshw:
        lshw_ms = statistics.median(lshw) * 1000
        ratio = ours_ms / lshw_ms
        print(f"lshw -json             median {lshw_ms:8.1f} ms")
        print(f"ratio reemploi/lshw    {ratio:.2f}  ({'ok' if ratio <= 0.5 else 'over'} goal <= 0.5)")
    else:
        print("lshw not installed: no reference figure")

    replay = []
    for machine in sorted(p for p in MACHINES.iterdir() if (p / "commands").is_dir()):
        def one(machine=machine):
            s = folder.replaying(machine)
            probe_machine(Context(runner=s.runner, sysfs=s.sysfs, replay=True), facts=s.facts)
        one()
        replay.append(statistics.median(_time(one) for _ in range(args.rounds)) * 1000)
    if replay:
        print(f"replayed machine folder median {statistics.median(replay):6.1f} ms "
              f"({len(replay)} folders)")

    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from parse import bench_parsers
    except ImportError:
        return
    for kind, ms in bench_parsers(rounds=1).items():
        print(f"parser {kind:<10} median {ms:7.3f} ms per file")


if __name__ == "__main__":
    main()
