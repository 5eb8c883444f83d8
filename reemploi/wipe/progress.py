"""One progress line per disk (phase, %, speed, time left, in the reader's words:
progress_words.py), redrawn in place on a terminal.

Several wipe threads report at once; a lock serialises the redraw. On a terminal the
block of lines is redrawn with "cursor up" (ANSI CSI n A); elsewhere (logs, CI,
``--json``) nothing is drawn and only the summary is printed, so output stays clean.
"""

from __future__ import annotations

import sys
import threading
import time

from ..progress_words import progress_line


class MultiProgress:
    def __init__(self, names: list[str], stream=None, enabled: bool | None = None,
                 lang: str | None = None) -> None:
        self.stream = stream or sys.stderr
        self.lang = lang
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
            self.update(name, f"{name:<10} "
                        + progress_line(phase, done, total, now - start, self.lang))
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
