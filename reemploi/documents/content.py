"""What each kind of label says, in the reader's language (the edge of the documents stage).

Kinds: a **machine** label (id, QR, CPU, RAM, disk, OS, grade, wipe date, workshop),
a **part** label (RAM module, disk, battery: short), an **intake** label (an asset of a
lot, before probing: id, lot, device kind, date received), and a **payload** label for
ids not yet in the inventory. The QR payload follows the workshop settings
(``qr_payload``: the bare id or a URL template).
"""

from __future__ import annotations

from ..i18n import tr, when
from ..inventory.describe import PART_KIND_NAMES
from ..settings import Settings
from .facts import AssetFacts
from .layout import LabelContent

MEDIA_NAMES = {"hdd": "HDD", "ssd": "SSD", "nvme": "NVMe", "emmc": "eMMC", "sd": "SD",
               "usb-flash": "USB"}


def size_text(n_bytes: int | float | None, lang: str | None = None) -> str | None:
    """Decimal gigabytes/terabytes, as disk makers print them (IEC 80000-13 'GB')."""
    if not n_bytes:
        return None
    gb = n_bytes / 1e9
    if gb >= 1000:
        return tr("{n} TB", lang, n=_num(gb / 1000, lang))
    return tr("{n} GB", lang, n=_num(gb, lang))


def ram_text(mb: int | None, lang: str | None = None) -> str | None:
    """RAM in binary gigabytes (JEDEC usage: an '8 GB' module is 8 GiB)."""
    if not mb:
        return None
    return tr("RAM {size}", lang, size=tr("{n} GB", lang, n=_num(mb / 1024, lang)))


def _num(value: float, lang: str | None) -> str:
    text = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
    return text.replace(".", ",") if (lang or "fr") == "fr" else text


def date_text(iso: str | None, lang: str | None = None) -> str | None:
    """The day, as the reader writes it (20/11/2026 in French, 2026-11-20 in English)."""
    return when(iso, lang, date_only=True) if iso else None


def machine_facts_lines(f: AssetFacts, lang: str | None = None) -> list[str]:
    """Short fact lines for a machine label, most useful first; unknown facts are skipped."""
    lines: list[str | None] = [f.cpu, ram_text(f.ram_mb, lang)]
    disks = [" ".join(x for x in (MEDIA_NAMES.get(m, ""), size_text(s, lang)) if x)
             for m, s in f.disks if s]
    if disks:
        lines.append(" + ".join(disks))
    if f.os_name:
        lines.append(f.os_name)
    if f.grade:
        lines.append(tr("Grade {grade}", lang, grade=f.grade))
    wipe = f.last_wipe
    if wipe:
        lines.append(tr("Wiped {date}", lang, date=date_text(wipe.time, lang)))
    return [x for x in lines if x]


def machine_label(f: AssetFacts, settings: Settings, lang: str | None = None) -> LabelContent:
    return LabelContent(f.asset_id, settings.qr_payload(f.asset_id),
                        tuple(machine_facts_lines(f, lang)), settings.workshop.name, "machine")


def part_facts_lines(f: AssetFacts, lang: str | None = None) -> list[str]:
    pf = dict(f.part_facts or {})
    kind = (f.part_kind or f.device_kind or "").lower()
    first = [tr(PART_KINDS.get(kind, "Part"), lang)]
    if kind == "ram":
        # Size right after the kind: a narrow label cuts the end of the line with an
        # ellipsis, and "4 GB" matters more than "SODIMM".
        # `parts harvest --facts` records size_gb (or size_mb): reemploi/inventory/parts.py.
        gb = _float(pf.get("size_gb")) or (_float(pf.get("size_mb")) or 0) / 1024
        first.append(tr("{n} GB", lang, n=_num(gb, lang)) if gb else "")
        first += [str(pf.get("type") or ""), str(pf.get("form_factor") or "")]
    elif kind == "disk":
        n_bytes = _float(pf.get("size_bytes")) or (_float(pf.get("size_gb")) or 0) * 1e9
        first += [MEDIA_NAMES.get(str(pf.get("media")), ""), size_text(n_bytes, lang) or ""]
    elif kind == "battery" and pf.get("health_pct") is not None:
        first.append(tr("health {pct} %", lang, pct=round(float(pf["health_pct"]))))
    lines = [" ".join(x for x in first if x)]
    if pf.get("model"):
        lines.append(str(pf["model"]))
    if f.grade or pf.get("grade"):
        lines.append(tr("Grade {grade}", lang, grade=f.grade or pf.get("grade")))
    if pf.get("from_asset"):
        lines.append(tr("From {asset}", lang, asset=pf["from_asset"]))
    return lines


def _float(value) -> float | None:
    """A fact typed by an operator (``size_gb=4`` or ``size_gb=4,5``): a number or None."""
    try:
        return float(str(value).replace(",", ".")) if value not in (None, "") else None
    except ValueError:
        return None


# ``parts harvest --kind`` in words: the inventory's names, shared with its history.
PART_KINDS = PART_KIND_NAMES


def part_label(f: AssetFacts, settings: Settings, lang: str | None = None) -> LabelContent:
    return LabelContent(f.asset_id, settings.qr_payload(f.asset_id),
                        tuple(part_facts_lines(f, lang)), settings.workshop.name, "part")


def intake_label(asset_id: str, lot_id: str | None, device_kind: str | None,
                 received: str | None, settings: Settings,
                 lang: str | None = None) -> LabelContent:
    lines = []
    if lot_id:
        lines.append(tr("Lot {lot}", lang, lot=lot_id))
    if device_kind:
        # Device kinds are intake's msgids ("laptop", "desktop"...), translated there.
        lines.append(tr(device_kind, lang))
    if received:
        lines.append(tr("Received {date}", lang, date=date_text(received, lang)))
    return LabelContent(asset_id, settings.qr_payload(asset_id), tuple(lines),
                        settings.workshop.name, "intake")


def payload_label(text: str, settings: Settings) -> LabelContent:
    """A label for an id not yet in the inventory: the id and its QR, nothing else known."""
    return LabelContent(text, settings.qr_payload(text), (), settings.workshop.name, "payload")


def facts_label(f: AssetFacts, settings: Settings, lang: str | None = None) -> LabelContent:
    """The right label for an asset: part label for parts, machine label otherwise."""
    if f.kind == "part":
        return part_label(f, settings, lang)
    return machine_label(f, settings, lang)


# Part kinds are data: mark their names for translation.
def _mark() -> None:  # pragma: no cover - extraction only
    from ..i18n import N_
    N_("RAM module"), N_("Disk"), N_("Battery"), N_("Screen"), N_("Charger")
    N_("Power supply"), N_("Part")
