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
# A journal this small refolds in well under a second (about 6 MB/s of journal here,
# docs/benchmarks.md): not worth a word, and a new data directory's first command (an
# empty journal) is not a "rebuild" to anyone.
QUIET_BELOW = 1 << 20


class RefoldNotice:
    """``Inventory.open``'s ``rebuilding``: called as (done, total) journal bytes."""

    def __init__(self, lang: str | None, stream=None) -> None:
        self.lang = lang
        self.stream = stream
        self.start: float | None = None
        self.last = 0.0

    def _out(self):
        return self.stream if self.stream is not None else sys.stderr

    def __call__(self, done: int, total: int) -> None:
        out = self._out()
        if out is None or total < QUIET_BELOW:     # no stream (a daemon); a blink
            return
        now = time.monotonic()
        tty = hasattr(out, "isatty") and out.isatty()
        if self.start is None:
            self.start = self.last = now     # the first line once there is a speed
            out.write(tr(STARTED, self.lang, size=format_size(total, self.lang)) + "\n")
        elif done >= total:
            if tty:
                out.write("\r\x1b[K")
            out.write(tr(FINISHED, self.lang, seconds=round(now - self.start)) + "\n")
            self.start = None
        elif tty and now - self.last >= 0.2:
            self.last = now
            out.write("\r" + progress_line("read", done, total, now - self.start,
                                           self.lang, 30) + " \x1b[K")
        out.flush()
