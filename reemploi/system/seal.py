"""The identity of a block device, sealed when the plan is shown and re-checked on the
open file descriptor before the first byte is written.

Between the plan ("ERASE loop3: 32 MB, serial ...?") and the operator's "yes", minutes
may pass: the disk can be unplugged and another one take its name, or a loop device
detached and re-attached to another file. The name (/dev/loop3) and even the
major:minor stay the same; what changes is the kernel's *disk sequence number*
(``diskseq``, Linux 5.15+, a counter bumped each time a disk is attached or a loop
device is configured, see Documentation/ABI/testing/sysfs-block "diskseq"), the size,
the model/serial/WWN, and for a loop device the backing file (its ``st_dev`` and inode,
which LOOP_GET_STATUS64 returns for the file the kernel actually holds, whatever its
path says now).

``take`` reads all of that when the plan is made; ``check`` reads it again from the
exclusively opened file descriptor (so the answer is about the very device we are
about to write, which O_EXCL keeps from being re-configured: the loop driver defers
a detach while the device is open) and lists every difference. Any difference
refuses the write.

``loop_backing`` also serves the guard: two loop devices over the same file share
their data, so writing one destroys a filesystem mounted from the other.
"""

from __future__ import annotations

import fcntl
import os
import stat
import struct
from dataclasses import asdict, dataclass

from ..lazylog import getLogger

log = getLogger(__name__)

LOOP_GET_STATUS64 = 0x4C05          # linux/loop.h
BLKGETDISKSEQ = 0x80081280          # linux/fs.h _IOR(0x12, 128, __u64), Linux 5.15+
BLKGETSIZE64 = 0x80081272           # linux/fs.h _IOR(0x12, 114, size_t)
# struct loop_info64: lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit (u64),
# lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags (u32), lo_file_name[64],
# lo_crypt_name[64], lo_encrypt_key[32], lo_init[2] (u64).
_LOOP_INFO64 = struct.Struct("=QQQQQIIII64s64s32sQQ")


@dataclass(frozen=True)
class Backing:
    """What a loop device reads and writes: a file (device + inode) or a block device
    (``rdev``), from offset ``offset`` for ``sizelimit`` bytes (0: to the end)."""

    dev: int
    inode: int
    rdev: int = 0
    offset: int = 0
    sizelimit: int = 0
    file: str = ""

    @property
    def key(self) -> tuple[int, int]:
        return (self.dev, self.inode)

    def describe(self) -> str:
        where = self.file or "?"
        return (f"{where} (dev {os.major(self.dev)}:{os.minor(self.dev)}, inode {self.inode}"
                + (f", offset {self.offset}" if self.offset else "") + ")")


@dataclass(frozen=True)
class Seal:
    """Everything the plan showed that names one physical (or loop) device."""

    path: str
    kname: str
    majmin: str | None = None
    diskseq: int | None = None
    size: int | None = None
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    backing: Backing | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        if self.backing is not None:
            d["backing"] = {**asdict(self.backing),
                            "dev": f"{os.major(self.backing.dev)}:{os.minor(self.backing.dev)}"}
        return d

    def describe(self) -> str:
        """One line for the plan: kernel name, major:minor, diskseq, backing file."""
        parts = [f"{self.kname} ({self.majmin or '?'})"]
        if self.diskseq is not None:
            parts.append(f"diskseq {self.diskseq}")
        if self.wwn:
            parts.append(f"WWN {self.wwn}")
        if self.backing is not None:
            parts.append(f"backing file {self.backing.describe()}")
        return ", ".join(parts)


def _ioctl_u64(fd: int, request: int) -> int | None:
    buf = bytearray(8)
    try:
        fcntl.ioctl(fd, request, buf)
    except OSError:
        return None
    return struct.unpack("Q", bytes(buf))[0]


def loop_status(fd: int, sysfs=None, kname: str | None = None) -> Backing | None:
    """The backing of the loop device open as ``fd`` (None: not a loop, or detached)."""
    buf = bytearray(_LOOP_INFO64.size)
    try:
        fcntl.ioctl(fd, LOOP_GET_STATUS64, buf)
    except OSError:
        return None
    dev, ino, rdev, offset, sizelimit, *_rest = _LOOP_INFO64.unpack(bytes(buf))
    # lo_file_name holds only 64 bytes; sysfs has the whole path.
    name = ""
    if sysfs is not None and kname:
        name = sysfs.read(f"sys/block/{kname}/loop/backing_file") or ""
    if not name:
        name = _rest[4].split(b"\0", 1)[0].decode("utf-8", "replace")
    return Backing(dev, ino, rdev, offset, sizelimit, name)


def loop_backing(ctx, kname: str) -> Backing | None:
    """The backing of loop device ``kname`` (opened read-only, never exclusively)."""
    if not kname.startswith("loop") or getattr(ctx, "replay", False):
        return None
    try:
        fd = os.open(f"/dev/{kname}", os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        log.debug("cannot open /dev/%s for its loop status: %s", kname, exc)
        return None
    try:
        return loop_status(fd, ctx.sysfs, kname)
    finally:
        os.close(fd)


def _from_fd(ctx, fd: int, fallback_kname: str) -> dict:
    st = os.fstat(fd)
    if not stat.S_ISBLK(st.st_mode):
        return {}
    majmin = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    kname = ctx.sysfs.link_name(f"sys/dev/block/{majmin}") or fallback_kname
    seq = _ioctl_u64(fd, BLKGETDISKSEQ)
    if seq is None:       # kernel before 5.15: no ioctl; sysfs may still have it
        seq = ctx.sysfs.read_int(f"sys/class/block/{kname}/diskseq")
    return {"majmin": majmin, "kname": kname, "diskseq": seq,
            "size": _ioctl_u64(fd, BLKGETSIZE64),
            "backing": loop_status(fd, ctx.sysfs, kname) if kname.startswith("loop") else None}


def take(ctx, disk) -> Seal:
    """The seal of ``disk`` (a model.Disk just guarded), read now, for the plan."""
    base = dict(path=disk.path, kname=disk.name, size=disk.size_bytes, model=disk.model,
                serial=disk.serial, wwn=disk.wwn)
    if getattr(ctx, "replay", False):
        # A replayed machine has no /dev: only what lsblk said.
        return Seal(**base)
    try:
        fd = os.open(disk.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        log.debug("cannot open %s to seal it: %s", disk.path, exc)
        return Seal(**base)
    try:
        found = _from_fd(ctx, fd, disk.name)
    finally:
        os.close(fd)
    if found.get("size") is not None:
        base["size"] = found["size"]
    base["kname"] = found.get("kname") or disk.name
    return Seal(**base, majmin=found.get("majmin"), diskseq=found.get("diskseq"),
                backing=found.get("backing"))


def check(ctx, fd: int, seal: Seal, now) -> list[dict]:
    """Differences between ``seal`` and the device open as ``fd`` (``now``: the
    model.Disk re-read after opening, for model/serial/WWN). Empty: the same device."""
    if getattr(ctx, "replay", False):
        return []
    found = _from_fd(ctx, fd, seal.kname)
    diffs: list[dict] = []

    def compare(field: str, before, after) -> None:
        if before != after:
            diffs.append({"field": field, "planned": before, "found": after})

    compare("kname", seal.kname, found.get("kname"))
    compare("majmin", seal.majmin, found.get("majmin"))
    if seal.diskseq is not None or found.get("diskseq") is not None:
        compare("diskseq", seal.diskseq, found.get("diskseq"))
    compare("size", seal.size, found.get("size"))
    for field in ("model", "serial", "wwn"):
        compare(field, getattr(seal, field), getattr(now, field, None) if now else None)
    before, after = seal.backing, found.get("backing")
    if before is not None or after is not None:
        desc = lambda b: b.describe() if b is not None else None  # noqa: E731
        if before is None or after is None or (before.key, before.rdev, before.offset,
                                               before.sizelimit) != (
                after.key, after.rdev, after.offset, after.sizelimit):
            diffs.append({"field": "backing", "planned": desc(before), "found": desc(after)})
    return diffs
