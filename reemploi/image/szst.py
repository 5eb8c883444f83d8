"""Our master-image format: a sparse, seekable zstd file ("szst").

A plain ``.img.zst`` is one zstd stream: a writer must decompress every byte, holes
included, on one core (bmaptool does; that is its speed limit). Our master images are
still a valid zstd file, but cut so a writer can do better:

* each data segment (at most 16 MiB, see ``blockmap.MAX_DATA``) is an INDEPENDENT
  zstd frame (RFC 8878 section 3.1.1) carrying its content size and its content
  checksum (XXH64, RFC 8878 section 3.1.1.3, checked by every decoder);
* each hole is one or more frames of zeros (a few bytes per 128 KiB: RLE blocks), so
  ``zstd -dc`` and ``bmaptool copy`` rebuild the full image;
* the file ends with a skippable frame (RFC 8878 section 3.1.2, magic
  ``0x184D2A5B``), which zstd decoders ignore, holding a JSON index:
  ``{"format": "reemploi-szst", "version": 1, "image_size", "block_size",
  "frames": [[image_offset, length, compressed_offset, compressed_length, sha256|null]]}``
  (``null`` = a hole: never decompressed), followed by the JSON length (u32 LE) and
  the 8-byte tag ``RZSTIDX1``, so the index is found from the end of the file.

A writer reads the index, decompresses data frames on several cores (zstandard
releases the GIL) and writes them in order; holes cost nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import zstandard

from ..bounded import load_json
from ..errors import BadInput
from ..i18n import N_
from .blockmap import BLOCK_SIZE, Segment, segments, to_bmap, zeros
from .bmap import BlockMap

SKIPPABLE_MAGIC = 0x184D2A5B
TAG = b"RZSTIDX1"
FORMAT = "reemploi-szst"
ZERO_FRAME_SPAN = 64 << 20       # a hole is cut into frames of at most this many bytes


@dataclass(frozen=True)
class Frame:
    offset: int                  # in the image
    length: int                  # decompressed bytes
    comp_offset: int             # in the file
    comp_length: int
    sha256: str | None           # None: a hole (zeros), never decompressed

    @property
    def is_hole(self) -> bool:
        return self.sha256 is None


@dataclass(frozen=True)
class SzstIndex:
    image_size: int
    block_size: int
    frames: tuple[Frame, ...]

    @property
    def data_frames(self) -> list[Frame]:
        return [f for f in self.frames if not f.is_hole]

    @property
    def mapped_bytes(self) -> int:
        return sum(f.length for f in self.data_frames)

    def to_bmap(self) -> BlockMap:
        return to_bmap(self.image_size,
                       [(f.offset, f.length, f.sha256) for f in self.data_frames],
                       self.block_size)


# 1 TiB in 1 MiB frames is a million entries of ~100 bytes: 128 MiB is room enough.
MAX_INDEX_BYTES = 128 << 20
DAMAGED_INDEX = N_("{path}: the image's szst index is damaged ({field})")
# The index's other faults, whole sentences in the catalogues (image_files.po).
INDEX_LENGTH = N_("{path}: the image's szst index has an impossible length")
INDEX_FRAME = N_("{path}: the frame that holds the image's szst index is damaged")
INDEX_JSON = N_("{path}: the image's szst index is not readable JSON")
INDEX_VERSION = N_("{path}: the image's szst index is of a format version we do not read")
INDEX_ORDER = N_("{path}: the image's szst index does not cover the image in order")
INDEX_WHOLE = N_("{path}: the image's szst index does not cover the whole image")


def _whole(value, high: int = 1 << 62) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high


def _frames(doc: dict, path) -> tuple[Frame, ...]:
    """The index's frames, each ``[offset, length, comp_offset, comp_length, sha256
    or null]``; anything else (``"frames": "x"`` crashed before) is a damaged index."""
    rows = doc.get("frames")
    if not isinstance(rows, list):
        raise BadInput(DAMAGED_INDEX, path=str(path), field="frames")
    frames = []
    for row in rows:
        if (not isinstance(row, list) or len(row) != 5 or not all(_whole(v) for v in row[:4])
                or not (row[4] is None or (isinstance(row[4], str) and len(row[4]) == 64))):
            raise BadInput(DAMAGED_INDEX, path=str(path), field="frames")
        frames.append(Frame(*row))
    return tuple(frames)


def read_index(path: Path | str) -> SzstIndex | None:
    """The index of a szst file, or None if the file is not one (a plain .zst).

    Parsed and checked here once per command (~10 ms for a 2 GiB image, growing with
    it): ``sources.inspect`` keeps it in the ``ImageInfo`` that planning, writing and
    the catalogue read, instead of each asking the file again."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size < 20:
            return None
        fh.seek(size - 12)
        tail = fh.read(12)
        if tail[4:] != TAG:
            return None
        (json_len,) = struct.unpack("<I", tail[:4])
        start = size - 12 - json_len - 8
        if start < 0 or json_len > MAX_INDEX_BYTES:
            raise BadInput(INDEX_LENGTH, path=str(path))
        fh.seek(start)
        head = fh.read(8)
        magic, frame_len = struct.unpack("<II", head)
        if magic != SKIPPABLE_MAGIC or frame_len != json_len + 12:
            raise BadInput(INDEX_FRAME, path=str(path))
        raw = fh.read(json_len)
    return _parse_index(raw, start, path)


def _parse_index(raw: bytes, start: int, path) -> SzstIndex:
    try:
        doc = load_json(raw.decode("utf-8"), "szst index", str(path))
    except (ValueError, UnicodeDecodeError):
        raise BadInput(INDEX_JSON, path=str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != 1:
        raise BadInput(INDEX_VERSION, path=str(path))
    frames = _frames(doc, path)
    expect = 0
    for f in frames:
        if f.offset != expect or f.comp_offset + f.comp_length > start:
            raise BadInput(INDEX_ORDER, path=str(path))
        expect = f.offset + f.length
    if expect != doc.get("image_size") or not _whole(doc.get("block_size"), 1 << 30) \
            or doc["block_size"] < 512:
        raise BadInput(INDEX_WHOLE, path=str(path))
    return SzstIndex(doc["image_size"], doc["block_size"], frames)


@dataclass(frozen=True)
class PackResult:
    index: SzstIndex
    image_sha256: str
    compressed_bytes: int


RLE_BLOCK = 128 << 10            # RFC 8878 3.1.1.2.4: Block_Maximum_Size is 128 KiB


def zero_frame_of(n: int) -> bytes:
    """A zstd frame of ``n`` zero bytes, written directly (RFC 8878 section 3.1.1):
    a single-segment frame header with its 8-byte content size, then RLE blocks of
    one zero byte each repeated up to 128 KiB times. Compressing ``n`` zeros gave
    the same bytes' worth at ~0.7 GB/s, in the packing thread, for every hole size
    (issue 16: 2.4 s of a 2 GiB ``image make``); this costs microseconds."""
    if n <= 0:
        raise ValueError("a zero frame holds at least one byte")
    # Frame_Header_Descriptor: FCS_Field_Size flag 3 (8 bytes), Single_Segment_flag
    # (no window descriptor: the window is the content size), no checksum, no dict.
    out = bytearray(struct.pack("<IBQ", 0xFD2FB528, 0xE0, n))
    left = n
    while left:
        size = min(left, RLE_BLOCK)
        left -= size
        # Block_Header: Last_Block bit, Block_Type 1 (RLE_Block), Block_Size: the
        # number of repetitions of the one byte that follows.
        header = (1 if not left else 0) | (1 << 1) | (size << 3)
        out += header.to_bytes(3, "little") + b"\0"
    return bytes(out)


class _Compressors(threading.local):
    def __init__(self, level: int) -> None:
        self.c = zstandard.ZstdCompressor(level=level, write_content_size=True,
                                           write_checksum=True)


def pack(read: Callable[[int], bytes], image_size: int, out: Path | str, *, level: int = 3,
         threads: int | None = None, block_size: int = BLOCK_SIZE,
         progress: Callable[[int], None] | None = None,
         whole_sha256: bool = True, segs: Iterable[Segment] | None = None) -> PackResult:
    """Read an image stream and write it as a szst file (data frames compressed in parallel).

    ``whole_sha256``: also hash the whole image, holes included (what a catalogue
    records); off, ``image_sha256`` is empty and packing a mostly empty image is faster.
    ``segs``: the image's segments when the caller knows better than a read of every
    byte (``blockmap.mapped_segments``); ``read`` is then unused."""
    threads = threads or max(os.cpu_count() or 1, 1)
    local = _Compressors(level)
    zero_frames: dict[int, bytes] = {}
    whole = hashlib.sha256()

    def zero_frame(n: int) -> bytes:
        fr = zero_frames.get(n)
        if fr is None:
            fr = zero_frames[n] = zero_frame_of(n)
        return fr

    def compress(data: bytes) -> tuple[bytes, str]:
        return local.c.compress(data), hashlib.sha256(data).hexdigest()

    frames: list[Frame] = []
    pos_out = 0
    tmp = Path(str(out) + ".part")
    try:
        with open(tmp, "wb") as fh, ThreadPoolExecutor(threads) as pool:
            pending = []

            def drain(keep: int) -> None:
                nonlocal pos_out
                while len(pending) > keep:
                    offset, length, fut = pending.pop(0)
                    if isinstance(fut, bytes):
                        blob, sha = fut, None
                    else:
                        blob, sha = fut.result()
                    fh.write(blob)
                    frames.append(Frame(offset, length, pos_out, len(blob), sha))
                    pos_out += len(blob)
                    if progress:
                        progress(offset + length)

            for seg in (segs if segs is not None else segments(read, image_size, block_size)):
                if seg.is_hole:
                    left, off = seg.length, seg.offset
                    while left:
                        n = min(left, ZERO_FRAME_SPAN)
                        if whole_sha256:
                            whole.update(zeros(n))
                        pending.append((off, n, zero_frame(n)))
                        off += n
                        left -= n
                else:
                    if whole_sha256:
                        whole.update(seg.data)
                    pending.append((seg.offset, seg.length, pool.submit(compress, seg.data)))
                drain(threads * 2)
            drain(0)
            doc = {"format": FORMAT, "version": 1, "image_size": image_size,
                   "block_size": block_size,
                   "frames": [[f.offset, f.length, f.comp_offset, f.comp_length, f.sha256]
                              for f in frames]}
            payload = json.dumps(doc, separators=(",", ":")).encode()
            fh.write(struct.pack("<II", SKIPPABLE_MAGIC, len(payload) + 12))
            fh.write(payload + struct.pack("<I", len(payload)) + TAG)
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()
    except BaseException:              # Ctrl-C, full disk...: no half file left
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    return PackResult(SzstIndex(image_size, block_size, tuple(frames)),
                      whole.hexdigest() if whole_sha256 else "", size)
