"""What smartctl's two output forms share: exit-status bits and ATA attribute rules.

``smartctl_json`` and ``smartctl_text`` both describe ATA attributes with the same
``AtaAttribute`` record, so the vendor rules (which attribute means "life left", which
counts minutes instead of hours) live here once; ``smartctl`` only detects the form and
dispatches. Kept apart from ``smartctl`` so the two parsers import it without importing
their own dispatcher (an import cycle).

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from ..lazyre import lazy

# Error texts (msgids; French in locale/fr/LC_MESSAGES/probe_parse.po).
NOT_SMARTCTL = N_("{what} does not look like smartctl output (text or --json)")
BAD_JSON = N_("{what} is not valid JSON: {detail}")

# smartctl(8), section "EXIT STATUS": the return value is a bit mask.
EXIT_BITS = (
    (0, "cmdline-parse"),          # command line did not parse
    (1, "open-failed"),            # device open failed, or device did not return IDENTIFY
    (2, "smart-command-failed"),   # some SMART or ATA command failed, or checksum error
    (3, "disk-failing"),           # SMART status check returned "DISK FAILING"
    (4, "prefail-threshold"),      # prefail attributes <= threshold found
    (5, "past-threshold"),         # usage/prefail attributes were <= threshold in the past
    (6, "error-log"),              # the device error log contains records of errors
    (7, "selftest-errors"),        # the self-test log contains records of errors
)

# Above this many power-on hours (~23 years of 24/7 use, older than SMART itself) a
# raw Power_On_Hours value is not hours: some firmware counts minutes or half-minutes
# while calling attribute 9 "Power_On_Hours" (smartmontools drivedb sets
# "-v 9,halfminutes" / "-v 9,minutes" for such families).
IMPLAUSIBLE_POH = 200_000


def decode_exit_status(code: int | None) -> tuple[str, ...]:
    """smartctl's exit bit mask -> stable codes, lowest bit first."""
    if code is None or code < 0:
        return ()
    return tuple(name for bit, name in EXIT_BITS if code & (1 << bit))


@dataclass(frozen=True)
class AtaAttribute:
    """One row of the ATA SMART attribute table (ATA/ATAPI-8 ACS, SMART READ DATA).

    ``value``/``worst``/``thresh`` are the vendor's normalised 1..253 figures;
    ``raw`` is the leading integer of the raw field, ``raw_text`` the raw field as
    printed (needed for "12345h+23m+10.000s" style values).
    """
    id: int
    name: str
    value: int | None
    worst: int | None
    thresh: int | None
    raw: int | None
    raw_text: str
    failed_now: bool = False


_LEADING_INT = lazy(r"^\s*(-?\d+)")
_HOURS_MIN = lazy(r"^\s*(\d+)h(?:\+(\d+)m)?")


def raw_int(text: str) -> int | None:
    """Leading integer of a raw field: "33 (Min/Max 26/41)" -> 33, "0 0 0" -> 0."""
    m = _LEADING_INT.match(text or "")
    return int(m.group(1)) if m else None


def poh_from_attribute(attr: AtaAttribute, log_hours: int | None) -> tuple[int | None, tuple[str, ...]]:
    """Power-on hours from attribute 9, honouring the unit its name announces.

    ``log_hours`` is the largest "lifetime hours" stamp found in the error or
    self-test logs (the drive writes those in hours whatever attribute 9 counts):
    it lets us recognise a half-minutes or minutes counter behind a misleading
    name. Seen on peracotta's smartctl/usb/...ide01.json (Samsung SV2042H: raw
    4,661,094 "hours" while its error log says 38,842 h = raw / 120).
    """
    name = attr.name.lower()
    m = _HOURS_MIN.match(attr.raw_text or "")
    if m:                                   # "38681h+41m+08.580s" (Power_On_Hours_and_Msec)
        return int(m.group(1)), ()
    raw = attr.raw
    if raw is None or raw < 0:
        return None, ("poh-unreadable",)
    if "half_min" in name:
        return raw // 120, ()
    if "minutes" in name:
        return raw // 60, ()
    if "seconds" in name or name.endswith("_sec"):
        return raw // 3600, ()
    if raw <= IMPLAUSIBLE_POH:
        return raw, ()
    # Implausible as hours: try the units firmware is known to use.
    if log_hours:
        for divisor, code in ((120, "poh-halfminutes"), (60, "poh-minutes"), (3600, "poh-seconds")):
            guess = raw // divisor
            if log_hours <= guess <= log_hours * 1.10 + 24:
                return guess, (code,)
    return None, ("poh-implausible",)


# Attributes that mean "SSD life left in %", by name because vendors reuse ids
# (231 is "Temperature_Celsius" on some drives, 202 "Data_Address_Mark_Errs" on
# HDDs). The normalised VALUE carries the percentage (100 = new) for all of them:
# 231 SSD_Life_Left: SandForce/Kingston/Transcend; 233 Media_Wearout_Indicator:
# Intel; 202 Percent_Lifetime_Remain / Percent_Lifetime_Used: Crucial/Micron (the
# raw is the % used, the VALUE the % left); 169 Remaining_Lifetime_Perc: Western
# Digital/SanDisk; 177 Wear_Leveling_Count: Samsung; 173 Wear_Leveling_Count:
# Micron/SiliconMotion based; 245/248 Percent_Life_Remaining: SanDisk/Phison.
_LIFE_NAMES = (   # in order of trust: explicit "percent left" names first
    "percent_life_remaining", "remaining_lifetime_perc", "percent_lifetime_remain", "ssd_life_left",
    "media_wearout_indicator", "percent_lifetime_used", "wear_leveling_count",
)
_LIFE_IDS = {231, 233, 202, 169, 177, 173, 245, 248}
# Names whose RAW value is the percentage left (Silicon Motion 169
# Remaining_Lifetime_Perc: VALUE stays 100 while RAW counts down; corpus
# ssd/smartctl_exporter...Silicon_Motion...TS32GMTS400: VALUE 100, RAW 96).
_LIFE_IN_RAW = {"remaining_lifetime_perc"}

# Counters by attribute id (ATA attribute ids are de-facto standard; names per
# smartmontools drivedb): field of Smart they fill.
_COUNTERS = {
    5: "reallocated_sectors",        # Reallocated_Sector_Ct / Retired_Block_Count / Reallocate_NAND_Blk_Cnt
    197: "pending_sectors",          # Current_Pending_Sector / Total_Pending_Sectors
    198: "offline_uncorrectable",    # Offline_Uncorrectable / Uncor_Read_Error_Ct
    187: "reported_uncorrectable",   # Reported_Uncorrect / Uncorrectable_Error_Cnt
    199: "crc_errors",               # UDMA_CRC_Error_Count / CRC_Error_Count
    12: "power_cycles",              # Power_Cycle_Count
}

# A "count" of 2**32 or more is a packed vendor field, not a count (corpus
# ssd/linuxhw-ED__SSD__MARVELL__SD88...: every raw is 281,474,959,933,440 =
# 0xFFFF_FFFF_0000). Unknown beats a wrong count that would fail a good disk.
_PACKED = 1 << 32


def interpret_attributes(attrs: tuple[AtaAttribute, ...], log_hours: int | None = None) -> tuple[dict, tuple[str, ...]]:
    """ATA attribute table -> Smart field values and message codes."""
    out: dict = {}
    notes: list[str] = []
    by_id = {a.id: a for a in attrs}
    for aid, fld in _COUNTERS.items():
        a = by_id.get(aid)
        if a is None or a.raw is None:
            continue
        if aid == 5 and "unknown" in a.name.lower():
            continue
        if a.raw >= _PACKED:
            notes.append(f"packed-raw:{aid}")
            continue
        out[fld] = a.raw
    a9 = by_id.get(9)
    if a9 is not None:
        hours, codes = poh_from_attribute(a9, log_hours)
        out["power_on_hours"] = hours
        notes.extend(codes)
    for aid in (194, 190, 231):
        a = by_id.get(aid)
        if a is not None and "temp" in a.name.lower() and a.raw is not None and 0 < (a.raw & 0xFF) < 100:
            out["temperature_c"] = a.raw & 0xFF if a.raw > 255 else a.raw
            break
    # Dell-branded Intel S3520 (corpus ssd/linuxhw-ED__SSD__Dell__SSDSCKJB120...) has both
    # "202 End_of_Life" (a flag) and "245 Percent_Life_Remaining": rank by name, not id.
    candidates = sorted((a for a in attrs if a.id in _LIFE_IDS and a.name.lower() in _LIFE_NAMES),
                        key=lambda a: _LIFE_NAMES.index(a.name.lower()))
    for a in candidates:
        if a.value is not None:
            pct = a.value
            if a.name.lower() in _LIFE_IN_RAW and a.raw is not None and 0 <= a.raw <= 100:
                pct = a.raw
            if pct > 100:
                # Apple SM-series (Samsung inside) start 173 Wear_Leveling_Count near 200
                # (corpus ssd/peracotta...test13, APPLE SSD SM0512F: VALUE 185, THRESH 100):
                # the scale is unknown, so no percentage rather than a wrong one.
                notes.append(f"life-scale-unknown:{a.id}")
                continue
            out["ssd_life_left_pct"] = max(0, pct)
            notes.append(f"life-from:{a.id}")
            break
    return out, tuple(notes)
