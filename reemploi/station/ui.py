"""How the station talks to the operator: the line UI (and the interface the screen
UI implements).

``LineUi`` writes one line per event and never redraws: it is what an unattended run
prints on a serial console or in a log, and what ``--json`` runs write to stderr. With
a profile it never asks anything (every answer is in the profile); the flow only calls
``ask_*`` when no profile was given. Wipe progress is one line per disk (bytes, speed,
ETA), printed at most every ``every`` seconds per disk so a log stays readable.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO

from ..i18n import N_, number, tr
from ..progress_words import eta_text, phase_word
from ..system.blockdev import format_size
from .profile import Step

STEP_TEXT = {
    Step.ASSET: N_("Asset id"), Step.PROBE: N_("Probe"), Step.CHECKLIST: N_("Checklist"),
    Step.GRADE: N_("Grade"), Step.WIPE: N_("Wipe"), Step.CERTIFICATE: N_("Certificate"),
    Step.IMAGE: N_("Image"), Step.DOCUMENTS: N_("Labels and sheet"), Step.READY: N_("Ready"),
}


def step_title(step: Step, lang: str) -> str:
    index = list(Step).index(step) + 1
    return tr("Step {n}/{total}: {name}", lang, n=index, total=len(Step),
              name=tr(STEP_TEXT[step], lang))


class Rates:
    """Speed and ETA of one transfer from its (done, total) reports."""

    def __init__(self) -> None:
        self.phase: str | None = None
        self.start = time.monotonic()

    def line(self, name: str, phase: str, done: int, total: int, lang: str,
             width: int = 78) -> str:
        now = time.monotonic()
        if phase != self.phase:
            self.phase, self.start = phase, now
        elapsed = now - self.start
        speed = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / speed if speed > 0 else None
        pct = 100.0 * done / total if total else 100.0
        text = tr("{name} {phase} {pct}% {done}/{total} {speed}/s ETA {eta}", lang,
                  name=name, phase=phase_word(phase, lang),
                  pct=number(pct, lang, 1), done=format_size(done, lang),
                  total=format_size(total, lang), speed=format_size(int(speed), lang),
                  eta=eta_text(eta))
        return text[:width]




class LineUi:
    """Plain lines on a stream; no questions (see module doc)."""

    interactive = False

    def __init__(self, lang: str, stream: TextIO | None = None, every: float = 5.0) -> None:
        self.lang = lang
        self.stream = stream or sys.stderr
        self.every = every
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def step(self, step: Step, note: str | None = None) -> None:
        self.say("== " + step_title(step, self.lang) + (f" — {note}" if note else ""))

    def lines(self, lines: list[str]) -> None:
        for line in lines:
            self.say("   " + line)

    def progress(self, name: str) -> Callable[[str, int, int], None]:
        """A progress callback for one disk (wipe) or one write (image)."""
        rates, last = Rates(), [0.0]

        def report(phase: str, done: int, total: int) -> None:
            now = time.monotonic()
            if done < total and now - last[0] < self.every:
                return
            last[0] = now
            self.say("   " + rates.line(name, phase, done, total, self.lang, 200))
        return report

    def finish(self) -> None:
        """The run is over (the screen UI restores the terminal)."""

    # Questions: only reached without a profile, on a terminal (ScreenUi answers them).
    def ask_asset(self) -> str | None:
        return None

    def ask_checklist(self, items: list[str], laptop_only: set[str]) -> dict | None:
        return None

    def confirm(self, title: str, lines: list[str]) -> bool:
        return False

    def pause(self, lines: list[str]) -> None:
        self.lines(lines)
