"""Parser benchmark: median and p95 time per corpus file, by kind (goal: median < 5 ms).

Every file of /work/shared/corpus is parsed ``--rounds`` times (after one warm-up)
by the same entry point ``reemploi parse`` uses (``reemploi.probe.parse_kind``).
Reference, run in the same process on the same bytes: the cheapest generic
reading of that format (``json.loads`` for JSON, ``xml.etree`` for XML, a
"Key: value" regex over every line for text, ``bytes.hex`` for binary EDID). The
ratio says how much our interpretation costs over merely tokenising the file.

    .venv/bin/python benchmarks/parse.py [--rounds 5]

``bench_parsers()`` returns {kind: median ms} for other benchmarks (benchmarks/probe.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"

from reemploi.errors import BadInput  # noqa: E402
from reemploi.probe import parse_kind  # noqa: E402

_KV = re.compile(r"^\s*([^:\n]+):\s*(.*)$", re.M)


def _kind(manifest_kind: str) -> str | None:
    top = manifest_kind.split("/")[0]
    return top if top in ("smartctl", "dmidecode", "lshw", "edid", "battery", "hdparm") else None


def corpus_files() -> list[tuple[str, bytes]]:
    with open(CORPUS / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        kind = _kind(r["kind"])
        if kind:
            out.append((kind, (CORPUS / r["local_path"]).read_bytes()))
    return out


def _reference(data: bytes) -> None:
    s = data.lstrip()
    if s.startswith((b"{", b"[")):
        json.loads(data)
    elif s.startswith(b"<"):
        ET.fromstring(data)
    elif data[:8] == bytes.fromhex("00ffffffffffff00"):
        data.hex()
    else:
        dict(_KV.findall(data.decode("utf-8", "replace")))


def _time(fn, rounds: int) -> float:
    fn()                                       # warm-up (imports, regex compilation)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def measure(rounds: int = 5) -> dict[str, dict[str, float]]:
    per_kind: dict[str, list[tuple[float, float]]] = {}
    for kind, data in corpus_files():
        def ours(kind=kind, data=data):
            try:
                parse_kind(kind, data)
            except BadInput:
                pass
        per_kind.setdefault(kind, []).append((_time(ours, rounds), _time(lambda data=data: _reference(data), rounds)))
    report = {}
    for kind, pairs in sorted(per_kind.items()):
        ms = sorted(p[0] for p in pairs)
        ref = sorted(p[1] for p in pairs)
        report[kind] = {
            "files": len(ms),
            "median_ms": statistics.median(ms),
            "p95_ms": ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))],
            "ref_median_ms": statistics.median(ref),
        }
    return report


def bench_parsers(rounds: int = 3) -> dict[str, float]:
    """Median parse time per corpus file, in ms, by kind."""
    return {kind: r["median_ms"] for kind, r in measure(rounds).items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    report = measure(args.rounds)
    print(f"{'kind':<10} {'files':>5} {'median ms':>10} {'p95 ms':>8} {'ref ms':>8} {'ratio':>6}  goal")
    for kind, r in report.items():
        ratio = r["median_ms"] / r["ref_median_ms"] if r["ref_median_ms"] else float("nan")
        ok = "ok" if r["median_ms"] < 5 else "SLOW"
        print(f"{kind:<10} {r['files']:>5} {r['median_ms']:>10.3f} {r['p95_ms']:>8.3f} "
              f"{r['ref_median_ms']:>8.3f} {ratio:>6.1f}  {ok} (< 5 ms)")


if __name__ == "__main__":
    main()
