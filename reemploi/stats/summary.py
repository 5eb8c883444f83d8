"""The readable summary printed by ``reemploi stats``, in the reader's language.

``headline`` gives the key figures (also the bullet points of the PDF report);
``render_summary`` adds the details per kind and per month. Numbers are written as
each language writes them ("2 221 452 kg" in French, "2,221,452 kg" in English), and
every tonnage says how much of it is estimated.
"""

from __future__ import annotations

from ..i18n import _, number, plural, tr
from ..settings import Workshop
from .figures import OUTCOMES, STAGES, Figures, Weight
from .tables import KIND_NAMES, NIST_NAMES, OUTCOME_NAMES, STAGE_NAMES, kg_digits, name


def _n(x: int, lang: str) -> str:
    return number(x, lang)


def _weight(w: Weight, lang: str) -> str:
    d = kg_digits(w.total_kg)
    params = dict(total=number(w.total_kg, lang, d), m=number(w.measured_kg, lang, d),
                  e=number(w.estimated_kg, lang, d))
    if abs(w.total_kg) >= 1000:
        text = tr("{total} kg, i.e. {t} t (measured {m} kg, estimated {e} kg)", lang,
                  t=number(w.total_kg / 1000, lang, 1), **params)
    else:
        text = tr("{total} kg (measured {m} kg, estimated {e} kg)", lang, **params)
    if w.unweighed:
        text += " " + plural(w.unweighed, "+ {n} unit without any weight", "+ {n} units without any weight",
                             lang)
    return text


def co2e_line(f: Figures, lang: str) -> str:
    """The impact figure with what it means: an estimate and an upper bound."""
    from .tables import mass_text
    return tr("CO2e avoided by reuse (estimate, upper bound): at most {co2} CO2e, the manufacturing "
              "emissions of the new devices that reuse made unnecessary", lang,
              co2=mass_text(f.kg_co2e_avoided, lang))


def headline(f: Figures, lang: str) -> list[str]:
    """The key figures, one line each."""
    lines = [tr("{label}: {value}", lang, label=_("Machines", lang), value=" · ".join(
        f"{_(STAGE_NAMES[s], lang)} {_n(f.totals.get(s), lang)}" for s in STAGES))]
    oc = {r.outcome: r.machines for r in f.outcomes}
    lines.append(tr("{label}: {value}", lang, label=_("Outcomes", lang), value=" · ".join(
        f"{name(OUTCOME_NAMES, o, lang)} {_n(n, lang)}" for o, n in oc.items() if o in OUTCOMES or n)
        + "  " + tr("(reused: {n})", lang, n=_n(f.reused, lang))))
    lines.append(tr("Weight received: {w}", lang, w=_weight(f.received_weight, lang)))
    lines.append(tr("Weight reused: {w}", lang, w=_weight(f.reused_weight, lang)))
    lines.append(co2e_line(f, lang))
    no_factor = [r for r in f.impact if r.kg_co2e_per_unit is None]
    if no_factor:
        lines.append(plural(sum(r.reused for r in no_factor),
                            "{n} reused machine not counted in the CO2e (no impact factor for: {kinds})",
                            "{n} reused machines not counted in the CO2e (no impact factor for: {kinds})",
                            lang, kinds=", ".join(name(KIND_NAMES, r.kind, lang) for r in no_factor)))
    lines.append(tr("Machines built in the workshop: {n}; parts harvested {h}, reused {r}", lang,
                    n=_n(f.built, lang), h=_n(sum(p.harvested for p in f.parts), lang),
                    r=_n(sum(p.reused for p in f.parts), lang)))
    nist: dict[str, int] = {}
    for r in f.erasures:
        nist[r.nist] = nist.get(r.nist, 0) + r.succeeded
    lines.append(tr("Disks erased: {n} ({detail}); certificates issued: {c}", lang, n=_n(f.disks_erased, lang),
                    detail=", ".join(f"{name(NIST_NAMES, k, lang)} {_n(v, lang)}"
                                     for k, v in sorted(nist.items())) or "-",
                    c=_n(f.certificates, lang)))
    if f.sales:
        line = tr("Sales: {n} machine(s), revenue {eur} €", lang, n=_n(f.sales, lang),
                  eur=number(f.revenue_eur, lang, 2))
        if f.unpriced_sales:
            line += " " + tr("({n} without a recorded price)", lang, n=_n(f.unpriced_sales, lang))
        lines.append(line)
    return lines


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
    lines += headline(f, lang)
    if f.by_kind:
        lines.append("")
        lines.append(tr("{label}:", lang, label=_("By device kind", lang)))
        for r in f.by_kind:
            lines.append("  " + tr("{kind}: received {rec}, out {out} (reused {reused}), {w}", lang,
                                   kind=name(KIND_NAMES, r.kind, lang), rec=_n(r.counts.received, lang),
                                   out=_n(r.counts.out, lang),
                                   reused=_n(r.outcomes["given"] + r.outcomes["sold"], lang),
                                   w=_weight(r.received_weight, lang)))
    active = [m for m in f.by_month if m.counts.received or m.counts.out or m.built]
    if active:
        lines.append("")
        lines.append(tr("{label}:", lang, label=_("By month", lang)))
        for m in active:
            params = dict(month=m.month, rec=_n(m.counts.received, lang), out=_n(m.counts.out, lang),
                          reused=_n(m.reused, lang))
            if m.built:
                lines.append("  " + tr("{month}: received {rec}, out {out}, reused {reused}, built {built}",
                                       lang, built=_n(m.built, lang), **params))
            else:
                lines.append("  " + tr("{month}: received {rec}, out {out}, reused {reused}", lang, **params))
    if f.unknown_kinds:
        lines.append("")
        lines.append(tr("Device kinds with no default weight nor impact factor: {kinds}", lang,
                        kinds=", ".join(f.unknown_kinds)))
    if f.received_weight.estimated_kg:
        lines.append(_("Estimated weights come from default weights per device kind; weigh lots at "
                       "intake to replace them.", lang))
    return "\n".join(lines)
