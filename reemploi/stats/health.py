"""Figures only of a whole journal: ``reemploi stats`` refuses a broken data directory.

A journal that lost events (cut at its end, replaced, its chain broken) puts the
inventory in a *broken* state (``inventory.integrity``): writes are refused with exit
12 until ``reemploi inventory repair`` records the loss. Figures computed from such a
journal would silently leave out the lost machines, and a coordinator would send them
to a funder; so ``stats`` refuses too, with the same exit code and the way out. Once
the loss is recorded (the ``integrity.incident`` event), the figures are those of the
journal as it is, and ``inventory verify`` keeps showing the incident.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IntegrityError
from ..inventory.errors import PROBLEM_WORDS
from ..inventory.standing import broken_state


class FiguresOfBrokenJournal(IntegrityError):
    """Exit 12: the journal lost events; no figure until the loss is recorded."""
    msg = ("The journal lost events ({problem}: it ends at event {kept}, event {seen} had "
           "been seen): figures would leave them out. Check with 'reemploi inventory "
           "verify', then record the loss with 'reemploi inventory repair'")
    _worded = {"problem": PROBLEM_WORDS}


def check_whole(home: Path) -> None:
    """Raise FiguresOfBrokenJournal (exit 12) if the data directory is broken."""
    state = broken_state(home)
    if state is not None:
        raise FiguresOfBrokenJournal(problem=state.get("problem") or "unknown",
                                     kept=state.get("kept_seq", "?"),
                                     seen=state.get("seen_seq") or "?")
