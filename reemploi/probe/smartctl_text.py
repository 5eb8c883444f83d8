"""smartctl text output (``-a``, ``-x``, ``-i``, ``-H``; smartctl 5.x -> 7.5) -> ``Smart``.

The text is "Key: value" lines in the information section, then per-protocol
sections: the ATA attribute table (two layouts: the classic
``ID# ATTRIBUTE_NAME FLAG VALUE WORST THRESH TYPE UPDATED WHEN_FAILED RAW_VALUE``
and the ``-f brief`` one ``ID# ATTRIBUTE_NAME FLAGS VALUE WORST THRESH FAIL RAW_VALUE``
that ``-x`` uses), the NVMe "SMART/Health Information (NVMe Log 0x02)" block
(NVMe base spec 1.4, section 5.14.1.2) and the SCSI/SAS log-page summary (SPC-4).

Numbers are printed with the build's locale: "5,231", "5.809" (a de_DE build) or
"12 000 138 625 024" (ru_RU); counts are read by dropping those separators.
"""

from __future__ import annotations

import re

from ..bounded import check_lines
from ..errors import BadInput
from ..model import Health, Smart
from .smartctl_common import (NOT_SMARTCTL, AtaAttribute, decode_exit_status, interpret_attributes,
                              raw_int)

_VERSION = re.compile(r"^smartctl\s+(?:version\s+)?(\d+\.\d+)", re.M)
# "Key: value" is split at the first colon by hand: the regex this replaces,
# ``^([A-Za-z][A-Za-z0-9 /().,'-]*?)\s*:\s+(.*?)\s*$``, backtracked quadratically
# on a long run of spaces (160 000 spaces in one line: 62 s; issue 11). Same result.
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 /().,'-]*")
_ATTR_CLASSIC = re.compile(
    r"^\s*(\d{1,3})\s+(\S+)\s+(0x[0-9a-fA-F]{4})\s+(\d+)\s+(\d+)\s+(\d+|---)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$")
_ATTR_BRIEF = re.compile(
    r"^\s*(\d{1,3})\s+(\S+)\s+([-A-Z+]{6,8})\s+(\d+)\s+(\d+)\s+(\d+|---)\s+(\S+)\s+(.*)$")
_ERROR_AT = re.compile(r"occurred at disk power-on lifetime:\s*(\d+)\s*hours")
_SELFTEST_ROW = re.compile(r"^#\s*\d+\s+.*?\s(\d+)\s+(?:-|\d+|0x[0-9a-fA-F]+)\s*$")

# Text markers that prove the input came from smartctl even without its banner
# (pve-storage keeps partial outputs that start at "=== START OF READ SMART DATA").
_MARKERS = ("smartctl", "=== START OF", "SMART overall-health", "SMART Health Status",
            "ID# ATTRIBUTE_NAME", "SMART/Health Information", "Device Model:", "Model Number:")


def _keyval(line: str) -> tuple[str, str] | None:
    """("Key", "value") of a stripped ``Key: value`` line (a space after the colon)."""
    key, colon, rest = line.partition(":")
    if not colon or not rest[:1].isspace():
        return None
    key = key.rstrip()
    if not _KEY.fullmatch(key):
        return None
    return key, rest.strip()


def _count(text: str) -> int | None:
    """A count printed with locale grouping: "5,231" / "5.809" / "12 000" -> int."""
    text = text.split("[")[0].strip()
    text = re.sub(r"[,.\s\u00a0\u202f']", "", text)
    m = re.match(r"^(\d+)", text)
    return int(m.group(1)) if m else None


def _percent(text: str) -> int | None:
    m = re.match(r"^\s*(\d+)\s*%", text)
    return int(m.group(1)) if m else None


def parse_text(text: str, exit_status: int | None = None) -> Smart:
    if not any(marker in text for marker in _MARKERS):
        raise BadInput(NOT_SMARTCTL, what="input")
    check_lines(text, "smartctl")
    f: dict = {"source": "smartctl-text", "exit_status": exit_status,
               "exit_bits": decode_exit_status(exit_status)}
    notes: list[str] = []
    m = _VERSION.search(text)
    if m:
        f["smartctl_version"] = m.group(1)

    kv: dict[str, str] = {}
    attrs: list[AtaAttribute] = []
    log_hours: list[int] = []
    in_selftest = False
    for line in text.splitlines():
        if line.startswith("SMART Self-test log") or line.startswith("SMART Extended Self-test Log"):
            in_selftest = True
        elif not line.strip():
            in_selftest = False
        a = _attribute(line)
        if a is not None:
            attrs.append(a)
            continue
        em = _ERROR_AT.search(line)
        if em:
            log_hours.append(int(em.group(1)))
        if in_selftest:
            sm = _SELFTEST_ROW.match(line.strip())
            if sm:
                log_hours.append(int(sm.group(1)))
        km = _keyval(line.strip())
        if km:
            kv.setdefault(km[0], km[1])
        elif line.startswith("Accumulated power on time"):   # SAS: "hours:minutes 1234:56"
            pm = re.search(r"(\d[\d,]*):\d+\s*$", line)
            if pm:
                kv.setdefault("Accumulated power on time, hours:minutes", pm.group(1))
        elif "=" in line and "powered up" in line:   # SAS Seagate/Hitachi factory page
            kv.setdefault("number of hours powered up", line.split("=", 1)[1].strip())

    def get(*keys: str) -> str | None:
        for k in keys:
            v = kv.get(k)
            if v is not None and v.strip():
                return v.strip()
        return None

    # --- protocol & identity ------------------------------------------------------
    nvme = "SMART/Health Information (NVMe Log" in text or get("Model Number", "NVMe Version") is not None
    scsi = get("Transport protocol", "Vendor", "Product", "Device") is not None or "SMART Health Status" in text \
        or "grown defect list" in text
    if nvme:
        f["protocol"] = "NVMe"
    elif get("Device Model", "ATA Version is", "SATA Version is") or attrs or "SMART overall-health" in text:
        f["protocol"] = "ATA"
    elif scsi:
        f["protocol"] = "SCSI"
    product = get("Product")
    old = re.search(r"^Device:\s+(.+?)\s+Version:\s*(\S+)", text, re.M)
    if old and not product:                   # smartctl 5.x SCSI: "Device: IBM-ESXS ST3300655SS  Version: BA23"
        product = old.group(1).strip()
        kv.setdefault("Revision", old.group(2))
    f["model"] = get("Device Model", "Model Number") or (
        " ".join(x for x in (get("Vendor"), product) if x) if product else None)
    f["serial"] = get("Serial Number", "Serial number")
    f["firmware"] = get("Firmware Version", "Revision")
    for key in ("User Capacity", "Total NVM Capacity", "Namespace 1 Size/Capacity"):
        cap = get(key)
        # Some NVMe controllers report "Total NVM Capacity: 0" (pysmart nvme_10, Netac).
        if cap and _count(cap.split("bytes")[0]):
            f["capacity_bytes"] = _count(cap.split("bytes")[0])
            break
    rot = get("Rotation Rate")
    if rot:
        if "Solid State" in rot:
            f["rotation_rpm"] = 0
        else:
            f["rotation_rpm"] = _count(rot.split("rpm")[0])
    elif nvme:
        f["rotation_rpm"] = 0
    dev_type = get("Device type")
    if dev_type and dev_type.lower() != "disk":
        notes.append(f"not-a-disk:{dev_type}")
    support = get("SMART support is")
    if support and support.startswith("Unavailable"):
        notes.append("smart-unavailable")
    if "SMART support is: Disabled" in text or "SMART Disabled" in text:
        notes.append("smart-disabled")
    if "A mandatory SMART command failed" in text:
        notes.append("smart-command-failed")

    # --- health -----------------------------------------------------------------------
    health = get("SMART overall-health self-assessment test result", "SMART Health Status")
    if health:
        up = health.upper()
        f["health"] = Health.PASSED if up.startswith(("PASSED", "OK")) else Health.FAILED

    # --- ATA attributes --------------------------------------------------------------
    values, codes = interpret_attributes(tuple(attrs), max(log_hours) if log_hours else None)
    f.update({k: v for k, v in values.items() if v is not None})
    notes.extend(codes)
    if "power_on_hours" in values and values["power_on_hours"] is None:
        f["power_on_hours"] = None

    # ATA Device Statistics (ACS-3 9.5.9, GP log 04h page 07h), printed by -x: a
    # vendor-neutral "Percentage Used Endurance Indicator" when no attribute says it.
    if "ssd_life_left_pct" not in f:
        dm = re.search(r"^0x07\s+0x008\s+\d+\s+(\d+)\s+\S+\s+Percentage Used Endurance Indicator", text, re.M)
        if dm:
            f["ssd_life_left_pct"] = max(0, 100 - int(dm.group(1)))
            notes.append("life-from:devstat")

    # --- NVMe health log (NVMe 1.4 fig. 94 "SMART / Health Information") --------------
    if nvme:
        cw = get("Critical Warning")
        if cw:
            try:
                f["nvme_critical_warning"] = int(cw, 16) if cw.lower().startswith("0x") else int(cw)
            except ValueError:
                notes.append("critical-warning-unreadable")
        used = get("Percentage Used")
        if used:
            f["nvme_percentage_used"] = _percent(used)
            if f["nvme_percentage_used"] is not None:
                f["ssd_life_left_pct"] = max(0, 100 - f["nvme_percentage_used"])
        spare = get("Available Spare")
        if spare:
            f["nvme_available_spare_pct"] = _percent(spare)
        threshold = get("Available Spare Threshold")
        if threshold:
            f["nvme_available_spare_threshold_pct"] = _percent(threshold)
        media = get("Media and Data Integrity Errors")
        if media:
            f["nvme_media_errors"] = _count(media)
        for key, fld in (("Power On Hours", "power_on_hours"), ("Power Cycles", "power_cycles")):
            v = get(key)
            if v:
                f[fld] = _count(v)
        t = get("Temperature")
        if t and "Celsius" in t:
            f["temperature_c"] = _count(t.split("Celsius")[0])

    # --- SCSI / SAS log pages (SPC-4; smartctl's scsiprint.cpp labels) ----------------
    if f.get("protocol") == "SCSI":
        grown = get("Elements in grown defect list")
        if grown:
            f["reallocated_sectors"] = _count(grown)
        acc = get("Accumulated power on time, hours:minutes")
        hrs = get("number of hours powered up")
        if acc:
            f["power_on_hours"] = _count(acc.split(":")[0])
        elif hrs:
            try:
                f["power_on_hours"] = int(float(hrs.replace(",", ".")))
            except ValueError:
                notes.append("poh-unreadable")
        cycles = get("Accumulated start-stop cycles")
        if cycles:
            f["power_cycles"] = _count(cycles)
        used = get("Percentage used endurance indicator")
        if used:
            pct = _percent(used)
            if pct is not None:
                f["ssd_life_left_pct"] = max(0, 100 - pct)
        t = get("Current Drive Temperature")
        if t:
            f["temperature_c"] = _count(t.split("C")[0])
        unc = _scsi_uncorrected(text)
        if unc is not None:
            f["reported_uncorrectable"] = unc

    t = f.get("temperature_c")
    if t is not None and not 0 < t < 120:
        f["temperature_c"] = None
    f["available"] = bool(health or attrs or (nvme and get("Percentage Used"))
                          or (f.get("protocol") == "SCSI" and get("Elements in grown defect list")))
    f["messages"] = tuple(notes)
    return Smart(**{k: v for k, v in f.items() if v is not None or k == "exit_status"})


def _attribute(line: str) -> AtaAttribute | None:
    m = _ATTR_CLASSIC.match(line)
    if m:
        aid, name, _flag, value, worst, thresh, _type, _upd, failed, raw = m.groups()
    else:
        m = _ATTR_BRIEF.match(line)
        if not m:
            return None
        aid, name, _flags, value, worst, thresh, failed, raw = m.groups()
    return AtaAttribute(id=int(aid), name=name, value=int(value), worst=int(worst),
                        thresh=None if thresh == "---" else int(thresh),
                        raw=raw_int(raw), raw_text=raw.strip(), failed_now=failed.upper() == "NOW"
                        or failed == "FAILING_NOW")


def _scsi_uncorrected(text: str) -> int | None:
    """Sum of the last column ("Total uncorrected errors") of the SCSI error counter log."""
    total, seen = 0, False
    for line in text.splitlines():
        m = re.match(r"^\s*(read|write|verify):\s+(.*)$", line)
        if m:
            cols = m.group(2).split()
            if cols and cols[-1].isdigit():
                total += int(cols[-1])
                seen = True
    return total if seen else None
