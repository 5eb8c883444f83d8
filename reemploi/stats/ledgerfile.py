"""Where the figures' ledger is kept and how its file starts (``keep``, ``cache``).

Apart from both so that ``keep`` (imported by every command that writes the journal)
reads the header without importing the fold, and ``cache`` writes the same format.
"""

from __future__ import annotations

import struct
from pathlib import Path

# Beside the projection (its directory's rebuild and prune leave it alone: it is
# anchored to the journal, not to the projection).
CACHE_NAME = "projection/figures-ledger.marshal"
# Where the statistics kept their checkpoint before (removed when the ledger is written).
OLD_CACHE_NAME = "stats-cache.marshal"
# The file: MAGIC, the covered journal offset (8 bytes, big-endian), the SHA-256 of the
# body, the body (``marshal``). The offset in the header only tells a writer whether a
# rewrite is due; the body's own anchor is what a reader checks.
MAGIC = b"RLG1\0\0\0\0"
HEADER = struct.Struct(">8sQ32s")
# Rewriting the ledger costs about as much as loading it, in proportion to the journal
# it covers (0.15 s for 270 MB, 50 000 machines, on this machine); folding the lines
# after it costs each ``stats`` run about 26 ns a byte. So it is rewritten once the
# uncovered tail passes 1/32 of what it covers (a small journal's ledger is rewritten
# by nearly every command: it costs next to nothing), and at most this big (about
# 2 500 events, a busy week: 30 ms of fold at each ``stats``).
REWRITE_BYTES = 1 << 20
REWRITE_SHARE = 32
# A writing command that rewrites the ledger also imports the fold (about 0.1 s): it
# waits until the journal has grown this much past the ledger (or, without a ledger,
# until the journal is this big: below it ``stats`` folds it whole in a blink).
WRITER_BYTES = 256 << 10


def covered(home: Path) -> int | None:
    """The journal offset the ledger file says it covers (None: no readable header)."""
    try:
        with open(Path(home) / CACHE_NAME, "rb") as fh:
            head = fh.read(HEADER.size)
    except OSError:
        return None
    if len(head) < HEADER.size:
        return None
    magic, offset, _ = HEADER.unpack(head)
    return offset if magic == MAGIC else None


def rewrite_due(offset: int, end: int, least: int = 1) -> bool:
    """Is a ledger covering ``offset`` bytes far enough behind a journal of ``end``
    bytes to be rewritten (by a process that folded at least ``least`` bytes)?"""
    return end - offset >= max(least, min(REWRITE_BYTES, offset // REWRITE_SHARE))
