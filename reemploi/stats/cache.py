"""The figures' ledger on disk: the ledger of the journal's first N bytes, kept between
runs and extended with the lines appended since.

The journal is append-only and hash-chained, so the fold of its first N bytes never
changes: we keep it (``Ledger.state()``, plain data) in
``<home>/projection/figures-ledger.marshal`` with the byte offset N it covers and the
sequence number and hash of the event that ends there. The commands that write the
journal keep it up to date (``stats.keep``); ``stats`` reads it and folds only the
lines after it, and writes it itself when it had to fold many (``rewrite_due``).

The ledger is never trusted over the journal: before it is used, the journal must
still be at least N bytes long and still hold that event (same sequence number, same
hash), ending at N (same chain: not a cut, restored or replaced file), and the file's
own SHA-256 must match its body (a damaged or edited file). Anything else means "no
ledger": the journal is folded again from its first byte and stays the only source of
truth. Checking the hash chain itself is ``reemploi inventory verify``'s job; a journal
cut or replaced under the inventory's projection is ``stats.health``'s.

Without a ledger (a data directory restored from a copy of its journal, a new Python,
a changed figure definition), a journal of more than ``PARALLEL_BYTES`` is folded in
two halves at once on a machine with two cores or more: a forked child folds the
second half while this process folds the first, and the two ledgers are joined
(``Ledger.extend``: a ledger of consecutive parts is their concatenation). Any
failure in the child (killed, out of memory, a corrupt line) and this process folds
the second half itself, so the error the user sees is the sequential one.

Format (``ledgerfile.HEADER``): a magic, the offset N (so a writer learns whether a rewrite
is due from 16 bytes), the body's SHA-256, the body in ``marshal`` (the standard
library's serializer for core types: unlike pickle it calls no constructor on load,
and it is several times faster than JSON). Its format changes between Python
versions, so the key holds the version; the Python manual warns that marshal is not
hardened against maliciously crafted input, which the checksum does not change
(whoever can write the data directory can also write a matching checksum): like the
journal beside it, the file is the workshop's own data. The file is replaced
atomically and not fsynced: after a power cut a damaged file fails its checksum and is
folded again. A read-only data directory just goes without ledger file.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import sys
from pathlib import Path

from ..inventory.journal import JOURNAL_NAME
from ..inventory.standing import holds
from ..system.files import private_subdir, write_atomic
from .ledgerfile import CACHE_NAME, HEADER, MAGIC, OLD_CACHE_NAME, REWRITE_BYTES, rewrite_due
from .ledger import Ledger
from .period import DEFAULT_TZ
from .reader import read_records
from ..lazylog import getLogger

log = getLogger(__name__)

__all__ = ["CACHE_NAME", "REWRITE_BYTES", "load_ledger"]

# Below this a second process costs more than it saves (fork, pipe, join).
PARALLEL_BYTES = 32 << 20
# 2: only successful certificates are counted; 3: checkouts keep their price;
# 4: one flat list per machine, the atelier's sittings and builds, corrections;
# "machines built" are the ``built`` events only. 5: the anchor holds the sequence
# number too, the file starts with ``ledgerfile.HEADER``. 6: erasures count the method that
# ran (a schema-1 wipe's ``auto`` read as its technique shows, events/wipe.py).
FORMAT = 6
KEY = (FORMAT, tuple(sys.version_info[:2]))


def _read_cache(home: Path, tz: str) -> tuple[Ledger, int] | None:
    path = Path(home) / CACHE_NAME
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        magic, offset, digest = HEADER.unpack_from(raw)
        body = memoryview(raw)[HEADER.size:]
        if magic != MAGIC or hashlib.sha256(body).digest() != digest:
            raise ValueError("checksum")
        key, cached_tz, at, seq, last_hash, state = marshal.loads(body)
        if at != offset:
            raise ValueError("header")
    except (EOFError, ValueError, TypeError, struct.error):
        log.debug("figures' ledger %s is damaged: folding the journal again", path)
        return None
    if key != KEY or cached_tz != tz or not holds(Path(home) / JOURNAL_NAME, offset, seq,
                                                   last_hash):
        log.debug("figures' ledger %s does not match the journal: folding it again", path)
        return None
    try:
        return Ledger.from_state(state), offset
    except (TypeError, ValueError):
        return None


def _write_cache(home: Path, tz: str, offset: int, seq: int, last_hash: str,
                 ledger: Ledger) -> None:
    path = Path(home) / CACHE_NAME
    body = marshal.dumps((KEY, tz, offset, seq, last_hash, ledger.state()))
    try:
        private_subdir(path.parent)
        write_atomic(path, HEADER.pack(MAGIC, offset, hashlib.sha256(body).digest()) + body,
                     sync=False)
        (Path(home) / OLD_CACHE_NAME).unlink(missing_ok=True)
    except (OSError, ValueError) as exc:      # read-only medium, full disk: no ledger file
        log.debug("figures' ledger not written: %s", exc)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _line_start_after(journal: Path, offset: int) -> int:
    """The first line boundary at or after ``offset``."""
    with open(journal, "rb") as fh:
        fh.seek(offset - 1)
        while True:
            block = fh.read(1 << 16)
            if not block:
                return offset
            cut = block.find(b"\n")
            if cut >= 0:
                return fh.tell() - len(block) + cut + 1


def _fold_in_two(home: Path, tz: str, size: int, progress: dict) -> Ledger | None:
    """The whole journal folded in two halves at once (see the module's docstring);
    None if it could not be split."""
    journal = Path(home) / JOURNAL_NAME
    mid = _line_start_after(journal, size // 2)
    if not 0 < mid < size:
        return None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:                                        # the child: the second half
        status = 1
        try:
            os.close(read_fd)
            later, seen = Ledger(tz), {}
            later.fold(read_records(home, start=mid, progress=seen))
            data = marshal.dumps((seen.get("end", mid), seen.get("seq", 0),
                                  seen.get("last_hash", ""), later.state()))
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    ledger, seen = Ledger(tz), {}
    try:
        ledger.fold(read_records(home, end=mid, progress=seen))
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    later = None
    if status == 0:
        try:
            end, seq, last_hash, state = marshal.loads(data)
            later = Ledger.from_state(state)
            progress.update(end=end, seq=seq, last_hash=last_hash)
        except (EOFError, ValueError, TypeError):
            later = None
    if later is None:                     # the child failed: fold its half here
        log.debug("stats: the second half's fold failed (status %s): folding it here", status)
        later, progress_here = Ledger(tz), {}
        later.fold(read_records(home, start=mid, progress=progress_here))
        progress.update(progress_here)
    ledger.extend(later)
    return ledger


def load_ledger(home: Path, tz: str = DEFAULT_TZ, use_cache: bool = True,
                parallel: bool = True, rewrite=rewrite_due) -> Ledger:
    """The ledger of the whole journal: from the ledger file plus the new lines if it is
    valid, else from the journal. The file is (re)written when there was none, or when
    ``rewrite(covered, end)`` says the lines folded past it are worth it. Nothing is
    written if there is no journal."""
    journal = Path(home) / JOURNAL_NAME
    try:
        size = journal.stat().st_size
    except OSError:
        return Ledger(tz)
    cached = _read_cache(home, tz) if use_cache else None
    progress: dict = {}
    ledger = None
    if cached is None and parallel and size >= PARALLEL_BYTES and _cores() >= 2:
        ledger, offset = _fold_in_two(home, tz, size, progress), 0
    if ledger is None:
        ledger, offset = cached if cached else (Ledger(tz), 0)
        ledger.fold(read_records(home, start=offset, progress=progress))
    end = progress.get("end", offset)
    if use_cache and end > offset and (not cached or rewrite(offset, end)):
        _write_cache(home, tz, progress["end"], progress.get("seq", 0),
                     progress["last_hash"], ledger)
    return ledger
