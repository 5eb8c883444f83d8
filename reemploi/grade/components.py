"""Per-component grading: disk, battery, memory, CPU. Pure: facts + rules -> verdict.

Each function returns a ``ComponentVerdict`` with a state, reason codes with their
parameters, and the facts it decided on (so a sheet can show "4 GB DDR3, 1 free
slot" without re-deriving it). Missing facts give ``unknown``, never a guess.
"""

from __future__ import annotations

import re
from collections import Counter

from ..model import Battery, Cpu, Disk, Health, Media, Memory, Smart
from .rules import Edition, Rules
from .verdict import ComponentVerdict, Reason, ReasonItem, State

GB = 1000 ** 3      # disk sizes are sold in decimal gigabytes

# Required CPU flag -> the reason code shown when it is missing.
_FLAG_REASONS = {"lm": Reason.NO_X86_64, "sse2": Reason.NO_SSE2, "cmov": Reason.NO_I686}


# ----------------------------------------------------------------------------- disk

def disk_media(smart: Smart | None, disk: Disk | None) -> Media:
    if disk is not None and disk.media is not Media.UNKNOWN:
        return disk.media
    if smart is not None:
        if (smart.protocol or "").lower() == "nvme":
            return Media.NVME
        if smart.rotation_rpm == 0:
            return Media.SSD
        if smart.rotation_rpm:
            return Media.HDD
    if disk is not None and disk.rotational is not None:
        return Media.HDD if disk.rotational else Media.SSD
    return Media.UNKNOWN


def _has_smart_data(s: Smart) -> bool:
    values = (s.power_on_hours, s.reallocated_sectors, s.pending_sectors,
              s.offline_uncorrectable, s.reported_uncorrectable, s.ssd_life_left_pct,
              s.nvme_percentage_used, s.nvme_media_errors, s.nvme_critical_warning,
              s.nvme_available_spare_pct)
    return s.health is not Health.UNKNOWN or any(v is not None for v in values)


def grade_disk(smart: Smart | None, disk: Disk | None, rules: Rules) -> ComponentVerdict:
    """healthy / worn / failing / unknown, from SMART (ATA attributes or NVMe log)."""
    r = rules.disk
    name = f"disk:{disk.name}" if disk is not None else "disk"
    size = (disk.size_bytes if disk is not None and disk.size_bytes else None) \
        or (smart.capacity_bytes if smart is not None else None)
    media = disk_media(smart, disk)
    facts = {
        "name": disk.name if disk is not None else None,
        "model": (disk.model if disk is not None and disk.model else None)
                 or (smart.model if smart is not None else None),
        "identity": disk.identity if disk is not None else None,
        "size_gb": round(size / GB) if size else None,
        "media": media.value,
        "power_on_hours": smart.power_on_hours if smart is not None else None,
    }

    def reason(code: Reason, **params) -> ReasonItem:
        return ReasonItem(code, params, name)

    if smart is None or not _has_smart_data(smart):
        return ComponentVerdict(name, State.UNKNOWN, (reason(Reason.SMART_UNAVAILABLE),), facts)

    failing: list[ReasonItem] = []
    worn: list[ReasonItem] = []
    notes: list[ReasonItem] = []
    if smart.health is Health.FAILED:
        failing.append(reason(Reason.SMART_FAILED))
    for value, limit, code in (
            (smart.reallocated_sectors, r.reallocated_failing, Reason.REALLOCATED_SECTORS),
            (smart.pending_sectors, r.pending_failing, Reason.PENDING_SECTORS),
            (smart.offline_uncorrectable, r.offline_uncorrectable_failing,
             Reason.OFFLINE_UNCORRECTABLE),
            (smart.nvme_media_errors, r.nvme_media_errors_failing, Reason.NVME_MEDIA_ERRORS)):
        if value is not None and value >= limit:
            failing.append(reason(code, count=value))
    reported = smart.reported_uncorrectable
    if reported is not None and reported >= 0x10000 and reported & 0xFFFF == 0:
        # Count in the low 16 bits, other data above: SAMSUNG HD501LJ (linuxhw corpus)
        # shows raw 65 536 with the normalised value at 253 (never degraded).
        reported = 0
    if reported is not None and reported >= r.reported_uncorrectable_worn:
        worn.append(reason(Reason.REPORTED_UNCORRECTABLE, count=reported))
    # NVMe Critical Warning (Log Page 02h byte 0): any bit set is a controller alarm
    # (spare below threshold, temperature, reliability degraded, read-only, backup).
    if smart.nvme_critical_warning:
        failing.append(reason(Reason.NVME_CRITICAL_WARNING, value=smart.nvme_critical_warning))
    used = smart.nvme_percentage_used
    if used is not None:
        if used >= r.nvme_percentage_used_failing:
            failing.append(reason(Reason.NVME_PERCENTAGE_USED, pct=used))
        elif used >= r.nvme_percentage_used_worn:
            worn.append(reason(Reason.NVME_PERCENTAGE_USED, pct=used))
    if _spare_low(smart, r.nvme_spare_failing_pct):
        failing.append(reason(Reason.NVME_SPARE_LOW, pct=smart.nvme_available_spare_pct,
                              threshold=smart.nvme_available_spare_threshold_pct))
    life = smart.ssd_life_left_pct
    if life is not None and used is None:   # NVMe: Percentage Used already says it
        if life <= r.ssd_life_failing_pct:
            failing.append(reason(Reason.SSD_LIFE_LOW, pct=life))
        elif life <= r.ssd_life_worn_pct:
            worn.append(reason(Reason.SSD_LIFE_LOW, pct=life))
    hours = smart.power_on_hours
    if hours is not None:
        if hours >= r.power_on_hours_implausible:
            notes.append(reason(Reason.IMPLAUSIBLE_VALUE, field="power_on_hours", value=hours))
        elif hours >= r.power_on_hours_worn:
            worn.append(reason(Reason.HIGH_POWER_ON_HOURS, hours=hours))
    if size and size < r.min_size_gb * GB:
        notes.append(reason(Reason.DISK_TOO_SMALL, gb=round(size / GB), need=r.min_size_gb))
    state = State.FAILING if failing else State.WORN if worn else State.HEALTHY
    return ComponentVerdict(name, state, tuple(failing + worn + notes), facts)


# -------------------------------------------------------------------------- battery

def grade_battery(b: Battery | None, rules: Rules) -> ComponentVerdict:
    """ok / worn / to-replace / absent, by wear (capacity lost vs design)."""
    if b is None:
        return ComponentVerdict("battery", State.ABSENT,
                                (ReasonItem(Reason.BATTERY_ABSENT, {}, "battery"),))
    wear = b.wear_pct
    facts = {"wear_pct": wear, "health_pct": b.health_pct, "design_wh": b.design_wh,
             "full_wh": b.full_wh, "cycle_count": b.cycle_count, "model": b.model}
    if wear is None:
        return ComponentVerdict("battery", State.UNKNOWN,
                                (ReasonItem(Reason.BATTERY_UNKNOWN, {}, "battery"),), facts)
    item = (ReasonItem(Reason.BATTERY_WEAR, {"pct": wear}, "battery"),)
    if wear >= rules.battery.replace_pct:
        return ComponentVerdict("battery", State.TO_REPLACE, item, facts)
    if wear >= rules.battery.worn_pct:
        return ComponentVerdict("battery", State.WORN, item, facts)
    return ComponentVerdict("battery", State.OK, (), facts)


# --------------------------------------------------------------------------- memory

_RAM_TYPE = re.compile(r"^(LP)?DDR\d?$|^SDRAM$|^DRAM$")


def normalise_ram_type(text: str | None) -> str | None:
    """SMBIOS type 17 "Type" -> DDR3, LPDDR4, SDRAM...; None for Other/Unknown/
    Reserved and firmware oddities ("ECC DIMM" in glpi-agent's rhel-2.1 sample)."""
    if not text:
        return None
    t = text.strip().upper().replace(" SDRAM", "").split()[0]
    return t if _RAM_TYPE.match(t) else None


def normalise_form_factor(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().upper().replace("-", "").replace(" ", "")
    return {"SODIMM": "SODIMM", "DIMM": "DIMM", "ROWOFCHIPS": "soldered"}.get(t, text.strip())


def _most_common(values) -> str | None:
    found = [v for v in values if v]
    return Counter(found).most_common(1)[0][0] if found else None


def grade_memory(mem: Memory, rules: Rules, *, need_mb: int | None = None) -> ComponentVerdict:
    """enough / upgradeable (with the modules to buy) / too-little / unknown."""
    need = need_mb if need_mb is not None else rules.emmabuntus[0].min_ram_mb
    sizes = [m.size_mb for m in mem.modules if m.size_mb]
    # Installed modules when known (MemTotal is always a little lower: reserved RAM).
    total = sum(sizes) if sizes else mem.total_mb
    ram_type = _most_common(normalise_ram_type(m.type) for m in mem.modules)
    form = _most_common(normalise_form_factor(m.form_factor) for m in mem.modules)
    facts = {"total_mb": total, "need_mb": need, "slots_total": mem.slots_total,
             "slots_free": mem.slots_free, "modules_mb": sizes, "type": ram_type,
             "form_factor": form, "max_capacity_mb": mem.max_capacity_mb}
    if total is None:
        return ComponentVerdict("memory", State.UNKNOWN,
                                (ReasonItem(Reason.RAM_UNKNOWN, {}, "memory"),), facts)
    if total >= need or (not sizes and
                         total >= need * (1 - rules.memory.meminfo_tolerance_pct / 100)):
        return ComponentVerdict("memory", State.ENOUGH, (), facts)

    short = ReasonItem(Reason.RAM_TOO_LITTLE, {"mb": total, "need": need}, "memory")
    largest = max(rules.memory.max_module_mb.values())
    max_module = rules.memory.max_module_mb.get(ram_type or "", largest)
    if sizes and max(sizes) > max_module:
        # The label is wrong: a 1 GB "SDRAM" module is DDR/DDR2 that old firmware
        # mislabels (corpus: ASRock 775i945GZ, Packard Bell IMEDIA D3610, G31M-VS2).
        ram_type, max_module = None, largest
        facts["type"] = None
    max_cap = mem.max_capacity_mb
    if max_cap is not None and max_cap < total:
        # SMBIOS type 16 "Maximum Capacity" below what is installed is a firmware
        # error (corpus: Packard Bell IMEDIA X9305 says 1 GB with 3 GB fitted).
        max_cap = None
        facts["max_capacity_mb"] = None
    floor = min(rules.memory.min_module_gb, max_module // 1024)
    choices = [g for g in rules.memory.module_sizes_gb if floor <= g and g * 1024 <= max_module]

    def item(count: int, size_gb: int, replaces: list[int] | None = None) -> dict:
        out = {"part": "ram", "count": count, "size_gb": size_gb, "type": ram_type,
               "form_factor": form if form != "soldered" else None}
        if replaces:
            out["replaces_mb"] = sorted(replaces)
        return out

    def fits_max(new_total: int) -> bool:
        return not max_cap or new_total <= max_cap

    free = mem.slots_free
    if mem.slots_total is None and not mem.modules:
        free = 1   # no slot table (no root, no DMI): assume one slot, say the type is unknown
    if form == "soldered" and free == 0:
        return ComponentVerdict("memory", State.TOO_LITTLE,
                                (short, ReasonItem(Reason.RAM_NO_FREE_SLOT, {}, "memory")), facts)
    # Preferred module sizes first; smaller ones only if nothing else fits the board.
    fallback = [g for g in rules.memory.module_sizes_gb if g < floor]
    for sizes_to_try in (choices, fallback):
        upgrade = _plan(sizes_to_try, free or 0, sorted(sizes), total, need,
                        form != "soldered", fits_max, item)
        if upgrade is not None:
            return _upgradeable(short, facts, upgrade)
    why = (ReasonItem(Reason.RAM_MAX_CAPACITY, {"max_mb": max_cap, "need": need}, "memory")
           if max_cap and max_cap < need else ReasonItem(Reason.RAM_NO_FREE_SLOT, {}, "memory"))
    return ComponentVerdict("memory", State.TOO_LITTLE, (short, why), facts)


def _plan(choices: list[int], free: int, ordered: list[int], total: int, need: int,
          replaceable: bool, fits_max, item) -> dict | None:
    """The cheapest way to reach ``need``: the fewest modules to buy, each of one size
    (smallest that works first), put in free slots first, then in place of the smallest
    fitted modules. So a 1 GB DDR2 board with one free slot and 4 GB to reach gets
    "2 × 2 GB, replacing the 1 GB module" (Dell FX160 in glpi-agent's corpus), which
    neither filling the free slot alone nor a swap alone can give."""
    if not choices:
        return None
    swappable = len(ordered) if replaceable else 0
    for count in range(1, free + swappable + 1):
        for into_free in range(min(count, free), -1, -1):
            k = count - into_free                  # modules taken out
            if k > swappable:
                continue
            out_mb = ordered[:k]
            for size in choices:
                if out_mb and size * 1024 <= max(out_mb):
                    continue                       # swapping for the same size gains nothing
                new_total = total - sum(out_mb) + count * size * 1024
                if new_total >= need and fits_max(new_total):
                    return item(count, size, replaces=out_mb)
    return None


def _upgradeable(short: ReasonItem, facts: dict, upgrade: dict) -> ComponentVerdict:
    return ComponentVerdict("memory", State.UPGRADEABLE, (short,), dict(facts, upgrade=upgrade))


# ------------------------------------------------------------------------------ cpu

def cpu_flags(cpu: Cpu) -> tuple[set[str], bool]:
    """The CPU's flags; if none were read but the kernel runs x86_64, long mode and
    the x86-64 baseline (SSE2, CMOV) are certain. Returns (flags, assumed)."""
    if cpu.flags:
        return set(cpu.flags), False
    if (cpu.arch or "").lower() in ("x86_64", "amd64"):
        return {"lm", "sse2", "cmov"}, True
    return set(), False


_RATED = re.compile(r"@\s*(\d+(?:\.\d+)?)\s*([GM])Hz", re.IGNORECASE)


def rated_mhz(model: str | None) -> float | None:
    """The rated clock Intel writes in the model name ("i5-2300 CPU @ 2.80GHz").

    Without cpufreq (no driver, some live kernels) the probe only has /proc/cpuinfo's
    "cpu MHz", the clock of the moment: 1 600 MHz for an idle i5-2300 rated 2.8 GHz
    (tests/fixtures/machines/broken-tools), which would rank it with a Celeron."""
    m = _RATED.search(model or "")
    if not m:
        return None
    value = float(m.group(1))
    return value * 1000 if m.group(2).upper() == "G" else value


def runnable_editions(cpu: Cpu, rules: Rules) -> list[Edition]:
    """The editions whose required flags the CPU has, best first (rules order)."""
    flags, _ = cpu_flags(cpu)
    if not flags:
        return []
    return [ed for ed in rules.emmabuntus if all(f in flags for f in ed.requires_flags)]


def grade_cpu(cpu: Cpu, rules: Rules, *, bench_cpu: float | None = None) -> ComponentVerdict:
    """Which Emmabuntüs edition fits, and the CPU class (entry / mid / high)."""
    r = rules.cpu
    flags, assumed = cpu_flags(cpu)
    threads = cpu.threads or cpu.cores
    max_mhz = max(filter(None, (cpu.max_mhz, rated_mhz(cpu.model))), default=None)
    capacity = round(threads * max_mhz / 1000, 1) if threads and max_mhz else None
    facts: dict = {"model": cpu.model, "threads": threads, "max_mhz": max_mhz,
                   "capacity": capacity, "bench": bench_cpu, "emmabuntus": None,
                   "arch": None, "class": "unknown", "flags_assumed": assumed}
    if not flags:
        return ComponentVerdict("cpu", State.UNKNOWN,
                                (ReasonItem(Reason.CPU_UNKNOWN, {}, "cpu"),), facts)
    reasons: list[ReasonItem] = []
    edition = None
    for ed in rules.emmabuntus:
        missing = [f for f in ed.requires_flags if f not in flags]
        if not missing:
            edition = ed
            break
        if not reasons:          # explain why the best edition does not fit
            for f in missing:
                code = _FLAG_REASONS.get(f, Reason.MISSING_CPU_FLAG)
                reasons.append(ReasonItem(code, {"flag": f} if code is Reason.MISSING_CPU_FLAG
                                          else {}, "cpu"))
    if edition is None:
        facts["class"] = "legacy"
        return ComponentVerdict("cpu", State.UNSUPPORTED, tuple(reasons), facts)
    facts["emmabuntus"] = edition.name
    facts["arch"] = edition.arch
    if bench_cpu is not None:
        cls = ("high" if bench_cpu >= r.bench_high else "mid" if bench_cpu >= r.bench_mid
               else "entry")
        if bench_cpu < r.bench_slow:
            reasons.append(ReasonItem(Reason.CPU_SLOW, {"score": round(bench_cpu)}, "cpu"))
    elif capacity is not None:
        cls = ("high" if capacity >= r.capacity_high else "mid" if capacity >= r.capacity_mid
               else "entry")
    else:
        cls = "unknown"
    facts["class"] = cls
    return ComponentVerdict("cpu", State.SUPPORTED, tuple(reasons), facts)


def _spare_low(smart: Smart, rules_pct: int) -> bool:
    """Available Spare below the drive's own Available Spare Threshold (NVMe Base 1.4
    §5.14.1.2, SMART / Health log bytes 3 and 4): the drive's maker knows how much
    spare its flash needs, our rules' figure does not.

    A threshold of 0 means the drive sets none; with a spare of 0 too, nothing was
    reported at all: QEMU's emulated NVMe leaves both bytes zero (hw/nvme/ctrl.c,
    ``nvme_smart_info`` fills temperature, data units and hours only), and a VM's disk
    was graded "spare low" (issue 13). Only when no threshold was read (smartctl text
    without the line) do the rules' ``nvme_spare_failing_pct`` decide alone."""
    spare, threshold = smart.nvme_available_spare_pct, smart.nvme_available_spare_threshold_pct
    if spare is None:
        return False
    if threshold is None:
        return spare < rules_pct
    if threshold == 0:
        # No threshold from the maker: a spare reading above 0 is a real one, judged
        # by the rules; 0 with 0 is no reading.
        return 0 < spare < rules_pct
    return spare < threshold
