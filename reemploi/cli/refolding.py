"""What a person sees while the inventory's state is refolded from the whole journal.

A rebuild (a projection damaged by a power cut, a file edited by hand, a format
change) reads every line of the journal again: about a minute of CPU at 50 000
machines on the workshop's netbook-class stations (docs/benchmarks.md). Without a
word that looked like a hung command, or worse, a lost inventory. So the first report
prints one sentence on stderr (always: a log or a ``--json`` run keeps stdout clean),
then, on a terminal only, a progress line (``progress_words``) redrawn in place.
"""

from __future__ import annotations

import sys
import time

from ..i18n import N_, tr
from ..progress_words import progress_line
from ..system.blockdev import format_size

STARTED = N_("The inventory's state is being rebuilt from its journal ({size} to read): "
             "nothing is lost, the journal holds every event.")
FINISHED = N_("Inventory state rebuilt from the journal in {seconds} s.")
WRITING = N_("writing the state [{bar}] {done}/{total} shards")
# A journal this small refolds in well under a second (about 6 MB/s of journal here,
# docs/benchmarks.md): not worth a word, and a new data directory's first command (an
# empty journal) is not a "rebuild" to anyone.
QUIET_BELOW = 1 << 20


class RefoldNotice:
    """``Inventory.open``'s ``rebuilding``: called as (phase, done, total): "read"
    (journal bytes folded), "write" (groups of files saved), "done"."""

    def __init__(self, lang: str | None, stream=None) -> None:
        self.lang = lang
        self.stream = stream
        self.start: float | None = None
        self.quiet = False
        self.phase = ""
        self.last = 0.0

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def __call__(self, phase: str, done: int, total: int) -> None:
        out = self._out()
        if out is None:                 # no stream attached (a daemon): nobody to tell
            return
        now = time.monotonic()
        if self.start is None:
            self.start = self.last = now     # the first line once there is a speed
            self.phase = phase
            self.quiet = total < QUIET_BELOW
            if not self.quiet:
                out.write(tr(STARTED, self.lang, size=format_size(total, self.lang)) + "\n")
        elif self.quiet:
            pass
        elif phase == "done":
            if self._tty(out):
                out.write("\r\x1b[K")
            out.write(tr(FINISHED, self.lang, seconds=round(now - self.start)) + "\n")
        elif self._tty(out) and (now - self.last >= 0.2 or phase != self.phase):
            self.last, self.phase = now, phase
            out.write("\r" + self._line(phase, done, total, now) + " \x1b[K")
        if phase == "done":
            self.start = None
        out.flush()

    def _line(self, phase: str, done: int, total: int, now: float) -> str:
        if phase == "read":
            return progress_line("read", done, total, now - self.start, self.lang, 30)
        # Groups of files, not bytes: no speed, a count.
        fill = int(30 * done / total) if total else 30
        return tr(WRITING, self.lang, bar="#" * fill + "-" * (30 - fill), done=done,
                  total=total)

    @staticmethod
    def _tty(out) -> bool:
        return hasattr(out, "isatty") and out.isatty()
