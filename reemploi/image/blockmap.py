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
    data = bytearray()
    data_start = 0
    hole_start: int | None = None
    zero_block = zeros(block_size)

    def flush_data():
        nonlocal data
        if data:
            seg = Segment(data_start, len(data), bytes(data))
            data = bytearray()
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
        if piece == zeros(want):
            kinds = [(0, want, True)]
        else:
            kinds = []
            mv = memoryview(piece)
            for off in range(0, want, block_size):
                blk = mv[off:off + block_size]
                is_zero = blk == (zero_block if len(blk) == block_size else zeros(len(blk)))
                if kinds and kinds[-1][2] == is_zero:
                    s, e, z = kinds[-1]
                    kinds[-1] = (s, off + len(blk), z)
                else:
                    kinds.append((off, off + len(blk), is_zero))
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
            while cur < end:
                if not data:
                    data_start = pos + cur
                take = min(end - cur, max_data - len(data))
                data += piece[cur:cur + take]
                cur += take
                if len(data) >= max_data:
                    yield flush_data()
        pos += want
    seg = flush_data()
    if seg:
        yield seg
    if hole_start is not None:
        yield Segment(hole_start, pos - hole_start, None)


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
