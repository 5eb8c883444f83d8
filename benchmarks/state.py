"""Typed state benchmark (issue 10 deliverable 2): what reading the fold's records as
frozen dataclasses (inventory/state.py) costs, in this process, on the corpus-shaped
inventory of ``benchmarks/scale.py`` (real dmidecode and smartctl outputs parsed by our
parsers, ~12 events per machine).

Cases, each the median of ``--rounds`` runs, on 500 machines spread over the inventory
(what a sheet of 500 labels reads):

* ``records`` (the reference): ``Inventory.records`` of the 500, the dicts as the
  projection's slices hold them;
* ``states``: ``Inventory.states`` of the same 500 (the same read, then one
  ``AssetState.from_record`` each); the ratio to ``records`` is the typed read's price;
* ``from_record`` alone, per asset (µs of CPU), beside ``json.loads`` of the same
  record's JSON (the per-asset floor any read pays);
* ``facts + labels of 500``: ``documents.sources.assets_facts`` and the labels
  rendered, as benchmarks/documents.py's engine figure (facts.py reads the state).

    .venv/bin/python benchmarks/state.py [--sizes 1000,50000] [--rounds 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import inventory_at  # noqa: E402


def _median(fn, rounds: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(rounds):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def measure(home: Path, ids: list[str], rounds: int) -> dict[str, float]:
    from reemploi.context import Context
    from reemploi.documents.content import machine_label
    from reemploi.documents.render import render_labels
    from reemploi.documents.sources import assets_facts
    from reemploi.documents.templates import get_template
    from reemploi.inventory.state import AssetState
    from reemploi.settings import Settings

    chosen = ids[::max(1, len(ids) // 500)][:500]
    inv = Context(home=home, station="bench").inventory()
    records = inv.records(chosen)
    texts = [json.dumps(r) for r in records.values()]
    docs = list(records.values())
    repeat = 20

    def from_record() -> None:
        for _ in range(repeat):
            for d in docs:
                AssetState.from_record(d)

    def parse() -> None:
        for _ in range(repeat):
            for t in texts:
                json.loads(t)

    def labels() -> None:
        facts = assets_facts(inv, chosen)
        render_labels(get_template("L7160"), [machine_label(f, Settings(), "fr") for f in facts])

    per = 1e6 / (repeat * len(docs))
    return {"records": _median(lambda: inv.records(chosen), rounds),
            "states": _median(lambda: inv.states(chosen), rounds),
            # CPU time of this process: on a shared machine, wall time of a µs loop
            # mostly measures the neighbours.
            "from_record_us": _median(from_record, rounds, time.process_time) * per,
            "json_us": _median(parse, rounds, time.process_time) * per,
            "record_bytes": statistics.fmean(len(t) for t in texts),
            "labels": _median(labels, rounds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,50000")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (and reuse) the generated inventories under this folder.")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-state-"))
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            home, ids = inventory_at(base, n)
            m = measure(home, ids, max(3, args.rounds))
            print(f"{n:>6} machines  records of 500 {m['records'] * 1e3:7.1f} ms (reference)  "
                  f"states of 500 {m['states'] * 1e3:7.1f} ms  ratio "
                  f"{m['states'] / m['records']:.2f}", flush=True)
            print(f"{n:>6} machines  from_record {m['from_record_us']:.1f} µs/asset  "
                  f"json.loads of the record {m['json_us']:.1f} µs/asset "
                  f"({m['record_bytes']:.0f} bytes)  ratio "
                  f"{m['from_record_us'] / m['json_us']:.2f}", flush=True)
            print(f"{n:>6} machines  facts + labels of 500, in-process "
                  f"{m['labels']:.2f} s", flush=True)
            print(f"{n:>6} machines  load average (1, 5, 15 min): "
                  + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
