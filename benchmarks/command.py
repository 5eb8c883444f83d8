"""Whole-command benchmark: ``reemploi`` processes as a user starts them, against
``lshw -json`` and a bare interpreter, interleaved in every round (issue 16).

Each round runs every case once, in the same order, each as its own process (wall time
from outside, and the child's CPU time from ``getrusage``): the reference tools and
ours see the same machine load. Figures are the median (min–max) of ``--rounds``
rounds (at least 5) after one warm-up round; ratios are of medians.

Cases (the ones that need root or a tool are skipped, and say so, without them):
  true                   the cost of starting any process
  python -c pass         the interpreter alone (same python, same site-packages)
  python -c import click the floor of any click command line on this interpreter
  reemploi --version     interpreter + the CLI's own imports
  reemploi --help        the command list (no command module imported)
  probe --json --replay  a recorded machine (tests/fixtures/machines), offline
  probe --json           this machine, live: the figure against ``lshw -json``
  lshw -json             the reference for the probe (goal: probe ≤ 0.7 × lshw)
  inventory show ID      one machine of a small inventory built by the real CLI
  wipe LOOP LOOP         a wipe's planning of two 64 MiB loop devices: guard, plan,
                         then the confirmation refuses (no terminal), nothing written
  … [user install]       the interpreter, ``--version`` and ``probe --json`` of this
                         checkout installed as a station installs it (``pip install .``
                         into a venv cached outside the repository: installed.py). The
                         other cases run in the development venv, an editable install,
                         whose finder ``site`` imports at every start (~15–20 ms here).
                         The probe's figure against lshw is the user-install one.

Python runs as an installed package does: bytecode cached (here in a temporary
``PYTHONPYCACHEPREFIX``, so the checkout stays clean), ``PYTHONDONTWRITEBYTECODE``
unset. ``--compare DIR`` also runs every ``reemploi`` case from another checkout (``python
-m`` runs the code of its working directory), interleaved in the same rounds: a
before/after under the same load. ``--importtime`` also prints, per case, the packages with the largest import
cost (``python -X importtime``, self time summed per package, min over 3 runs).

    sudo .venv/bin/python benchmarks/command.py [--rounds 5] [--importtime] [--compare DIR]
                                                [--no-user-install]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from installed import user_env, user_install  # noqa: E402

USER = " [user install]"
MACHINE = ROOT / "tests" / "fixtures" / "machines" / "latitude-e5410-failing-disk"
PY = sys.executable


def _env(work: Path) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(PYTHONPYCACHEPREFIX=str(work / "pycache"), REEMPLOI_HOME=str(work / "home"),
               LANG="fr_FR.UTF-8", REEMPLOI_STATION="A", REEMPLOI_OPERATOR="bench")
    return env


def run_once(argv: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, child CPU seconds) of one process; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _reemploi(*args: str) -> list[str]:
    return [PY, "-m", "reemploi", *args]


def _inventory(env: dict) -> str | None:
    """A small real inventory (intake, then a recorded machine graded into it): the id."""
    out = subprocess.run(_reemploi("intake", "--donor", "Banc d'essai", "--device", "laptop:3",
                                   "--create-ids"), env=env, cwd=ROOT, capture_output=True,
                         text=True, check=False)
    ids = [w for w in out.stdout.split() if w.count("-") == 3]
    if out.returncode or not ids:
        print(f"inventory show: skipped (intake failed: {out.stderr.strip()[:200]})")
        return None
    subprocess.run(_reemploi("grade", "--replay", str(MACHINE), "--asset", ids[0], "--json"),
                   env=env, cwd=ROOT, capture_output=True, check=False)
    return ids[0]


def _loops(work: Path) -> list[str]:
    if os.geteuid() != 0 or shutil.which("losetup") is None:
        print("wipe planning: skipped (needs root and losetup)")
        return []
    loops = []
    for n in range(2):
        backing = work / f"disk{n}.img"
        with open(backing, "wb") as fh:
            fh.truncate(64 << 20)
        loops.append(subprocess.run(["losetup", "--find", "--show", str(backing)],
                                    capture_output=True, text=True, check=True).stdout.strip())
    return loops


def user_cases(venv: Path) -> dict[str, list[str]]:
    """The cases run from the station-style install (``installed.py``)."""
    py, cmd = str(venv / "bin" / "python"), str(venv / "bin" / "reemploi")
    return {"python -c pass" + USER: [py, "-c", "pass"],
            "reemploi --version" + USER: [cmd, "--version"],
            "probe --json" + USER: [cmd, "probe", "--json"]}


def cases(work: Path, env: dict, loops: list[str]) -> dict[str, list[str]]:
    out = {"true": ["true"], "python -c pass": [PY, "-c", "pass"],
           "python -c import click": [PY, "-c", "import click"],
           "reemploi --version": _reemploi("--version"), "reemploi --help": _reemploi("--help"),
           "probe --json --replay": _reemploi("probe", "--json", "--replay", str(MACHINE)),
           "probe --json": _reemploi("probe", "--json")}
    if shutil.which("lshw"):
        out["lshw -json"] = ["lshw", "-json"]
    else:
        print("lshw -json: skipped (lshw not installed): no reference for the probe")
    asset = _inventory(env)
    if asset:
        out["inventory show"] = _reemploi("inventory", "show", asset)
    if loops:
        out["wipe (planning)"] = _reemploi("wipe", *loops)
    return out


def importtime(argv: list[str], env: dict, cwd: Path, top: int = 6) -> list[tuple[str, float]]:
    """Largest import costs of a command: self time summed per package (reemploi's
    modules one by one), min over 3 runs, in ms."""
    best: dict[str, int] = {}
    for _ in range(3):
        res = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=cwd,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, check=False)
        for line in res.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, _cum, name = line[len("import time:"):].split("|")
            name = name.strip()
            best[name] = min(best.get(name, 1 << 60), int(self_us))
    per = Counter()
    for name, us in best.items():
        parts = name.split(".")
        per[".".join(parts[:3]) if parts[0] == "reemploi" else parts[0]] += us
    total = sum(best.values()) / 1000
    return [("total", total), (f"{len(best)} modules", 0.0)] + \
        [(k, v / 1000) for k, v in per.most_common(top)]


def instructions(argv: list[str], env: dict, cwd: Path) -> int | None:
    """Instructions the process itself executed (valgrind's callgrind, its children not
    followed), or None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    res = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          *argv], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         check=False)
    found = [line for line in res.stderr.splitlines() if "Collected :" in line]
    return int(found[-1].split()[-1]) if found else None


def print_instructions(todo: dict) -> None:
    """Each Python case's instruction count, beside its interpreter's: load-proof
    evidence of start-up work (not a time: Python and lshw's C differ in instructions
    per cycle). The tools a probe starts are not counted (other processes)."""
    print("\ninstructions executed by the process (valgrind callgrind), millions:")
    for name, (argv, cwd, env) in todo.items():
        if argv[0] == "true" or (argv[0] != PY and not name.endswith(USER)):
            continue
        count = instructions(argv, env, cwd)
        if count is None:
            print("  valgrind not installed: skipped")
            return
        print(f"  {name:<38} {count / 1e6:8.1f}")


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms ({min(values) * 1000:.0f}–" \
           f"{max(values) * 1000:.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--importtime", action="store_true",
                    help="also print each command's largest import costs")
    ap.add_argument("--compare", type=Path, default=None,
                    help="another checkout whose reemploi runs too (e.g. main, for before/after)")
    ap.add_argument("--instructions", action="store_true",
                    help="also count each Python case's instructions (valgrind callgrind): "
                         "a figure the machine's load does not move")
    ap.add_argument("--only", default=None,
                    help="comma-separated parts of case names to run (e.g. 'probe --json,lshw' "
                         "for more rounds of the probe's figure); the interpreters always run")
    ap.add_argument("--no-user-install", action="store_true",
                    help="skip the cases of the station-style install (installed.py)")
    args = ap.parse_args()
    rounds = max(5, args.rounds)
    work = Path(tempfile.mkdtemp(prefix="reemploi-bench-cmd-"))
    loops: list[str] = []
    try:
        env = _env(work)
        loops = _loops(work)
        todo = {name: (argv, ROOT, env) for name, argv in cases(work, env, loops).items()}
        if not args.no_user_install:
            venv, uenv = user_install(ROOT), user_env(env)
            todo.update({name: (argv, work, uenv) for name, argv in user_cases(venv).items()})
        if args.only:
            parts = [p.strip() for p in args.only.split(",") if p.strip()]
            todo = {k: v for k, v in todo.items()
                    if k.startswith("python -c pass") or any(p in k for p in parts)}
        if args.compare:
            other = args.compare.resolve()
            for name, (argv, _, e) in list(todo.items()):
                if argv[:3] == [PY, "-m", "reemploi"]:
                    todo[f"{name} [{other.name}]"] = (argv, other, e)
        for argv, cwd, e in todo.values():       # warm-up: bytecode, page cache
            run_once(argv, e, cwd)
        wall: dict[str, list[float]] = {k: [] for k in todo}
        cpu: dict[str, list[float]] = {k: [] for k in todo}
        for _ in range(rounds):
            for name, (argv, cwd, e) in todo.items():
                w, c = run_once(argv, e, cwd)
                wall[name].append(w)
                cpu[name].append(c)
        load = os.getloadavg()[0]
        print(f"{rounds} rounds, interleaved; load average {load:.1f} on {os.cpu_count()} CPUs")
        print(f"{'case':<38} {'wall, median (min–max)':>28} {'CPU, median':>12}")
        for name in todo:
            print(f"{name:<38} {_fmt(wall[name]):>28} "
                  f"{statistics.median(cpu[name]) * 1000:9.0f} ms")
        med = {k: statistics.median(v) for k, v in wall.items()}
        cmed = {k: statistics.median(v) for k, v in cpu.items()}
        base = med["python -c pass"]
        print(f"\nbeyond interpreter start (median − python -c pass, {base * 1000:.0f} ms):")
        for name in todo:
            if todo[name][0][0] == PY and not name.startswith("python -c"):
                print(f"  {name:<22} {(med[name] - base) * 1000:7.0f} ms")
        if "python -c pass" + USER in med:
            ubase = med["python -c pass" + USER]
            print(f"beyond the user install's interpreter start ({ubase * 1000:.0f} ms):")
            for name in (n for n in todo if n.endswith(USER) and not n.startswith("python")):
                print(f"  {name:<36} {(med[name] - ubase) * 1000:7.0f} ms")
        for probe in [k for k in todo if k.startswith("probe --json") and "replay" not in k]:
            if "lshw -json" not in med:
                break
            ratio = med[probe] / med["lshw -json"]
            per_round = [p / r for p, r in zip(wall[probe], wall["lshw -json"])]
            print(f"\n{probe} / lshw -json: {ratio:.2f} of its time (wall; per round "
                  f"{min(per_round):.2f}–{max(per_round):.2f}), CPU "
                  f"{cmed[probe] / max(cmed['lshw -json'], 1e-6):.2f}; "
                  f"goal ≤ 0.7: {'met' if ratio <= 0.7 else 'NOT met'}")
        if args.compare:
            print("\nthis checkout / the other, wall medians (CPU):")
            for name in todo:
                twin = f"{name} [{args.compare.resolve().name}]"
                if twin in med:
                    print(f"  {name:<22} {med[name] / med[twin]:5.2f} ({cmed[name] / cmed[twin]:.2f})")
        if args.instructions:
            print_instructions(todo)
        if args.importtime:
            print("\nlargest import costs (self time per package, min of 3, ms):")
            for name, (argv, cwd, e) in todo.items():
                if name.startswith("python -c") or not (argv[0] == PY or name.endswith(USER)):
                    continue
                if argv[0] != PY:           # the installed script: its venv's python
                    argv = [str(Path(argv[0]).with_name("python")), "-m", "reemploi", *argv[1:]]
                costs = importtime(argv, e, cwd)
                print(f"  {name}: " + ", ".join(f"{k} {v:.0f}" if v else k for k, v in costs))
    finally:
        for loop in loops:
            subprocess.run(["losetup", "-d", loop], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
