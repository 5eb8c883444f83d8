"""Text summaries of a probed ``Machine`` and of ``doctor``, in the reader's language.

Pure rendering: model in, translated lines out (house rule: sentences are made at the
edge). Unknown values print as "unknown"/"inconnu", never as a guess.
"""

from __future__ import annotations

from ..i18n import N_, _, number, plural, tr
from ..model import Disk, Health, Machine
from ..system.blockdev import format_size

UNKNOWN = N_("unknown")

REASONS = {
    "needs-root": N_("needs root (run with sudo)"),
    "tool-missing": N_("tool not installed"),
    "timeout": N_("the tool did not answer in time"),
    "tool-failed": N_("the tool failed"),
    "bad-output": N_("unreadable output"),
    "not-supported": N_("not available on this machine"),
    "error": N_("internal error (please report it)"),
}

BOOT = {"uefi": N_("UEFI"), "legacy": N_("BIOS (legacy)")}

KINDS = {"wired": N_("wired"), "wifi": N_("Wi-Fi"), "other": N_("other")}
CHASSIS = {"laptop": N_("laptop"), "desktop": N_("desktop"), "all-in-one": N_("all-in-one"),
           "mini-pc": N_("mini PC"), "server": N_("server"), "tablet": N_("tablet"),
           "convertible": N_("convertible"), "other": N_("other"), "unknown": N_("unknown")}


def _v(value, lang) -> str:
    return _(UNKNOWN, lang) if value is None or value == "" else str(value)


def _num(value, lang, digits: int = 0) -> str:
    return _(UNKNOWN, lang) if value is None else number(value, lang, digits)


def ram_size(size_mb: int | None, lang) -> str:
    """RAM as people buy it: "4 GB" for whole gibibytes (JEDEC sizes), else "976 MB"."""
    if size_mb is None:
        return _(UNKNOWN, lang)
    if size_mb >= 1024 and size_mb % 1024 == 0:
        return tr("{n} GB", lang, n=size_mb // 1024)
    if size_mb >= 2048:
        return tr("{n} GB", lang, n=number(size_mb / 1024, lang, 1))
    return tr("{n} MB", lang, n=number(size_mb, lang))


def _yes_no(value: bool | None, lang) -> str:
    if value is None:
        return _(UNKNOWN, lang)
    return _("yes", lang) if value else _("no", lang)


def _disk_lines(disk: Disk, lang) -> list[str]:
    roles = []
    if disk.is_system_disk:
        roles.append(_("system disk", lang))
    if disk.is_live_medium:
        roles.append(_("live medium", lang))
    if disk.mounted:
        roles.append(tr("mounted: {mounts}", lang, mounts=", ".join(disk.mounted)))
    if disk.holders:
        roles.append(tr("held by: {holders}", lang, holders=", ".join(disk.holders)))
    if disk.read_only:
        roles.append(_("read-only", lang))
    flags = "".join(f" [{r}]" for r in roles)
    lines = [f"  {disk.path}  {_v(disk.model, lang)}  {format_size(disk.size_bytes, lang)}  "
             f"{disk.media.value}  {disk.transport or '-'}{flags}"]
    if disk.serial:
        lines.append("    " + tr("serial: {serial}", lang, serial=disk.serial))
    smart = disk.smart
    if smart is not None:
        # Whole phrases, not "SMART: {health}": "passed" is feminine elsewhere (a
        # verification is "réussie"), a drive's health is "bon".
        parts = [_({Health.PASSED: N_("SMART: passed"), Health.FAILED: N_("SMART: FAILED"),
                    Health.UNKNOWN: N_("SMART: unknown")}[smart.health], lang)]
        # Only the counters the drive reports: NVMe and many SSDs have no sector counts.
        if smart.power_on_hours is not None:
            parts.append(plural(smart.power_on_hours, N_("{hours} power-on hour"),
                                N_("{hours} power-on hours"), lang,
                                hours=number(smart.power_on_hours, lang)))
        if smart.reallocated_sectors is not None:
            parts.append(plural(smart.reallocated_sectors, N_("{n} reallocated sector"),
                                N_("{n} reallocated sectors"), lang))
        if smart.pending_sectors is not None:
            parts.append(plural(smart.pending_sectors, N_("{n} pending sector"),
                                N_("{n} pending sectors"), lang))
        lines.append("    " + ", ".join(parts))
        if smart.nvme_percentage_used is not None:
            lines.append("    " + tr("NVMe wear: {pct} % used", lang, pct=smart.nvme_percentage_used))
        if smart.ssd_life_left_pct is not None:
            lines.append("    " + tr("SSD life left: {pct} %", lang, pct=smart.ssd_life_left_pct))
    return lines


def render_machine(m: Machine, lang: str | None = None) -> str:
    s, c, mem = m.system, m.cpu, m.memory
    out = [tr("System: {vendor} {product} ({chassis})", lang, vendor=_v(s.vendor, lang),
              product=_v(s.product, lang), chassis=_(CHASSIS[s.chassis.value], lang))]
    out.append("  " + tr("serial: {serial}", lang, serial=_v(s.serial, lang)))
    out.append("  " + tr("BIOS: {vendor} {version} ({date})", lang, vendor=_v(s.bios_vendor, lang),
                         version=_v(s.bios_version, lang), date=_v(s.bios_date, lang)))
    mode = _(BOOT[s.boot_mode], lang) if s.boot_mode in BOOT else _v(s.boot_mode, lang)
    out.append("  " + tr("boot: {mode}, Secure Boot: {sb}", lang, mode=mode,
                         sb=_yes_no(s.secure_boot, lang)))
    mhz = f"{number(c.max_mhz, lang)} MHz" if c.max_mhz else _(UNKNOWN, lang)
    cores = (plural(c.cores, N_("{n} core"), N_("{n} cores"), lang) if c.cores is not None
             else tr("{n} cores", lang, n=_(UNKNOWN, lang)))
    threads = (plural(c.threads, N_("{n} thread"), N_("{n} threads"), lang)
               if c.threads is not None else tr("{n} threads", lang, n=_(UNKNOWN, lang)))
    out.append(tr("CPU: {model} ({vendor}), {cores} / {threads}, {mhz}", lang,
                  model=_v(c.model, lang), vendor=_v(c.vendor, lang), cores=cores,
                  threads=threads, mhz=mhz))
    out.append("  " + tr("64 bits: {x64}, SSE2: {sse2}, PAE: {pae}, virtualisation: {virt}", lang,
                         x64=_yes_no(c.x86_64, lang), sse2=_yes_no(c.sse2, lang),
                         pae=_yes_no(c.pae, lang),
                         virt=_("none", lang) if c.virtualisation == "none"
                         else _v(c.virtualisation, lang)))
    total = ram_size(mem.total_mb, lang)
    if mem.slots_total is None:
        out.append(tr("RAM: {total}, slots unknown", lang, total=total))
    else:
        slots = plural(mem.slots_total, N_("{n} slot"), N_("{n} slots"), lang)
        free = (plural(mem.slots_free, N_("{n} slot free"), N_("{n} slots free"), lang)
                if mem.slots_free is not None
                else tr("{n} slots free", lang, n=_(UNKNOWN, lang)))
        out.append(tr("RAM: {total}, {slots}, {free}", lang, total=total, slots=slots,
                      free=free))
    for mod in mem.modules:
        facts = [ram_size(mod.size_mb, lang), mod.type or "", mod.form_factor or "",
                 f"{mod.speed_mts} MT/s" if mod.speed_mts else ""]
        out.append(f"  {_v(mod.locator, lang)}: " + " ".join(f for f in facts if f))
    out.append(tr("Disks: {count}", lang, count=len(m.disks)))
    for disk in m.disks:
        out.extend(_disk_lines(disk, lang))
    for gpu in m.gpus:
        out.append(tr("Graphics: {vendor} {model} (driver {driver})", lang, vendor=_v(gpu.vendor, lang),
                      model=_v(gpu.model, lang), driver=_v(gpu.driver, lang)))
    for net in m.network:
        out.append(tr("Network: {name} {kind} (driver {driver})", lang, name=net.name,
                      kind=_(KINDS.get(net.kind, KINDS["other"]), lang), driver=_v(net.driver, lang)))
    for bat in m.batteries:
        line = tr("Battery: {name} wear {wear} % (design {design} Wh, full {full} Wh)", lang,
                  name=_v(bat.name, lang), wear=_num(bat.wear_pct, lang, 1),
                  design=_num(bat.design_wh, lang, 1), full=_num(bat.full_wh, lang, 1))
        # Many firmwares report 0 cycles when they do not count (Latitude E5530's pack).
        if bat.cycle_count:
            line += ", " + plural(bat.cycle_count, N_("{n} cycle"), N_("{n} cycles"), lang)
        out.append(line)
    for scr in m.screens:
        out.append(tr("Screen: {connector} {inches} inches, {w}x{h} ({maker} {model})", lang,
                      connector=_v(scr.connector, lang), inches=_num(scr.diagonal_in, lang, 1),
                      w=_v(scr.native_width, lang), h=_v(scr.native_height, lang),
                      maker=_v(scr.manufacturer, lang), model=_v(scr.model, lang)))
    # One sentence per kind when none is found: French agrees "aucune" with the noun.
    found = ((N_("Webcam: {list}"), N_("Webcam: none found"), [d.model or "?" for d in m.webcams]),
             (N_("Optical drive: {list}"), N_("Optical drive: none found"),
              [d.model or d.detail or "?" for d in m.optical]),
             (N_("Sound: {list}"), N_("Sound: none found"), [d.model or "?" for d in m.sound]))
    for some, none, names in found:
        out.append(tr(some, lang, list=", ".join(names)) if names else _(none, lang))
    if m.missing:
        out.append(_("Missing information:", lang))
        for miss in m.missing:
            why = _(REASONS.get(miss.reason, REASONS["error"]), lang)
            detail = f" ({miss.detail})" if miss.detail else ""
            out.append(f"  {miss.field}: {why}{detail}")
    if m.root is False:
        out.append(_("Not running as root: serials, RAM modules and SMART need sudo.", lang))
    return "\n".join(out)
