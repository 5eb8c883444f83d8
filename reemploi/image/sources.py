"""Open any image as an ordered series of aligned pieces to write.

Kinds (``detect_kind``): our sparse zstd master (``szst``), a plain zstd stream
(``zst``), ``xz``, ``gz`` (stdlib ``lzma``/``gzip``), or ``raw`` (a disk image or a
hybrid ISO: an ISO 9660 image with an MBR/GPT, written to a disk as is).

Each source yields ``Piece`` objects in image order: an offset, a page-aligned
buffer (``O_DIRECT`` needs aligned memory, see open(2) "O_DIRECT"), its length and
the sha256 of those bytes. A checksum mismatch with the image's own map (szst index
or bmap ``chksum``) raises ``VerifyFailed``: for szst before the piece is written,
for bmap ranges at the end of the range (the range checksum covers the whole
range, like ``bmaptool copy``).

Only mapped extents are produced; unmapped areas are skipped (read and dropped for
a stream, never decompressed for szst).
"""

from __future__ import annotations

import enum
import gzip
import hashlib
import lzma
import mmap
import os
import queue
import threading
from collections import deque
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import zstandard

from ..errors import BadInput, VerifyFailed
from .blockmap import BLOCK_SIZE, MAX_DATA
from .bmap import BlockMap, Extent, parse_bmap
from .szst import SzstIndex, read_index
from ..syserr import reason
from ..i18n import N_

PIECE = MAX_DATA                 # bytes per aligned write buffer


class Kind(str, enum.Enum):
    SZST = "szst"
    ZST = "zst"
    XZ = "xz"
    GZ = "gz"
    RAW = "raw"


_MAGICS = ((b"\x28\xb5\x2f\xfd", Kind.ZST), (b"\xfd7zXZ\x00", Kind.XZ), (b"\x1f\x8b", Kind.GZ))


def detect(path: Path | str) -> tuple[Kind, SzstIndex | None]:
    """The kind by magic bytes (not the file name: a renamed file is still read
    right), and a szst file's index, read to tell it from a plain zstd stream and
    handed on so nothing reads it again."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    for magic, kind in _MAGICS:
        if head.startswith(magic):
            if kind is Kind.ZST:
                index = read_index(path)
                if index is not None:
                    return Kind.SZST, index
            return kind, None
    return Kind.RAW, None


def detect_kind(path: Path | str) -> Kind:
    return detect(path)[0]


def bmap_candidates(path: Path) -> list[Path]:
    """Where a block map may sit beside an image: bmaptool's discovery order
    (``img.zst.bmap`` then ``img.bmap`` then ``img.bmap`` without any suffix)."""
    out = []
    name = str(path)
    while True:
        out.append(Path(name + ".bmap"))
        stem, ext = os.path.splitext(name)
        if not ext:
            break
        name = stem
    return out


def find_bmap(path: Path) -> BlockMap | None:
    for cand in bmap_candidates(path):
        if cand.is_file():
            return parse_bmap(cand.read_bytes())
    return None


class Buffers:
    """A free-list of page-aligned buffers (anonymous mmap is page aligned)."""

    def __init__(self, count: int, size: int = PIECE) -> None:
        self.size = size
        self._free = [mmap.mmap(-1, size) for _ in range(count)]
        self._lock = threading.Condition()

    def acquire(self, wait: threading.Event | None = None) -> mmap.mmap | None:
        """A free buffer. Without ``wait`` there must be one (the caller's window
        bounds its use); with it, block until one is released or ``wait`` is set
        (then None)."""
        with self._lock:
            while not self._free:
                if wait is None:
                    raise RuntimeError("buffer pool exhausted (pipeline bug)")
                if wait.is_set():
                    return None
                self._lock.wait(0.1)
            return self._free.pop()

    def release(self, buf: mmap.mmap) -> None:
        with self._lock:
            self._free.append(buf)
            self._lock.notify()

    def close(self) -> None:
        for b in self._free:
            try:
                b.close()
            except BufferError:      # a view still held by a traceback frame: GC frees it
                pass


@dataclass(frozen=True)
class Piece:
    offset: int
    length: int
    buf: mmap.mmap
    sha256: str | None
    # Set on the last piece of a range left unhashed for the read-back (``_Pipeline``
    # with ``verify_later``): the range's first byte; ``sha256`` is then the range's
    # checksum from the block map, and the range's other pieces carry None.
    range_start: int | None = None


@dataclass(frozen=True)
class ImageInfo:
    path: str
    kind: Kind
    image_size: int
    block_size: int
    mapped_bytes: int
    has_map: bool                # False: the whole image is written
    bmap: BlockMap | None
    # A szst file's index, parsed once by ``inspect``: the writer decodes its frames
    # from it (None for every other kind).
    index: SzstIndex | None = field(default=None, repr=False)

    @property
    def extents(self) -> list[Extent]:
        if self.bmap is not None:
            return self.bmap.extents()
        return [Extent(0, self.image_size, None)]


def _stream_opener(path: Path, kind: Kind) -> Callable[[], object]:
    if kind is Kind.ZST or kind is Kind.SZST:
        def opener():
            fh = open(path, "rb")
            return zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True,
                                                              closefd=True)
        return opener
    if kind is Kind.XZ:
        return lambda: lzma.open(path, "rb")
    if kind is Kind.GZ:
        return lambda: gzip.open(path, "rb")
    return lambda: open(path, "rb")


ISO9660_MAGIC_AT = 32769          # "CD001" in the primary volume descriptor (ECMA-119 8.4)


def is_iso9660(info: "ImageInfo") -> bool:
    """A (hybrid) ISO: written for a USB install stick, never post-installed."""
    with _stream_opener(Path(info.path), info.kind)() as fh:
        head = b""
        while len(head) < ISO9660_MAGIC_AT + 5:
            chunk = fh.read(ISO9660_MAGIC_AT + 5 - len(head))
            if not chunk:
                return False
            head += chunk
    return head[ISO9660_MAGIC_AT:ISO9660_MAGIC_AT + 5] == b"CD001"


def _measure(opener) -> int:
    total = 0
    with opener() as fh:
        while True:
            chunk = fh.read(8 << 20)
            if not chunk:
                return total
            total += len(chunk)


def inspect(path: Path | str, bmap: BlockMap | None = None) -> ImageInfo:
    """What we know before writing: kind, size, map (sidecar bmap when not given)."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(what=str(path), why=N_("not a file"))
    kind, index = detect(path)
    if index is not None:
        bm = bmap or index.to_bmap()
        return ImageInfo(str(path), kind, index.image_size, index.block_size,
                         index.mapped_bytes, True, bm, index)
    bm = bmap or find_bmap(path)
    if bm is not None:
        if kind is Kind.RAW and path.stat().st_size < bm.image_size:
            raise BadInput(what=str(path), why=N_("the image is smaller than its bmap says"))
        return ImageInfo(str(path), kind, bm.image_size, bm.block_size, bm.mapped_bytes,
                         True, bm)
    if kind is Kind.RAW:
        size = path.stat().st_size
    else:
        size = _measure(_stream_opener(path, kind))  # no map: one decompression pass
    return ImageInfo(str(path), kind, size, BLOCK_SIZE, size, False, None)


def pieces(info: ImageInfo, pool: Executor, buffers: Buffers, lookahead: int,
           verify_later: bool = False) -> Iterator[Future | Piece]:
    """Pieces to write, in order. szst yields futures (frames decoded in ``pool``).

    ``verify_later``: a read-back will compare the disk with the index's sha256, so
    a szst frame is checked on the way by its zstd content checksum (XXH64, several
    times cheaper) instead of a second sha256 pass."""
    if info.index is not None and (info.bmap is None or _same_map(info)):
        yield from _szst_pieces(info, pool, buffers, lookahead, verify_later)
    elif info.kind is Kind.RAW:
        yield from _raw_pieces(info, pool, buffers, lookahead, verify_later)
    else:
        yield from _stream_pieces(info, pool, buffers, lookahead, verify_later)


def _same_map(info: ImageInfo) -> bool:
    return info.index.to_bmap().ranges == info.bmap.ranges


class _Decoders(threading.local):
    def __init__(self) -> None:
        self.d = zstandard.ZstdDecompressor()


def _szst_pieces(info, pool, buffers, lookahead, verify_later=False):
    index: SzstIndex = info.index
    local = _Decoders()
    fd = os.open(info.path, os.O_RDONLY | os.O_CLOEXEC)

    def job(frame, buf):
        # Decode straight into the aligned buffer (no 16 MiB temporary per frame), then
        # read once more so the decoder reaches the frame's end and checks its XXH64.
        blob = os.pread(fd, frame.comp_length, frame.comp_offset)
        view = memoryview(buf)
        got = 0
        try:
            reader = local.d.stream_reader(blob, read_size=len(blob) or 1,
                                           read_across_frames=False)
            while got < frame.length:
                n = reader.readinto(view[got:frame.length])
                if not n:
                    break
                got += n
            extra = reader.read(1) if got == frame.length else b""
        except zstandard.ZstdError as exc:
            view.release()
            buffers.release(buf)
            raise VerifyFailed(why=f"frame at byte {frame.offset}: {reason(exc)}") from None
        if got != frame.length or extra:
            view.release()
            buffers.release(buf)
            raise VerifyFailed(why=f"frame at byte {frame.offset} does not decode to "
                               f"{frame.length} bytes")
        if verify_later:
            view.release()
            return Piece(frame.offset, frame.length, buf, frame.sha256)
        digest = hashlib.sha256(view[:frame.length]).hexdigest()
        view.release()
        if digest != frame.sha256:
            buffers.release(buf)
            raise VerifyFailed(why=f"checksum mismatch in the range at byte {frame.offset}")
        return Piece(frame.offset, frame.length, buf, digest)

    window: deque = deque()
    try:
        for frame in index.data_frames:
            if frame.length > buffers.size:
                raise BadInput(what=info.path, why=N_("szst frame larger than 16 MiB"))
            if len(window) >= lookahead:
                yield window.popleft()
            window.append(pool.submit(job, frame, buffers.acquire()))
        while window:
            yield window.popleft()
    finally:
        for fut in window:           # an error upstream: let running jobs finish
            try:
                buffers.release(fut.result().buf)
            except Exception:
                pass
        os.close(fd)


def _fill(reader, buf, n: int, where: int) -> None:
    """``n`` bytes from ``reader`` straight into ``buf`` (``readinto``: the decoder
    writes into the aligned buffer, no temporary bytes object per read)."""
    got = 0
    mv = memoryview(buf)
    try:
        while got < n:
            k = reader.readinto(mv[got:n])
            if not k:
                raise BadInput(what="image", why=f"truncated at byte {where + got}")
            got += k
    finally:
        mv.release()


class _Pipeline:
    """A plain stream (one zstd frame, xz, gz) or a raw image, read on a thread of its
    own while the caller writes (issue 16: before, decompressing, hashing and writing
    took turns on one thread, so a plain ``.img.zst`` gained nothing over bmaptool).

    The reader thread decodes each mapped piece into an aligned buffer (zstandard,
    lzma, zlib and file reads release the GIL) and hands it to the pool, which hashes
    it; a range checksum that spans several pieces (bmaptool's ranges can be hundreds
    of MiB) is updated in order on a one-thread executor, and the range's last piece
    is not handed over until its checksum matched, so a damaged range never reaches
    the disk whole. Pieces come out in image order, as futures.

    ``verify_later`` (a read-back follows): a range that has a checksum in the block
    map is not hashed while writing at all; the read-back hashes it from the disk and
    compares it with the map's, one sha256 pass instead of two (bmaptool makes one,
    and reads nothing back). A damaged image is then refused by the read-back (exit 9,
    nothing recorded as installed), after its bytes were written; zstd's own block
    checks and frame checksum still stop a damaged ``.zst`` while it is decoded."""

    def __init__(self, info: ImageInfo, pool: Executor, buffers: Buffers,
                 lookahead: int, opener: Callable[[], object], seekable: bool,
                 verify_later: bool = False) -> None:
        self.info, self.pool, self.buffers = info, pool, buffers
        self.opener, self.seekable, self.verify_later = opener, seekable, verify_later
        self.out: queue.Queue = queue.Queue(maxsize=max(1, lookahead - 1))
        self.stop = threading.Event()
        self.ranger = ThreadPoolExecutor(1, thread_name_prefix="img-range")
        self.thread = threading.Thread(target=self._run, name="img-read", daemon=True)

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            with self.opener() as fh:
                self._read_all(fh)
            self._put(None)
        except BaseException as exc:          # handed to the writer, raised there
            self._put(exc)

    def _read_all(self, fh) -> None:
        pos_in = 0
        scratch = None
        for ext in self.info.extents:
            if self.seekable:
                fh.seek(ext.start)
            else:
                skip = ext.start - pos_in
                while skip > 0:               # unmapped: decompressed and dropped
                    if scratch is None:
                        scratch = bytearray(8 << 20)
                    k = fh.readinto(memoryview(scratch)[:min(skip, len(scratch))])
                    if not k:
                        raise BadInput(what=self.info.path, why=N_("truncated stream"))
                    skip -= k
            later = bool(self.verify_later and ext.sha256)
            whole = (hashlib.sha256() if ext.sha256 and ext.length > self.buffers.size
                     and not later else None)
            pos = ext.start
            while pos < ext.end:
                n = min(self.buffers.size, ext.end - pos)
                buf = self.buffers.acquire(wait=self.stop)
                if buf is None:
                    return
                try:
                    _fill(fh, buf, n, pos)
                except BaseException:
                    self.buffers.release(buf)
                    raise
                final = pos + n >= ext.end
                if later:
                    if not self._put(Piece(pos, n, buf, ext.sha256 if final else None,
                                           ext.start if final else None)):
                        self.buffers.release(buf)
                        return
                    pos += n
                    continue
                # Every piece waits for its own range update (in order, so the last
                # one's means the whole range): its buffer is reused once written.
                updated = (self.ranger.submit(update_hash, whole, buf, n)
                           if whole is not None else None)
                check = ext.sha256 if final and ext.sha256 else None
                fut = self.pool.submit(_hash_piece, pos, n, buf, self.buffers, updated,
                                       whole if final else None, check, ext.start)
                if not self._put(fut):
                    return
                pos += n
            pos_in = ext.end

    def __iter__(self):
        self.thread.start()
        try:
            while True:
                item = self.out.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop.set()
            self.thread.join()
            while True:                       # a stop upstream: free what is queued
                try:
                    item = self.out.get_nowait()
                except queue.Empty:
                    break
                if isinstance(item, Piece):
                    self.buffers.release(item.buf)
                elif isinstance(item, Future):
                    try:
                        self.buffers.release(item.result().buf)
                    except Exception:
                        pass
            self.ranger.shutdown(wait=True)


def update_hash(whole, buf, n: int) -> None:
    """``whole.update`` with the first ``n`` bytes of ``buf``, without copying them
    (a view, released at once so the buffer can be reused or closed)."""
    view = memoryview(buf)[:n]
    try:
        whole.update(view)
    finally:
        view.release()


def _hash_piece(pos: int, n: int, buf, buffers: Buffers, range_done: Future | None,
                whole, expect: str | None, range_start: int) -> Piece:
    view = memoryview(buf)[:n]
    try:
        digest = hashlib.sha256(view).hexdigest()
    finally:
        view.release()
    if range_done is not None:
        range_done.result()                   # the range's hash has seen every piece
    got = whole.hexdigest() if whole is not None else digest
    if expect is not None and got != expect:
        buffers.release(buf)
        raise VerifyFailed(why=f"checksum mismatch in the range at byte {range_start}")
    return Piece(pos, n, buf, digest)


def _raw_pieces(info, pool, buffers, lookahead, verify_later=False):
    yield from _Pipeline(info, pool, buffers, lookahead,
                         lambda: open(info.path, "rb", buffering=0), True, verify_later)


def _stream_pieces(info, pool, buffers, lookahead, verify_later=False):
    yield from _Pipeline(info, pool, buffers, lookahead,
                         _stream_opener(Path(info.path), info.kind), False, verify_later)
