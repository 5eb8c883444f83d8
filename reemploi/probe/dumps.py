"""A ``Machine`` from one saved dump (``dmidecode`` or ``lshw``), for offline readers.

A technician or trainer often has only a report someone saved: a whole ``dmidecode``
(system, memory, batteries, processor name) or ``lshw -json/-xml`` (system, CPU,
memory, disks, GPUs, network). Pure: parsed info in, ``Machine`` out, holding only what
the dump says (every other field stays unknown). A dump with no system record (the
partial ``dmidecode -t chassis|22|39`` outputs of the corpus) describes no machine:
``None``.
"""

from __future__ import annotations

from ..model import Cpu, Machine
from .dmidecode import DmiInfo, parse_dmidecode
from .lshw import LshwInfo, parse_lshw


def machine_from_dmidecode(info: DmiInfo) -> Machine | None:
    if "no-system-record" in info.messages:
        return None
    return Machine(system=info.system, memory=info.memory, batteries=info.batteries,
                   cpu=Cpu(model=info.processor))


def machine_from_lshw(info: LshwInfo) -> Machine | None:
    if not (info.system.vendor or info.system.product or info.cpu.model or info.memory.total_mb):
        return None
    return Machine(system=info.system, cpu=info.cpu, memory=info.memory, disks=info.disks,
                   gpus=info.gpus, network=info.network)


def machine_from_dump(kind: str, data: bytes) -> Machine | None:
    """``kind`` "dmidecode" or "lshw"; BadInput (exit 7) for unreadable input."""
    if kind == "dmidecode":
        return machine_from_dmidecode(parse_dmidecode(data))
    return machine_from_lshw(parse_lshw(data))
