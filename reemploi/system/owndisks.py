"""The machine's own disks: one definition for the probe, the station and custody.

A virtual-machine run certified QEMU's floppy ``fd0``, the live system's squashfs
``loop0``, the USB stick it booted from and its persistence partition as the
machine's disks, and so said "failed" (issue 13). ``own_disks`` is what the probe
lists (``Machine.disks``), what the station wipes and what a machine's certificate and
chain of custody must account for; ``not_own_reason`` says why any other whole disk is
left out. Disks named on a command line (``reemploi wipe /dev/loop3``) are not
filtered here: they go through ``system.guard``, which still lets a test's loop
device or an image file be written.
"""

from __future__ import annotations

import enum

from ..model import Disk
from .blockdev import Node, Roles, _disk, _whole_disk_nodes, lsblk_tree, roles
from ..lazylog import getLogger

log = getLogger(__name__)

# Kernel names that are never one of a machine's own disks: loop devices (the live
# system's squashfs is loop0), floppies (QEMU's default i440fx machine has fd0, seen
# in the certificate of a VM run, issue 13), optical drives, compressed RAM swap,
# RAM disks and network block devices.
PSEUDO_KNAMES = ("loop", "fd", "sr", "zram", "ram", "nbd")


class NotOwn(str, enum.Enum):
    """Why a whole disk seen on the machine is not one of its own disks."""
    PSEUDO = "pseudo-device"        # loop, floppy, optical, zram, RAM disk, nbd
    BOOT_MEDIUM = "boot-medium"     # the live stick, or the disk of our own files
    PERSISTENCE = "persistence"     # holds the station's records


def not_own_reason(node: Node, role: Roles) -> NotOwn | None:
    """None if ``node`` (a whole disk) is one of the machine's own disks. USB disks
    stay (a donor's disk in a dock is the donor's data)."""
    if node.kname.startswith(PSEUDO_KNAMES) or node.type in ("loop", "rom"):
        return NotOwn.PSEUDO
    # The program's own disk is the boot medium when it is not the system disk: a
    # workshop PC with reemploi installed on its system disk still owns that disk.
    if node.kname in role.live or (node.kname in role.program and node.kname not in role.system):
        return NotOwn.BOOT_MEDIUM
    if node.kname in role.persistence:
        return NotOwn.PERSISTENCE
    return None


def own_disks(ctx, tree: tuple[Node, ...] | None = None, *,
              program: tuple[str, ...] | None = None) -> tuple[Disk, ...]:
    """The machine's own whole disks (see ``not_own_reason``), in lsblk order."""
    tree = lsblk_tree(ctx) if tree is None else tree
    role = roles(ctx, program)
    out = []
    for node in _whole_disk_nodes(ctx, tree):
        why = not_own_reason(node, role)
        if why is None:
            out.append(_disk(ctx, node, role))
        else:
            log.info("%s is not one of the machine's disks: %s", node.path, why.value)
    return tuple(out)
