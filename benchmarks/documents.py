"""Documents benchmark (issue 16): every per-asset paper as a user runs it, on registered
machines of a real inventory at 1 000 / 10 000 / 50 000 machines.

Timed as whole CLI processes (interpreter, imports, opening the inventory, the work, the
PDF written), each case once per round at every size and the rounds interleaved (every
case at every size, then the next round), so a neighbour's burst of load falls on all
of them alike. Each figure is the median (min–max) of ``--rounds`` (at least 5) rounds
of wall time, with the median CPU time (user + system of the child): on a shared,
loaded machine wall time mostly measures the neighbours, CPU time what the command
costs. The growth exponent k of t ∝ N^k is fitted on the CPU medians over the sizes
and printed: 0 is flat (the goal: nothing per-asset grows with the inventory), 1 is
linear.

Cases: ``label`` of 50 and of 500 registered machines (goals < 0.5 s and < 2 s at 50 000
machines), each beside the same ``label`` on as many free ``--payload`` ids (same start,
imports, QR codes and PDF, no inventory read: the reference); ``sheet`` of one machine;
``certificate issue`` of a real wipe, by asset and event, and by its event id alone
with ``--operator`` (the roster and the wipe read by the ``lines`` index); a lot's ``attestation`` and ``certificate``; the
atelier's ``carnet`` of a Jerry built from harvested parts; ``image write --dry-run``
(the whole write planning: guard, wipe record, what touched the disk since) onto a loop
device wiped under a registered machine (root only); ``inventory show`` of one machine
(the per-asset floor). Then the engine alone, in this process: the facts of 500
registered machines read from the inventory and their labels rendered (no start-up).

The inventory is ``benchmarks/scale.py``'s (corpus-shaped: real dmidecode and smartctl
outputs parsed by our parsers, ~12 events per machine); what the papers need beyond it
(a Jerry, a wiped disk) is made with the real library and CLI before the rounds.

    .venv/bin/python benchmarks/documents.py [--sizes 1000,10000,50000] [--rounds 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
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

from scale import fmt, inventory_at, slope  # noqa: E402

GOALS = {"label 50 registered": 0.5, "label 500 registered": 2.0}    # s at 50 000 machines
MiB = 1 << 20


def _cli(py: str, env: dict, *argv, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([py, "-m", "reemploi", *map(str, argv)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=check)


def _on_roster(home: Path) -> None:
    """"Bench" on the workshop's roster, for ``--operator Bench`` (made once)."""
    from reemploi.inventory import operators
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "bench", "bench")
    if operators.find(inv, "Bench") is None:
        operators.add(inv, "Bench", ("technician",))


def _jerry(home: Path, ids: list[str]) -> str:
    """A Jerry built in the atelier from two parts harvested off registered machines
    (made once per inventory; its id kept in the home)."""
    mark = home / "bench-jerry.txt"
    if mark.exists():
        return mark.read_text().strip()
    from reemploi.atelier.record import Atelier
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "bench", "bench")
    donors = [a for i, a in enumerate(ids) if i % 10 == 8][:2]      # diagnosed machines
    parts = [inv.harvest_part(donors[0], "ram", {"type": "DDR3", "size_gb": 4}),
             inv.harvest_part(donors[1], "psu", {"watts": 300})]    # a disk needs its wipe
    at = Atelier(inv, home)
    jerry = at.build("Bidule", parts, at.add_person("Léa", "trainee"))
    mark.write_text(jerry)
    return jerry


class WipedLoop:
    """A loop device wiped (and verified: custody counts only a verified wipe) under a
    registered machine, for ``image write --dry-run``
    and ``certificate issue``; detached at the end. None of it without root."""

    def __init__(self, py: str, env: dict, home: Path, asset: str, tmp: Path) -> None:
        self.backing = tmp / "disk.img"
        with open(self.backing, "wb") as fh:
            fh.truncate(16 * MiB)
        self.path = subprocess.run(["losetup", "--find", "--show", str(self.backing)],
                                   check=True, capture_output=True, text=True).stdout.strip()
        wiped = json.loads(_cli(py, env, "wipe", self.path, "--asset", asset, "--method",
                                "zero", "--verify", "full", "--yes", "--json").stdout)
        self.event = wiped["records"][0]["event_id"]
        self.image = tmp / "master.img"          # data to plan a write of (no table needed)
        self.image.write_bytes(os.urandom(4 * MiB))

    def close(self) -> None:
        subprocess.run(["losetup", "-d", self.path], check=False)


def cases(home: Path, ids: list[str], jerry: str, loop: WipedLoop | None, asset: str | None,
          out: Path) -> dict[str, list]:
    picks = {50: ids[::len(ids) // 50][:50], 500: ids[::max(1, len(ids) // 500)][:500]}
    lot = json.loads((home / "bench-lot.json").read_text())
    c: dict[str, list] = {}
    for k, chosen in picks.items():
        c[f"label {k} registered"] = ["label", *chosen, "--out", out / "labels.pdf"]
        c[f"label {k} --payload (reference)"] = [
            "label", *[x for a in chosen for x in ("--payload", a)], "--out", out / "ref.pdf"]
    c["sheet 1"] = ["sheet", ids[len(ids) // 2], "--out", out / "sheet.pdf"]
    c["lot attestation (10 machines)"] = ["lot", "attestation", lot, "--out", out]
    c["lot certificate (10 machines)"] = ["lot", "certificate", lot, "--out", out]
    c["atelier carnet"] = ["atelier", "carnet", jerry, "--out", out]
    if loop is not None:
        c["certificate issue (1 wipe)"] = ["certificate", "issue", "--asset", asset,
                                           "--event", loop.event, "--out", out]
        # The wipe found by its event id alone, the operator checked against the roster.
        c["certificate issue --event --operator"] = ["certificate", "issue", "--event",
                                                     loop.event, "--operator", "Bench",
                                                     "--out", out]
        c["image write --dry-run"] = ["image", "write", loop.image, loop.path, "--asset",
                                      asset, "--dry-run"]
    c["inventory show 1"] = ["inventory", "show", ids[len(ids) // 3], "--json"]
    return c


def engine(home: Path, ids: list[str]) -> tuple[float, float]:
    """Seconds (wall, CPU: medians of 5) for the facts of 500 registered machines and
    their labels, in-process."""
    from reemploi.context import Context
    from reemploi.documents.content import machine_label
    from reemploi.documents.render import render_labels
    from reemploi.documents.sources import assets_facts
    from reemploi.documents.templates import get_template
    from reemploi.settings import Settings
    chosen = ids[::max(1, len(ids) // 500)][:500]
    times, cpu = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        inv = Context(home=home, station="bench").inventory()
        facts = assets_facts(inv, chosen)
        render_labels(get_template("L7160"), [machine_label(f, Settings(), "fr") for f in facts])
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None,
                    help="Keep (and reuse) the generated inventories under this folder.")
    args = ap.parse_args()
    rounds = max(5, args.rounds)
    base = args.keep or Path(tempfile.mkdtemp(prefix="reemploi-docs-"))
    py = sys.executable
    # Byte-code cache on, as in an installed package (see benchmarks/inventory.py).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(REEMPLOI_STATION="bench", REEMPLOI_OPERATOR="", REEMPLOI_LANG="fr",
               REEMPLOI_YES="1", PYTHONPYCACHEPREFIX=str(base / "pycache"))
    cpu_by_case: dict[str, list[tuple[int, float]]] = {}
    wall_by_case: dict[str, list[tuple[int, float]]] = {}
    # Every inventory made ready first (its lot, Jerry, roster and wiped loop), then the
    # rounds interleave the sizes as well as the cases: a load that drifts during the
    # run falls on every size alike, and the fitted growth measures the inventory.
    ready: list[tuple[int, Path, list[str], dict, dict]] = []
    loops: list[WipedLoop] = []
    tmps: list[Path] = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            home, ids = inventory_at(base, n)
            cmd_env = {**env, "REEMPLOI_HOME": str(home)}
            lot_file = home / "bench-lot.json"
            if not lot_file.exists():
                lots = json.loads(_cli(py, cmd_env, "inventory", "show", ids[5], "--json").stdout)
                lot_file.write_text(json.dumps(lots["lot_id"]))
            jerry = _jerry(home, ids)
            _on_roster(home)
            tmp = Path(tempfile.mkdtemp(prefix="docs-run-", dir=base))
            tmps.append(tmp)
            loop = asset = None
            if os.geteuid() == 0 and shutil.which("losetup"):
                asset = next(a for i, a in enumerate(ids) if i % 10 == 9)   # diagnosed
                if (home / "bench-wiped.txt").exists():
                    asset = next(a for i, a in enumerate(ids) if i % 10 == 9
                                 and a not in (home / "bench-wiped.txt").read_text().split())
                loop = WipedLoop(py, cmd_env, home, asset, tmp)
                loops.append(loop)
                with open(home / "bench-wiped.txt", "a") as fh:
                    fh.write(asset + "\n")
            _cli(py, cmd_env, "--help")                          # warm the .pyc cache
            ready.append((n, home, ids, cmd_env, cases(home, ids, jerry, loop, asset, tmp)))
        times: dict[tuple[int, str], list[float]] = {}
        cpu: dict[tuple[int, str], list[float]] = {}
        for _ in range(rounds):
            for n, _, _, cmd_env, run in ready:
                for name, argv in run.items():
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t = time.perf_counter()
                    r = _cli(py, cmd_env, *argv, check=False)
                    times.setdefault((n, name), []).append(time.perf_counter() - t)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu.setdefault((n, name), []).append(after.ru_utime - before.ru_utime
                                                         + after.ru_stime - before.ru_stime)
                    if r.returncode != 0:
                        raise SystemExit(f"{name} failed ({r.returncode}): {r.stderr}")
        print("load average (1, 5, 15 min) after the rounds: "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()), flush=True)
        for (n, name), ts in times.items():
            c = statistics.median(cpu[(n, name)])
            goal = GOALS.get(name)
            verdict = "" if goal is None or n < 50000 else \
                f"  goal < {goal} s: {'met' if statistics.median(ts) < goal else 'NOT met'}"
            print(f"{n:>6} machines  {name:<34} {fmt(ts)}, CPU {c:.2f} s{verdict}",
                  flush=True)
            cpu_by_case.setdefault(name, []).append((n, c))
            wall_by_case.setdefault(name, []).append((n, statistics.median(ts)))
        for n, home, ids, _, _ in ready:
            wall, cpu_s = engine(home, ids)
            print(f"{n:>6} machines  engine: facts + labels of 500, in-process "
                  f"{wall:.2f} s, CPU {cpu_s:.2f} s (medians of 5)", flush=True)
        if len({n for pts in cpu_by_case.values() for n, _ in pts}) > 1:
            print("growth with the inventory, t ∝ N^k (0 = flat, 1 = linear), CPU and wall:")
            for name, pts in cpu_by_case.items():
                print(f"  {name:<34} k = {slope(pts):+.2f} (CPU)  "
                      f"{slope(wall_by_case[name]):+.2f} (wall)")
    finally:
        for loop in loops:
            loop.close()
        for tmp in tmps:
            shutil.rmtree(tmp, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
