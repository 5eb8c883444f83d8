"""The full-screen station display for a text console: 80×25, keyboard only, no colour.

A Linux virtual console is 80×25 on the oldest PCs a workshop gets (VGA text mode,
no framebuffer), has no mouse and may have no colour; a technician works it with the
keyboard alone. So each screen is drawn whole: clear (``ESC [H ESC [2J``, the only
control sequences used, which the Linux console, tmux and every VT100 descendant
know), a title line, a rule, up to ``BODY`` lines of body (the step's news, the
newest at the bottom, then one progress line per disk), a rule, a key-help line and
the input line. Every line is cut to 79 columns, so nothing wraps even on a console
that wraps at column 80. Answers are typed lines ended by Enter (a scanner types the
label's id and Enter itself); Ctrl-C stops the run, which resumes at the next start.
"""

from __future__ import annotations

import sys
import textwrap
import time
from typing import Callable, TextIO

from ..grade.render import ITEM_TEXT
from ..i18n import N_, tr
from .profile import Step
from .ui import LineUi, Rates, step_title

WIDTH, HEIGHT = 80, 25
BODY = HEIGHT - 6              # title, rule, body..., rule, help, input
CLEAR = "\x1b[H\x1b[2J"

STATES = {"o": "ok", "ok": "ok", "": "ok", "p": "fail", "f": "fail", "fail": "fail",
          "n": "na", "na": "na"}
ANSWER_TEXT = {"ok": N_("ok"), "fail": N_("fails"), "na": N_("not applicable")}


def wrap(lines: list[str], width: int = WIDTH - 1) -> list[str]:
    """Body lines folded at word boundaries (indent kept), so a long French sentence
    reads whole instead of being cut."""
    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out.extend(textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent + "  ",
                                 break_on_hyphens=False) or [""])
    return out


def fit(text: str, width: int = WIDTH - 1) -> str:
    text = text.replace("\t", " ")
    return text if len(text) <= width else text[:width - 1] + "…"


class ScreenUi(LineUi):
    interactive = True

    def __init__(self, lang: str, stream: TextIO | None = None,
                 stdin: TextIO | None = None, every: float = 0.5) -> None:
        super().__init__(lang, stream or sys.stdout, every)
        self.stdin = stdin or sys.stdin
        self.title = tr("reemploi — station", lang)
        self.body: list[str] = []
        self.bars: dict[str, str] = {}
        self.help = ""
        self.drawn_at = 0.0

    # -- drawing
    def frame(self, prompt: str = "") -> list[str]:
        rule = "-" * (WIDTH - 1)
        room = BODY - len(self.bars)
        body = self.body[-room:] if room > 0 else []
        body = body + [""] * (room - len(body)) + list(self.bars.values())[:BODY]
        return [fit(self.title), rule, *[fit(line) for line in body], rule, fit(self.help),
                fit(prompt)]

    def draw(self, prompt: str = "") -> None:
        with self.lock:
            lines = self.frame(prompt)
            # No newline after the input line: the cursor waits at its end.
            self.stream.write(CLEAR + "\r\n".join(lines))
            self.stream.flush()
            self.drawn_at = time.monotonic()

    def read(self, prompt: str) -> str:
        self.draw(prompt)
        line = self.stdin.readline()
        if not line:                  # end of input: nobody at the keyboard
            raise EOFError
        return line.rstrip("\r\n")

    # -- LineUi interface
    def say(self, text: str) -> None:
        self.body.extend(wrap([text]))
        self.draw()

    def step(self, step: Step, note: str | None = None) -> None:
        self.title = fit(tr("reemploi — station", self.lang) + " · " +
                         step_title(step, self.lang) + (f" — {note}" if note else ""))
        self.body, self.bars = [], {}
        self.help = tr("Ctrl-C: stop (the next start resumes here)", self.lang)
        self.draw()

    def lines(self, lines: list[str]) -> None:
        self.body.extend(wrap(lines))
        self.draw()

    def progress(self, name: str) -> Callable[[str, int, int], None]:
        rates = Rates()
        self.bars[name] = name

        def report(phase: str, done: int, total: int) -> None:
            self.bars[name] = rates.line(name, phase, done, total, self.lang, WIDTH - 1)
            if done >= total or time.monotonic() - self.drawn_at >= self.every:
                self.draw()
        return report

    def finish(self) -> None:
        with self.lock:
            self.stream.write("\r\n")
            self.stream.flush()

    # -- questions
    def ask_asset(self) -> str | None:
        from ..inventory.ids import id_from_scan
        news = self.body[-2:] if self.body and self.body[-2:-1] == [""] else []
        self.body = wrap([tr("Scan the machine's label, or type its asset id, then Enter.",
                                self.lang), "",
                             tr("Enter alone: find the machine by its identity (serial number, "
                                "network card, disks), or give it a new id.", self.lang)]) + news
        self.help = tr("Enter: confirm   Ctrl-C: stop", self.lang)
        text = self.read(tr("Asset id: ", self.lang)).strip()
        return id_from_scan(text) if text else None

    def ask_checklist(self, items: list[str], laptop_only: set[str]) -> dict | None:
        answers: dict[str, str] = {}
        self.help = tr("o = ok, p = fails, n = not applicable; Enter alone = ok", self.lang)
        for item in items:
            if item in laptop_only:
                answers[item] = "na"
                continue
            while True:
                self.body = [tr("Check each item on the machine itself.", self.lang), ""] + [
                    f"  {tr(ITEM_TEXT[i], self.lang):<32} {tr(ANSWER_TEXT[answers[i]], self.lang)}"
                    for i in answers]
                state = STATES.get(self.read(
                    tr("{item}: ok (o), fails (p), n/a (n)? ", self.lang,
                       item=tr(ITEM_TEXT[item], self.lang))).strip().lower())
                if state:
                    answers[item] = state
                    break
        while True:
            cosmetic = self.read(tr("Cosmetic state A, B or C? (Enter = B) ", self.lang))
            cosmetic = (cosmetic.strip() or "B").upper()
            if cosmetic in ("A", "B", "C"):
                break
        answers["cosmetic"] = cosmetic
        notes = self.read(tr("Notes (Enter for none): ", self.lang)).strip()
        if notes:
            answers["notes"] = notes
        return answers

    def confirm(self, title: str, lines: list[str]) -> bool:
        self.body = wrap(lines)
        self.help = fit(title)
        answer = self.read(tr("Type 'yes' to go on, anything else stops: ", self.lang))
        return answer.strip().lower() in ("yes", "oui", "y", "o")

    def pause(self, lines: list[str]) -> None:
        """Show ``lines`` a page at a time (the verdict can be longer than a screen)."""
        self.help = tr("Enter: go on   Ctrl-C: stop", self.lang)
        room = BODY - len(self.bars)
        lines = wrap(lines)
        pages = [lines[i:i + room] for i in range(0, len(lines), room)] or [[]]
        for page in pages:
            self.body = list(page)
            self.read("> ")
