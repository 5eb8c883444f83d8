"""Is the data directory broken? A read-only look, for readers that do not open the
inventory.

``integrity.SyncMixin`` decides the broken state when a command opens the inventory,
under the journal's lock: a journal shorter than what the projection saw, or that no
longer continues it, is marked broken (``journal.broken``) until the explicit repair.
The statistics read the journal without the lock and without opening the inventory
(``stats.reader``); before they print figures they ask here whether the inventory is
broken, or would say so at its next open (the marker is written by the next command
that opens it): the marker file, or a projection that saw more events than the journal
now holds, or other ones. Nothing is written here.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import JournalCorrupt
from .journal import Journal, read_broken

# projection.Projection.meta_path, not imported from there: it brings TinyDB, which the
# statistics never need (tests/test_cli_lazy.py).
META = "projection/meta.json"


def holds(journal: Path, offset: int, seq: int, hash_: str) -> bool:
    """Does the journal's line ending at byte ``offset`` carry ``seq`` and ``hash_``
    (the same event, at the same place)? Reads at most 1 MiB before ``offset``."""
    if offset == 0:
        return seq == 0
    try:
        if journal.stat().st_size < offset or not hash_:
            return False
        with open(journal, "rb") as fh:
            back = min(offset, 1 << 20)
            fh.seek(offset - back)
            tail = fh.read(back)
    except OSError:
        return False
    if not tail.endswith(b"\n"):
        return False
    line = tail[tail.rfind(b"\n", 0, len(tail) - 1) + 1:]
    try:
        d = json.loads(line)
        return d["seq"] == seq and d["hash"] == hash_
    except (ValueError, KeyError, TypeError):
        return False


def broken_state(home: Path) -> dict | None:
    """What was lost (``problem``: cut | replaced | chain..., ``kept_seq``, ``seen_seq``)
    if the data directory is broken or its next open will find it so; else None."""
    home = Path(home)
    # (Another OSError, such as a data directory the user may not read, goes up: the
    # command says it with its own exit code, as reading the journal would.)
    marker = read_broken(home)
    if marker is not None:
        return marker
    try:
        meta = json.loads((home / META).read_bytes())
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict):
        return None                       # no projection: nothing saw the journal before
    journal = Journal(home)
    try:
        seq, hash_, end = journal.tail()
    except JournalCorrupt:
        return None                       # the reader reports the bad line itself
    seen = (meta.get("seq"), meta.get("hash"), meta.get("offset"))
    if seen == (seq, hash_, end) or not isinstance(seen[0], int) \
            or not isinstance(seen[2], int):
        return None
    state = {"kept_seq": seq, "kept_hash": hash_, "seen_seq": seen[0], "seen_hash": seen[1]}
    if seen[0] > seq or seen[2] > end:
        return {"problem": "cut", **state}
    if not holds(journal.path, seen[2], seen[0], str(seen[1] or "")):
        return {"problem": "replaced", **state}
    return None                           # behind: the next open catches up
