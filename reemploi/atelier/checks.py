"""What the machine can check by itself at a build step, and its identity card.

Pure: a ``Machine`` in, a ``CheckResult`` (a code and its numbers) out; the sentence
is made at the edge from the language file's ``[checks]``. The checks are the
issue's: RAM seen (the sticks are seated), disk healthy (SMART), CPU 64-bit or not,
and which Emmabuntüs that means — decided by the grading rules' own editions
(reemploi/data/grading.toml), so ``grade``, ``image choose`` and the atelier agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..grade.components import cpu_flags, grade_memory, runnable_editions
from ..grade.rules import Rules, load_rules
from ..grade.verdict import State
from ..i18n import number
from ..model import Health, Machine
from .content import Content, load_content
from .explain import disk_kind, plain_model, plain_name, ram_text, size_text


@dataclass(frozen=True)
class CheckResult:
    step: str
    code: str                 # a key of [checks] in the language file
    ok: bool | None           # None: the machine cannot tell
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Edition:
    name: str | None          # "DE6", "DE5"; None: cannot tell
    bits: int | None          # 64 or 32
    need_mb: int | None       # the edition's minimum RAM, when the machine has less


def emmabuntus_for(m: Machine, rules: Rules | None = None) -> Edition:
    """The best edition the CPU runs and the RAM allows (grading.toml order)."""
    rules = rules or load_rules()
    editions = runnable_editions(m.cpu, rules)
    if not editions:
        return Edition(None, None, None)
    for ed in editions:
        # Memory measured as grading measures it (the modules fitted, else MemTotal
        # with its tolerance): MemTotal alone is a little short of the modules (the
        # firmware's reserve), and the Aspire M3920's two 2 GB sticks read 3 946 MB,
        # which made the card say DE5 where grading and image choose say DE6.
        state = grade_memory(m.memory, rules, need_mb=ed.min_ram_mb).state
        if state in (State.ENOUGH, State.UNKNOWN):
            return Edition(ed.name, 64 if ed.arch == "amd64" else 32, None)
    last = editions[-1]
    return Edition(last.name, 64 if last.arch == "amd64" else 32, last.min_ram_mb)


def is_64bit(m: Machine) -> bool | None:
    flags, _ = cpu_flags(m.cpu)
    return ("lm" in flags) if flags else None


def run_check(step: str, m: Machine) -> CheckResult | None:
    if step == "ram":
        if m.memory.total_mb:
            return CheckResult(step, "ram_seen_ok", True, {"mb": m.memory.total_mb})
        return CheckResult(step, "ram_seen_fail", False)
    if step == "disk":
        disks = [d for d in m.data_disks()
                 if disk_kind(d) not in ("disk_optical", "disk_usb-flash", "disk_virtual")]
        if not disks:
            return CheckResult(step, "disk_healthy_none", False)
        health = [d.smart.health if d.smart else Health.UNKNOWN for d in disks]
        if Health.FAILED in health:
            return CheckResult(step, "disk_healthy_fail", False)
        if all(h is Health.PASSED for h in health):
            return CheckResult(step, "disk_healthy_ok", True)
        return CheckResult(step, "disk_healthy_unknown", None)
    if step == "cpu":
        bits = is_64bit(m)
        code = {True: "cpu_64_yes", False: "cpu_64_no", None: "cpu_64_unknown"}[bits]
        return CheckResult(step, code, None if bits is None else True)
    if step == "emmabuntus":
        ed = emmabuntus_for(m)
        if ed.name is None:
            return CheckResult(step, "emmabuntus_unknown", None)
        if ed.need_mb:
            return CheckResult(step, "emmabuntus_low_ram", False,
                               {"edition": ed.name, "need_mb": ed.need_mb})
        return CheckResult(step, "emmabuntus_edition", True,
                           {"edition": ed.name, "bits": ed.bits})
    return None


def render_check(r: CheckResult, lang: str, content: Content | None = None) -> str:
    text = content or load_content(lang)
    p = r.params
    values = {"size": ram_text(p.get("mb"), lang) if "mb" in p else "",
              "need": ram_text(p.get("need_mb"), lang) if "need_mb" in p else "",
              "edition": p.get("edition", ""),
              "bits": text.card["bits64" if p.get("bits") == 64 else "bits32"]}
    return text.checks[r.code].format(**values)


def identity_card(m: Machine, lang: str, content: Content | None = None) -> list[tuple[str, str]]:
    """The identity card: (label, value) rows in plain words, never a raw code."""
    text = content or load_content(lang)
    card = text.card
    unknown = card["unknown"]
    bits = is_64bit(m)
    cpu = plain_model(m.cpu.model) or unknown
    if bits is not None:
        cpu += f" ({card['bits64'] if bits else card['bits32']})"
    disks = [f"{size_text(d.size_bytes, lang)} — {text.parts[disk_kind(d)].title}"
             for d in m.data_disks() if d.size_bytes]
    rows = [(card["maker"], plain_name(m.system.vendor) or unknown),
            (card["model"], plain_model(m.system.product) or unknown),
            (card["cpu"], cpu),
            (card["cores"], number(m.cpu.cores, lang) if m.cpu.cores else unknown),
            (card["ram"], ram_text(m.memory.total_mb, lang) if m.memory.total_mb else unknown),
            (card["disk"], ", ".join(disks) or unknown)]
    for s in m.screens:
        if s.diagonal_in:
            rows.append((card["screen"], f"{number(s.diagonal_in, lang, 1)} {card['inches']}"))
    for b in m.batteries:
        if b.health_pct is not None:
            rows.append((card["battery"], f"{number(round(b.health_pct), lang)} %"))
    ed = emmabuntus_for(m)
    if ed.name:
        rows.append((card["system"], f"{ed.name} ({card['bits64' if ed.bits == 64 else 'bits32']})"))
    return rows
