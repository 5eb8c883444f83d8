"""Benchmark: `reemploi stats --year 2026` over 1 000, 10 000 and 50 000 machines and
their histories, timed as a user runs it.

Generates, per size, a journal (lots, donors, probe, grade, wipe start and end,
certificate, image start and end, status changes, checkout; harvested and installed
parts; machines built in the atelier from parts, with their sittings) with the
inventory's own line writer (``journal.build_line``: canonical JSON, SHA-256 chain),
checks the chain with the inventory's verifier, then leaves the figures' ledger as the
commands that write the journal leave it at worst (``stats.keep``): folded up to just
before the point where the next command would rewrite it (95 % of 1 MiB at 10 000 and
50 000 machines, of 256 KiB at 1 000), the real events after it. Then times:

* the whole command (a new ``python -m reemploi stats --year 2026`` process: start,
  imports, ledger, tail, figures, text), median (min–max) of ``--rounds`` rounds (5),
  wall and CPU, interleaved in every round with the reference (a Python process that
  parses every journal line with ``json.loads``: the floor of any figure over the
  journal without a kept ledger):
  - *cold*: the first ``stats`` ever on this data directory (no stats run before: the
    ledger file restored as the writers left it before each round), goal < 2 s;
  - *warm*: ``stats`` again after 200 new events;
  - *journal only*: no ledger file at all (a data directory restored from a copy of
    its journal alone): the whole journal folded, in two processes past 32 MiB;
* the growth of each from 1 000 to 50 000 machines (least squares t = a + b·N);
* the engine alone at the largest size, inside this process: the fold in one process
  and in two halves, the ledger's load, the figures of the year;
* every export (CSV, French CSV, XLSX, ODS, PDF), engine alone, budget 5 s each.

On a shared, loaded machine wall time swings; CPU time much less: both are printed,
with the load average.
Run: .venv/bin/python benchmarks/stats.py [--rounds 5] [--machines 1000,10000,50000]
     [--home DIR (kept, reused: one data directory per size under it)]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reemploi.inventory.journal import Journal, build_line  # noqa: E402
from reemploi.settings import Workshop  # noqa: E402
from reemploi.stats import figures_for, make_period  # noqa: E402
from reemploi.stats.cache import CACHE_NAME, load_ledger  # noqa: E402
from reemploi.stats.ledgerfile import REWRITE_BYTES, REWRITE_SHARE, WRITER_BYTES  # noqa: E402
from reemploi.stats.exports import write_csv, write_ods, write_xlsx  # noqa: E402
from reemploi.stats.report_pdf import write_pdf  # noqa: E402
from reemploi.stats.summary import render_summary  # noqa: E402
from reemploi.stats.tables import build_tables  # noqa: E402

N_MACHINES = 50_000
KINDS = [("laptop", 0.55, "laptop"), ("desktop", 0.30, "desktop"), ("screen", 0.12, None),
         ("smartphone", 0.03, None)]
OUTCOMES = [("given", 0.55), ("sold", 0.15), ("recycled", 0.2), ("dismantled", 0.1)]


GRADED = ("ready", "ready-after-upgrade", "parts-only", "recycling")
WIPES = (("zero", "overwrite", "clear"), ("firmware", "ata-security-erase", "purge"),
         ("firmware", "nvme-format-crypto-erase", "purge"))


def _pick(rng, table):
    x, acc = rng.random(), 0.0
    for item in table:
        acc += item[-2] if len(item) == 3 else item[1]
        if x < acc:
            return item
    return table[-1]


def generate(home: Path, seed: int = 7, machines: int | None = None) -> int:
    n_machines = N_MACHINES if machines is None else machines
    rng = random.Random(seed)
    home.mkdir(parents=True, exist_ok=True)
    lines: list[bytes] = []
    state = {"seq": 0, "prev": ""}

    def emit(type_, asset_id, payload, day, hour=10):
        state["seq"] += 1
        ev, line = build_line(state["seq"], state["prev"], station="B", operator="bench",
                              asset_id=asset_id, type=type_, payload=payload,
                              time=f"{day}T{hour:02d}:{rng.randrange(60):02d}:00Z")
        state["prev"] = ev.hash
        lines.append(line)

    def day_of(n):                       # spread over 2025-01-01 .. 2026-10-31
        y, rest = (2025, n) if n < 365 else (2026, n - 365)
        import datetime
        return (datetime.date(y, 1, 1) + datetime.timedelta(days=rest)).isoformat()

    for d in range(200):
        emit("donor.registered", None, {"donor_id": f"DON-B-{d:04d}", "name": f"Donateur {d}",
                                        "kind": rng.choice(["company", "public", "person"])}, "2025-01-01")
    machine_no, part_no, lot_no, built_no = 0, 0, 0, 0
    open_parts: list[str] = []
    while machine_no < n_machines:
        lot_no += 1
        lot_id = f"LOT-B-{lot_no:05d}"
        start = rng.randrange(0, 640)
        size = min(rng.randrange(5, 40), n_machines - machine_no)
        kinds = [_pick(rng, KINDS) for _ in range(size)]
        counts: dict[str, int] = {}
        for k in kinds:
            counts[k[0]] = counts.get(k[0], 0) + 1
        weighed = rng.random() < 0.4
        devices = [{"kind": k, "count": c, "weight_kg": round(c * 2.1, 1) if weighed and k == "laptop" else None}
                   for k, c in counts.items()]
        emit("lot.received", None, {"lot_id": lot_id, "donor_id": f"DON-B-{rng.randrange(200):04d}",
                                    "date": day_of(start), "devices": devices, "weight_kg": None}, day_of(start))
        for kind, _, chassis in kinds:
            machine_no += 1
            aid = f"REE-B-{machine_no:06d}"
            day = start
            emit("asset.created", aid, {"kind": "machine", "device_kind": kind, "lot_id": lot_id,
                                        "weight_kg": round(rng.uniform(1.2, 3.0), 2) if rng.random() < 0.3 else None},
                 day_of(day))
            if chassis:
                emit("asset.probed", aid, {"machine": {"system": {"chassis": chassis, "vendor": "LENOVO"},
                                                       "cpu": {"model": "Intel(R) Core(TM) i5-6300U"},
                                                       "memory": {"total_mb": 8192}}}, day_of(day))
            day += rng.randrange(0, 10)
            # The grader's own outcomes (grade.verdict.Outcome), never a made-up one.
            outcome = rng.choices(GRADED, weights=(70, 15, 10, 5))[0]
            emit("asset.graded", aid, {"verdict": {"outcome": outcome, "grade": rng.choice("ABC")},
                                       "rules_version": "1"}, day_of(day))
            emit("status.changed", aid, {"from": "received", "to": "diagnosed"}, day_of(day))
            if chassis:
                day += rng.randrange(0, 5)
                wipe_ok = rng.random() < 0.97
                disk = {"identity": f"serial:WD-{machine_no:08d}", "model": "WDC WD5000LPVX",
                        "serial": f"WD-{machine_no:08d}", "size_bytes": 500107862016, "media": "hdd"}
                # What the wipe stage records: the method that ran and its technique.
                method, technique, nist = rng.choice(WIPES)
                # The wipe stage appends its intent first (wipe.started), then the end.
                emit("wipe.started", aid, {"disk": disk, "method": method, "technique": technique,
                                           "nist": nist}, day_of(day))
                emit("wipe.done", aid, {"disk": disk, "result": "success" if wipe_ok else "failed",
                                        "method": method, "technique": technique, "nist": nist},
                     day_of(day))
                if wipe_ok:
                    emit("certificate.issued", aid, {"certificate_id": f"C{machine_no}", "sha256": "0" * 64,
                                                     "wipes": []}, day_of(day))
                    emit("status.changed", aid, {"from": "diagnosed", "to": "wiped"}, day_of(day))
                    image = {"name": "emmabuntus-de5", "version": "1.05", "sha256": "1" * 64}
                    emit("image.started", aid, {"image": image, "disk": disk, "hostname": "emmabuntus"},
                         day_of(day))
                    emit("image.written", aid, {"image": image, "disk": disk, "result": "success"}, day_of(day))
                    emit("status.changed", aid, {"from": "wiped", "to": "imaged"}, day_of(day))
            if rng.random() < 0.05:
                part_no += 1
                pid = f"REE-B-P{part_no:06d}"
                emit("asset.created", pid, {"kind": "part", "device_kind": "ram", "lot_id": lot_id}, day_of(day))
                emit("part.harvested", pid, {"from_asset": aid, "part_kind": "ram", "facts": {}}, day_of(day))
                open_parts.append(pid)
            elif open_parts and rng.random() < 0.05:
                emit("part.installed", aid, {"part_id": open_parts.pop(), "into_asset": aid}, day_of(day))
            if len(open_parts) >= 3 and rng.random() < 0.02:
                # A machine built in the atelier from three harvested parts, with a sitting.
                built_no += 1
                jerry = f"REE-B-J{built_no:05d}"
                used = [open_parts.pop() for _ in range(3)]
                emit("atelier.session", None, {"session_id": f"S{built_no:05d}",
                                               "trainee_id": f"P{rng.randrange(40):04d}",
                                               "started": f"{day_of(day)}T09:00:00Z",
                                               "ended": f"{day_of(day)}T11:00:00Z", "minutes": 120,
                                               "steps": ["assemblage"]}, day_of(day))
                emit("built", jerry, {"device_kind": "desktop", "parts": used, "name": f"Jerry {built_no}",
                                      "trainee_id": f"P{rng.randrange(40):04d}"}, day_of(day))
            if rng.random() < 0.85 and day + 3 < 670:
                day += rng.randrange(1, 25)
                day = min(day, 669)
                outcome = _pick(rng, OUTCOMES)[0]
                emit("status.changed", aid, {"from": "imaged", "to": "ready"}, day_of(day))
                emit("checkout", aid, {"destination_kind": outcome, "organisation": f"Asso {rng.randrange(60)}",
                                       "date": day_of(day), "price_eur": None}, day_of(day))
                emit("status.changed", aid, {"from": "ready", "to": "out", "destination_kind": outcome},
                     day_of(day))
    Journal(home).ensure()
    (home / "journal.jsonl").write_bytes(b"".join(lines))
    (home / "settings.toml").write_text('[workshop]\nname = "Atelier bench"\nsiret = "12345678900012"\n'
                                        'departement = "69"\n', encoding="utf-8")
    return len(lines)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _median(ts: list[float]) -> str:
    return f"{statistics.median(ts):.2f} s ({min(ts):.2f}–{max(ts):.2f})"


# The reference a user's machine sets: a whole Python process that reads the journal
# and parses every line (what any figure over the journal without a fold would pay),
# started like ours.
REFERENCE = ("import sys\nfrom pathlib import Path\nfrom reemploi.inventory.journal import Journal, "
             "parse_line\nprint(sum(1 for _, line in Journal(Path(sys.argv[1])).iter_lines() "
             "if parse_line(line)))")


def _process(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system, the process and its children) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _append_notes(home: Path, n: int) -> None:
    """A day's work appended after the checkpoint: ``n`` new events on the chain."""
    last = json.loads((home / "journal.jsonl").read_bytes().rsplit(b"\n", 2)[-2])
    seq, prev = last["seq"], last["hash"]
    extra = []
    for i in range(n):
        ev, line = build_line(seq + 1 + i, prev, station="B", operator="bench",
                              asset_id=f"REE-B-{i + 1:06d}", type="note", payload={"text": "bench"},
                              time="2026-10-31T12:00:00Z")
        prev = ev.hash
        extra.append(line)
    with open(home / "journal.jsonl", "ab") as fh:
        fh.write(b"".join(extra))


def keep_as_writers(home: Path) -> int:
    """The ledger file as the writing commands leave it at worst: folded up to the last
    line boundary 95 % of their rewrite threshold before the journal's end (the next
    command would rewrite it; ``ledgerfile.rewrite_due``: 256 KiB at 1 000 machines,
    1 MiB from 10 000). Returns the bytes left after it."""
    journal = home / "journal.jsonl"
    data = journal.read_bytes()
    behind = max(WRITER_BYTES, min(REWRITE_BYTES, len(data) // REWRITE_SHARE)) * 95 // 100
    cut = data.rfind(b"\n", 0, max(0, len(data) - behind)) + 1
    (home / CACHE_NAME).unlink(missing_ok=True)
    journal.write_bytes(data[:cut])
    try:
        load_ledger(home)                                   # writes the ledger at ``cut``
    finally:
        journal.write_bytes(data)
    return len(data) - cut


def commands(home: Path, rounds: int) -> dict[str, dict[str, list[float]]]:
    """``reemploi stats --year 2026`` as a user runs it (see the module's docstring),
    interleaved with the reference process in every round."""
    py = sys.executable
    stats = [py, "-m", "reemploi", "stats", "--year", "2026", "--home", str(home)]
    ledger = home / CACHE_NAME
    tail = keep_as_writers(home)
    kept = ledger.read_bytes()
    print(f"  the writers' ledger covers all but the last {tail / 1024:.0f} KiB")
    subprocess.run([py, "-m", "reemploi", "--help"], cwd=ROOT, stdout=subprocess.DEVNULL,
                   check=True)                              # the .pyc files exist
    names = ("reference", "cold", "warm", "journal only")
    wall: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        for name in names:
            argv = stats
            if name == "reference":
                argv = [py, "-c", REFERENCE, str(home)]
            elif name == "cold":
                ledger.write_bytes(kept)                    # no stats run before this one
            elif name == "warm":
                _append_notes(home, 200)
            else:
                ledger.unlink(missing_ok=True)
            w, c = _process(argv)
            wall[name].append(w)
            cpu[name].append(c)
        print(f"  round {r + 1}: " + ", ".join(f"{k} {wall[k][-1]:.2f} s" for k in wall), flush=True)
    ledger.write_bytes(kept)
    ref = statistics.median(wall["reference"])
    for name in wall:
        ratio = statistics.median(wall[name]) / ref
        print(f"  {name:12s} wall {_median(wall[name])}, CPU {_median(cpu[name])}"
              + ("" if name == "reference" else f", {ratio:.2f} x the reference"))
    return {"wall": wall, "cpu": cpu}


def fit(sizes: list[int], times: list[float]) -> tuple[float, float]:
    """Least squares t = a + b * N: (a seconds, b seconds per 1 000 machines)."""
    n = len(sizes)
    mx, my = sum(sizes) / n, sum(times) / n
    sxx = sum((x - mx) ** 2 for x in sizes)
    b = sum((x - mx) * (y - my) for x, y in zip(sizes, times)) / sxx if sxx else 0.0
    return my - b * mx, b * 1000


def engine(home: Path, rounds: int) -> None:
    """The same work inside a running Python (no interpreter start, no imports, no text)."""
    from reemploi.stats import load_reference
    period, ref = make_period(year=2026), load_reference(home)
    runs: dict[str, list[float]] = {"fold, one process": [], "fold, two halves": [],
                                    "ledger load": [], "figures of 2026": []}
    for _ in range(rounds):
        runs["fold, one process"].append(timed(lambda: load_ledger(home, use_cache=False,
                                                                   parallel=False))[0])
        runs["fold, two halves"].append(timed(lambda: load_ledger(home, use_cache=False))[0])
        load_ledger(home, rewrite=lambda at, end: True)          # covers the whole journal
        t, ledger = timed(lambda: load_ledger(home))
        runs["ledger load"].append(t)
        runs["figures of 2026"].append(timed(lambda: ledger.figures(period, ref))[0])
    for name, ts in runs.items():
        print(f"  {name:18s} {_median(ts)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--machines", default="1000,10000,50000",
                        help="sizes, comma-separated (the growth is fitted over them)")
    parser.add_argument("--home", type=Path, default=None,
                        help="keep the generated data directories here (reused if they exist)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.machines.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        base = args.home or Path(tmp)
        runs: dict[int, dict] = {}
        for n_machines in sizes:
            home = base / f"h{n_machines}"
            if not (home / "journal.jsonl").exists():
                t_gen, n = timed(lambda: generate(home, machines=n_machines))
                print(f"generated {n_machines} machines, {n} events in {t_gen:.1f} s")
            size = (home / "journal.jsonl").stat().st_size
            from reemploi.inventory.verify import check_chain
            t_ver, (count, _h, _e, bad, problem, _d) = timed(lambda: check_chain(Journal(home)))
            print(f"{n_machines} machines: journal of {count} events, {size / 1e6:.1f} MB; hash "
                  f"chain checked in {t_ver:.2f} s: {'valid' if not bad else f'BROKEN at {bad}: {problem}'}")
            print(f"  whole command, median (min–max) of {args.rounds} rounds "
                  f"(load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} before):")
            runs[n_machines] = commands(home, args.rounds)
        print(f"growth from {sizes[0]} to {sizes[-1]} machines, medians, fitted t = a + b x N:")
        for name in ("reference", "cold", "warm", "journal only"):
            for what in ("wall", "cpu"):
                meds = [statistics.median(runs[n][what][name]) for n in sizes]
                a, b = fit(sizes, meds) if len(sizes) > 1 else (meds[0], 0.0)
                print(f"  {name:12s} {what:4s} " + ", ".join(f"{m:.2f}" for m in meds)
                      + f" s; a = {a:.2f} s, b = {b:.3f} s per 1 000 machines"
                      + f" (x {meds[-1] / meds[0]:.1f} for x {sizes[-1] / sizes[0]:.0f} machines)")
        home = base / f"h{sizes[-1]}"
        print(f"engine alone at {sizes[-1]} machines (in this process):")
        engine(home, args.rounds)
        keep_as_writers(home)
        ws = Workshop(name="Atelier bench", siret="12345678900012", departement="69")
        period = make_period(year=2026)
        f = figures_for(home, period)
        print("\n".join("   " + x for x in render_summary(f, ws, "fr").splitlines()[:9]))
        results = {}
        out = Path(tmp)
        print("exports, engine alone (the writers' ledger present):")
        for label, fn in [
            ("csv", lambda: write_csv(build_tables(figures_for(home, period), ws, "fr"), out / "csv")),
            ("csv --french", lambda: write_csv(build_tables(figures_for(home, period), ws, "fr"), out / "csvfr", True)),
            ("xlsx", lambda: write_xlsx(build_tables(figures_for(home, period), ws, "fr"), out / "s.xlsx")),
            ("ods", lambda: write_ods(build_tables(figures_for(home, period), ws, "fr"), out / "s.ods")),
            ("pdf", lambda: write_pdf(figures_for(home, period), ws, out / "s.pdf", "fr")),
        ]:
            t, _ = timed(fn)
            results[label] = t
            print(f"  {label:13s} {t:5.2f} s  (budget 5 s; {len(f.machines)} machine rows)")
        top = runs[sizes[-1]]
        cold = [statistics.median(top[w]["cold"]) for w in ("wall", "cpu")]
        warm = [statistics.median(top[w]["warm"]) for w in ("wall", "cpu")]
        ok = max(cold + warm) < 2 and all(v < 5 for v in results.values())
        print(f"stats --year at {sizes[-1]} machines, whole command: cold {cold[0]:.2f} s wall, "
              f"{cold[1]:.2f} s CPU; warm {warm[0]:.2f} s wall, {warm[1]:.2f} s CPU (goal < 2 s): "
              + ("within budget" if ok else "OVER BUDGET") + "; load average now "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
