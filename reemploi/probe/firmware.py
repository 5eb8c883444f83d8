"""System identity without root (/sys/class/dmi/id), boot mode and Secure Boot.

``dmidecode`` reads the SMBIOS tables through /dev/mem or /sys/firmware/dmi/tables,
both root-only. The kernel also exports the common strings in /sys/class/dmi/id,
world-readable except the serials and the UUID (drivers/firmware/dmi-id.c makes
``product_serial``, ``product_uuid``, ``board_serial`` and ``chassis_serial`` 0400):
so a non-root probe still knows vendor, model, BIOS and chassis, and records the
serials as ``Missing(..., "needs-root")``.

Boot mode: /sys/firmware/efi exists only when the kernel was started by UEFI firmware.
Secure Boot: the EFI global variable ``SecureBoot`` (UEFI 2.x spec, 3.3 "Globally
Defined Variables", GUID 8be4df61-93ca-11d2-aa0d-00e098032b8c); efivarfs prefixes the
value with 4 bytes of attributes, so the state is the last byte (1 = enabled).
"""

from __future__ import annotations

from ..model import SystemInfo
from .dmidecode import chassis_from, clean

DMI_ID = "sys/class/dmi/id"
SECURE_BOOT_VAR = ("sys/firmware/efi/efivars/"
                   "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c")

# DSP0134 7.4.1 table "System Enclosure or Chassis Types": the numeric chassis_type
# the kernel exports, mapped to dmidecode's names so one classifier serves both.
CHASSIS_TYPES = {
    1: "Other", 2: "Unknown", 3: "Desktop", 4: "Low Profile Desktop", 5: "Pizza Box",
    6: "Mini Tower", 7: "Tower", 8: "Portable", 9: "Laptop", 10: "Notebook",
    11: "Hand Held", 12: "Docking Station", 13: "All In One", 14: "Sub Notebook",
    15: "Space-saving", 16: "Lunch Box", 17: "Main Server Chassis",
    18: "Expansion Chassis", 19: "Sub Chassis", 20: "Bus Expansion Chassis",
    21: "Peripheral Chassis", 22: "RAID Chassis", 23: "Rack Mount Chassis",
    24: "Sealed-case PC", 25: "Multi-system", 26: "CompactPCI", 27: "AdvancedTCA",
    28: "Blade", 29: "Blade Enclosing", 30: "Tablet", 31: "Convertible",
    32: "Detachable", 33: "IoT Gateway", 34: "Embedded PC", 35: "Mini PC", 36: "Stick PC",
}

# Files only root may read (mode 0400 in dmi-id.c).
ROOT_ONLY = {"serial": "product_serial", "uuid": "product_uuid"}


def system_from_sysfs(sysfs) -> SystemInfo:
    def get(name: str) -> str | None:
        return clean(sysfs.read(f"{DMI_ID}/{name}"))

    code = sysfs.read_int(f"{DMI_ID}/chassis_type")
    chassis_raw = CHASSIS_TYPES.get(code) if code is not None else None
    return SystemInfo(
        vendor=get("sys_vendor"), product=get("product_name"), version=get("product_version"),
        serial=get("product_serial"), uuid=get("product_uuid"),
        chassis=chassis_from(chassis_raw), chassis_raw=chassis_raw,
        board_vendor=get("board_vendor"), board_product=get("board_name"),
        bios_vendor=get("bios_vendor"), bios_version=get("bios_version"),
        bios_date=get("bios_date"),
    )


def boot_mode(sysfs) -> str:
    return "uefi" if sysfs.exists("sys/firmware/efi") else "legacy"


def secure_boot_from_efivar(sysfs) -> bool | None:
    data = sysfs.read_bytes(SECURE_BOOT_VAR)
    if not data or len(data) < 5:
        return None
    return data[-1] == 1


def parse_mokutil(text: str) -> bool | None:
    """``mokutil --sb-state``: "SecureBoot enabled" / "SecureBoot disabled"."""
    low = (text or "").lower()
    if "secureboot enabled" in low:
        return True
    if "secureboot disabled" in low or "doesn't support secure boot" in low:
        return False
    return None  # e.g. "EFI variables are not supported on this system": cannot tell
