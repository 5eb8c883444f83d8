"""Frozen dataclasses and enums shared by every stage (machine -> probe -> grade ...).

The probe fills a ``Machine``; later stages only read it. Unknown values are ``None``
(never a guessed default). ``to_dict`` gives the JSON form whose layout is versioned
by ``SCHEMA_VERSION``: bump it on any incompatible change to field names or meaning.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
from dataclasses import dataclass, field
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

# The JSON form of these records; in its own module (the CLI's --json needs no model).
from .jsonable import to_jsonable  # noqa: F401

SCHEMA_VERSION = 1


class Chassis(str, enum.Enum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    ALL_IN_ONE = "all-in-one"
    MINI_PC = "mini-pc"
    SERVER = "server"
    TABLET = "tablet"
    CONVERTIBLE = "convertible"
    OTHER = "other"
    UNKNOWN = "unknown"


class Media(str, enum.Enum):
    HDD = "hdd"
    SSD = "ssd"
    NVME = "nvme"
    USB_FLASH = "usb-flash"
    SD = "sd"
    EMMC = "emmc"
    OPTICAL = "optical"
    VIRTUAL = "virtual"      # loop, device-mapper, virtio without rotation info
    UNKNOWN = "unknown"


# Media no system goes on (``Disk.is_internal``).
NOT_INTERNAL_MEDIA = (Media.USB_FLASH, Media.SD, Media.OPTICAL, Media.VIRTUAL)


class Health(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Missing:
    """A field the probe could not fill, and why (``needs-root``, ``tool-missing``...)."""
    field: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class SystemInfo:
    """The machine's identity and firmware: SMBIOS/DMI fields, boot mode, Secure Boot."""
    vendor: str | None = None
    product: str | None = None
    version: str | None = None
    serial: str | None = None
    uuid: str | None = None
    chassis: Chassis = Chassis.UNKNOWN
    chassis_raw: str | None = None
    board_vendor: str | None = None
    board_product: str | None = None
    bios_vendor: str | None = None
    bios_version: str | None = None
    bios_date: str | None = None
    boot_mode: str | None = None          # "uefi" | "legacy"
    secure_boot: bool | None = None


@dataclass(frozen=True)
class Cpu:
    """The processor: /proc/cpuinfo (or py-cpuinfo), its frequency and flags."""
    vendor: str | None = None
    model: str | None = None
    cores: int | None = None
    threads: int | None = None
    max_mhz: float | None = None
    flags: tuple[str, ...] = ()
    arch: str | None = None               # kernel's view: x86_64, i686...

    def has(self, flag: str) -> bool | None:
        return (flag in self.flags) if self.flags else None

    @property
    def x86_64(self) -> bool | None:      # "lm" = long mode (AMD64 / Intel 64)
        return self.has("lm")

    @property
    def sse2(self) -> bool | None:
        return self.has("sse2")

    @property
    def pae(self) -> bool | None:
        return self.has("pae")

    @property
    def nx(self) -> bool | None:
        return self.has("nx")

    @property
    def virtualisation(self) -> str | None:
        if not self.flags:
            return None
        if "vmx" in self.flags:
            return "vt-x"
        if "svm" in self.flags:
            return "amd-v"
        return "none"


@dataclass(frozen=True)
class MemoryModule:
    """One RAM module in a slot (dmidecode type 17)."""
    locator: str | None = None
    bank: str | None = None
    size_mb: int | None = None
    type: str | None = None               # DDR, DDR2, DDR3, DDR4, DDR5, SDRAM...
    form_factor: str | None = None        # DIMM, SODIMM...
    speed_mts: int | None = None
    manufacturer: str | None = None
    part_number: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class Memory:
    """The RAM: total, modules and slots."""
    total_mb: int | None = None
    modules: tuple[MemoryModule, ...] = ()
    slots_total: int | None = None
    max_capacity_mb: int | None = None

    @property
    def slots_used(self) -> int | None:
        return len(self.modules) if self.slots_total is not None or self.modules else None

    @property
    def slots_free(self) -> int | None:
        if self.slots_total is None:
            return None
        return max(self.slots_total - len(self.modules), 0)


@dataclass(frozen=True)
class Smart:
    """A disk's SMART health as smartctl reported it."""
    available: bool = False
    source: str | None = None             # "smartctl-json", "smartctl-text", "pysmart"
    smartctl_version: str | None = None
    exit_status: int | None = None
    exit_bits: tuple[str, ...] = ()       # decoded smartctl exit bit mask
    health: Health = Health.UNKNOWN
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    capacity_bytes: int | None = None
    rotation_rpm: int | None = None       # 0 = SSD
    protocol: str | None = None           # ATA, NVMe, SCSI
    power_on_hours: int | None = None
    power_cycles: int | None = None
    reallocated_sectors: int | None = None
    pending_sectors: int | None = None
    offline_uncorrectable: int | None = None
    reported_uncorrectable: int | None = None
    crc_errors: int | None = None
    ssd_life_left_pct: int | None = None
    nvme_percentage_used: int | None = None
    nvme_media_errors: int | None = None
    nvme_available_spare_pct: int | None = None
    nvme_available_spare_threshold_pct: int | None = None   # the drive's own threshold
    nvme_critical_warning: int | None = None
    temperature_c: int | None = None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Disk:
    """One disk of the machine (lsblk, sysfs), with its SMART health."""
    # Defaults only so a probe read back from an old or hand-made journal line keeps
    # every disk it names (custody must account for each); the probe always sets both.
    name: str = "?"                       # kernel name: sda, nvme0n1, loop3
    path: str = ""                        # /dev/sda
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    size_bytes: int | None = None
    rotational: bool | None = None
    transport: str | None = None          # sata, ata, nvme, usb, mmc, scsi, virtio...
    removable: bool | None = None
    read_only: bool | None = None
    media: Media = Media.UNKNOWN
    is_live_medium: bool = False
    is_system_disk: bool = False
    mounted: tuple[str, ...] = ()         # mount points of the disk or its partitions
    holders: tuple[str, ...] = ()         # dm/md/LVM holders of the disk or partitions
    smart: Smart | None = None

    @classmethod
    def from_dict(cls, data: Any) -> "Disk":
        """A Disk back from its JSON form (``to_jsonable``), as ``Machine.from_dict``."""
        return _converter(cls)(data)

    @property
    def is_internal(self) -> bool:
        """Built into the machine: what the grade judges and a system is installed on.
        Not the live medium we booted, not removable, not a USB stick, SD card,
        optical or virtual device, not behind USB (a dock holds the donor's data, but
        is no place for the system)."""
        return (not self.is_live_medium and not self.removable
                and self.media not in NOT_INTERNAL_MEDIA and (self.transport or "") != "usb")

    @property
    def identity(self) -> str:
        """A stable key for records: serial, else WWN, else a weak composite key."""
        if self.serial:
            return f"serial:{self.serial}"
        if self.wwn:
            return f"wwn:{self.wwn}"
        return f"weak:{self.model or '?'}:{self.size_bytes or 0}:{self.name}"


@dataclass(frozen=True)
class Gpu:
    """A graphics adapter (lspci)."""
    vendor: str | None = None
    model: str | None = None
    driver: str | None = None
    pci_slot: str | None = None


@dataclass(frozen=True)
class NetInterface:
    """A network interface (sysfs): wired, wifi or other."""
    name: str
    kind: str                             # "wired" | "wifi" | "other"
    mac: str | None = None
    driver: str | None = None
    bus: str | None = None                # "pci" | "usb" | "sdio" | "platform"; None: unknown


@dataclass(frozen=True)
class Battery:
    """A battery of the machine (power_supply uevent)."""
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    technology: str | None = None
    design_wh: float | None = None
    full_wh: float | None = None
    now_wh: float | None = None
    cycle_count: int | None = None
    status: str | None = None

    @property
    def wear_pct(self) -> float | None:
        """Capacity lost vs design, in % (0 = like new)."""
        if not self.design_wh or self.full_wh is None:
            return None
        return round(max(0.0, 100.0 * (1 - self.full_wh / self.design_wh)), 1)

    @property
    def health_pct(self) -> float | None:
        wear = self.wear_pct
        return None if wear is None else round(100.0 - wear, 1)


@dataclass(frozen=True)
class Screen:
    """A connected screen, from its EDID."""
    connector: str | None = None
    manufacturer: str | None = None       # 3-letter PNP id, e.g. "LGD"
    model: str | None = None
    serial: str | None = None
    year: int | None = None
    width_cm: int | None = None
    height_cm: int | None = None
    diagonal_in: float | None = None
    native_width: int | None = None
    native_height: int | None = None


@dataclass(frozen=True)
class Device:
    """A simple peripheral: webcam, optical drive, sound card."""
    kind: str
    vendor: str | None = None
    model: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Machine:
    """What a probe found: every section, and which fields are missing and why."""
    schema_version: int = SCHEMA_VERSION
    probed_at: str | None = None
    tool_version: str | None = None
    system: SystemInfo = field(default_factory=SystemInfo)
    cpu: Cpu = field(default_factory=Cpu)
    memory: Memory = field(default_factory=Memory)
    disks: tuple[Disk, ...] = ()
    gpus: tuple[Gpu, ...] = ()
    network: tuple[NetInterface, ...] = ()
    batteries: tuple[Battery, ...] = ()
    screens: tuple[Screen, ...] = ()
    webcams: tuple[Device, ...] = ()
    optical: tuple[Device, ...] = ()
    sound: tuple[Device, ...] = ()
    missing: tuple[Missing, ...] = ()
    root: bool | None = None

    def to_dict(self) -> dict:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: Any) -> "Machine":
        """The Machine back from ``to_dict()`` (as ``asset.probed`` stores it), so the
        probe's typed machine survives the inventory. Unknown keys (a newer schema)
        are ignored, missing ones keep their defaults, an unknown enum value reads as
        that enum's UNKNOWN: an old or newer journal never crashes a reader."""
        return _converter(cls)(data)

    # The one definition of a machine's disks (issue 10); the probe already left out
    # what is not the machine's own (system/owndisks.py: loop, floppy, our stick).
    def data_disks(self) -> tuple[Disk, ...]:
        """Every disk that may hold the donor's data and that the chain of custody must
        account for: all probed disks but the live medium we booted (a USB disk in a
        dock counts: it is the donor's)."""
        return tuple(d for d in self.disks if not d.is_live_medium)

    def internal_disks(self) -> tuple[Disk, ...]:
        """The disks built into the machine (``Disk.is_internal``): graded, imaged, and
        the disk serials a machine's fingerprint may use."""
        return tuple(d for d in self.disks if d.is_internal)


@functools.lru_cache(maxsize=None)
def _converter(hint: Any) -> Any:
    """A function turning a JSON value into ``hint`` (built once per type: the fold
    and the documents read thousands of probes)."""
    import typing           # here: a probe never reads a model back (issue 16)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next((a for a in args if a is not type(None)), str))
        return lambda v: None if v is None else inner(v)
    if origin is tuple:
        item = _converter(args[0] if args else str)

        def many(v: Any) -> tuple:
            if not isinstance(v, (list, tuple)):
                return ()
            return tuple(x for x in map(item, (x for x in v if x is not None))
                         if x is not None)
        return many
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        by_value = {m.value: m for m in hint}
        unknown = list(hint)[-1]              # every model enum ends with UNKNOWN
        return lambda v: None if v is None else by_value.get(v, unknown)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        resolved = typing.get_type_hints(hint, globals())
        fields = tuple((f.name, _converter(resolved[f.name])) for f in dataclasses.fields(hint))

        def build(v: Any) -> Any:
            # Absent: the defaults (a Machine's cpu is never None); not an object at
            # all (garbage in a list): nothing.
            if v is None:
                v = {}
            elif not isinstance(v, dict):
                return None
            kwargs = {name: conv(v[name]) for name, conv in fields if name in v}
            try:
                return hint(**kwargs)
            except TypeError:                 # a required field missing (a Disk's name)
                return None
        return build
    return lambda v: v
