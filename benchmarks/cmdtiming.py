"""Timing helpers shared by the engine benchmarks (wipe.py, image.py): whole commands.

Issue 16: a figure must say what a user sees. So a command is timed as a process
started from outside (interpreter, imports, inventory, the work, the output), with
its CPU time from ``getrusage(RUSAGE_CHILDREN)`` (what the command costs, which a
loaded machine inflates less than the wall time), and every figure is a median
(min–max) of several rounds in which ours and the references were interleaved.

Byte-code: this machine's environment sets ``PYTHONDONTWRITEBYTECODE``, which no
installed station does (pip writes the ``.pyc`` files at install time). Commands run
here without it, with the cache in a private folder (``PYTHONPYCACHEPREFIX``) so the
source tree stays clean, and after one warm-up run.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    stdout: str


def cli_env(home: Path, pycache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), REEMPLOI_HOME=str(home),
               PYTHONPYCACHEPREFIX=str(pycache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(argv: list[str], *, env: dict | None = None, shell: bool = False,
        check: bool = True) -> Run:
    """Run one command; wall and CPU (user + system of the process and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(argv, env=env, shell=shell, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if check and proc.returncode != 0:
        raise SystemExit(f"{argv if not shell else argv!s} exited {proc.returncode}: "
                         f"{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, proc.stdout)


def timed(fn, *args, **kw) -> tuple[float, object]:
    start = time.monotonic()
    out = fn(*args, **kw)
    return time.monotonic() - start, out


def med(values: list[float], fmt: str = "{:.2f}") -> str:
    """``median (min–max)``."""
    if not values:
        return "—"
    return (fmt.format(statistics.median(values)) + " (" + fmt.format(min(values)) + "–"
            + fmt.format(max(values)) + ")")


def ratio(runs: dict[str, list[float]], a: str, b: str) -> str:
    """Median (min–max) of a/b over the rounds both ran: each round's pair ran back to
    back, so the ratio cancels most of the load that changed between rounds."""
    n = min(len(runs[a]), len(runs[b]))
    return med([runs[a][i] / runs[b][i] for i in range(n)])


def print_table(wall: dict[str, list[float]], cpu: dict[str, list[float]], *, width: int,
                rate_head: str, rate, missing: str, cpu_head: str = "CPU s",
                no_rate=lambda name: False) -> None:
    """One line per run: wall median (min–max), ``rate(median wall)`` (``missing`` for
    the runs ``no_rate`` names: another size) and CPU median."""
    print(f"{'run':{width}} {'wall s, median (min–max)':28} {rate_head:>{len(rate_head)}}  "
          f"{cpu_head}")
    for k, v in wall.items():
        c = med(cpu[k]) if k in cpu else missing
        r = (f"{missing:>{len(rate_head)}}" if no_rate(k)
             else f"{rate(statistics.median(v)):{len(rate_head)}.0f}")
        print(f"{k:{width}} {med(v):28} {r}  {c}")


def print_ratios(title: str, runs: dict[str, list[float]],
                 rows: list[tuple[str, str, str]]) -> None:
    """``title`` then one ``label: ratio(a, b)`` line per row whose runs both exist,
    labels padded to one column."""
    rows = [r for r in rows if r[1] in runs and r[2] in runs]
    width = max((len(label) for label, _, _ in rows), default=0) + 1
    print(title)
    for label, a, b in rows:
        print(f"  {label + ':':{width}} {ratio(runs, a, b)}")


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


class Loads:
    """The load average sampled at each round, reported with the figures."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    def sample(self) -> None:
        with open("/proc/loadavg") as fh:
            self.samples.append(float(fh.read().split()[0]))

    def __str__(self) -> str:
        if not self.samples:
            return "?"
        return (f"load average {med(self.samples, '{:.1f}')} over the rounds, "
                f"{os.cpu_count()} CPUs")


def losetup(backing: Path, direct: bool = False) -> str:
    flags = ["--direct-io=on"] if direct else []
    return subprocess.run(["losetup", "--find", "--show", *flags, str(backing)], check=True,
                          capture_output=True, text=True).stdout.strip()


def lodetach(dev: str) -> None:
    subprocess.run(["losetup", "-d", dev], check=False)
