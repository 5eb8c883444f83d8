"""Graphics adapters from ``lspci -vmmnnk`` (machine-readable) or from /sys/bus/pci.

``lspci -vmm`` prints one record per device, ``Key:<TAB>Value`` lines, blank line
between records (pciutils lspci(8), "Machine readable output"); ``-nn`` appends the
numeric id in brackets (``VGA compatible controller [0300]``) and ``-k`` adds the
kernel ``Driver``. PCI class 0x03 is "display controller" (PCI Code and Assignment
Specification, base class 03h: VGA 00h, XGA 01h, 3D 02h, other 80h). Without lspci
we read the same ids from sysfs and have no names, only the numeric ids.
"""

from __future__ import annotations


from ..model import Gpu
from ..lazyre import lazy

_ID = lazy(r"\s*\[([0-9a-fA-F]{4})\]\s*$")


def records(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                out.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep and key and not key.startswith((" ", "\t")):
            current.setdefault(key.strip(), value.strip())
    if current:
        out.append(current)
    return out


def _split(value: str | None) -> tuple[str | None, str | None]:
    """'Intel Corporation [8086]' -> ('Intel Corporation', '8086')."""
    if not value:
        return None, None
    m = _ID.search(value)
    if m:
        return value[:m.start()].strip() or None, m.group(1).lower()
    return value.strip() or None, None


def parse_lspci_gpus(text: str) -> tuple[Gpu, ...]:
    gpus = []
    for rec in records(text):
        _, cls = _split(rec.get("Class"))
        if not cls or not cls.startswith("03"):
            continue
        vendor, _ = _split(rec.get("Vendor"))
        model, _ = _split(rec.get("Device"))
        gpus.append(Gpu(vendor=vendor, model=model, driver=rec.get("Driver"),
                        pci_slot=rec.get("Slot")))
    return tuple(gpus)


def gpus_from_sysfs(sysfs) -> tuple[Gpu, ...]:
    gpus = []
    for slot in sysfs.listdir("sys/bus/pci/devices"):
        base = f"sys/bus/pci/devices/{slot}"
        cls = (sysfs.read(f"{base}/class") or "").lower()
        if not cls.startswith("0x03"):
            continue
        vendor = (sysfs.read(f"{base}/vendor") or "").lower().replace("0x", "") or None
        device = (sysfs.read(f"{base}/device") or "").lower().replace("0x", "") or None
        gpus.append(Gpu(vendor=f"[{vendor}]" if vendor else None,
                        model=f"[{device}]" if device else None,
                        driver=sysfs.link_name(f"{base}/driver"),
                        pci_slot=slot))
    return tuple(gpus)
