"""``image make``: capture a master image (our sparse zstd + a bmap) from a prepared,
unmounted disk.

Only what can hold data is read: a loop's sparse backing file says where it was never
written (``mapped.py``), and the disk's own file systems say which of their blocks are
free (``fsmap.py``: ext2/3/4 block bitmaps, the FAT). What is left is read, zeros are
found in bulk, frames compressed on every core and only mapped data hashed (each
frame's sha256): no whole-image checksum, which would hash the holes too (issue 16).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..system import blockdev, guard
from . import fsmap
from .blockmap import mapped_segments
from .bmap import render_bmap
from .errors import OutputExists, OutputOnSource, SourceMounted
from .mapped import source
from .szst import pack


@dataclass(frozen=True)
class MakeReport:
    device: str
    out: str
    bmap: str
    image_size: int
    mapped_bytes: int
    compressed_bytes: int
    image_sha256: str | None            # not measured (holes are not hashed): None
    seconds: float
    frames: int
    # The file systems whose free blocks were left out: kind, start, length, used bytes.
    filesystems: tuple[dict, ...] = ()


def sidecar_bmap(out: Path) -> Path:
    """``x.img.zst`` -> ``x.img.bmap`` (bmaptool finds it beside the image)."""
    name = out.name[:-4] if out.name.endswith(".zst") else out.name
    return out.with_name(name + ".bmap")


def make(ctx, device: str, out: Path, *, level: int = 3, fs_maps: bool = True,
         progress: Callable[[int, int], None] | None = None) -> MakeReport:
    """Capture ``device`` into ``out``; ``fs_maps=False`` reads every file system whole
    (a master whose free blocks must travel too)."""
    disk = blockdev.disk_by_path(ctx, device)
    if disk.mounted:
        raise SourceMounted(path=disk.path, mounts=", ".join(disk.mounted))
    out = Path(out).resolve()
    for existing in (out, sidecar_bmap(out)):
        if existing.exists():         # never overwrite a master silently
            raise OutputExists(out=str(existing))
    if blockdev.resolve(ctx, device) in {f"/dev/{n}" for n in
                                         blockdev.disks_of_path(ctx, str(out.parent))}:
        raise OutputOnSource(out=str(out), path=disk.path)
    fd = guard.open_exclusive(disk.path, write=False)
    found: tuple[fsmap.FsMap, ...] = ()
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, 0, os.SEEK_SET)
        start = time.monotonic()
        src = source(ctx, fd, os.path.basename(blockdev.resolve(ctx, disk.path)), size)
        try:
            ranges = src.ranges
            dmap = fsmap.disk_map(src.read_at, size) if fs_maps else None
            if dmap is not None:
                found = dmap.filesystems
                ranges = (list(dmap.ranges) if ranges is None
                          else fsmap.intersect(ranges, list(dmap.ranges)))
            segs = None if ranges is None else mapped_segments(src.read_at, size, ranges)
            result = pack(lambda n: os.read(fd, n), size, out, level=level,
                          progress=(lambda done: progress(done, size)) if progress else None,
                          whole_sha256=False, segs=segs)
        finally:
            src.close()
    finally:
        os.close(fd)
    bmap_path = sidecar_bmap(out)
    bmap_path.write_bytes(render_bmap(result.index.to_bmap()))
    return MakeReport(disk.path, str(out), str(bmap_path), size, result.index.mapped_bytes,
                      result.compressed_bytes, None,
                      round(time.monotonic() - start, 3), len(result.index.frames),
                      tuple({"kind": f.kind, "start": f.start, "length": f.length,
                             "used_bytes": sum(n for _, n in f.used)} for f in found))
