"""``doctor``: is this station ready? Tools present, root or not, what the probe will miss.

Each tool is listed with its Debian package (from ``system.runner.PACKAGES``) and
the fields it provides, so a workshop volunteer knows what ``apt install`` fixes what.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..i18n import N_, _, tr
from ..system.runner import PACKAGES

# Tools the probe uses -> the fields they provide (msgids) and whether they need root.
PROBE_TOOLS = (
    ("lsblk", N_("disks, partitions and mount points"), False),
    ("dmidecode", N_("serial numbers, BIOS, RAM modules and free slots"), True),
    ("smartctl", N_("disk health (SMART), power-on hours, NVMe wear"), True),
    ("lspci", N_("graphics card names"), False),
    ("mokutil", N_("Secure Boot state when efivars are unreadable"), False),
)
# Tools other stages use (wipe, image writer, documents): reported, not required here,
# each with what it is for so a volunteer knows which step a missing one breaks.
OTHER_TOOLS = (
    ("hdparm", N_("wipe: ATA secure erase and sanitize, hidden areas (HPA/DCO)")),
    ("nvme", N_("wipe: NVMe sanitize and format")),
    ("blkdiscard", N_("wipe: discard (TRIM) of flash media")),
    ("wipefs", N_("wipe: clear old signatures")),
    ("sfdisk", N_("image: read and move partition tables")),
    ("sgdisk", N_("image: move the GPT backup header to the disk's end")),
    ("partprobe", N_("image: make the kernel reread a written partition table")),
    ("e2fsck", N_("image: check the installed file system")),
    ("resize2fs", N_("image: grow the installed file system to the disk")),
    ("zstd", N_("image: compressed images")),
    ("bmaptool", N_("image: reference writer (benchmarks and bmap files)")),
    ("lp", N_("labels and sheets: send to a printer")),
    ("lpstat", N_("labels and sheets: list printers")),
    ("pdftoppm", N_("labels: PNG previews")),
    ("upower", N_("probe: battery when sysfs has none")),
    ("edid-decode", N_("screens: check an EDID by hand")),
    ("lshw", N_("parse: read saved lshw reports; benchmarks")),
    ("stress-ng", N_("grade: optional benchmark step")),
    ("sysbench", N_("grade: optional benchmark step")),
    ("nwipe", N_("wipe: reference tool for benchmarks")),
)


LEFTOVER_KIND = {"loop": N_("partition loop device"), "folder": N_("temporary folder"),
                 "temp-file": N_("temporary file"), "record": N_("loop record")}


@dataclass(frozen=True)
class ToolStatus:
    tool: str
    package: str
    present: bool
    provides: str | None = None      # msgid
    needs_root: bool = False


@dataclass(frozen=True)
class DoctorReport:
    root: bool
    tools: tuple[ToolStatus, ...]
    will_miss: tuple[str, ...]       # msgids of what the probe cannot fill
    # What killed processes left (system/leftovers.py); with --clean, what was
    # removed and why not when it could not be.
    leftovers: tuple = ()
    cleaned: tuple = ()


def check(ctx, euid: int | None = None, clean: bool = False) -> DoctorReport:
    root = (os.geteuid() if euid is None else euid) == 0
    tools = []
    will_miss = []
    for tool, provides, needs_root in PROBE_TOOLS:
        present = ctx.runner.has_tool(tool)
        tools.append(ToolStatus(tool, PACKAGES.get(tool, "?"), present, provides, needs_root))
        if not present or (needs_root and not root):
            will_miss.append(provides)
    for tool, provides in OTHER_TOOLS:
        tools.append(ToolStatus(tool, PACKAGES.get(tool, "?"), ctx.runner.has_tool(tool),
                                provides))
    from ..system import leftovers
    found = tuple(leftovers.find(ctx, ctx.home))
    cleaned: tuple = ()
    if clean and found:
        cleaned = tuple({"kind": lo.kind, "path": lo.path, "error": why}
                        for lo, why in leftovers.clean(ctx, list(found)))
        found = tuple(leftovers.find(ctx, ctx.home))
    return DoctorReport(root=root, tools=tuple(tools), will_miss=tuple(will_miss),
                        leftovers=found, cleaned=cleaned)


def render_doctor(report: DoctorReport, lang: str | None = None) -> str:
    out = [_("Running as root: yes", lang) if report.root else
           _("Running as root: no (serials, RAM modules and SMART need sudo)", lang)]
    out.append(_("Tools:", lang))
    for t in report.tools:
        mark = "ok " if t.present else "-- "
        line = f"  {mark}{t.tool:<12} ({t.package})"
        if t.provides:
            line += ": " + _(t.provides, lang)
        if not t.present:
            line += "  " + tr("install: apt install {package}", lang, package=t.package)
        out.append(line)
    if report.will_miss:
        out.append(_("The probe will miss:", lang))
        out.extend("  " + _(item, lang) for item in report.will_miss)
    else:
        out.append(_("The probe has everything it needs.", lang))
    for item in report.cleaned:
        out.append(tr("Removed the leftover {kind} {path}", lang, kind=_(LEFTOVER_KIND[item["kind"]], lang),
                      path=item["path"]) if not item["error"] else
                   tr("Could not remove the leftover {kind} {path}: {error}", lang,
                      kind=_(LEFTOVER_KIND[item["kind"]], lang), path=item["path"], error=item["error"]))
    if report.leftovers:
        out.append(_("Leftovers of killed processes (remove them with 'reemploi doctor --clean'):", lang))
        out.extend("  " + tr("{kind} {path} (process {pid})", lang,
                             kind=_(LEFTOVER_KIND[lo.kind], lang), path=lo.path, pid=lo.pid)
                   for lo in report.leftovers)
    else:
        out.append(_("No leftovers of killed processes.", lang))
    return "\n".join(out)
