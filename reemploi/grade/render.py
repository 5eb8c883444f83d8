"""Verdicts into sentences, in French or English: the only place grading makes text.

Every sentence is an English msgid rendered with ``reemploi.i18n.tr``; the French
text is in ``locale/fr/LC_MESSAGES/grade.po``. Numbers follow the reader's
convention (``60 000 h`` in French, ``60,000 h`` in English).
"""

from __future__ import annotations

from ..i18n import N_, plural, tr
from .verdict import ComponentVerdict, Outcome, Reason, ReasonItem, State, Verdict

REASON_TEXT = {
    Reason.SMART_FAILED: N_("the drive's own SMART self-assessment says FAILED"),
    Reason.SMART_UNAVAILABLE: N_("no SMART data could be read"),
    Reason.REALLOCATED_SECTORS: N_("{count} reallocated sectors"),
    Reason.PENDING_SECTORS: N_("{count} sectors pending reallocation (unreadable)"),
    Reason.OFFLINE_UNCORRECTABLE: N_("{count} uncorrectable sectors found by the offline scan"),
    Reason.REPORTED_UNCORRECTABLE: N_("{count} uncorrectable errors reported"),
    Reason.NVME_CRITICAL_WARNING: N_("NVMe critical warning raised (value {value})"),
    Reason.NVME_MEDIA_ERRORS: N_("{count} NVMe media and data integrity errors"),
    Reason.NVME_PERCENTAGE_USED: N_("{pct} % of the rated endurance used"),
    Reason.NVME_SPARE_LOW: N_("only {pct} % spare blocks left"),
    Reason.SSD_LIFE_LOW: N_("SSD life left: {pct} %"),
    Reason.HIGH_POWER_ON_HOURS: N_("{hours} hours powered on"),
    Reason.IMPLAUSIBLE_VALUE: N_("implausible value ignored: {field} = {value}"),
    Reason.DISK_TOO_SMALL: N_("disk too small: {gb} GB (need {need} GB)"),
    Reason.NO_DISK: N_("no internal disk"),
    Reason.BATTERY_WEAR: N_("battery worn: {pct} % of its capacity lost"),
    Reason.BATTERY_ABSENT: N_("no battery"),
    Reason.BATTERY_UNKNOWN: N_("battery capacity unknown"),
    Reason.RAM_TOO_LITTLE: N_("{mb} MB of RAM, {need} MB needed"),
    Reason.RAM_UNKNOWN: N_("amount of RAM unknown"),
    Reason.RAM_NO_FREE_SLOT: N_("no free memory slot and no bigger module possible"),
    Reason.RAM_MAX_CAPACITY: N_("the board takes at most {max_mb} MB ({need} MB needed)"),
    Reason.RAM_EDITION_FALLBACK: N_("{edition} needs {need} MB of RAM and no module "
                                    "purchase can reach it ({mb} MB fitted): {fallback} "
                                    "{arch} instead"),
    Reason.NO_X86_64: N_("the processor is not 64-bit (no long mode)"),
    Reason.NO_SSE2: N_("the processor lacks SSE2"),
    Reason.NO_I686: N_("the processor is older than i686 (no CMOV)"),
    Reason.MISSING_CPU_FLAG: N_("the processor lacks the '{flag}' feature"),
    Reason.CPU_UNKNOWN: N_("processor features unknown"),
    Reason.CPU_SLOW: N_("slow processor (benchmark score {score})"),
    Reason.CHECK_FAILED: N_("check failed: {item}"),
}

# RAM_EDITION_FALLBACK by its ``cause``: why the best edition's RAM is out of reach.
FALLBACK_TEXT = {
    "max-capacity": N_("{edition} needs {need} MB of RAM and the board takes at most "
                       "{max_mb} MB: {fallback} {arch} instead"),
    "soldered": N_("{edition} needs {need} MB of RAM and the {mb} MB fitted are soldered, "
                   "with no free slot: {fallback} {arch} instead"),
    "no-slot": N_("{edition} needs {need} MB of RAM and no free slot or bigger module can "
                  "reach it ({mb} MB fitted): {fallback} {arch} instead"),
}

# Singular forms of the counted reasons (count 1; French also 0, see i18n.plural).
REASON_TEXT_ONE = {
    Reason.REALLOCATED_SECTORS: N_("{count} reallocated sector"),
    Reason.PENDING_SECTORS: N_("{count} sector pending reallocation (unreadable)"),
    Reason.OFFLINE_UNCORRECTABLE: N_("{count} uncorrectable sector found by the offline scan"),
    Reason.REPORTED_UNCORRECTABLE: N_("{count} uncorrectable error reported"),
    Reason.NVME_MEDIA_ERRORS: N_("{count} NVMe media and data integrity error"),
}

OUTCOME_TEXT = {
    Outcome.READY: N_("Ready to give"),
    Outcome.READY_AFTER_UPGRADE: N_("Ready after upgrade"),
    Outcome.PARTS_ONLY: N_("Parts only"),
    Outcome.RECYCLING: N_("Recycling"),
}

STATE_TEXT = {
    State.HEALTHY: N_("healthy"), State.WORN: N_("worn"), State.FAILING: N_("failing"),
    State.OK: N_("ok"), State.TO_REPLACE: N_("to replace"), State.ABSENT: N_("not fitted"),
    State.ENOUGH: N_("enough"), State.UPGRADEABLE: N_("upgradeable"),
    State.TOO_LITTLE: N_("too little"), State.SUPPORTED: N_("supported"),
    State.UNSUPPORTED: N_("unsupported"), State.UNKNOWN: N_("unknown"),
}

ITEM_TEXT = {
    "keyboard": N_("keyboard"), "touchpad": N_("touchpad"),
    "screen_dead_pixels": N_("screen dead pixels"), "screen_backlight": N_("screen backlight"),
    "usb_ports": N_("USB ports"), "webcam": N_("webcam"), "wifi": N_("Wi-Fi"),
    "audio": N_("sound"), "battery_holds_charge": N_("battery holds its charge"),
}

CPU_CLASS_TEXT = {"entry": N_("entry level"), "mid": N_("mid range"), "high": N_("high end"),
                  "legacy": N_("too old"), "unknown": N_("unknown")}


def _num(value, lang: str) -> str:
    """Thousands separated the reader's way; other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def edition_text(name: str | None, arch: str | None) -> str | None:
    """``DE5 amd64``: DE5 exists for both arches, so the arch is said when known."""
    if not name:
        return None
    return f"{name} {arch}" if arch else name


def render_reason(reason: ReasonItem, lang: str) -> str:
    params = {k: _num(v, lang) for k, v in reason.params.items()}
    if reason.code is Reason.CHECK_FAILED and "item" in reason.params:
        item = reason.params["item"]
        params["item"] = tr(ITEM_TEXT[item], lang) if item in ITEM_TEXT else item
    if reason.code is Reason.RAM_EDITION_FALLBACK:
        msgid = FALLBACK_TEXT.get(reason.params.get("cause"), REASON_TEXT[reason.code])
        return tr(msgid, lang, **params)
    count = reason.params.get("count")
    if reason.code in REASON_TEXT_ONE and isinstance(count, int):
        return plural(count, REASON_TEXT_ONE[reason.code], REASON_TEXT[reason.code], lang,
                      **params)
    return tr(REASON_TEXT[reason.code], lang, **params)


def _component_label(component: str, lang: str) -> str:
    if component.startswith("disk:"):
        return tr("disk {name}", lang, name=component[5:])
    labels = {"disk": N_("disk"), "battery": N_("battery"), "memory": N_("memory"),
              "cpu": N_("processor"), "checks": N_("checklist"), "machine": N_("machine")}
    return tr(labels.get(component, component), lang)


def render_reasons(verdict: Verdict, lang: str) -> list[str]:
    """One line per reason, prefixed by the component: ``disk sda: 12 reallocated sectors``."""
    return [tr("{label}: {text}", lang, label=_component_label(r.component, lang),
               text=render_reason(r, lang)) for r in verdict.reasons]


def render_upgrade(item: dict, lang: str) -> str:
    part = item.get("part")
    if part == "ram":
        kind = " ".join(x for x in (item.get("type"), item.get("form_factor")) if x) \
            or tr("RAM (type to check)", lang)
        text = tr("{count} × {size} GB {kind}", lang, count=item["count"],
                  size=_num(item["size_gb"], lang), kind=kind)
        out = item.get("replaces_mb") or []
        if len(out) == 1:
            text += " " + tr("(replacing the {mb} MB module)", lang, mb=_num(out[0], lang))
        elif out:
            text += " " + tr("(replacing the modules of {mb} MB)", lang,
                             mb=" + ".join(_num(m, lang) for m in out))
        return text
    if part == "remove_disk":
        return tr("take out disk {name} ({state}: {model})", lang, name=item.get("name") or "?",
                  state=tr(STATE_TEXT[State(item["state"])], lang) if item.get("state")
                  in State._value2member_map_ else item.get("state") or "?",
                  model=item.get("model") or "?")
    if part == "ssd":
        return tr("an SSD ≥ {gb} GB", lang, gb=_num(item["min_gb"], lang))
    if part == "battery":
        return tr("a battery", lang)
    name = tr(ITEM_TEXT[part], lang) if part in ITEM_TEXT else str(part)
    return tr("repair: {item}", lang, item=name)


def render_harvest(item: dict, lang: str) -> str:
    part = item.get("part")
    if part == "disk":
        return tr("disk {media} {gb} GB ({model})", lang, media=(item.get("media") or "?").upper(),
                  gb=_num(item.get("size_gb") or 0, lang), model=item.get("model") or "?")
    if part == "ram":
        return tr("RAM module {size} GB {kind}", lang, size=_num(item.get("size_gb"), lang),
                  kind=" ".join(x for x in (item.get("type"), item.get("form_factor")) if x))
    if part == "battery":
        return tr("battery ({pct} % health)", lang, pct=_num(item.get("health_pct"), lang))
    if part == "screen":
        return tr("screen {size}\"", lang, size=_num(item.get("diagonal_in") or "?", lang))
    return str(part)


def _component_line(v: ComponentVerdict, lang: str) -> str:
    return "  " + tr("{label}: {text}", lang, label=_component_label(v.component, lang),
                     text=tr(STATE_TEXT[v.state], lang))


def render_verdict(verdict: Verdict, lang: str) -> str:
    """The verdict as a short text block for the operator."""
    lines = [tr("Verdict: {outcome}", lang, outcome=tr(OUTCOME_TEXT[verdict.outcome], lang))]
    if verdict.grade:
        lines.append(tr("Grade: {grade}", lang, grade=verdict.grade))
    lines.append(tr("Emmabuntüs: {edition}", lang,
                    edition=edition_text(verdict.emmabuntus, verdict.emmabuntus_arch)
                    or tr("none fits", lang)))
    if verdict.cpu is not None:
        cls = verdict.cpu.facts.get("class", "unknown")
        lines.append(tr("Processor class: {cls}", lang,
                        cls=tr(CPU_CLASS_TEXT.get(cls, cls), lang)))
    comps = [verdict.cpu, verdict.memory, *verdict.disks, verdict.battery]
    lines.append(tr("Components:", lang))
    lines.extend(_component_line(c, lang) for c in comps if c is not None)
    if verdict.upgrades:
        lines.append(tr("To do before it goes out:", lang))
        lines.extend("  - " + render_upgrade(u, lang) for u in verdict.upgrades)
    if verdict.harvest:
        lines.append(tr("Parts to keep:", lang))
        lines.extend("  - " + render_harvest(h, lang) for h in verdict.harvest)
    reasons = render_reasons(verdict, lang)
    if reasons:
        lines.append(tr("Reasons:", lang))
        lines.extend("  - " + r for r in reasons)
    lines.append(tr("Rules version: {version}", lang, version=verdict.rules_version))
    return "\n".join(lines)


def render_component(verdict: ComponentVerdict | dict, lang: str) -> list[str]:
    """A component verdict (object or its dict) as lines: state, then one per reason."""
    if isinstance(verdict, dict):
        verdict = ComponentVerdict.from_dict(verdict)
    lines = [tr("State: {state}", lang, state=tr(STATE_TEXT[verdict.state], lang))]
    lines.extend("  - " + render_reason(r, lang) for r in verdict.reasons)
    return lines
