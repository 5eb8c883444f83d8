"""The journal: an append-only JSON-lines file, each line hash-chained to the previous.

It is the legal record of what the workshop did (French "registre" for donated
equipment, WEEE traceability): every other file under the data directory can be
rebuilt from it, so it is the one file we write with care.

Line format: the canonical JSON of the event (keys sorted, no spaces, UTF-8, no NaN)
followed by ``\\n``. ``hash`` is the SHA-256 (FIPS 180-4) hex digest of the canonical
JSON of every field but ``hash``; ``prev`` is the previous line's ``hash``.

Because keys are sorted and ``hash`` sorts right after ``asset_id`` (the first key),
the bytes that were hashed are exactly the line with ``,"hash":"<64 hex>"`` cut out.
Verification therefore works on bytes (``verify.py``) without building objects: that
is what makes 200 000 events verify in well under five seconds.

Concurrency: writers take ``fcntl.flock(LOCK_EX)`` on ``journal.lock`` around
read-tail + append + ``fsync``; a second process blocks until the first is done.
Crash safety: a line is reported written only after ``fsync``; a line cut by a power
cut or SIGKILL has no final newline. Under the lock (so it cannot be a line another
process is still writing) such a tail is moved to ``journal.torn-<time>`` and the
journal is truncated to its last complete line. Nothing is ever silently deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..errors import BadInput
from ..system.files import check_private_dir, open_private, secure_home
from .errors import JournalCorrupt
from .events import Event
from ..i18n import N_
from ..lazylog import getLogger

log = getLogger(__name__)

JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "journal.lock"
TORN_PREFIX = "journal.torn-"
BROKEN_NAME = "journal.broken"             # the broken state: what was lost (integrity.py)
MISMATCH_PREFIX = "projection.mismatch-"   # projection state kept when the journal was cut
HASH_KEY = b',"hash":"'
READ_CHUNK = 1 << 20


def read_broken(home: Path) -> dict | None:
    """The broken-state marker's record (what was lost), None if there is none; a
    marker that is not a JSON object still means broken: ``{"problem": "unknown"}``.
    Another OSError (a directory the user may not read) goes up to the command."""
    try:
        data = json.loads((Path(home) / BROKEN_NAME).read_bytes())
    except FileNotFoundError:
        return None
    except ValueError:
        return {"problem": "unknown"}
    return data if isinstance(data, dict) else {"problem": "unknown"}


def canonical(obj: Any) -> bytes:
    """Canonical JSON bytes: sorted keys, compact, UTF-8, finite numbers only."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_event_id() -> str:
    import uuid  # late, like hashlib: uuid imports platform
    return uuid.uuid4().hex


def build_line(seq: int, prev: str, *, station: str, operator: str | None,
               asset_id: str | None, type: str, payload: dict, time: str | None = None,
               id: str | None = None) -> tuple[Event, bytes]:
    """Make the Event and its journal line (with newline) chained after ``prev``."""
    fields = {"seq": seq, "id": id or new_event_id(), "time": time or utc_now(),
              "station": station, "operator": operator, "asset_id": asset_id,
              "type": type, "payload": payload, "prev": prev}
    try:
        body = canonical(fields)
    except (TypeError, ValueError) as exc:
        raise BadInput(what="event payload", why=str(exc)) from None
    import hashlib
    digest = hashlib.sha256(body).hexdigest()
    fields["hash"] = digest
    line = canonical(fields) + b"\n"
    return Event(**fields), line


def parse_line(line: bytes) -> dict:
    """One journal line to a dict (raises ValueError on garbage)."""
    return json.loads(line)


def event_from_dict(d: dict) -> Event:
    return Event(seq=d["seq"], id=d["id"], time=d["time"], station=d["station"],
                 operator=d.get("operator"), asset_id=d.get("asset_id"), type=d["type"],
                 payload=d.get("payload") or {}, prev=d.get("prev", ""), hash=d.get("hash", ""))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal file of one data directory."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.path = self.home / JOURNAL_NAME
        self.lock_path = self.home / LOCK_NAME

    # -- creation and locking -------------------------------------------------------

    def ensure(self) -> None:
        """Create the data directory (0700, or check an existing one: ``secure_home``)
        and an empty journal (0600, directory fsynced). A journal an older version left
        readable by all (0644: donor names, serials) is made 0600."""
        secure_home(self.home)
        existed = self.path.exists()
        try:
            fd = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        except OSError as exc:
            # A read-only medium (a stick's write-protect switch, an ext4 the kernel
            # remounted read-only after an I/O error): there is nothing to create, and
            # readers read; a write says why when it comes (JournalWriteFailed, exit 15).
            if exc.errno == errno.EROFS and existed:
                return
            raise
        try:
            if not existed:
                os.fsync(fd)
        finally:
            os.close(fd)
        if not existed:
            fsync_dir(self.home)

    def _read_only_lock(self) -> int | None:
        """The lock file opened read-only (flock works on it), or None if there is none."""
        try:
            return os.open(self.lock_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def locked(self, shared: bool = False) -> Iterator[None]:
        try:
            fd = open_private(self.lock_path, os.O_RDWR | os.O_CREAT)
        except PermissionError:
            if not shared:
                check_private_dir(self.home)   # names the owner: exit 4 or 8
                raise
            # A reader that may not write the lock (a read-only copy of a data
            # directory): a shared lock needs only read access; with no lock file at
            # all we read unlocked, as a reader of an append-only file may.
            try:
                fd = self._read_only_lock()
            except PermissionError:
                check_private_dir(self.home)
                raise
        except OSError as exc:
            if exc.errno != errno.EROFS:
                raise
            # A read-only medium (see ``ensure``): flock(2) needs no write access, so
            # the lock is taken as asked on a read-only descriptor; nobody appends there.
            fd = self._read_only_lock()
        if fd is None:                          # no lock file to take: read unlocked
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    # -- tail -----------------------------------------------------------------------

    def _tail_bytes(self, fh, size: int) -> tuple[int, bytes]:
        """Return (offset, bytes) of the end of the file, from the start of the last
        complete line (or the whole file if it has a single line)."""
        want = 65536
        while True:
            start = max(0, size - want)
            fh.seek(start)
            data = fh.read(size - start)
            body = data[:-1] if data.endswith(b"\n") else data
            cut = body.rfind(b"\n")
            if cut >= 0 or start == 0:
                return start + cut + 1, data[cut + 1:]
            want *= 4

    def tail(self) -> tuple[int, str, int]:
        """(last seq, last hash, end offset of the last complete line); (0, "", 0) if empty.

        An unterminated tail (torn, or being written by another process) is ignored.
        Raises JournalCorrupt if the last complete line is not a valid event."""
        size = self.size()
        if size == 0:
            return 0, "", 0
        with open(self.path, "rb") as fh:
            end = size
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                # Ignore the torn part: find the last newline.
                start, data = self._tail_bytes(fh, size)
                end = start
                if end == 0:
                    return 0, "", 0
            start, data = self._tail_bytes(fh, end)
        try:
            d = parse_line(data)
            return int(d["seq"]), str(d["hash"]), end
        except (ValueError, KeyError, TypeError):
            raise JournalCorrupt(seq="?", why=N_("last line is not a valid event")) from None

    def recover_torn(self) -> Path | None:
        """Move an unterminated last line aside and truncate. Call with the lock held."""
        size = self.size()
        if size == 0:
            return None
        # Looked at read-only first: a whole journal on a read-only medium is read.
        with open(self.path, "rb") as fh:
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return None
        with open(self.path, "r+b") as fh:
            start, torn = self._tail_bytes(fh, size)
            if torn.endswith(b"\n"):       # cannot happen: _tail_bytes saw no newline
                return None
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            target = self.home / f"{TORN_PREFIX}{stamp}-{new_event_id()[:6]}"
            with os.fdopen(open_private(target, os.O_WRONLY | os.O_CREAT), "wb") as out:
                out.write(torn)
                out.flush()
                os.fsync(out.fileno())
            fsync_dir(self.home)
            fh.truncate(start)
            fh.flush()
            os.fsync(fh.fileno())
        log.warning("journal: incomplete last line (%d bytes, never reported as written) "
                    "moved to %s", len(torn), target.name)
        return target

    def torn_files(self) -> list[Path]:
        return sorted(self.home.glob(TORN_PREFIX + "*"))

    # -- append ---------------------------------------------------------------------

    def append_lines(self, data: bytes) -> int:
        """Append already-chained lines in one write, fsync, return the new size.
        Call with the exclusive lock held."""
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            before = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            except OSError:
                # Disk full or I/O error part-way: the caller is told nothing was
                # written, so nothing must stay. Without this, the complete lines of a
                # multi-event commit (a checkout without its status change) would
                # survive as events nobody was told about. Best effort: if even the
                # truncate fails, the next open sets the torn tail aside.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, before)
                    os.fsync(fd)
                raise
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    # -- reading --------------------------------------------------------------------

    def iter_lines(self, start: int = 0, end: int | None = None) -> Iterator[tuple[int, bytes]]:
        """Yield (offset, line-with-newline) for complete lines in [start, end)."""
        if end is None:
            end = self.size()
        if end <= start:
            return
        with open(self.path, "rb") as fh:
            fh.seek(start)
            offset = start
            remaining = end - start
            pending = b""
            while remaining > 0:
                chunk = fh.read(min(READ_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                buf = pending + chunk if pending else chunk
                pos = 0
                while True:
                    nl = buf.find(b"\n", pos)
                    if nl < 0:
                        break
                    yield offset, buf[pos:nl + 1]
                    offset += nl + 1 - pos
                    pos = nl + 1
                pending = buf[pos:]
            # An unterminated remainder is a torn or in-progress line: not an event.

    def read_at(self, offset: int, length: int) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length)
