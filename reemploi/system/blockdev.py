"""Block devices: which whole disks this machine has, and what each one is doing.

A workshop PC has internal disks (to grade, wipe and reinstall), the live USB stick we
booted from, sometimes a donor disk in a USB dock. Every destructive stage must tell
them apart, so this module answers, for each whole disk:

* what it is: ``lsblk --json --bytes`` columns plus a ``Media`` class (NVMe, SSD, HDD,
  USB flash, SD/eMMC, loop);
* what holds it: mount points (lsblk *and* ``/proc/self/mountinfo``, because lsblk
  reads udev's view which lags behind on live systems without udev), holders from
  ``/sys/block/X/holders`` (device-mapper, md RAID, LVM, dm-crypt);
* its role: the **system disk** (holds ``/``, ``/boot`` or ``/boot/efi``) and the
  **live medium** (holds ``/run/live/medium`` (live-boot), an ISO 9660 filesystem, or
  the files of the running program and its interpreter).

Mount points are mapped to disks through the ``major:minor`` field of mountinfo, then
``/sys/dev/block/MAJ:MIN`` → partition → parent disk, and through ``slaves/`` for
dm/md stacks, so ``/`` on LVM on LUKS on ``sda2`` still marks ``sda`` as the system
disk. Everything goes through ``ctx.runner`` and ``ctx.sysfs``, so a recorded machine
replays offline.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotFound, ToolFailed
from ..model import Disk, Media
from .runner import forget_early
from ..lazylog import getLogger
from .blocktext import (LSBLK_ARGV, LSBLK_ARGV_OLD, LSBLK_COLUMNS,  # noqa: F401 (used by callers)
                        LSBLK_COLUMNS_OLD, Mount, Node, parse_lsblk, parse_mountinfo,
                        parse_mounts, text_or_none)

log = getLogger(__name__)


# Mount points whose disk is "the system" (never wiped, never overwritten).
SYSTEM_MOUNTS = ("/", "/boot", "/boot/efi", "/efi", "/usr")
# Where Debian live-boot (and older casper/live-initramfs) mount the boot medium.
LIVE_MOUNTS = ("/run/live/medium", "/lib/live/mount/medium", "/cdrom",
               "/run/initramfs/live")
# Where live-boot (>= 5, Debian bookworm) mounts each persistence medium it found:
# /run/live/persistence/<partition>, e.g. /run/live/persistence/sdb3.
PERSISTENCE_MOUNTS = ("/run/live/persistence", "/lib/live/mount/persistence")
# Children of these lsblk types are stacked devices that hold the disk.
HOLDER_TYPES = ("lvm", "crypt", "dm", "mpath", "raid0", "raid1", "raid4", "raid5",
                "raid6", "raid10", "linear", "md")


# French writes octets (o, ko, Mo, Go, To) and a decimal comma, as on French shop shelves.
_UNITS = {"en": ("B", "kB", "MB", "GB", "TB", "PB"), "fr": ("o", "ko", "Mo", "Go", "To", "Po")}


def format_size(size_bytes: int | None, lang: str | None = "en") -> str:
    """Decimal units as printed on disk labels (IEC 80000-13: 1 GB = 10^9 bytes).

    ``lang`` "fr" gives "500,1 Go"; None means the session's language. The default stays
    English so logs and error details read the same everywhere.
    """
    if size_bytes is None:
        return "?"
    if lang is None:
        from ..i18n import current
        lang = current()
    units = _UNITS.get(lang, _UNITS["en"])
    value = float(size_bytes)
    for unit in units:
        if value < 1000 or unit == units[-1]:
            text = f"{value:.0f} {unit}" if unit == units[0] else f"{value:.1f} {unit}"
            return text.replace(".", ",") if lang == "fr" else text
        value /= 1000
    return f"{size_bytes} B"  # pragma: no cover


# ---------------------------------------------------------------- reading the machine

def lsblk_tree(ctx, *, fresh: bool = False, run=None) -> tuple[Node, ...]:
    """Every block device lsblk knows, as a tree.

    Inside ``one_listing(ctx)`` the first listing is kept and handed out again, unless
    ``fresh`` asks for a new one (the re-check after the confirmation always does).
    ``run`` replaces ``ctx.runner.run`` (the probe passes the one that collects what it
    started early, side by side with its other tools)."""
    kept = getattr(ctx, _LISTING, None)
    if fresh:
        forget_early(LSBLK_ARGV)       # a listing started with the process is not fresh
    if kept is None or fresh:
        return _read_tree(ctx, run)
    if not kept:
        kept.append(_read_tree(ctx, run))
    return kept[0]


_LISTING = "_blockdev_listing"


@contextmanager
def one_listing(ctx):
    """One ``lsblk`` for a whole planning phase (issue 16: a wipe of four disks ran it
    four times, once per guard check, ~30 ms each on a netbook; the probe and the
    image planning likewise). Only for planning: what is decided *after* the operator
    confirmed (``guard.open_sealed``) reads the devices again, since a disk may have been
    mounted, swapped or re-attached while the question was on screen. Nested use keeps
    the outer listing. A context that takes no attribute simply goes without."""
    if getattr(ctx, _LISTING, None) is not None:
        yield
        return
    try:
        setattr(ctx, _LISTING, [])
    except (AttributeError, TypeError):          # a frozen or slotted stand-in
        yield
        return
    try:
        yield
    finally:
        setattr(ctx, _LISTING, None)


def _read_tree(ctx, run=None) -> tuple[Node, ...]:
    try:
        result = (run or ctx.runner.run)(LSBLK_ARGV, timeout=30)
    except ToolFailed as exc:
        # util-linux < 2.37: "unknown column: MOUNTPOINTS".
        if "MOUNTPOINTS" not in str(exc.params.get("stderr", "")) and "unknown column" \
                not in str(exc.params.get("stderr", "")):
            raise
        result = ctx.runner.run(LSBLK_ARGV_OLD, timeout=30)
    return parse_lsblk(result.text)


def mount_table(ctx) -> tuple[Mount, ...]:
    text = ctx.sysfs.read("proc/self/mountinfo")
    if text:
        return parse_mountinfo(text)
    return parse_mounts(ctx.sysfs.read("proc/self/mounts") or "")


def _sys_name_of_majmin(ctx, majmin: str) -> str | None:
    """Kernel name (sda2, dm-0, loop3p1...) of the block device MAJ:MIN."""
    return ctx.sysfs.link_name(f"sys/dev/block/{majmin}")


def whole_disks_under(ctx, kname: str, _seen: frozenset = frozenset()) -> tuple[str, ...]:
    """Whole disks beneath a kernel block name: partition → parent, dm/md → slaves."""
    if kname in _seen:
        return ()
    seen = _seen | {kname}
    base = f"sys/class/block/{kname}"
    if ctx.sysfs.exists(f"{base}/partition"):
        parent = ctx.sysfs.realpath(base)
        if parent:
            return (parent.rstrip("/").rsplit("/", 2)[-2],)
    slaves = ctx.sysfs.listdir(f"{base}/slaves")
    if slaves:
        out: list[str] = []
        for slave in slaves:
            for disk in whole_disks_under(ctx, slave, seen):
                if disk not in out:
                    out.append(disk)
        return tuple(out)
    if ctx.sysfs.exists(base) or ctx.sysfs.exists(f"sys/block/{kname}"):
        return (kname,)
    return ()


def _disks_of_mount(ctx, mount: Mount) -> tuple[str, ...]:
    if mount.majmin and not mount.majmin.startswith("0:"):
        name = _sys_name_of_majmin(ctx, mount.majmin)
        if name:
            return whole_disks_under(ctx, name)
    # Anonymous device (btrfs, overlay): try the source device node's name.
    if mount.source.startswith("/dev/"):
        name = mount.source.rsplit("/", 1)[-1]
        if mount.source.startswith("/dev/mapper/"):
            for dm in ctx.sysfs.listdir("sys/block"):
                if ctx.sysfs.read(f"sys/block/{dm}/dm/name") == name:
                    return whole_disks_under(ctx, dm)
            return ()
        return whole_disks_under(ctx, name)
    return ()


def mount_of_path(mounts: tuple[Mount, ...], path: str) -> Mount | None:
    """The mount holding ``path``: longest mount-point prefix (the last one wins on ties,
    as later mounts hide earlier ones)."""
    best: Mount | None = None
    for mount in mounts:
        point = mount.mountpoint.rstrip("/") or "/"
        if path == point or path.startswith(point.rstrip("/") + "/") or point == "/":
            if best is None or len(point) >= len(best.mountpoint.rstrip("/") or "/"):
                best = mount
    return best


def disks_of_path(ctx, path: str, mounts: tuple[Mount, ...] | None = None) -> tuple[str, ...]:
    """Whole disks holding the filesystem where ``path`` lives (empty if virtual)."""
    mounts = mount_table(ctx) if mounts is None else mounts
    real = resolve(ctx, path)
    mount = mount_of_path(mounts, real)
    return _disks_of_mount(ctx, mount) if mount else ()


def program_paths() -> tuple[str, ...]:
    """Files the running program needs: our package and the Python interpreter."""
    here = Path(__file__).resolve().parent.parent
    return (str(here), os.path.realpath(sys.executable), sys.prefix)


def _holders(ctx, node: Node) -> tuple[str, ...]:
    names: list[str] = []
    for item in node.walk():
        if item is not node and item.type in HOLDER_TYPES and item.kname not in names:
            names.append(item.kname)
        if item.type in ("disk", "loop", "part"):
            for holder in ctx.sysfs.listdir(f"sys/class/block/{item.kname}/holders"):
                if holder not in names:
                    names.append(holder)
    return tuple(names)


def _media(ctx, node: Node) -> Media:
    tran = (node.tran or "").lower()
    if node.type == "loop" or node.kname.startswith("loop"):
        return Media.VIRTUAL
    if node.type == "rom":
        return Media.OPTICAL
    if tran == "nvme" or node.kname.startswith("nvme"):
        return Media.NVME
    if tran == "mmc" or node.kname.startswith("mmcblk"):
        # The MMC core says "MMC" for soldered eMMC and "SD" for cards (Linux
        # drivers/mmc/core/bus.c, attribute ``type``).
        kind = (ctx.sysfs.read(f"sys/block/{node.kname}/device/type") or "").upper()
        return Media.EMMC if kind == "MMC" else Media.SD
    if tran == "usb" and node.rota is False and node.rm:
        return Media.USB_FLASH
    if node.rota is True:
        # virtio-blk reports rotational=1 by default: the host did not say.
        if node.kname.startswith(("vd", "xvd")):
            return Media.VIRTUAL
        return Media.HDD
    if node.rota is False:
        if node.kname.startswith(("vd", "xvd", "dm-", "md")):
            return Media.VIRTUAL
        return Media.SSD
    return Media.UNKNOWN


def _whole_disk_nodes(ctx, tree: tuple[Node, ...]) -> list[Node]:
    disks = []
    for node in tree:
        if node.kname.startswith(("zram", "ram")):
            continue
        if node.type == "loop":
            # Keep only attached loops (they back our tests and image files).
            if not ctx.sysfs.exists(f"sys/block/{node.kname}/loop/backing_file") \
                    and not node.size:
                continue
        elif node.type != "disk":
            continue
        disks.append(node)
    return disks


@dataclass(frozen=True)
class Roles:
    """Which disks hold the system, the live medium, our own files and the station's
    records (persistence partition, data directory), by kernel name."""
    system: frozenset[str]
    live: frozenset[str]
    program: frozenset[str]
    mounts_by_disk: dict
    persistence: frozenset[str] = frozenset()


def roles(ctx, program: tuple[str, ...] | None = None) -> Roles:
    mounts = mount_table(ctx)
    system: set[str] = set()
    live: set[str] = set()
    persistence: set[str] = set()
    by_disk: dict[str, list[str]] = {}
    for mount in mounts:
        disks = _disks_of_mount(ctx, mount) if (mount.source.startswith("/dev/")
                                                or not mount.majmin.startswith("0:")) else ()
        for disk in disks:
            by_disk.setdefault(disk, [])
            if mount.mountpoint not in by_disk[disk]:
                by_disk[disk].append(mount.mountpoint)
        if mount.mountpoint in SYSTEM_MOUNTS:
            system.update(disks)
        if mount.mountpoint in LIVE_MOUNTS or mount.fstype == "iso9660":
            live.update(disks)
        if any(mount.mountpoint == p or mount.mountpoint.startswith(p + "/")
               for p in PERSISTENCE_MOUNTS):
            persistence.update(disks)
    prog: set[str] = set()
    for path in (program_paths() if program is None else program):
        prog.update(disks_of_path(ctx, path, mounts))
    home = getattr(ctx, "home", None)
    if home is not None and not getattr(ctx, "replay", False):
        # The disk holding the journal is the station's, whatever its mount point (a
        # persistence partition under another name, a data disk): erasing it would
        # erase the record of every wipe. A replayed machine's mounts are not where
        # this station keeps its data, so only a live run looks.
        # On the system disk (reemploi installed on a workshop PC) the data is already
        # protected as the system's, and that disk stays the machine's own.
        persistence.update(set(disks_of_path(ctx, str(home), mounts)) - system)
    return Roles(frozenset(system), frozenset(live), frozenset(prog), by_disk,
                 frozenset(persistence))


def _disk(ctx, node: Node, role: Roles) -> Disk:
    mounted: list[str] = []
    for item in node.walk():
        for point in item.mountpoints:
            if point not in mounted:
                mounted.append(point)
    for point in role.mounts_by_disk.get(node.kname, ()):
        if point not in mounted:
            mounted.append(point)
    dev = f"sys/block/{node.kname}/device"
    model = node.model or text_or_none(ctx.sysfs.read(f"{dev}/model"))
    serial = node.serial or text_or_none(ctx.sysfs.read(f"{dev}/serial"))
    return Disk(
        name=node.kname, path=node.path, model=model, serial=serial, wwn=node.wwn,
        size_bytes=node.size, rotational=node.rota,
        transport=node.tran or ("nvme" if node.kname.startswith("nvme") else None),
        removable=node.rm, read_only=node.ro, media=_media(ctx, node),
        is_live_medium=node.kname in role.live or node.kname in role.program,
        is_system_disk=node.kname in role.system,
        mounted=tuple(mounted), holders=_holders(ctx, node),
    )


def list_disks(ctx, *, program: tuple[str, ...] | None = None) -> tuple[Disk, ...]:
    """Whole disks of this machine (no zram/ram; loops only when attached).

    ``program`` overrides the paths whose disk counts as "ours" (tests use it to
    simulate running from a given disk); default: ``program_paths()``.
    """
    return disks_from_tree(ctx, lsblk_tree(ctx), program=program)


def disks_from_tree(ctx, tree: tuple[Node, ...], *,
                    program: tuple[str, ...] | None = None) -> tuple[Disk, ...]:
    """``list_disks`` for an lsblk tree already read (the probe reuses it for optical drives)."""
    role = roles(ctx, program)
    return tuple(_disk(ctx, node, role) for node in _whole_disk_nodes(ctx, tree))


def resolve(ctx, path: str) -> str:
    """Follow /dev/disk/by-* symlinks (live runs only; a replay keeps the path)."""
    if getattr(ctx, "replay", False):
        return path
    return os.path.realpath(path)


def find_node(ctx, path: str, tree: tuple[Node, ...] | None = None
              ) -> tuple[Node, Node | None] | None:
    """(node, its whole-disk ancestor or None) for a device path, or None."""
    tree = lsblk_tree(ctx) if tree is None else tree
    real = resolve(ctx, path)
    wanted = {path, real}

    def match(node: Node) -> bool:
        return node.path in wanted or f"/dev/{node.kname}" in wanted \
            or f"/dev/{node.name}" in wanted

    for top in tree:
        for node in top.walk():
            if match(node):
                return node, (None if node is top else top)
    return None


def disk_by_path(ctx, path: str, *, program: tuple[str, ...] | None = None) -> Disk:
    """The whole disk at ``path`` (/dev/sdX, /dev/disk/by-id/..., /dev/loopN)."""
    tree = lsblk_tree(ctx)
    found = find_node(ctx, path, tree)
    if found is None or found[1] is not None:
        raise NotFound(what=path)
    node = found[0]
    if node.kname.startswith(("zram", "ram")) or node.type not in ("disk", "loop"):
        raise NotFound(what=path)
    return _disk(ctx, node, roles(ctx, program))
