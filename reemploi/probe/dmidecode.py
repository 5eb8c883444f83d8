"""``dmidecode`` text -> ``DmiInfo`` (system identity, chassis, memory, batteries).

dmidecode decodes the firmware's SMBIOS tables (DMTF DSP0134). Each record is
printed as a "Handle 0x..., DMI type N, L bytes" header, a title line, then
"Key: Value" lines (lists are deeper-indented lines without a value). We read:
type 0 (BIOS, DSP0134 7.1), 1 (System, 7.2), 2 (Baseboard, 7.3), 3 (Chassis, 7.4),
4 (Processor, 7.5), 6 (Memory Module, obsolete, 7.7), 16 (Physical Memory Array,
7.17), 17 (Memory Device, 7.18) and 22 (Portable Battery, 7.23).

Formats met in the corpus: dmidecode 2.x-3.6 ("Handle 0x001B, DMI type 17, 28
bytes"), the pre-2.7 layout ("Handle 0x0000" then a tab-indented "DMI type 0, 20
bytes." line and "... Information Block" titles; RHEL 2.1), and partial outputs of
``dmidecode -t chassis|baseboard|22|39``. Firmware fills unset strings with vendor
placeholders ("To Be Filled By O.E.M.", "Default string" ...): those become ``None``.

Pure: text in, ``DmiInfo`` out; ``BadInput`` only for empty input or text with no
DMI record at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..bounded import check_lines
from ..errors import BadInput
from ..i18n import N_
from ..model import Battery, Chassis, Memory, MemoryModule, SystemInfo
from ..lazyre import lazy

NOT_DMIDECODE = N_("{what} does not look like dmidecode output")
EMPTY_INPUT = N_("{what} is empty")


@dataclass(frozen=True)
class DmiInfo:
    """What dmidecode's tables give the probe: system, memory, batteries, processor, versions."""
    system: SystemInfo = field(default_factory=SystemInfo)
    memory: Memory = field(default_factory=Memory)
    batteries: tuple[Battery, ...] = ()
    battery_design_mv: tuple[int | None, ...] = ()   # per battery, same order (DSP0134 7.23)
    processor: str | None = None
    dmidecode_version: str | None = None
    smbios_version: str | None = None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class DmiRecord:
    """One record of dmidecode's output: handle, type, title and fields."""
    handle: str
    type: int
    title: str
    values: dict[str, str]


# Placeholders firmware writes instead of a real value (compared case-insensitively
# after stripping). Seen across the linuxhw DMI corpus (ASRock "To Be Filled By
# O.E.M.", AMI "Default string", ASUS "System Serial Number"...).
_PLACEHOLDERS = {
    "", "to be filled by o.e.m.", "to be filled by oem", "default string", "system serial number",
    "system product name", "system manufacturer", "system version", "base board serial number",
    "base board product name", "not specified", "not applicable", "not available", "not present",
    "none", "n/a", "na", "unknown", "0123456789", "123456789", "1234567890", "xxxxxxxxxx", "oem",
    "o.e.m.", "chassis serial number", "chassis manufacture", "chassis manufacturer",
    "chassis version", "type1productconfigid", "type2 - board serial number", "invalid",
    "<bad index>", "<out of spec>", "--", "-", ".", "0", "00000000", "ffffffff", "empty",
    "cpu version", "processor version", "no asset information", "asset-1234567890",
    "03000200-0400-0500-0006-000700080009",
}
_UUID_PLACEHOLDERS = lazy(r"^(0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$", re.I)


def clean(value: str | None) -> str | None:
    """Trimmed value, or None for empty strings and firmware placeholders."""
    if value is None:
        return None
    v = value.strip().strip("\x00").strip()
    if v.lower() in _PLACEHOLDERS or _UUID_PLACEHOLDERS.match(v) or set(v) <= {" ", "0", "-", "."}:
        return None
    if v.lower().startswith(("to be filled", "not settable", "not specified")):
        return None
    return v


# DSP0134 7.4.1 "System Enclosure or Chassis Types" -> our coarse classes.
_CHASSIS = {
    "laptop": Chassis.LAPTOP, "notebook": Chassis.LAPTOP, "portable": Chassis.LAPTOP,
    "sub notebook": Chassis.LAPTOP, "hand held": Chassis.OTHER,
    "convertible": Chassis.CONVERTIBLE, "detachable": Chassis.TABLET, "tablet": Chassis.TABLET,
    "desktop": Chassis.DESKTOP, "low profile desktop": Chassis.DESKTOP, "tower": Chassis.DESKTOP,
    "mini tower": Chassis.DESKTOP, "space-saving": Chassis.DESKTOP, "pizza box": Chassis.DESKTOP,
    "lunch box": Chassis.DESKTOP, "sealed-case pc": Chassis.DESKTOP,
    "all in one": Chassis.ALL_IN_ONE, "all-in-one": Chassis.ALL_IN_ONE,
    "mini pc": Chassis.MINI_PC, "stick pc": Chassis.MINI_PC, "embedded pc": Chassis.MINI_PC,
    "main server chassis": Chassis.SERVER, "rack mount chassis": Chassis.SERVER,
    "multi-system": Chassis.SERVER, "blade": Chassis.SERVER, "blade enclosing": Chassis.SERVER,
    "multi-system chassis": Chassis.SERVER, "expansion chassis": Chassis.OTHER,
    "sub chassis": Chassis.OTHER, "bus expansion chassis": Chassis.OTHER,
    "peripheral chassis": Chassis.OTHER, "raid chassis": Chassis.OTHER,
    "docking station": Chassis.OTHER, "compactpci": Chassis.SERVER, "advancedtca": Chassis.SERVER,
    "iot gateway": Chassis.OTHER, "other": Chassis.OTHER, "unknown": Chassis.UNKNOWN,
}


def chassis_from(raw: str | None) -> Chassis:
    if not raw:
        return Chassis.UNKNOWN
    return _CHASSIS.get(raw.strip().lower(), Chassis.OTHER)


# Record titles dmidecode prints under each header (dmi_type names in dmidecode.c).
# Used to recover records whose "Handle" line is missing: linuxhw's anonymiser
# replaced some header lines by a hash (corpus dmidecode/desktop/*Shuttle__FB__FB62*
# and *Packard_Bell__IMEDIA__IMEDIA_X9305*: the chassis record follows a bare hash line).
_TITLES = {"BIOS Information": 0, "System Information": 1, "Base Board Information": 2,
           "Chassis Information": 3, "Processor Information": 4, "Physical Memory Array": 16,
           "Memory Device": 17, "Portable Battery": 22}

_HEADER = lazy(r"^Handle (0x[0-9A-Fa-f]+)(?:,\s*DMI type (\d+),)?")
_OLD_TYPE = lazy(r"^\s*DMI type (\d+),")


def records(text: str) -> list[DmiRecord]:
    """Split dmidecode text into records (both the modern and the pre-2.7 layouts)."""
    out: list[DmiRecord] = []
    handle: str | None = None
    rtype: int | None = None
    title: str | None = None
    values: dict[str, str] = {}

    def flush() -> None:
        if handle is not None and rtype is not None:
            out.append(DmiRecord(handle, rtype, title or "", values))

    for raw in text.splitlines():
        line = raw.rstrip("\r")
        m = _HEADER.match(line)
        if m:
            flush()
            handle, rtype, title, values = m.group(1), (int(m.group(2)) if m.group(2) else None), None, {}
            continue
        if line in _TITLES and not (rtype == _TITLES[line] and title is None):
            flush()
            handle, rtype, title, values = f"orphan-{len(out)}", _TITLES[line], line, {}
            continue
        if handle is None:
            continue
        if rtype is None:
            mt = _OLD_TYPE.match(line)
            if mt:
                rtype = int(mt.group(1))
                continue
        stripped = line.strip()
        if not stripped:
            continue
        if title is None and ":" not in stripped:
            title = stripped
            continue
        if ":" in stripped:
            key, _, value = stripped.partition(":")
            values.setdefault(key.strip(), value.strip())
    flush()
    return out


def _size_mb(text: str | None) -> int | None:
    """ "4096 MB" / "8 GB" / "256Mbyte" / "512 kB" -> MB; None for empty slots."""
    if not text:
        return None
    m = re.match(r"^\s*(\d+)\s*(kB|KB|MB|GB|TB|Mbyte|Gbyte|bytes)?", text)
    if not m:
        return None
    n = int(m.group(1))
    unit = (m.group(2) or "MB").lower()
    factor = {"kb": 1 / 1024, "mb": 1, "mbyte": 1, "gb": 1024, "gbyte": 1024, "tb": 1024 * 1024,
              "bytes": 1 / (1024 * 1024)}[unit]
    return int(n * factor) or None


def _int_prefix(text: str | None) -> int | None:
    m = re.match(r"^\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


def parse_dmidecode(text: str | bytes) -> DmiInfo:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not text or not text.strip():
        raise BadInput(EMPTY_INPUT, what="input")
    check_lines(text, "dmidecode")
    recs = records(text)
    if not recs:
        raise BadInput(NOT_DMIDECODE, what="input")
    notes: list[str] = []
    by_type: dict[int, list[DmiRecord]] = {}
    for r in recs:
        by_type.setdefault(r.type, []).append(r)

    def first(t: int) -> dict[str, str]:
        return by_type[t][0].values if by_type.get(t) else {}

    bios, sysr, board, chassis = first(0), first(1), first(2), first(3)
    chassis_raw = (chassis.get("Type") or chassis.get("Chassis Type") or "").strip() or None
    system = SystemInfo(
        vendor=clean(sysr.get("Manufacturer") or sysr.get("Vendor")),
        product=clean(sysr.get("Product Name") or sysr.get("Product")),
        version=clean(sysr.get("Version")),
        serial=clean(sysr.get("Serial Number")),
        uuid=clean(sysr.get("UUID")),
        chassis=chassis_from(chassis_raw),
        chassis_raw=chassis_raw,
        board_vendor=clean(board.get("Manufacturer") or board.get("Vendor")),
        board_product=clean(board.get("Product Name") or board.get("Product")),
        bios_vendor=clean(bios.get("Vendor")),
        bios_version=clean(bios.get("Version")),
        bios_date=clean(bios.get("Release Date") or bios.get("Release")),
    )

    processor = None
    for r in by_type.get(4, []):
        v = clean(r.values.get("Version") or r.values.get("Processor Version"))
        status = r.values.get("Status", "")
        if v and "Unpopulated" not in status:
            processor = v
            break

    memory = _memory(by_type, notes)
    real = [r for r in by_type.get(22, []) if not _is_placeholder_battery(r.values)]
    if len(real) < len(by_type.get(22, [])):
        notes.append("placeholder-battery-records")
    batteries = tuple(_battery(r.values) for r in real)
    volts = tuple(_int_prefix(r.values.get("Design Voltage")) for r in real)

    mv = re.search(r"^# dmidecode (\d+\.\d+(?:\.\d+)?)", text, re.M)
    sv = re.search(r"^\s*SMBIOS (\d+\.\d+(?:\.\d+)?) present", text, re.M)
    if not by_type.get(1):
        notes.append("no-system-record")
    return DmiInfo(system=system, memory=memory, batteries=batteries,
                   battery_design_mv=volts, processor=processor,
                   dmidecode_version=mv.group(1) if mv else None,
                   smbios_version=sv.group(1) if sv else None, messages=tuple(notes))


def _memory(by_type: dict[int, list[DmiRecord]], notes: list[str]) -> Memory:
    # Physical Memory Arrays used for system memory (DSP0134 7.17.1 "Use"); servers
    # and some laptops also list flash or video arrays we must not count.
    arrays = {r.handle: r.values for r in by_type.get(16, [])
              if r.values.get("Use", "System Memory") == "System Memory"}
    other_arrays = {r.handle for r in by_type.get(16, [])} - set(arrays)
    devices = [r for r in by_type.get(17, []) if r.values.get("Array Handle") not in other_arrays]
    modules: list[MemoryModule] = []
    for r in devices:
        v = r.values
        size = _size_mb(v.get("Size"))
        if size is None:          # "No Module Installed", "Not Installed", "0 MB", "Unknown"
            continue
        speed = _int_prefix(v.get("Speed")) or _int_prefix(v.get("Configured Memory Speed")) \
            or _int_prefix(v.get("Configured Clock Speed"))
        modules.append(MemoryModule(
            locator=clean(v.get("Locator")), bank=clean(v.get("Bank Locator")), size_mb=size,
            type=clean(v.get("Type")), form_factor=clean(v.get("Form Factor")), speed_mts=speed,
            manufacturer=clean(v.get("Manufacturer")), part_number=clean(v.get("Part Number")),
            serial=clean(v.get("Serial Number"))))
    slots: int | None = len(devices) if devices else None
    if slots is None and arrays:
        counts = [_int_prefix(a.get("Number Of Devices")) for a in arrays.values()]
        slots = sum(c for c in counts if c) or None
    max_caps = [_size_mb(a.get("Maximum Capacity")) for a in arrays.values()]
    max_mb = sum(c for c in max_caps if c) or None
    if not any("Size" in r.values for r in devices) and by_type.get(6):
        # No type 17 (pre-SMBIOS 2.1 firmware, RHEL 2.1 corpus file): the obsolete
        # Memory Module Information records (type 6) still describe the sockets.
        notes.append("memory-from-type-6")
        for r in by_type[6]:
            v = r.values
            size = _size_mb(v.get("Installed Size"))
            if size is not None:
                modules.append(MemoryModule(locator=clean(v.get("Socket Designation") or v.get("Socket")),
                                            size_mb=size, type=clean(v.get("Type"))))
        slots = len(by_type[6])
    total = sum(m.size_mb or 0 for m in modules) or None
    return Memory(total_mb=total, modules=tuple(modules), slots_total=slots, max_capacity_mb=max_mb)


_FAKE_BATTERY = lazy(r"^(battery (\d+ )?\w+|-?virtual battery \d+-?|crb battery \d+|location of the battery)$", re.I)


def _is_placeholder_battery(v: dict[str, str]) -> bool:
    """Firmware reference-code defaults, not a battery: no capacity and template names
    ("Battery 1 Manufacturer", "-Virtual Battery 0-"/"CRB Battery 0" in AMI/Insyde
    builds; corpus dmidecode/laptop/*Jasper_Lake*, *IdeaPad_5_14ALC05*)."""
    if _int_prefix(v.get("Design Capacity")):
        return False
    names = [v.get("Manufacturer", ""), v.get("Name", "")]
    return all(clean(n) is None or _FAKE_BATTERY.match(n.strip()) for n in names)


def _battery(v: dict[str, str]) -> Battery:
    cap = _int_prefix(v.get("Design Capacity"))
    chem = clean(v.get("Chemistry"))
    if chem is None or chem.lower() == "specified in sbds":
        chem = clean(v.get("SBDS Chemistry"))
    return Battery(
        name=clean(v.get("Name")),
        manufacturer=clean(v.get("Manufacturer")),
        model=clean(v.get("Name")),
        serial=clean(v.get("Serial Number")) or clean(v.get("SBDS Serial Number")),
        technology=chem,
        design_wh=round(cap / 1000, 2) if cap else None,   # DSP0134 7.23: mWh
    )
