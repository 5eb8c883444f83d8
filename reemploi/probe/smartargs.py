"""How smartctl is asked about a disk, and which disks it has nothing to say about.

Apart from the collector so that a wipe, which reads the drive's SMART summary for its
record, learns both without importing every parser of the probe (~20 ms of each wipe
command's start, ``python -X importtime``, issue 16).
"""

from __future__ import annotations

from ..model import Disk, Media

# Media on which smartctl has nothing to say (loop/virtio, optical, cards and sticks
# whose USB or MMC bridges do not pass ATA/NVMe commands).
NO_SMART = (Media.VIRTUAL, Media.OPTICAL, Media.SD, Media.EMMC, Media.USB_FLASH)


def smartctl_argv(disk: Disk, *, json: bool = True) -> tuple[str, ...]:
    """``smartctl -x`` for ``disk``; USB bridges need ``-d sat`` (SCSI-ATA Translation,
    T10 SAT) or smartctl sees only the bridge (smartctl(8), option ``-d``)."""
    argv = ["smartctl"]
    if json:
        argv.append("--json=c")
    argv.append("-x")
    if disk.transport == "usb":
        argv += ["-d", "sat"]
    argv.append(disk.path)
    return tuple(argv)
