"""Benchmark: statistics over 50 000 machines and their histories.

Generates a journal of 50 000 machines (lots, donors, probe, grade, wipe,
certificate, image, status changes, checkout; some harvested and installed parts)
with the inventory's own line writer (``journal.build_line``: canonical JSON, SHA-256
chain), checks the chain with the inventory's verifier, then times:

* the summary (read the journal + fold + text), budget 2 s;
* every export (CSV, French CSV, XLSX, ODS, PDF), budget 5 s each.

Reference in the same process: reading the journal with ``Inventory.events()``-style
parsing (``json.loads`` of every line, no statistics), the floor any figure over the
journal has to pay. Ratios are printed against it. Run: .venv/bin/python benchmarks/stats.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reemploi.inventory.journal import Journal, build_line, parse_line  # noqa: E402
from reemploi.settings import Workshop  # noqa: E402
from reemploi.stats import figures_for, make_period  # noqa: E402
from reemploi.stats.exports import write_csv, write_ods, write_xlsx  # noqa: E402
from reemploi.stats.report_pdf import write_pdf  # noqa: E402
from reemploi.stats.summary import render_summary  # noqa: E402
from reemploi.stats.tables import build_tables  # noqa: E402

N_MACHINES = 50_000
KINDS = [("laptop", 0.55, "laptop"), ("desktop", 0.30, "desktop"), ("screen", 0.12, None),
         ("smartphone", 0.03, None)]
OUTCOMES = [("given", 0.55), ("sold", 0.15), ("recycled", 0.2), ("dismantled", 0.1)]


def _pick(rng, table):
    x, acc = rng.random(), 0.0
    for item in table:
        acc += item[-2] if len(item) == 3 else item[1]
        if x < acc:
            return item
    return table[-1]


def generate(home: Path, seed: int = 7) -> int:
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
    machine_no, part_no, lot_no = 0, 0, 0
    open_parts: list[str] = []
    while machine_no < N_MACHINES:
        lot_no += 1
        lot_id = f"LOT-B-{lot_no:05d}"
        start = rng.randrange(0, 640)
        size = min(rng.randrange(5, 40), N_MACHINES - machine_no)
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
            emit("asset.graded", aid, {"verdict": {"outcome": "reuse", "grade": rng.choice("ABC")},
                                       "rules_version": "1"}, day_of(day))
            emit("status.changed", aid, {"from": "received", "to": "diagnosed"}, day_of(day))
            if chassis:
                day += rng.randrange(0, 5)
                wipe_ok = rng.random() < 0.97
                emit("wipe.done", aid, {"disk": {"identity": f"d{machine_no}"}, "result": "success" if wipe_ok else "failed",
                                        "method": rng.choice(["overwrite", "ata-secure-erase", "nvme-format"]),
                                        "nist": rng.choice(["Clear", "Purge"])}, day_of(day))
                if wipe_ok:
                    emit("certificate.issued", aid, {"certificate_id": f"C{machine_no}", "sha256": "0" * 64,
                                                     "wipes": []}, day_of(day))
                    emit("status.changed", aid, {"from": "diagnosed", "to": "wiped"}, day_of(day))
                    emit("image.written", aid, {"image": {"name": "emmabuntus"}, "result": "success"}, day_of(day))
                    emit("status.changed", aid, {"from": "wiped", "to": "imaged"}, day_of(day))
            if rng.random() < 0.05:
                part_no += 1
                pid = f"REE-B-P{part_no:06d}"
                emit("asset.created", pid, {"kind": "part", "device_kind": "ram", "lot_id": lot_id}, day_of(day))
                emit("part.harvested", pid, {"from_asset": aid, "part_kind": "ram", "facts": {}}, day_of(day))
                open_parts.append(pid)
            elif open_parts and rng.random() < 0.05:
                emit("part.installed", aid, {"part_id": open_parts.pop(), "into_asset": aid}, day_of(day))
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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        t_gen, n = timed(lambda: generate(home))
        size = (home / "journal.jsonl").stat().st_size
        print(f"generated {N_MACHINES} machines, {n} events, {size / 1e6:.1f} MB in {t_gen:.1f} s")
        from reemploi.inventory.verify import check_chain
        t_ver, (count, _h, _e, bad, problem, _d) = timed(lambda: check_chain(Journal(home)))
        print(f"hash chain checked by the inventory's verifier in {t_ver:.2f} s: {count} events, "
              f"{'valid' if not bad else f'BROKEN at {bad}: {problem}'}")
        # Reference: parse every line, no statistics.
        t_ref, _ = timed(lambda: sum(1 for _, line in Journal(home).iter_lines() if parse_line(line)))
        print(f"reference: json.loads of every journal line: {t_ref:.2f} s")
        ws = Workshop(name="Atelier bench", siret="12345678900012", departement="69")
        period = make_period(year=2026)
        # First run: the whole journal is read and folded, and the fold is cached
        # (stats/cache.py); every later run reads the cache plus the new lines only.
        t_cold, _ = timed(lambda: figures_for(home, period))
        print(f"first run, whole journal read and cache written: {t_cold:.2f} s "
              f"(ratio to reference {t_cold / t_ref:.2f})")
        # A day's work appended after the cache: 200 new events.
        state_lines = (home / "journal.jsonl").read_bytes().rsplit(b"\n", 2)[-2]
        last = json.loads(state_lines)
        seq, prev = last["seq"], last["hash"]
        extra = []
        for i in range(200):
            ev, line = build_line(seq + 1 + i, prev, station="B", operator="bench", asset_id=f"REE-B-{i + 1:06d}",
                                  type="note", payload={"text": "bench"}, time="2026-10-31T12:00:00Z")
            prev = ev.hash
            extra.append(line)
        with open(home / "journal.jsonl", "ab") as fh:
            fh.write(b"".join(extra))
        t_sum, text = timed(lambda: render_summary(figures_for(home, period), ws, "fr"))
        f = figures_for(home, period)
        print(f"summary (year 2026): {t_sum:.2f} s  (budget 2 s; ratio to reference {t_sum / t_ref:.2f})")
        t_all, f_all = timed(lambda: figures_for(home, make_period()))
        print(f"summary (all time):  {t_all:.2f} s  (ratio {t_all / t_ref:.2f})")
        print("\n".join("   " + x for x in text.splitlines()[:9]))
        results = {"summary": t_sum}
        out = Path(tmp)
        for label, fn in [
            ("csv", lambda: write_csv(build_tables(figures_for(home, period), ws, "fr"), out / "csv")),
            ("csv --french", lambda: write_csv(build_tables(figures_for(home, period), ws, "fr"), out / "csvfr", True)),
            ("xlsx", lambda: write_xlsx(build_tables(figures_for(home, period), ws, "fr"), out / "s.xlsx")),
            ("ods", lambda: write_ods(build_tables(figures_for(home, period), ws, "fr"), out / "s.ods")),
            ("pdf", lambda: write_pdf(figures_for(home, period), ws, out / "s.pdf", "fr")),
        ]:
            t, _ = timed(fn)
            results[label] = t
            print(f"export {label:13s} {t:5.2f} s  (budget 5 s; ratio to reference {t / t_ref:.2f}; "
                  f"{len(f.machines)} machine rows)")
        ok = results["summary"] < 2 and all(v < 5 for k, v in results.items() if k != "summary")
        print("within budget" if ok else "OVER BUDGET")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
