"""A cache of the folded journal, extended with the events appended since.

The journal is append-only and hash-chained, so the fold of its first N bytes never
changes: we keep it (``Ledger.state()``, plain data) in ``<home>/stats-cache.marshal``
with the byte offset it covers and the hash of the last event it saw. Next time we
check that the journal still holds that event at that offset (same chain, not a
restored or replaced file), load the ledger and fold only the new lines. For 50 000
machines this turns a full read of ~200 MB of JSON into a read of the few new lines
(benchmarks/stats.py prints both).

Format: ``marshal`` (the standard library's serializer for core types: unlike pickle
it calls no constructor on load, and it is several times faster than JSON). Like the
journal beside it, the file is trusted data of the workshop: the Python manual warns
that marshal is not hardened against maliciously crafted input.
Its format changes between Python versions, so the key holds the version; any
mismatch, damage or surprise means "no cache": we rebuild from the journal, which
stays the only source of truth. A read-only data directory just goes without cache.
"""

from __future__ import annotations

import logging
import marshal
import sys
from pathlib import Path

from .ledger import Ledger
from .period import DEFAULT_TZ
from .reader import read_records

log = logging.getLogger(__name__)

CACHE_NAME = "stats-cache.marshal"
# Rewriting the cache costs about as much as loading it; a few new lines cost far less
# to fold again next time. So we rewrite only once the uncached tail is this big
# (about 2 500 events: a busy week).
REWRITE_BYTES = 1 << 20
FORMAT = 3   # 2: only successful certificates are counted; 3: checkouts keep their price
KEY = (FORMAT, tuple(sys.version_info[:2]))


def _journal(home: Path) -> Path:
    from ..inventory.journal import JOURNAL_NAME
    return Path(home) / JOURNAL_NAME


def _still_there(journal: Path, offset: int, last_hash: str) -> bool:
    """Does the journal's line ending at ``offset`` carry ``last_hash``?"""
    if offset == 0:
        return True
    try:
        if journal.stat().st_size < offset or not last_hash:
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
    return (b'"hash":"' + last_hash.encode() + b'"') in line


def _read_cache(home: Path, tz: str) -> tuple[Ledger, int] | None:
    path = Path(home) / CACHE_NAME
    try:
        key, cached_tz, offset, last_hash, state = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if key != KEY or cached_tz != tz or not _still_there(_journal(home), offset, last_hash):
        log.debug("stats cache %s is stale: rebuilding", path)
        return None
    try:
        return Ledger.from_state(state), offset
    except (TypeError, ValueError):
        return None


def _write_cache(home: Path, tz: str, offset: int, last_hash: str, ledger: Ledger) -> None:
    from ..system.files import write_atomic
    path = Path(home) / CACHE_NAME
    try:
        write_atomic(path, marshal.dumps((KEY, tz, offset, last_hash, ledger.state())))
    except (OSError, ValueError) as exc:      # read-only medium, full disk: no cache
        log.debug("stats cache not written: %s", exc)


def load_ledger(home: Path, tz: str = DEFAULT_TZ, use_cache: bool = True) -> Ledger:
    """The ledger of the whole journal: from the cache plus the new lines if it is
    valid, else from the journal. Nothing is written if there is no journal."""
    if not _journal(home).exists():
        return Ledger(tz)
    cached = _read_cache(home, tz) if use_cache else None
    ledger, offset = cached if cached else (Ledger(tz), 0)
    progress: dict = {}
    ledger.fold(read_records(home, start=offset, progress=progress))
    if use_cache and progress.get("end", offset) - offset >= (REWRITE_BYTES if cached else 1):
        _write_cache(home, tz, progress["end"], progress["last_hash"], ledger)
    return ledger
