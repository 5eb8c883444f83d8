"""The figures' ledger kept up to date by the commands that write the journal.

``reemploi stats`` needs the journal folded into its ledger (``stats.ledger``): at
50 000 machines that fold reads 270 MB and costs several seconds of CPU, far over the
2 s a coordinator should wait (issue 16). So the ledger is kept beside the projection,
in ``projection/figures-ledger.marshal``, by the commands that append to the journal:
after each commit (once the journal's lock is released, so a long fold never keeps
another station waiting) the inventory calls ``follow`` (the Context hands it to the
inventory it opens: ``Inventory.followers``), which reads this file's header (the
journal offset the ledger covers) and, once the journal has grown far enough past it
(``ledgerfile.rewrite_due``: 1/32 of it, at least 256 KiB, at most 1 MiB), folds the
new lines into the ledger and writes it again. A command costs one 48-byte read; at
50 000 machines one command in about 2 500 events pays for the fold of its last
megabyte and the rewrite (a few tenths of a second). ``stats`` then loads the ledger
and folds at most that last megabyte. Without a ledger (a journal restored alone, an
upgrade), the first command past 256 KiB of journal folds it whole once (about 7 s of
CPU at 50 000 machines on this machine; in two processes when the writer runs no
other thread: see ``follow``).

The ledger is a cache, never trusted over the journal (``stats.cache``): its body is
checked against its SHA-256, and its anchor (the offset, sequence number and hash of
the journal line it covers up to) against the journal; any disagreement and it is
folded again from the journal. The file is replaced atomically (temp file, rename), so
a command killed while writing it leaves the old ledger or the new one, each anchored
to the journal line it covers: never figures of a journal that is not this one.

This module is imported by every writing command: it imports nothing heavy; the fold
itself (``stats.cache``) is imported only when a rewrite is due.
"""

from __future__ import annotations

from pathlib import Path

from .ledgerfile import WRITER_BYTES, covered, rewrite_due
from ..lazylog import getLogger

log = getLogger(__name__)


def follow(home: Path, end: int) -> None:
    """After a commit that left the journal ending at byte ``end``: bring the ledger up
    to date if it is far behind (``ledgerfile.rewrite_due``, at least ``WRITER_BYTES``).
    Never raises: the events are already durable, and a ledger left behind is only
    slower to read."""
    offset = covered(home)
    if offset is None or offset > end:
        offset = 0                        # none, or not this journal's: fold it whole
    if not rewrite_due(offset, end, WRITER_BYTES):
        return
    try:
        import threading
        from .cache import load_ledger
        # In two processes (``cache``'s fork: a journal restored alone is folded in
        # about half the wall time on two cores, issue 16) only while this process
        # runs no other thread: a writing command may run threads (the wipe's and the
        # image's pools), and a fork beside threads can deadlock its child.
        load_ledger(home, parallel=threading.active_count() == 1,
                    rewrite=lambda at, end: True)
    except Exception as exc:                  # noqa: BLE001 (see the docstring)
        log.warning("figures' ledger not brought up to date (%s): 'stats' will fold the "
                    "journal itself", exc)
