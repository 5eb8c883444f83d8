"""Which bytes of a disk its file systems use: ``image make`` reads only those (issue 16).

A master disk is a partition table and file systems. Blocks a file system marks free
hold whatever was there before (a deleted file, the previous install, the random
pattern of a wipe): zero detection cannot tell them from data, so without this map
they are read, compressed and written. Reading the file system's own allocation
maps costs a few hundred KiB of reads per GiB and leaves them out.

Only what is understood exactly is left out; everything else is *mapped* (read, and
zero detection still finds holes there): the partition tables themselves, the gaps
between partitions, extended partitions, swap, BIOS boot and any unknown file system.
A file system is read only when every assumption below holds; otherwise it is mapped
whole. The formats are those the kernel and the specifications define:

- partition tables: the MBR (four primary entries, signature 0x55AA at byte 510) and
  GPT (UEFI 2.10 §5.3: header "EFI PART" at LBA 1, entries of 128 bytes or more);
- ext2/3/4 (Linux ``Documentation/filesystems/ext4/``: superblock at byte 1024, magic
  0xEF53; group descriptors after it; one block bitmap per group, bit set = in use).
  Left mapped whole: ``needs_recovery`` (the journal may hold a bitmap update not yet
  written where we read it), ``meta_bg`` and ``sparse_super2`` (descriptors and
  backups elsewhere, not handled here), a file system that says it is larger than its
  partition, and any group descriptor pointing outside it;
- FAT12/16/32 (Microsoft's FAT specification, "FAT: General Overview of On-Disk
  Format" 1.03: BPB fields, FAT type by cluster count, entry 0 = free cluster).

The parsers are pure: ``read_at(offset, n)`` in, ranges out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

ReadAt = Callable[[int, int], bytes]
ALIGN = 4096
_MAX_GROUPS = 1 << 22          # 512 TiB of 128 MiB groups: beyond that, something is off
_EXT4_MAGIC = 0xEF53


@dataclass(frozen=True)
class FsMap:
    """The ranges of one file system (absolute offsets on the disk) that may hold data."""
    kind: str                         # "ext4", "vfat"
    start: int
    length: int
    used: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class DiskMap:
    """Where a disk may hold data: ``ranges`` (sorted, 4 KiB aligned, merged) and the
    file systems read to decide it."""
    ranges: tuple[tuple[int, int], ...]
    filesystems: tuple[FsMap, ...]


def _u16(b: bytes, at: int) -> int:
    return struct.unpack_from("<H", b, at)[0]


def _u32(b: bytes, at: int) -> int:
    return struct.unpack_from("<I", b, at)[0]


def _u64(b: bytes, at: int) -> int:
    return struct.unpack_from("<Q", b, at)[0]


def _read(read_at: ReadAt, at: int, n: int) -> bytes | None:
    data = read_at(at, n)
    return data if len(data) == n else None


# -- partition tables --------------------------------------------------------------

def partitions(read_at: ReadAt, size: int) -> list[tuple[int, int]] | None:
    """(start, length) of each partition in bytes, or None for no partition table."""
    lba0 = _read(read_at, 0, 512)
    if lba0 is None or lba0[510:512] != b"\x55\xaa":
        return None
    entries = [lba0[446 + 16 * i: 462 + 16 * i] for i in range(4)]
    if any(e[4] == 0xEE for e in entries):
        for sector in (512, 4096):      # 512-byte and 4Kn logical blocks
            found = _gpt(read_at, size, sector)
            if found is not None:
                return found
        return None
    if any(e[0] not in (0x00, 0x80) for e in entries) or not any(e[4] for e in entries):
        return None                     # not a partition table (a boot sector's code)
    out = []
    for e in entries:
        kind, start, count = e[4], _u32(e, 8) * 512, _u32(e, 12) * 512
        if kind in (0x00, 0x05, 0x0F, 0x85) or count == 0:
            continue                    # empty or extended (logical ones stay mapped)
        if start + count > size:
            return None
        out.append((start, count))
    return out


def _gpt(read_at: ReadAt, size: int, sector: int) -> list[tuple[int, int]] | None:
    head = _read(read_at, sector, 92)
    if head is None or head[:8] != b"EFI PART":
        return None
    table, count, esize = _u64(head, 0x48), _u32(head, 0x50), _u32(head, 0x54)
    if esize < 128 or esize % 8 or count > 4096 or table * sector >= size:
        return None
    raw = _read(read_at, table * sector, count * esize)
    if raw is None:
        return None
    out = []
    for i in range(count):
        e = raw[i * esize:(i + 1) * esize]
        if e[:16] == bytes(16):
            continue
        first, last = _u64(e, 0x20), _u64(e, 0x28)
        if last < first or (last + 1) * sector > size:
            return None
        out.append((first * sector, (last + 1 - first) * sector))
    return out


# -- ext2/3/4 ----------------------------------------------------------------------

def _has_backup(group: int, sparse: bool) -> bool:
    """Groups 0, 1 and powers of 3, 5 and 7 keep a superblock copy under sparse_super."""
    if not sparse or group <= 1:
        return True
    for base in (3, 5, 7):
        n = base
        while n < group:
            n *= base
        if n == group:
            return True
    return False


def ext4(read_at: ReadAt, start: int, length: int) -> FsMap | None:
    sb = _read(read_at, start + 1024, 1024)
    if sb is None or _u16(sb, 0x38) != _EXT4_MAGIC:
        return None
    log_bs = _u32(sb, 0x18)
    if log_bs > 6:
        return None
    bs = 1024 << log_bs
    compat, incompat, ro = _u32(sb, 0x5C), _u32(sb, 0x60), _u32(sb, 0x64)
    if incompat & (0x4 | 0x10) or compat & 0x200:
        return None                     # needs_recovery, meta_bg, sparse_super2
    is64 = bool(incompat & 0x80)
    blocks = _u32(sb, 0x04) | ((_u32(sb, 0x150) << 32) if is64 else 0)
    first, per_group = _u32(sb, 0x14), _u32(sb, 0x20)
    ipg, isize = _u32(sb, 0x28), _u16(sb, 0x58) or 128
    dsize = _u16(sb, 0xFE) if is64 else 32
    if (not per_group or per_group > 8 * bs or blocks * bs > length or blocks <= first
            or dsize < 32 or dsize > bs):
        return None
    groups = -(-(blocks - first) // per_group)
    if groups > _MAX_GROUPS:
        return None
    gdt_blocks = -(-(groups * dsize) // bs)
    desc = _read(read_at, start + (first + 1) * bs, groups * dsize)
    if desc is None:
        return None
    itable = -(-(ipg * isize) // bs)
    reserved_gdt = _u16(sb, 0xCE) if compat & 0x10 else 0
    sparse = bool(ro & 0x1)
    metas: list[tuple[int, int]] = []   # (block, count) of bitmaps and inode tables
    bitmaps: list[tuple[int, int]] = []
    for g in range(groups):
        d = desc[g * dsize:(g + 1) * dsize]
        hi = (lambda at: _u32(d, at) << 32) if is64 and dsize >= 64 else (lambda at: 0)
        bb, ib, it = _u32(d, 0) | hi(0x20), _u32(d, 4) | hi(0x24), _u32(d, 8) | hi(0x28)
        if not (first <= bb < blocks and first <= ib < blocks and first <= it
                and it + itable <= blocks):
            return None
        metas += [(bb, 1), (ib, 1), (it, itable)]
        # EXT4_BG_BLOCK_UNINIT counts only with group descriptor checksums (gdt_csum,
        # metadata_csum); the kernel ignores it otherwise, and so do we.
        bitmaps.append((bb, bool(_u16(d, 0x12) & 0x2 and ro & 0x410)))
    used: list[tuple[int, int]] = [(0, (first + 1 + gdt_blocks + reserved_gdt) * bs)]
    if blocks * bs < length:
        used.append((blocks * bs, length - blocks * bs))    # the partition's tail: not ours
    bitmap_bytes = _bitmap_reader(read_at, start, bs, [bb for bb, uninit in bitmaps
                                                       if not uninit])
    for g, (bb, uninit) in enumerate(bitmaps):
        g0 = first + g * per_group
        n = min(per_group, blocks - g0)
        if uninit:
            # Never initialised: only metadata lives here (ext4_init_block_bitmap).
            if _has_backup(g, sparse):
                used.append((g0 * bs, (1 + gdt_blocks + reserved_gdt) * bs))
            for blk, cnt in metas:
                lo, hi_ = max(blk, g0), min(blk + cnt, g0 + n)
                if lo < hi_:
                    used.append((lo * bs, (hi_ - lo) * bs))
            continue
        bits = bitmap_bytes(bb)
        if bits is None:
            return None
        used += [((g0 + a) * bs, (b - a) * bs) for a, b in _runs(bits, n)]
    return FsMap("ext4", start, length,
                 tuple((start + o, min(n, length - o)) for o, n in used if o < length))


def _bitmap_reader(read_at: ReadAt, start: int, bs: int, blocks: list[int]):
    """``get(block)`` for the bitmaps at ``blocks``; neighbours (flex_bg packs a group
    set's bitmaps together) are read at once, up to 4 MiB a read."""
    cache: dict[int, bytes] = {}
    todo = sorted(set(blocks))
    i = 0
    while i < len(todo):
        j = i
        while j + 1 < len(todo) and todo[j + 1] == todo[j] + 1 and (j + 1 - i) * bs < 4 << 20:
            j += 1
        raw = _read(read_at, start + todo[i] * bs, (j - i + 1) * bs)
        if raw is not None:
            for k in range(i, j + 1):
                cache[todo[k]] = raw[(k - i) * bs:(k - i + 1) * bs]
        i = j + 1
    return cache.get


def _runs(bits: bytes, n: int) -> list[tuple[int, int]]:
    """Runs [a, b) of set bits among the first ``n`` (least significant bit first)."""
    value = int.from_bytes(bits, "little") & ((1 << n) - 1)
    out = []
    pos = 0
    while value:
        low = (value & -value).bit_length() - 1       # first set bit
        value >>= low
        pos += low
        ones = (~value & (value + 1)).bit_length() - 1  # length of the run of ones
        out.append((pos, pos + ones))
        value >>= ones
        pos += ones
    return out


# -- FAT12/16/32 -------------------------------------------------------------------

def vfat(read_at: ReadAt, start: int, length: int) -> FsMap | None:
    bs = _read(read_at, start, 512)
    if bs is None or bs[510:512] != b"\x55\xaa" or bs[0] not in (0xEB, 0xE9):
        return None
    bps, spc, rsvd, nfats = _u16(bs, 11), bs[13], _u16(bs, 14), bs[16]
    root_ents, tot16, fsz16 = _u16(bs, 17), _u16(bs, 19), _u16(bs, 22)
    tot = tot16 or _u32(bs, 32)
    fsz = fsz16 or _u32(bs, 36)
    if (bps not in (512, 1024, 2048, 4096) or spc == 0 or spc & (spc - 1)
            or nfats not in (1, 2) or rsvd == 0 or fsz == 0 or tot * bps > length):
        return None
    root_secs = -(-(root_ents * 32) // bps)
    data_sec = rsvd + nfats * fsz + root_secs
    if data_sec >= tot:
        return None
    clusters = (tot - data_sec) // spc
    width = 12 if clusters < 4085 else 16 if clusters < 65525 else 32
    if width == 32 and (fsz16 or root_ents):
        return None
    need = -(-((clusters + 2) * width) // 8)
    if need > fsz * bps:
        return None
    fat = _read(read_at, start + rsvd * bps, need)
    if fat is None:
        return None
    cbytes = spc * bps
    used = [(0, data_sec * bps)]
    run = None
    for c in range(2, clusters + 2):
        if width == 12:
            v = _u16(fat, c * 3 // 2)
            v = v >> 4 if c & 1 else v & 0xFFF
        elif width == 16:
            v = _u16(fat, 2 * c)
        else:
            v = _u32(fat, 4 * c) & 0x0FFFFFFF
        if v:
            run = c if run is None else run
        elif run is not None:
            used.append((data_sec * bps + (run - 2) * cbytes, (c - run) * cbytes))
            run = None
    if run is not None:
        used.append((data_sec * bps + (run - 2) * cbytes, (clusters + 2 - run) * cbytes))
    end = data_sec * bps + clusters * cbytes
    if end < length:
        used.append((end, length - end))            # past the last cluster: not ours
    return FsMap("vfat", start, length, tuple((start + o, n) for o, n in used))


# -- the disk ----------------------------------------------------------------------

def _filesystem(read_at: ReadAt, start: int, length: int) -> FsMap | None:
    for parse in (ext4, vfat):
        try:
            found = parse(read_at, start, length)
        except (struct.error, IndexError, ValueError):
            found = None                              # garbage: the area stays mapped
        if found is not None:
            return found
    return None


def disk_map(read_at: ReadAt, size: int) -> DiskMap | None:
    """Where the disk of ``size`` bytes may hold data, or None when no file system on
    it was understood (then the caller reads it all)."""
    try:
        parts = partitions(read_at, size)
    except (struct.error, IndexError, ValueError):
        parts = None
    whole = _filesystem(read_at, 0, size)
    if parts is not None and whole is not None:
        return None                   # a table and a file system at 0: which is stale?
    if parts is None:
        found = [whole] if whole is not None else []
    else:
        ends = [s + n for s, n in sorted(parts)]
        if any(s < e for (s, _), e in zip(sorted(parts)[1:], ends)):
            return None               # overlapping partitions: read it all
        found = [f for s, n in sorted(parts) if (f := _filesystem(read_at, s, n))]
    if not found:
        return None
    ranges: list[tuple[int, int]] = []
    pos = 0
    for fs in sorted(found, key=lambda f: f.start):
        if fs.start > pos:
            ranges.append((pos, fs.start - pos))      # tables, gaps, other partitions
        ranges += fs.used
        pos = max(pos, fs.start + fs.length)
    if pos < size:
        ranges.append((pos, size - pos))
    return DiskMap(tuple(merge(ranges, size)), tuple(found))


def merge(ranges, size: int) -> list[tuple[int, int]]:
    """Sort, widen to 4 KiB (a range never shrinks) and join what touches."""
    out: list[tuple[int, int]] = []
    for off, n in sorted(ranges):
        if n <= 0:
            continue
        a = off // ALIGN * ALIGN
        b = min(-(-(off + n) // ALIGN) * ALIGN, size)
        if out and a <= out[-1][0] + out[-1][1]:
            o, m = out[-1]
            out[-1] = (o, max(o + m, b) - o)
        else:
            out.append((a, b - a))
    return out


def intersect(a, b) -> list[tuple[int, int]]:
    """The ranges in both sorted, merged lists ``a`` and ``b``."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][0] + a[i][1], b[j][0] + b[j][1])
        if lo < hi:
            out.append((lo, hi - lo))
        if a[i][0] + a[i][1] < b[j][0] + b[j][1]:
            i += 1
        else:
            j += 1
    return out
