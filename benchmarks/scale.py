"""Scale benchmark: per-asset commands on registered machines of a real inventory at
1 000 / 10 000 / 50 000 machines, timed as a user runs them (whole CLI process).

Goals (issue 16): ``label`` of 500 registered machines < 2 s and of 50 < 0.5 s at
50 000 machines; nothing per-asset grows with the inventory, reads or writes. The
writing commands timed: ``grade`` of a registered machine (a recorded machine of
tests/fixtures/machines replayed: status, probe, checklist and verdict in one append),
``intake`` of one machine (an existing donor found by name, a new lot, a new id),
``inventory status``, ``inventory correct`` and ``checkout``; each round writes on other machines, so no
command repeats on a state it made. The inventory is the
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
        [--no-writes] [--engine-only] [--age WRITES]

Generated journals are cached under ``REEMPLOI_BENCH_CACHE`` (default
/var/tmp/reemploi-bench), keyed by the size and the generator's source; ``--keep DIR``
keeps the inventories built from them (projection, the writes of earlier runs) so a
re-run skips the projection's build (~3 min at 50 000 machines).
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
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from inventory import generate  # noqa: E402

from reemploi.inventory.store import Inventory  # noqa: E402


CACHE = Path(os.environ.get("REEMPLOI_BENCH_CACHE", "/var/tmp/reemploi-bench"))


def _generator_key(n: int) -> str:
    """The cache key of a generated journal: its size and the generator's own source
    (``benchmarks/inventory.py``: seed, templates, events), so a changed generator
    never reuses an old journal."""
    import hashlib
    import inventory
    src = Path(inventory.__file__).read_bytes()
    return f"{n}-{hashlib.sha256(src).hexdigest()[:12]}"


def cached_journal(n: int) -> tuple[Path, list[str]]:
    """The generated journal of ``n`` machines and its machine ids, made once under
    ``CACHE`` (outside the repository: 50 000 machines take minutes to generate)."""
    folder = CACHE / f"journal-{_generator_key(n)}"
    ids_file = folder / "ids.txt"
    if not ids_file.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        t = time.perf_counter()
        _, ids = generate(folder, n)
        ids_file.write_text("\n".join(ids))       # last: a cut run is made again
        print(f"{n} machines: journal {(folder / 'journal.jsonl').stat().st_size / 1e6:.0f}"
              f" MB generated in {time.perf_counter() - t:.0f} s (cached in {folder})",
              flush=True)
    return folder / "journal.jsonl", ids_file.read_text().split()


def inventory_at(base: Path, n: int) -> tuple[Path, list[str]]:
    """The corpus-shaped inventory of ``n`` machines under ``base`` (its journal from
    the cache, its projection built by opening it; reused when kept): (its home, its
    machine ids). Shared with benchmarks/documents.py. Opened once before any timing,
    so a projection of an older format is rebuilt here, not in a timed command."""
    home = base / f"inv-{n}"
    ids_file = home / "ids.txt"
    if not ids_file.exists():
        journal, ids = cached_journal(n)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        shutil.copyfile(journal, home / "journal.jsonl")
        ids_file.write_text("\n".join(ids))
    t = time.perf_counter()
    Inventory.open(home, "bench", "bench")
    took = time.perf_counter() - t
    if took > 1:
        print(f"{n} machines: projection brought up to date in {took:.0f} s", flush=True)
    return home, ids_file.read_text().split()


# Machines the generator leaves in each state (benchmarks/inventory.py: the n-th machine,
# from 1, is ready when n % 10 < 6, diagnosed when n % 10 is 8 or 9).
READY = (1, 2, 3, 4, 5)
DIAGNOSED = (8, 9)
RECORDED = ROOT / "tests" / "fixtures" / "machines" / "aspire-es1-non-root"


def _in_state(ids: list[str], ends: tuple[int, ...], home: Path, tag: str) -> Iterator[str]:
    """Machines the generator left in a state, spread over the inventory, never one a
    previous run of this benchmark on the same home already used (kept in the home)."""
    used_file = home / f"bench-used-{tag}.txt"
    used = set(used_file.read_text().split()) if used_file.exists() else set()
    step = max(1, len(ids) // 97)
    for start in range(step):
        for i in range(start, len(ids), step):
            if (i + 1) % 10 in ends and ids[i] not in used:
                with open(used_file, "a") as fh:
                    fh.write(ids[i] + "\n")
                yield ids[i]


def write_cases(home: Path, ids: list[str], rounds: int) -> dict[str, list[list[str]]]:
    """{case: one argv per round} of the writing commands, each round on other machines."""
    ready = _in_state(ids, READY, home, "ready")
    diagnosed = _in_state(ids, DIAGNOSED, home, "diagnosed")
    cases: dict[str, list[list[str]]] = {
        "grade --asset (write)": [], "intake 1 machine (write)": [],
        "inventory status (write)": [], "inventory correct (write)": [],
        "checkout (write)": []}
    for r in range(rounds):
        cases["grade --asset (write)"].append(
            ["grade", "--replay", str(RECORDED), "--asset", next(diagnosed), "--json",
             "--check", "keyboard=ok"])
        cases["intake 1 machine (write)"].append(
            ["intake", "--donor", "Donateur DON-A-0007", "--device", "laptop:1:2.5",
             "--create-ids", "--json"])
        cases["inventory status (write)"].append(
            ["inventory", "status", next(ready), "diagnosed"])
        cases["inventory correct (write)"].append(
            ["inventory", "correct", next(ready), "--set", "weight_kg=2.4", "--reason",
             "pesée refaite"])
        cases["checkout (write)"].append(
            ["checkout", next(ready), "--to", "given", "--org", "Banc d'essai", "--json"])
    return cases


def first_write(py: str, env: dict, home: Path, ids: list[str], n: int) -> None:
    """Before the rounds: the first writing command on a home restored from its journal
    alone (it folds the figures' ledger once, ``stats.keep``), then a second one, each
    timed, so the rounds time what a write costs every day."""
    ledger_file = home / "projection" / "figures-ledger.marshal"
    first = ("first write after a restore" if not ledger_file.exists()
             else "first write (ledger already kept)")
    for label in (first, "second write"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([py, "-m", "reemploi", "inventory", "status",
                        next(_in_state(ids, READY, home, "ready")), "diagnosed"],
                       env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        ledger = ledger_file.exists()
        print(f"{n:>6} machines  {label:<34} {time.perf_counter() - t:.2f} s, CPU "
              f"{after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime:.2f} s"
              f"  (figures' ledger {'kept' if ledger else 'absent'} after it)", flush=True)


def _written() -> int:
    """Bytes this process has passed to write(2) so far (``wchar``, proc(5))."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("wchar:"))


def aged(home: Path, ids: list[str], writes: int) -> Path:
    """A copy of ``home`` after ``writes`` status changes (to diagnosed, allowed from
    every state but out) over all its machines in turn, in-process: what a write
    appends to the projection's tails stays there until its group is compacted, so
    reads then go through tails of every length. Made once (kept beside ``home``)."""
    copy = home.with_name(f"{home.name}-aged-{writes}")
    done = copy / "aged.txt"
    if not done.exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(home, copy)
        inv = Inventory.open(copy, "bench", "bench")
        t, made, i = time.perf_counter(), 0, 0
        while made < writes:
            try:
                inv.set_status(ids[i % len(ids)], "diagnosed")
                made += 1
            except Exception:             # noqa: BLE001 (a machine out: skipped)
                pass
            i += 1
        done.write_text(str(made))
        tails = sum(p.stat().st_size for p in (copy / "projection" / "tails").iterdir())
        print(f"aged copy: {made} status changes in {time.perf_counter() - t:.0f} s; "
              f"tails {tails / 1e6:.0f} MB", flush=True)
    return copy


def write_engine(home: Path, ids: list[str], n: int, count: int = 40) -> tuple[float, float]:
    """The write alone, in this process (no start-up, no figures' ledger): ``count``
    status changes on machines spread over the inventory, each one journal append
    and its projection save. Prints the median and mean CPU per write and the bytes
    each one writes (journal line, projection files, meta.json): what grows if a
    write rewrites what it did not change."""
    inv = Inventory.open(home, "bench", "bench")
    ready = _in_state(ids, READY, home, "ready")
    cpu, written = [], []
    for _ in range(count):
        aid = next(ready)
        c, w = time.process_time(), _written()
        inv.set_status(aid, "diagnosed")
        cpu.append(time.process_time() - c)
        written.append(_written() - w)
    print(f"{n:>6} machines  engine: one status change, in-process: CPU "
          f"{statistics.median(cpu) * 1000:.1f} ms median, {statistics.fmean(cpu) * 1000:.1f}"
          f" ms mean (max {max(cpu) * 1000:.0f}); written {statistics.median(written) / 1024:.1f}"
          f" KiB median, {statistics.fmean(written) / 1024:.1f} KiB mean", flush=True)
    return statistics.fmean(cpu), statistics.fmean(written)


def _read() -> int:
    """Bytes this process has read with read(2) so far (``rchar``, proc(5))."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def read_engine(home: Path, ids: list[str], n: int, count: int = 300) -> tuple[float, float]:
    """A per-asset read alone, in this process: ``count`` machines spread over the
    inventory, each its record and its ``events`` index entry (what ``inventory show``
    and a label read) through a new session (no file read before is reused). Prints
    the mean wall time, the median CPU and the bytes read per asset: each read checks
    a slice file whole against meta.json (slices.py), and slice files hold N/256
    records, so this is what would grow with the inventory."""
    from reemploi.inventory.projection import Session
    inv = Inventory.open(home, "bench", "bench")
    meta = inv.projection.read_meta()
    picks = ids[::max(1, len(ids) // count)][:count]
    cpu, read = [], []
    t = time.perf_counter()
    for aid in picks:
        c, r = time.process_time(), _read()
        s = Session(inv.projection, meta)
        s.asset(aid)
        s.index_get("events", aid)
        cpu.append(time.process_time() - c)
        read.append(_read() - r)
    wall = (time.perf_counter() - t) / len(picks)
    print(f"{n:>6} machines  engine: one asset's record and events, in-process: "
          f"{wall * 1e6:.0f} us wall mean, CPU {statistics.median(cpu) * 1e6:.0f} us median;"
          f" read {statistics.fmean(read) / 1024:.1f} KiB mean", flush=True)
    return statistics.median(cpu), statistics.fmean(read)


def fmt(ts: list[float]) -> str:
    return f"{statistics.median(ts):.2f} s ({min(ts):.2f}–{max(ts):.2f})"


def slope(points: list[tuple[int, float]]) -> float:
    """k of t ∝ N^k, least squares on the logs (0: flat; 1: linear)."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-3)) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def cli_cases(home: Path, ids: list[str], rounds: int, writes: bool
              ) -> dict[str, list[list[str]]]:
    """{case: its argv in each round} of the whole commands at one size."""
    picks = {50: ids[::len(ids) // 50][:50], 500: ids[::max(1, len(ids) // 500)][:500]}
    cases: dict[str, list[str]] = {}
    for k, chosen in picks.items():
        cases[f"label {k} registered"] = ["label", *chosen]
        cases[f"label {k} --payload (reference)"] = [
            "label", *[x for a in chosen for x in ("--payload", a)]]
    cases["sheet 1 registered"] = ["sheet", ids[len(ids) // 2]]
    cases["inventory show 1"] = ["inventory", "show", ids[len(ids) // 3], "--json"]
    runs = {name: [argv] * rounds for name, argv in cases.items()}
    if writes:
        runs.update(write_cases(home, ids, rounds))
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (and reuse) the generated inventories under this folder.")
    ap.add_argument("--no-writes", action="store_true", help="Time the reading commands only.")
    ap.add_argument("--engine-only", action="store_true",
                    help="Only the in-process write engine (no CLI rounds).")
    ap.add_argument("--age", type=int, default=0, metavar="WRITES",
                    help="Time a copy of each inventory after this many status changes "
                         "spread over it (the projection's tails as a busy workshop "
                         "leaves them), made once and kept beside it.")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-scale-"))
    py = sys.executable
    # Byte-code cache on, as in an installed package (see benchmarks/inventory.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REEMPLOI_STATION="bench", PYTHONPYCACHEPREFIX=str(base / "pycache"))
    results: dict[str, list[tuple[int, float]]] = {}
    try:
        # Every inventory made ready first, then the rounds interleave the sizes as
        # well as the cases: a neighbour's burst of load falls on all sizes alike, and
        # the fitted growth measures the inventory, not the load's drift.
        ready = []
        for n in [int(s) for s in args.sizes.split(",")]:
            home, ids = inventory_at(base, n)
            if args.age:
                home = aged(home, ids, args.age)
            if not args.no_writes or args.engine_only:
                cmd_env = {**env, "REEMPLOI_HOME": str(home)}
                subprocess.run([py, "-m", "reemploi", "--help"], env=cmd_env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, check=True)   # warm the .pyc cache
                if not args.engine_only:
                    first_write(py, cmd_env, home, ids, n)
                cpu_read, mean_read = read_engine(home, ids, n)
                # In microseconds: ``slope`` floors a figure at 1e-3 (of its unit).
                results.setdefault("engine: asset read CPU", []).append((n, cpu_read * 1e6))
                results.setdefault("engine: asset read bytes", []).append((n, mean_read))
                mean_cpu, mean_written = write_engine(home, ids, n)
                results.setdefault("engine: status change CPU", []).append((n, mean_cpu))
                results.setdefault("engine: status change bytes", []).append(
                    (n, mean_written))
            if not args.engine_only:
                ready.append((n, home, ids))
        runs = {n: cli_cases(home, ids, args.rounds, not args.no_writes)
                for n, home, ids in ready}
        times: dict[tuple[int, str], list[float]] = {}
        cpu: dict[tuple[int, str], list[float]] = {}
        for r in range(args.rounds):
            for n, home, _ in ready:
                cmd_env = {**env, "REEMPLOI_HOME": str(home)}
                for name, argvs in runs[n].items():
                    argv = argvs[r]
                    extra = (["--out", str(home / "bench.pdf")]
                             if argv[0] in ("label", "sheet") else [])
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t = time.perf_counter()
                    done = subprocess.run([py, "-m", "reemploi", *argv, *extra], env=cmd_env,
                                          cwd=ROOT, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True)
                    if done.returncode != 0:
                        raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr}")
                    times.setdefault((n, name), []).append(time.perf_counter() - t)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu.setdefault((n, name), []).append(after.ru_utime - before.ru_utime
                                                         + after.ru_stime - before.ru_stime)
        for (n, name), ts in times.items():
            c = statistics.median(cpu[(n, name)])
            print(f"{n:>6} machines  {name:<32} {fmt(ts)}, CPU {c:.2f} s  (whole command)",
                  flush=True)
            results.setdefault(name, []).append((n, c))
        print("load average (1, 5, 15 min) after the rounds: "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
        if len({n for pts in results.values() for n, _ in pts}) > 1:
            print("growth of CPU time with the inventory, t ∝ N^k (0 = flat, 1 = linear):")
            for name, pts in results.items():
                print(f"  {name:<32} k = {slope(pts):+.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
