"""The one safety guard in front of every destructive write (wipe, image writer).

House rule: guard → plan → confirm → act → verify → record. This module is the
*guard*: given a path typed by an operator (or picked from a list), it decides whether
we may overwrite it, and says why not with a reason code and parameters. The wipe and
the image writer both call ``guard_target`` and ``open_exclusive``; there is no second
copy of these checks anywhere, so a fix here protects both.

Refused, in this order (the most serious first; every applicable reason is collected):
not a block device / vanished, a partition or stacked device instead of a whole disk,
the live medium, the system disk, the disk holding the running program, the disk
holding the station's records (persistence partition, data directory), held by
LVM/RAID/dm-crypt, mounted (swap included), read-only, zero size.

``open_exclusive`` adds the kernel's own check: ``O_EXCL`` on a block device makes
``open(2)`` fail with EBUSY when the device is mounted or claimed by another exclusive
opener (Linux ``blkdev_get_by_dev``, see open(2) "O_EXCL ... block device"), which
closes the race between our check and the write.
"""

from __future__ import annotations

import enum
import errno
import fcntl
import os
import stat
import sys
from dataclasses import dataclass, field

from ..errors import DeviceError, NeedsRoot, Refused
from ..i18n import N_, tr
from ..model import Disk
from . import blockdev, seal
from ..syserr import reason


class Reason(str, enum.Enum):
    NOT_BLOCK_DEVICE = "not-block-device"
    VANISHED = "vanished"
    PARTITION = "partition"
    NOT_WHOLE_DISK = "not-whole-disk"
    LIVE_MEDIUM = "live-medium"
    SYSTEM_DISK = "system-disk"
    PROGRAM_FILES = "program-files"
    PERSISTENCE = "persistence"
    HELD = "held"
    MOUNTED = "mounted"
    READ_ONLY = "read-only"
    ZERO_SIZE = "zero-size"
    BUSY = "busy"
    SHARED_MOUNTED = "shared-mounted"
    SHARED_HELD = "shared-held"
    CHANGED = "changed"


MESSAGES = {
    Reason.NOT_BLOCK_DEVICE: N_("Refused: {path} is not a block device"),
    Reason.VANISHED: N_("Refused: {path} does not exist (unplugged or mistyped?)"),
    Reason.PARTITION: N_("Refused: {path} is a partition; give the whole disk {disk}"),
    Reason.NOT_WHOLE_DISK: N_("Refused: {path} is a {kind} device, not a whole disk"),
    Reason.LIVE_MEDIUM: N_("Refused: {path} is the live medium this station booted from"),
    Reason.SYSTEM_DISK: N_("Refused: {path} holds the running system (/, /boot or /boot/efi)"),
    Reason.PROGRAM_FILES: N_("Refused: {path} holds the files of the running program"),
    Reason.PERSISTENCE: N_("Refused: {path} holds this station's records (persistence "
                           "partition or data directory)"),
    Reason.HELD: N_("Refused: {path} is in use by {holders} (LVM, RAID or dm-crypt)"),
    Reason.MOUNTED: N_("Refused: {path} is mounted at {mounts}; unmount it first"),
    Reason.READ_ONLY: N_("Refused: {path} is read-only (write-protect switch or read-only loop)"),
    Reason.ZERO_SIZE: N_("Refused: {path} has a size of zero (empty card reader?)"),
    Reason.BUSY: N_("Refused: the kernel says {path} is busy (mounted or opened by another program)"),
    Reason.SHARED_MOUNTED: N_("Refused: {path} shares its data ({backing}) with {other}, which is "
                              "mounted at {mounts}; writing one destroys the other"),
    Reason.SHARED_HELD: N_("Refused: {path} shares its data ({backing}) with {other}, which is "
                           "in use by {holders}"),
    Reason.CHANGED: N_("Refused: {path} is no longer the disk shown in the plan ({differences}); "
                       "nothing was written: run the command again"),
}


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    params: dict = field(default_factory=dict)

    def render(self, lang: str | None = None) -> str:
        return tr(MESSAGES[self.reason], lang, **self.params)


class TargetRefused(Refused):
    """A guard refusal: carries the reason code and every other applicable reason."""

    def __init__(self, refusal: Refusal, others: tuple[Refusal, ...] = ()) -> None:
        self.reason = refusal.reason
        self.refusal = refusal
        self.others = others
        super().__init__(MESSAGES[refusal.reason], **refusal.params)


@dataclass(frozen=True)
class Verdict:
    path: str
    disk: Disk | None
    refusals: tuple[Refusal, ...]

    @property
    def ok(self) -> bool:
        return not self.refusals


def _is_block_device(ctx, path: str) -> bool | None:
    """True/False for a live path; None when the path does not exist."""
    if getattr(ctx, "replay", False):
        return True  # a replayed machine has no /dev: trust its lsblk recording
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    except OSError:
        return None


def check_target(ctx, path: str, *, program: tuple[str, ...] | None = None,
                 fresh: bool = False) -> Verdict:
    """Every reason to refuse ``path`` (empty tuple: we may write to it). ``fresh``:
    list the block devices again even inside ``blockdev.one_listing``."""
    is_blk = _is_block_device(ctx, path)
    if is_blk is None:
        return Verdict(path, None, (Refusal(Reason.VANISHED, {"path": path}),))
    if not is_blk:
        return Verdict(path, None, (Refusal(Reason.NOT_BLOCK_DEVICE, {"path": path}),))
    tree = blockdev.lsblk_tree(ctx, fresh=fresh)
    found = blockdev.find_node(ctx, path, tree)
    if found is None:
        return Verdict(path, None, (Refusal(Reason.VANISHED, {"path": path}),))
    node, parent = found
    if parent is not None:
        reason = Reason.PARTITION if node.type == "part" else Reason.NOT_WHOLE_DISK
        return Verdict(path, None, (Refusal(reason, {"path": path, "disk": parent.path,
                                                     "kind": node.type}),))
    if node.type not in ("disk", "loop") or node.kname.startswith(("zram", "ram")):
        return Verdict(path, None, (Refusal(Reason.NOT_WHOLE_DISK,
                                            {"path": path, "kind": node.type}),))
    role = blockdev.roles(ctx, program)
    disk = blockdev._disk(ctx, node, role)
    refusals: list[Refusal] = []
    p = {"path": disk.path}
    if node.kname in role.live:
        refusals.append(Refusal(Reason.LIVE_MEDIUM, p))
    if disk.is_system_disk:
        refusals.append(Refusal(Reason.SYSTEM_DISK, p))
    if node.kname in role.program:
        refusals.append(Refusal(Reason.PROGRAM_FILES, p))
    if node.kname in role.persistence:
        refusals.append(Refusal(Reason.PERSISTENCE, p))
    if disk.holders:
        refusals.append(Refusal(Reason.HELD, {**p, "holders": ", ".join(disk.holders)}))
    if disk.mounted:
        refusals.append(Refusal(Reason.MOUNTED, {**p, "mounts": ", ".join(disk.mounted)}))
    if disk.read_only:
        refusals.append(Refusal(Reason.READ_ONLY, p))
    if not disk.size_bytes:
        refusals.append(Refusal(Reason.ZERO_SIZE, p))
    refusals += shared_refusals(ctx, node, tree, role)
    return Verdict(path, disk, tuple(refusals))


def _disks_of_rdev(ctx, rdev: int) -> tuple[str, ...]:
    name = ctx.sysfs.link_name(f"sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}")
    return blockdev.whole_disks_under(ctx, name) if name else ()


def shared_refusals(ctx, node: blockdev.Node, tree: tuple[blockdev.Node, ...],
                    role: blockdev.Roles) -> list[Refusal]:
    """Devices that are the same data under another name, mounted or held.

    Seen in the attack tests of issue 11: a second loop device over the file of a
    mounted one was wiped, destroying the mounted filesystem; the mount belongs to the
    other loop, so the target itself looked free. Covered here: two loops over one
    file (or one block device), a loop over a block device (partition) of a disk that
    is mounted or held, and a disk with a loop over it that is mounted or held."""
    if getattr(ctx, "replay", False):
        return []
    by_name = {n.kname: n for n in tree}
    mine = seal.loop_backing(ctx, node.kname) if node.type == "loop" else None
    out: list[Refusal] = []

    def refuse(other: blockdev.Node, backing: str) -> None:
        d = blockdev._disk(ctx, other, role)
        params = {"path": node.path, "other": other.path, "backing": backing}
        if d.mounted:
            out.append(Refusal(Reason.SHARED_MOUNTED, {**params, "mounts": ", ".join(d.mounted)}))
        elif d.holders:
            out.append(Refusal(Reason.SHARED_HELD, {**params, "holders": ", ".join(d.holders)}))
        elif other.kname in role.system or other.kname in role.live:
            out.append(Refusal(Reason.SHARED_MOUNTED, {**params, "mounts": "/"}))

    if mine is not None and mine.rdev:
        for name in _disks_of_rdev(ctx, mine.rdev):
            if name in by_name and name != node.kname:
                refuse(by_name[name], mine.describe())
    for other in tree:
        if other.type != "loop" or other.kname == node.kname:
            continue
        theirs = seal.loop_backing(ctx, other.kname)
        if theirs is None:
            continue
        same = mine is not None and theirs.key == mine.key
        over_us = bool(theirs.rdev) and node.kname in _disks_of_rdev(ctx, theirs.rdev)
        if same or over_us:
            refuse(other, theirs.describe())
    return out


def guard_target(ctx, path: str, *, program: tuple[str, ...] | None = None) -> Disk:
    """The whole disk at ``path`` if we may overwrite it; else raise ``TargetRefused``."""
    verdict = check_target(ctx, path, program=program)
    if verdict.refusals:
        raise TargetRefused(verdict.refusals[0], verdict.refusals[1:])
    assert verdict.disk is not None
    return verdict.disk


def confirm_text(disk: Disk, lang: str | None = None) -> str:
    """What the operator must see before saying yes: model, serial, size, bus, path."""
    from ..vocabulary import MEDIA_WORDS, word
    return tr("{path}: {model}, serial {serial}, {size}, {transport}", lang,
              path=disk.path, model=disk.model or tr("unknown model", lang),
              serial=disk.serial or "—",
              size=blockdev.format_size(disk.size_bytes, lang),
              transport=disk.transport or word(MEDIA_WORDS, disk.media.value, lang))


def open_exclusive(path: str, *, write: bool = True, direct: bool = False) -> int:
    """``os.open`` with ``O_EXCL`` so the kernel refuses a mounted or claimed device.

    Returns the file descriptor (the caller closes it). ``direct`` adds ``O_DIRECT``
    (the caller must then use aligned buffers).
    """
    flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_EXCL | os.O_CLOEXEC
    if direct:
        flags |= os.O_DIRECT
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            raise TargetRefused(Refusal(Reason.BUSY, {"path": path})) from None
        if exc.errno in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
            raise TargetRefused(Refusal(Reason.VANISHED, {"path": path})) from None
        if exc.errno in (errno.EACCES, errno.EPERM) and os.geteuid() != 0:
            raise NeedsRoot("Opening {path} needs root: run it with sudo", path=path) from None
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and write:
            # Linux answers EACCES when opening a read-only block device for writing.
            raise TargetRefused(Refusal(Reason.READ_ONLY, {"path": path})) from None
        raise DeviceError(device=path, why=reason(exc)) from None
    try:
        if not stat.S_ISBLK(os.fstat(fd).st_mode):
            raise TargetRefused(Refusal(Reason.NOT_BLOCK_DEVICE, {"path": path}))
        # Linux lets a read-only device be opened O_RDWR and fails each write later
        # (seen on a read-only loop device); ask the block layer instead (BLKROGET).
        if write and _read_only(fd):
            raise TargetRefused(Refusal(Reason.READ_ONLY, {"path": path}))
    except BaseException:
        os.close(fd)
        raise
    return fd


class DeviceChanged(TargetRefused):
    """The device at the plan's path is not the one the plan showed (``differences``:
    the fields that changed, as {field, planned, found})."""

    def __init__(self, path: str, differences: list[dict]) -> None:
        self.differences = differences
        text = "; ".join(f"{d['field']}: {d['planned']} → {d['found']}" for d in differences)
        super().__init__(Refusal(Reason.CHANGED, {"path": path, "differences": text}))


def open_sealed(ctx, sealed: seal.Seal, *, write: bool = True, direct: bool = True) -> int:
    """Open the planned device exclusively, then check, on that very descriptor, that it
    is still allowed (guard) and still the device the plan showed (``seal.check``).

    Called after the confirmation and before the first byte. Raises ``TargetRefused``
    (a new reason to refuse, e.g. mounted meanwhile) or ``DeviceChanged``; the
    descriptor is closed then. O_EXCL keeps it ours from here on: a loop device
    cannot be re-attached while we hold it (the loop driver only marks it for
    auto-clear), and a mount needs the exclusive claim we hold."""
    fd = open_exclusive(sealed.path, write=write, direct=direct)
    try:
        verdict = check_target(ctx, sealed.path, fresh=True)     # never the plan's listing
        if verdict.refusals:
            raise TargetRefused(verdict.refusals[0], verdict.refusals[1:])
        differences = seal.check(ctx, fd, sealed, verdict.disk)
        if differences:
            raise DeviceChanged(sealed.path, differences)
    except BaseException:
        os.close(fd)
        raise
    return fd


BLKROGET = 0x125E  # _IO(0x12, 94), linux/fs.h


def _read_only(fd: int) -> bool:
    buf = bytearray(4)
    try:
        fcntl.ioctl(fd, BLKROGET, buf)
    except OSError:
        return False
    return int.from_bytes(buf, sys.byteorder) != 0
