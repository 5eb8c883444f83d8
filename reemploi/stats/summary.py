"""The readable summary printed by ``reemploi stats``, in the reader's language."""

from __future__ import annotations

from ..i18n import _, tr
from ..settings import Workshop
from .figures import OUTCOMES, STAGES, Figures, Weight
from .tables import KIND_NAMES, OUTCOME_NAMES, STAGE_NAMES, name


def _kg(x: float, lang: str) -> str:
    text = f"{x:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def _weight(w: Weight, lang: str) -> str:
    text = tr("{total} kg (measured {m} kg, estimated {e} kg)", lang, total=_kg(w.total_kg, lang),
              m=_kg(w.measured_kg, lang), e=_kg(w.estimated_kg, lang))
    if w.unweighed:
        text += " " + tr("+ {n} units without any weight", lang, n=w.unweighed)
    return text


def render_summary(f: Figures, workshop: Workshop, lang: str) -> str:
    lines = []
    head = workshop.name
    if workshop.siret:
        head += f" — SIRET {workshop.siret}"
    if workshop.departement:
        head += " — " + tr("Département {code}", lang, code=workshop.departement)
    lines.append(head)
    period = f.period.code if f.period.code != "all" else _("all time", lang)
    lines.append(tr("Period: {period}", lang, period=period))
    if f.empty:
        lines.append(_("The inventory is empty: every figure is zero.", lang))
    lines.append("")
    lines.append(tr("{label}: {value}", lang, label=_("Machines", lang), value=" · ".join(
        f"{_(STAGE_NAMES[s], lang)} {f.totals.get(s)}" for s in STAGES)))
    oc = {r.outcome: r.machines for r in f.outcomes}
    lines.append(tr("{label}: {value}", lang, label=_("Outcomes", lang), value=" · ".join(
        f"{name(OUTCOME_NAMES, o, lang)} {n}" for o, n in oc.items() if o in OUTCOMES or n)
        + "  " + tr("(reused: {n})", lang, n=f.reused)))
    lines.append(tr("Weight received: {w}", lang, w=_weight(f.received_weight, lang)))
    lines.append(tr("Weight reused: {w}", lang, w=_weight(f.reused_weight, lang)))
    lines.append(tr("CO2e avoided by reuse: {kg} kg at most (manufacturing of new devices not made)",
                    lang, kg=_kg(f.kg_co2e_avoided, lang)))
    lines.append(tr("Machines built in the workshop: {n}; parts harvested {h}, reused {r}", lang,
                    n=f.built, h=sum(p.harvested for p in f.parts), r=sum(p.reused for p in f.parts)))
    nist: dict[str, int] = {}
    for r in f.erasures:
        nist[r.nist] = nist.get(r.nist, 0) + r.succeeded
    lines.append(tr("Disks erased: {n} ({detail}); certificates issued: {c}", lang, n=f.disks_erased,
                    detail=", ".join(f"{k} {v}" for k, v in sorted(nist.items())) or "-",
                    c=f.certificates))
    if f.by_kind:
        lines.append("")
        lines.append(tr("{label}:", lang, label=_("By device kind", lang)))
        for r in f.by_kind:
            lines.append("  " + tr("{kind}: received {rec}, out {out} (reused {reused}), {w}", lang,
                                   kind=name(KIND_NAMES, r.kind, lang), rec=r.counts.received,
                                   out=r.counts.out, reused=r.outcomes["given"] + r.outcomes["sold"],
                                   w=_weight(r.received_weight, lang)))
    active = [m for m in f.by_month if m.counts.received or m.counts.out or m.built]
    if active:
        lines.append("")
        lines.append(tr("{label}:", lang, label=_("By month", lang)))
        for m in active:
            lines.append("  " + tr("{month}: received {rec}, out {out}, reused {reused}", lang,
                                   month=m.month, rec=m.counts.received, out=m.counts.out,
                                   reused=m.reused))
    if f.unknown_kinds:
        lines.append("")
        lines.append(tr("Device kinds with no default weight nor impact factor: {kinds}", lang,
                        kinds=", ".join(f.unknown_kinds)))
    if f.received_weight.estimated_kg:
        lines.append(_("Estimated weights come from default weights per device kind; weigh lots at "
                       "intake to replace them.", lang))
    return "\n".join(lines)
