"""The grading engine: a probed ``Machine`` (+ checklist, + benchmark) -> ``Verdict``.

Pure: no I/O, no sentences. The decision, in order (docs/grading.md tells why):

1. Grade each component (``components``): disks, battery (laptops), memory, CPU.
2. The edition: the best one the CPU runs; if the RAM can never reach its minimum
   (board maximum, soldered, no slot) a lighter edition of the same arch the CPU
   runs is offered instead (DE5 amd64 for a 64-bit machine stuck below DE6's need),
   with ``RAM_EDITION_FALLBACK`` saying what DE6 would have needed.
   Blockers make the machine ``parts-only``: no Emmabuntüs edition fits the CPU,
   the RAM cannot reach the minimum of any edition it runs, or a checklist item
   whose rule is "parts-only" failed. If nothing is worth harvesting either:
   ``recycling``.
3. Otherwise the upgrade/repair list is collected (RAM modules to buy, an SSD when
   no internal disk is usable, a battery, failed checklist items ruled "repair"):
   empty -> ``ready``, else ``ready-after-upgrade``.
4. Reusable machines get a quality grade A/B/C from their capacity *after* the
   listed upgrades (points for CPU class, RAM, system disk; HDD capped).
"""

from __future__ import annotations

from ..model import Chassis, Disk, Machine, Media
from .checks import Checks, CheckState
from .components import (GB, disk_media, grade_battery, grade_cpu, grade_disk,
                         grade_memory, normalise_form_factor, normalise_ram_type,
                         runnable_editions)
from .rules import Edition, Rules
from .verdict import (BenchScores, ComponentVerdict, Outcome, Reason, ReasonItem,
                      State, Verdict)

__all__ = ["grade_disk", "grade_battery", "grade_memory", "grade_cpu", "grade_machine",
           "is_laptop", "internal_disks"]

_LAPTOP = (Chassis.LAPTOP, Chassis.CONVERTIBLE, Chassis.TABLET)
_MEDIA_RANK = {Media.NVME: 3, Media.SSD: 2, Media.EMMC: 1, Media.HDD: 1}


def is_laptop(machine: Machine) -> bool:
    return machine.system.chassis in _LAPTOP or (
        machine.system.chassis is Chassis.UNKNOWN and bool(machine.batteries))


def internal_disks(machine: Machine) -> list[Disk]:
    """Disks built into the machine (one definition: ``Machine.internal_disks``)."""
    return list(machine.internal_disks())


def _edition(rules: Rules, name: str | None, arch: str | None) -> Edition | None:
    return next((e for e in rules.emmabuntus if e.name == name and e.arch == arch), None)


def _ram_fallback(machine: Machine, rules: Rules, edition: Edition,
                  mem_v: ComponentVerdict) -> tuple[Edition, ComponentVerdict, ReasonItem | None]:
    """A lighter edition when no RAM purchase can reach ``edition``'s need.

    Only editions the CPU runs, of the same arch (a 64-bit machine keeps a 64-bit
    system: 64-bit UEFI boot, all its RAM usable), needing less RAM, in the rules'
    order; the first whose need the RAM meets or can be upgraded to wins. A workshop
    would rather install DE5 amd64 on a working 2 GB-soldered laptop than dismantle it.
    """
    for alt in runnable_editions(machine.cpu, rules):
        if alt.arch != edition.arch or alt.min_ram_mb >= edition.min_ram_mb:
            continue
        alt_mem = grade_memory(machine.memory, rules, need_mb=alt.min_ram_mb)
        if alt_mem.state is State.TOO_LITTLE:
            continue
        facts = mem_v.facts
        params: dict = {"edition": edition.name, "need": edition.min_ram_mb,
                        "mb": facts.get("total_mb"), "fallback": alt.name, "arch": alt.arch}
        if mem_v.has(Reason.RAM_MAX_CAPACITY):
            params.update(cause="max-capacity", max_mb=facts.get("max_capacity_mb"))
        elif facts.get("form_factor") == "soldered":
            params["cause"] = "soldered"
        else:
            params["cause"] = "no-slot"
        return alt, alt_mem, ReasonItem(Reason.RAM_EDITION_FALLBACK, params, "memory")
    return edition, mem_v, None


def grade_machine(machine: Machine, checks: Checks | None, rules: Rules,
                  bench: BenchScores | None = None) -> Verdict:
    laptop = is_laptop(machine)
    checks = checks or Checks()
    disks = internal_disks(machine)
    disk_verdicts = tuple(grade_disk(d.smart, d, rules) for d in disks)
    cpu_v = grade_cpu(machine.cpu, rules, bench_cpu=bench.cpu if bench else None)
    edition = _edition(rules, cpu_v.facts.get("emmabuntus"), cpu_v.facts.get("arch"))
    need = (edition or rules.emmabuntus[0]).min_ram_mb
    mem_v = grade_memory(machine.memory, rules, need_mb=need)
    fallback = None
    if edition is not None and mem_v.state is State.TOO_LITTLE:
        edition, mem_v, fallback = _ram_fallback(machine, rules, edition, mem_v)
    battery_v = None
    if laptop:
        battery_v = grade_battery(machine.batteries[0] if machine.batteries else None, rules)
        if checks.battery_holds_charge is CheckState.FAIL and battery_v.state is not State.ABSENT:
            battery_v = ComponentVerdict("battery", State.TO_REPLACE, battery_v.reasons,
                                         battery_v.facts)

    reasons: list[ReasonItem] = []
    for v in (*disk_verdicts, fallback, mem_v, cpu_v, battery_v):
        if isinstance(v, ReasonItem):
            reasons.append(v)
        elif v is not None:
            reasons.extend(v.reasons)
    blockers = False
    if cpu_v.state is State.UNSUPPORTED or mem_v.state is State.TOO_LITTLE:
        blockers = True
    repairs: list[str] = []
    for item in checks.failed():
        reasons.append(ReasonItem(Reason.CHECK_FAILED, {"item": item}, "checks"))
        action = rules.checks.action(item)
        if action == "parts-only":
            blockers = True
        elif action == "repair":
            repairs.append(item)

    # Storage: the best usable internal disk becomes the system disk.
    usable_states = {State.HEALTHY, State.UNKNOWN}
    if not rules.outcome.replace_worn_disk:
        usable_states.add(State.WORN)
    usable = [(d, v) for d, v in zip(disks, disk_verdicts)
              if v.state in usable_states and not v.has(Reason.DISK_TOO_SMALL)]
    if not disks:
        reasons.append(ReasonItem(Reason.NO_DISK, {}, "machine"))

    upgrades: list[dict] = []
    if mem_v.state is State.UPGRADEABLE:
        upgrades.append(mem_v.facts["upgrade"])
    if not usable:
        upgrades.append({"part": "ssd", "min_gb": rules.outcome.ssd_min_gb})
    else:
        # A failing (or, by the rules, worn) second disk must not leave in the machine
        # either: the family would keep its photos on it. The SSD bought above replaces
        # the disks when none is usable; here the machine boots from a good one.
        bad = {State.FAILING} | ({State.WORN} if rules.outcome.replace_worn_disk else set())
        for d, v in zip(disks, disk_verdicts):
            if v.state in bad:
                upgrades.append({"part": "remove_disk", "name": d.name, "state": v.state.value,
                                 "model": v.facts.get("model")})
    if laptop and rules.battery.laptop_needs_battery and battery_v is not None \
            and battery_v.state in (State.TO_REPLACE, State.ABSENT):
        upgrades.append({"part": "battery"})
    for item in repairs:
        part = "battery" if item == "battery_holds_charge" else item
        if not any(u["part"] == part for u in upgrades):
            upgrades.append({"part": part, "repair": True})

    score: dict = {}
    grade = None
    if blockers:
        harvest = _harvest(machine, laptop, disks, disk_verdicts, battery_v, checks, rules)
        outcome = Outcome.PARTS_ONLY if harvest else Outcome.RECYCLING
        upgrades = []
    else:
        harvest = []
        outcome = Outcome.READY_AFTER_UPGRADE if upgrades else Outcome.READY
        grade, score = _quality(cpu_v, mem_v, usable, upgrades, rules)
    return Verdict(outcome=outcome, grade=grade, reasons=tuple(reasons),
                   upgrades=tuple(upgrades), harvest=tuple(harvest), disks=disk_verdicts,
                   battery=battery_v, memory=mem_v, cpu=cpu_v,
                   emmabuntus=edition.name if edition else None,
                   rules_version=rules.version, score=score, cosmetic=checks.cosmetic,
                   emmabuntus_arch=edition.arch if edition else None)


def _quality(cpu_v: ComponentVerdict, mem_v: ComponentVerdict,
             usable: list[tuple[Disk, ComponentVerdict]], upgrades: list[dict],
             rules: Rules) -> tuple[str, dict]:
    """A/B/C from the capacity the machine will have once upgraded (docs/grading.md)."""
    g = rules.grade
    cls = cpu_v.facts.get("class", "unknown")
    # An unknown class counts as entry: the grade must never flatter a machine.
    cpu_pts = {"mid": g.cpu_points_mid, "high": g.cpu_points_high}.get(cls, g.cpu_points_entry)
    ram_mb = mem_v.facts.get("total_mb") or 0
    for u in upgrades:
        if u["part"] == "ram":
            ram_mb += u["count"] * u["size_gb"] * 1024 - sum(u.get("replaces_mb", []))
    # Without the modules (no root) the kernel's MemTotal lacks what firmware and the
    # GPU reserve (3 896 MB on a 4 GB Aspire ES1): the tolerance that lets it meet the
    # edition's need also lets it reach a RAM step.
    slack = 0 if mem_v.facts.get("modules_mb") else rules.memory.meminfo_tolerance_pct / 100
    ram_pts = sum(1 for step in g.ram_steps_mb if ram_mb >= step * (1 - slack))
    if usable:
        disk, v = max(usable, key=lambda dv: (_MEDIA_RANK.get(disk_media(dv[0].smart, dv[0]), 0),
                                              dv[0].size_bytes or 0))
        media = disk_media(disk.smart, disk)
        size_gb = round((disk.size_bytes or 0) / GB)
    else:
        media, size_gb = Media.SSD, rules.outcome.ssd_min_gb
    media_pts = {Media.NVME: g.storage_points_nvme, Media.SSD: g.storage_points_ssd}.get(
        media, g.storage_points_hdd)
    storage_pts = media_pts + sum(1 for step in g.storage_steps_gb if size_gb >= step)
    total = cpu_pts + ram_pts + storage_pts
    grade = "A" if total >= g.a_min else "B" if total >= g.b_min else "C"
    capped = False
    if media not in (Media.SSD, Media.NVME) and grade < g.hdd_max_grade:
        grade, capped = g.hdd_max_grade, True
    return grade, {"cpu": cpu_pts, "ram": ram_pts, "storage": storage_pts, "total": total,
                   "cpu_class": cls, "ram_mb": ram_mb, "storage_media": media.value,
                   "storage_gb": size_gb, "hdd_capped": capped}


def _harvest(machine: Machine, laptop: bool, disks: list[Disk],
             disk_verdicts: tuple[ComponentVerdict, ...], battery_v: ComponentVerdict | None,
             checks: Checks, rules: Rules) -> list[dict]:
    """Parts worth keeping from a machine that will not go out whole."""
    h = rules.harvest
    out: list[dict] = []
    for disk, v in zip(disks, disk_verdicts):
        if v.state is not State.HEALTHY:
            continue
        media = disk_media(disk.smart, disk)
        size_gb = v.facts.get("size_gb") or 0
        if (media in (Media.SSD, Media.NVME) and h.keep_ssd_any_size) or size_gb >= h.disk_min_gb:
            out.append({"part": "disk", "media": media.value, "size_gb": size_gb,
                        "model": v.facts.get("model"), "identity": v.facts.get("identity")})
    for m in machine.memory.modules:
        ram_type = normalise_ram_type(m.type)
        form = normalise_form_factor(m.form_factor)
        if ram_type in h.ram_types and (m.size_mb or 0) >= h.ram_min_mb and form != "soldered":
            out.append({"part": "ram", "size_gb": round(m.size_mb / 1024, 1), "type": ram_type,
                        "form_factor": form})
    if h.keep_battery and battery_v is not None and battery_v.state is State.OK:
        out.append({"part": "battery", "health_pct": battery_v.facts.get("health_pct")})
    screen_failed = CheckState.FAIL in (checks.screen_dead_pixels, checks.screen_backlight)
    if h.keep_screen and laptop and machine.screens and not screen_failed:
        s = machine.screens[0]
        out.append({"part": "screen", "diagonal_in": s.diagonal_in,
                    "resolution": (f"{s.native_width}x{s.native_height}"
                                   if s.native_width and s.native_height else None)})
    return out
