"""Which catalogue image suits a machine (pure: facts in, a choice with reasons out).

Rules (the same as the grade's ``emmabuntus`` verdict, reemploi/data/grading.toml):
an x86-64 CPU with SSE2 gets DE6 (Debian 13 dropped i386 installs); a 32-bit-only
CPU gets DE5 i386 (Debian 12 i386 needs an i686, i.e. CMOV); a machine below an
image's minimum RAM or disk is told which minimum it misses, and DE6 too big falls
back to DE5 of the same arch. A graded machine gets the grade's edition *and arch*
(``emmabuntus_arch``): a 64-bit machine whose RAM can never reach DE6's need was
graded DE5 amd64, and the grade's reason (``RAM_EDITION_FALLBACK``) is repeated
here. The firmware's boot mode (``Machine.system.boot_mode``: "uefi" or "legacy")
must be one the image boots. Master images (installed, fast to deploy) are
preferred over ISOs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..model import Machine
from .catalogue import Entry


class Why(str, enum.Enum):
    AMD64_SSE2 = "amd64-sse2"              # {edition}
    I386_ONLY = "i386-only"
    GRADE_SAYS = "grade-says"              # {edition}
    GRADE_NONE = "grade-none"
    # the grade fell back from the best edition: RAM out of reach
    GRADE_RAM_FALLBACK = "grade-ram-fallback"  # {edition, need, mb, fallback, arch}
    UNKNOWN_CPU = "unknown-cpu"
    CPU_TOO_OLD = "cpu-too-old"            # {missing}
    RAM_TOO_SMALL = "ram-too-small"        # {image, ram_mb, min_mb}
    DISK_TOO_SMALL = "disk-too-small"      # {image, disk_bytes, min_bytes}
    BOOT_MODE = "boot-mode-unsupported"    # {image, boot_mode}
    NOT_PRESENT = "not-present"            # {image}: chosen but no file here
    ISO_ONLY = "iso-only"                  # {image}: chosen, but an ISO (install stick)
    CHOSEN = "chosen"                      # {image}


@dataclass(frozen=True)
class Facts:
    flags: tuple[str, ...] = ()
    ram_mb: int | None = None
    disk_bytes: int | None = None
    boot_mode: str | None = None          # "uefi" | "legacy" | None
    grade_edition: str | None = None      # the grade verdict's "emmabuntus", if graded
    graded: bool = False
    grade_arch: str | None = None         # the verdict's "emmabuntus_arch" (newer verdicts)
    grade_fallback: dict | None = None    # params of the verdict's RAM_EDITION_FALLBACK


@dataclass(frozen=True)
class Reason:
    code: Why
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    image: str | None
    edition: str | None
    arch: str | None
    boot_mode: str | None
    present: bool
    reasons: tuple[Reason, ...]


def facts_from_machine(machine: dict, verdict: dict | None = None,
                       disk_bytes: int | None = None) -> Facts:
    """Facts from a Machine JSON (``probe --json``) and an optional grade verdict dict."""
    cpu = machine.get("cpu") or {}
    mem = machine.get("memory") or {}
    system = machine.get("system") or {}
    if disk_bytes is None:
        # The disk a system goes on: one of the machine's own internal disks (the
        # grade's definition, ``Machine.internal_disks``).
        sizes = [d.size_bytes or 0 for d in Machine.from_dict(machine).internal_disks()]
        disk_bytes = max(sizes) if sizes else None
    # RAM as the grade counts it: the installed modules when dmidecode listed them;
    # MemTotal alone reads a little below the installed RAM (firmware and kernel
    # reservations, e.g. 3896 MB on the 4 GB Acer Aspire ES1-512 fixture), so a RAM the
    # grade judged enough for its edition counts as that edition's minimum.
    sizes = [m.get("size_mb") or 0 for m in mem.get("modules") or ()]
    ram_mb = sum(sizes) if sizes and all(sizes) else mem.get("total_mb")
    memory = ((verdict or {}).get("components") or {}).get("memory") or {}
    need = (memory.get("facts") or {}).get("need_mb")
    if ram_mb is not None and memory.get("state") == "enough" and isinstance(need, int):
        ram_mb = max(ram_mb, need)
    fallback = next((r.get("params") or {} for r in (verdict or {}).get("reasons") or ()
                     if isinstance(r, dict) and r.get("code") == "RAM_EDITION_FALLBACK"), None)
    return Facts(tuple(cpu.get("flags") or ()), ram_mb, disk_bytes,
                 system.get("boot_mode"),
                 (verdict or {}).get("emmabuntus"), verdict is not None,
                 (verdict or {}).get("emmabuntus_arch"), fallback)


def _mode(boot_mode: str | None) -> str | None:
    return {"uefi": "uefi", "legacy": "bios", "bios": "bios"}.get(boot_mode or "")


def choose(facts: Facts, entries: list[Entry], present: set[str] = frozenset()) -> Choice:
    reasons: list[Reason] = []
    flags = set(facts.flags)
    if facts.graded:
        if not facts.grade_edition:
            return Choice(None, None, None, _mode(facts.boot_mode), False,
                          (Reason(Why.GRADE_NONE),))
        edition = facts.grade_edition
        # Verdicts recorded before the arch was kept: guessed from the flags, as before
        # (the grade gives a CPU with long mode a 64-bit system).
        arch = facts.grade_arch or ("amd64" if edition == "DE6" or "lm" in flags else "i386")
        reasons.append(Reason(Why.GRADE_SAYS, {"edition": edition}))
        if facts.grade_fallback:
            p = facts.grade_fallback
            reasons.append(Reason(Why.GRADE_RAM_FALLBACK, {
                k: p.get(k) for k in ("edition", "need", "mb", "fallback", "arch")}))
    elif not flags:
        return Choice(None, None, None, _mode(facts.boot_mode), False,
                      (Reason(Why.UNKNOWN_CPU),))
    elif {"lm", "sse2"} <= flags:
        edition, arch = "DE6", "amd64"
        reasons.append(Reason(Why.AMD64_SSE2, {"edition": edition}))
    else:
        edition, arch = "DE5", "i386"
        reasons.append(Reason(Why.I386_ONLY))
    mode = _mode(facts.boot_mode)
    candidates = [e for e in entries if e.edition == edition and e.arch == arch]
    # DE6 too big for the machine: DE5 of the same arch is the fallback.
    fallbacks = [e for e in entries if e.edition != edition and e.arch == arch
                 and e.edition < edition]
    for group in (candidates, sorted(fallbacks, key=lambda e: e.edition, reverse=True)):
        ordered = sorted(group, key=lambda e: (e.kind != "master", e.name not in present))
        fits = []
        for e in ordered:
            missing = [f for f in e.requires_flags if flags and f not in flags]
            if missing:
                reasons.append(Reason(Why.CPU_TOO_OLD, {"image": e.name,
                                                        "missing": " ".join(missing)}))
                continue
            if facts.ram_mb is not None and facts.ram_mb < e.min_ram_mb:
                reasons.append(Reason(Why.RAM_TOO_SMALL, {"image": e.name, "ram_mb": facts.ram_mb,
                                                          "min_mb": e.min_ram_mb}))
                continue
            if facts.disk_bytes is not None and facts.disk_bytes < e.min_disk_bytes:
                reasons.append(Reason(Why.DISK_TOO_SMALL, {
                    "image": e.name, "disk_gb": round(facts.disk_bytes / 1e9, 1),
                    "min_gb": round(e.min_disk_bytes / 1e9, 1)}))
                continue
            if mode and mode not in e.boot_modes:
                reasons.append(Reason(Why.BOOT_MODE, {"image": e.name, "boot_mode": mode}))
                continue
            fits.append(e)
        if fits:
            best = fits[0]
            here = best.name in present
            reasons.append(Reason(Why.CHOSEN, {"image": best.name}))
            if best.kind == "iso":         # no master fits: install from a stick
                reasons.append(Reason(Why.ISO_ONLY, {"image": best.name}))
            if not here:
                reasons.append(Reason(Why.NOT_PRESENT, {"image": best.name}))
            return Choice(best.name, best.edition, best.arch, mode, here, tuple(_dedupe(reasons)))
    return Choice(None, edition, arch, mode, False, tuple(_dedupe(reasons)))


def _dedupe(reasons):
    seen, out = set(), []
    for r in reasons:
        key = (r.code, tuple(sorted(r.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
