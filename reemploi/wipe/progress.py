"""One progress line per disk (phase, %, speed, ETA), redrawn in place on a terminal.

Several wipe threads report at once; a lock serialises the redraw. On a terminal the
block of lines is redrawn with "cursor up" (ANSI CSI n A); elsewhere (logs, CI,
``--json``) nothing is drawn and only the summary is printed, so output stays clean.
"""

from __future__ import annotations

import sys
import threading
import time


def _rate(n: float) -> str:
    for unit in ("B/s", "kB/s", "MB/s", "GB/s"):
        if n < 1000:
            return f"{n:6.1f} {unit}"
        n /= 1000
    return f"{n:6.1f} TB/s"


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--:--"
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class MultiProgress:
    def __init__(self, names: list[str], stream=None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = (self.stream.isatty() if enabled is None else enabled)
        self.names = names
        self.lines = {n: f"{n}: …" for n in names}
        self.started: dict[tuple[str, str], float] = {}
        self.lock = threading.Lock()
        self.drawn = False

    def callback(self, name: str):
        def report(phase: str, done: int, total: int) -> None:
            key = (name, phase)
            now = time.monotonic()
            start = self.started.setdefault(key, now)
            elapsed = now - start
            speed = done / elapsed if elapsed > 0 else 0.0
            eta = (total - done) / speed if speed > 0 else None
            pct = 100.0 * done / total if total else 100.0
            width = 24
            fill = int(width * pct / 100)
            bar = "#" * fill + "-" * (width - fill)
            self.update(name, f"{name:<10} {phase:<8} [{bar}] {pct:5.1f}% {_rate(speed)} ETA {_eta(eta)}")
        return report

    def update(self, name: str, line: str) -> None:
        with self.lock:
            self.lines[name] = line
            if not self.enabled:
                return
            if self.drawn:
                self.stream.write(f"\x1b[{len(self.names)}A")
            for n in self.names:
                self.stream.write("\x1b[2K" + self.lines[n][:120] + "\n")
            self.stream.flush()
            self.drawn = True
