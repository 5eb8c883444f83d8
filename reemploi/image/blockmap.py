"""Find the parts of an image that hold data: the block map.

We split an image into blocks (4 KiB, bmaptool's default and the ext4 block size)
and call a block *mapped* unless it is all zeros. An all-zero block need not be
written when the target was wiped first, which is why ``image write`` insists on a
prior wipe record. We do not read filesystem metadata (``dumpe2fs`` free-block
lists): zero detection works for any filesystem and partition table, and a master
disk prepared with ``e2fsck -E discard`` or ``zerofree`` has its free blocks zeroed.

``segments`` walks an image stream once and yields data segments (at most
``max_data`` bytes each, cut on block boundaries) and holes, so the same walk
feeds the bmap (``to_bmap``), our sparse zstd master format and ``image add``.
The core is pure: a ``read(n)`` callable in, segments out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable, Iterator

from ..errors import BadInput
from .bmap import BlockMap, BmapRange

BLOCK_SIZE = 4096
MAX_DATA = 16 << 20           # one data segment = one zstd frame = one bmap range
READ_SIZE = 4 << 20

_ZEROS: dict[int, bytes] = {}


def zeros(n: int) -> bytes:
    z = _ZEROS.get(n)
    if z is None:
        z = _ZEROS[n] = bytes(n)
    return z


@dataclass(frozen=True)
class Segment:
    offset: int
    length: int
    data: bytes | None        # None for a hole (all zeros)

    @property
    def is_hole(self) -> bool:
        return self.data is None


def segments(read: Callable[[int], bytes], image_size: int | None, block_size: int = BLOCK_SIZE,
             max_data: int = MAX_DATA, read_size: int = READ_SIZE) -> Iterator[Segment]:
    """Walk ``image_size`` bytes (None: to the end) from ``read``; yield holes and data."""
    if max_data % block_size or read_size % block_size:
        raise ValueError("max_data and read_size must be multiples of block_size")
    pos = 0
    # The data segment being gathered, as views of the reads (one copy, at the join:
    # slicing, appending to a bytearray and converting it made three).
    data: list[memoryview] = []
    data_len = 0
    data_start = 0
    hole_start: int | None = None
    zero_block = zeros(block_size)

    def flush_data():
        nonlocal data, data_len
        if data:
            seg = Segment(data_start, data_len, b"".join(data))
            data, data_len = [], 0
            return seg
        return None

    while image_size is None or pos < image_size:
        want = read_size if image_size is None else min(read_size, image_size - pos)
        piece = read(want)
        while len(piece) < want:              # pipes and decompressors return short reads
            more = read(want - len(piece))
            if not more:
                if image_size is None:        # size unknown: the end of the stream
                    break
                raise BadInput(what="image", why=f"truncated at byte {pos + len(piece)} "
                               f"of {image_size}")
            piece += more
        if not piece:
            break
        want = len(piece)
        kinds = _kinds(piece, want, block_size, zero_block)
        for start, end, is_zero in kinds:
            if is_zero:
                seg = flush_data()
                if seg:
                    yield seg
                if hole_start is None:
                    hole_start = pos + start
                continue
            if hole_start is not None:
                yield Segment(hole_start, pos + start - hole_start, None)
                hole_start = None
            cur = start
            view = memoryview(piece)
            while cur < end:
                if not data:
                    data_start = pos + cur
                take = min(end - cur, max_data - data_len)
                data.append(view[cur:cur + take])
                data_len += take
                cur += take
                if data_len >= max_data:
                    yield flush_data()
        pos += want
    seg = flush_data()
    if seg:
        yield seg
    if hole_start is not None:
        yield Segment(hole_start, pos - hole_start, None)


def _kinds(piece: bytes, length: int, block_size: int, zero_block: bytes
           ) -> list[tuple[int, int, bool]]:
    """(start, end, is_zero) runs of ``piece``'s blocks, in bulk: one ``memcmp`` for an
    all-zero read, then ``bytes.find`` of a zero block (C, two-way search) for the
    candidates, so a block of data costs no Python step; only a zero block found in
    the middle of data does (issue 16: the per-4 KiB Python loop was the limit)."""
    if piece == zeros(length):
        return [(0, length, True)]
    zero_at: list[int] = []
    pos = 0
    while True:
        i = piece.find(zero_block, pos)
        if i < 0:
            break
        a = -(-i // block_size) * block_size           # first block boundary at or after i
        if a + block_size <= length and piece[a:a + block_size] == zero_block:
            zero_at.append(a)
            pos = a + block_size
        else:
            # Block a is not all zeros, so no zero run starting at or before a can cover
            # a later block: search on from a + 1.
            pos = a + 1
    tail = length % block_size                         # a short last block (image end)
    if tail and piece[length - tail:] == zeros(tail):
        zero_at.append(length - tail)
    kinds: list[tuple[int, int, bool]] = []
    pos = 0
    for a in zero_at:
        end = min(a + block_size, length)
        if a > pos:
            kinds.append((pos, a, False))
        if kinds and kinds[-1][2] and kinds[-1][1] == a:
            kinds[-1] = (kinds[-1][0], end, True)
        else:
            kinds.append((a, end, True))
        pos = end
    if pos < length:
        kinds.append((pos, length, False))
    return kinds


def mapped_segments(read_at: Callable[[int, int], bytes], image_size: int,
                    ranges: list[tuple[int, int]], block_size: int = BLOCK_SIZE,
                    max_data: int = MAX_DATA, read_size: int = READ_SIZE
                    ) -> Iterator[Segment]:
    """``segments`` of an image of which only ``ranges`` ((offset, length), sorted,
    block-aligned starts) can hold data: they are read, the rest is holes unread
    (``image/mapped.py``). Adjacent holes come out as one."""
    hole: int | None = None
    pos = 0

    def hole_until(end: int):
        nonlocal hole
        if hole is not None and end > hole:
            seg = Segment(hole, end - hole, None)
            hole = None
            return seg
        hole = None
        return None

    for off, length in ranges:
        off, length = min(off, image_size), min(length, image_size - min(off, image_size))
        if length <= 0 or off < pos:
            continue
        if off > pos and hole is None:
            hole = pos
        state = {"at": off}

        def read(n: int, state=state) -> bytes:
            data = read_at(state["at"], n)
            state["at"] += len(data)
            return data

        for seg in segments(read, length, block_size, max_data, read_size):
            if seg.is_hole:
                if hole is None:
                    hole = off + seg.offset
                continue
            done = hole_until(off + seg.offset)
            if done:
                yield done
            yield Segment(off + seg.offset, seg.length, seg.data)
        pos = off + length
    if pos < image_size and hole is None:
        hole = pos
    done = hole_until(image_size)
    if done:
        yield done


def to_bmap(image_size: int, data_segments: list[tuple[int, int, str]],
            block_size: int = BLOCK_SIZE) -> BlockMap:
    """A bmap from (offset, length, sha256) of the data segments, in order."""
    ranges = []
    for offset, length, sha in data_segments:
        first = offset // block_size
        last = (offset + length - 1) // block_size
        ranges.append(BmapRange(first, last, sha))
    return BlockMap(image_size, block_size, tuple(ranges), "sha256")


def scan(read: Callable[[int], bytes], image_size: int | None,
         block_size: int = BLOCK_SIZE) -> tuple[BlockMap, str]:
    """Block map of a whole image stream (size None: to its end), and its sha256."""
    whole = hashlib.sha256()
    found = []
    pos = 0
    for seg in segments(read, image_size, block_size):
        if seg.is_hole:
            left = seg.length
            while left:
                n = min(left, READ_SIZE)
                whole.update(zeros(n))
                left -= n
        else:
            whole.update(seg.data)
            found.append((seg.offset, seg.length, hashlib.sha256(seg.data).hexdigest()))
        pos = seg.offset + seg.length
    if image_size is not None and pos != image_size:
        raise BadInput(what="image", why=f"{pos} bytes read, {image_size} expected")
    return to_bmap(pos, found, block_size), whole.hexdigest()
