"""The figures as tables: the one shape every export (text, CSV, sheets, PDF) reads.

A ``Table`` has a stable key (file and sheet name), a translated title, translated
column headers and rows of plain cells (str, int, float, None). Code values (kinds,
outcomes, stages) are translated here, at the edge, in the reader's language; the
figures underneath stay codes. Every weight appears as three columns, measured,
estimated and total, so no output can hide that part of a tonnage is estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _, number, tr
from ..inventory.describe import METHOD_NAMES, NIST_NAMES, PART_KIND_NAMES
from ..settings import Workshop
from .figures import OUTCOMES, REUSE, STAGES, Figures, Weight

KIND_NAMES = {
    "laptop": N_("laptop"), "desktop": N_("desktop tower"), "desktop_home": N_("home desktop tower"),
    "all_in_one": N_("all-in-one"), "screen": N_("screen"), "smartphone": N_("smartphone"),
    "tablet": N_("tablet"), "printer": N_("printer"), "peripheral": N_("peripheral"),
    "unknown": N_("unknown"),
}
OUTCOME_NAMES = {"given": N_("given"), "sold": N_("sold"), "recycled": N_("recycled"),
                 "dismantled": N_("dismantled"), "unknown": N_("unknown")}
STAGE_NAMES = {"received": N_("received"), "diagnosed": N_("diagnosed"), "wiped": N_("wiped"),
               "imaged": N_("imaged"), "ready": N_("ready"), "out": N_("out")}
STAGE_TOTALS = {"received": N_("Machines received"), "diagnosed": N_("Machines diagnosed"),
                "wiped": N_("Machines wiped"), "imaged": N_("Machines imaged"),
                "ready": N_("Machines ready"), "out": N_("Machines out")}
OUTCOME_TOTALS = {"given": N_("Machines given"), "sold": N_("Machines sold"),
                  "recycled": N_("Machines recycled"), "dismantled": N_("Machines dismantled")}
DONOR_KIND_NAMES = {"company": N_("company"), "individual": N_("individual"),
                    "public": N_("public body"), "association": N_("association")}
# A verdict without a letter grade records its outcome (grade.verdict.Outcome) instead.
GRADE_NAMES = {"parts-only": N_("parts only"), "recycling": N_("for recycling"),
               "ready": N_("ready to give"), "ready-after-upgrade": N_("ready after upgrade"),
               "unknown": N_("unknown")}
WEIGHT_PREFIXES = (N_("Received"), N_("Reused"), N_("Weight"))
DEEE_NAMES = {
    1: N_("1 temperature exchange equipment"),
    2: N_("2 screens, monitors and equipment with screens over 100 cm²"),
    3: N_("3 lamps"),
    4: N_("4 large equipment"),
    5: N_("5 small equipment"),
    6: N_("6 small IT and telecommunication equipment"),
    7: N_("7 photovoltaic panels"),
    None: N_("no category (unknown kind)"),
}


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


def kg(x: float) -> float:
    return round(x, 2)


def eur(x: float | None) -> float | None:
    """Euros to the cent (a spreadsheet number; people's text adds the € sign)."""
    return None if x is None else round(x, 2)


# Text for people (summary, PDF): separators as each language writes them (i18n.number:
# "2 221 452" with narrow no-break spaces in French, "2,221,452" in English). Below a
# tonne, kilograms keep one decimal; from a tonne on, whole kilograms and the tonnes.
def kg_digits(total_kg: float) -> int:
    return 0 if abs(total_kg) >= 1000 else 1


def mass_text(kg_: float, lang: str) -> str:
    """"437,6 kg" below a tonne; "2 221 452 kg (2 221,5 t)" from a tonne on."""
    text = number(kg_, lang, kg_digits(kg_)) + " kg"
    if abs(kg_) >= 1000:
        text = tr("{kg} ({t} t)", lang, kg=text, t=number(kg_ / 1000, lang, 1))
    return text


def name(table: dict, code, lang: str) -> str:
    msg = table.get(code)
    return _(msg, lang) if msg else str(code)


def _wcols(prefix: str, lang: str) -> tuple[str, ...]:
    return (_(prefix, lang) + " — " + _("measured kg", lang),
            _(prefix, lang) + " — " + _("estimated kg", lang),
            _(prefix, lang) + " — " + _("total kg", lang))


def _w(w: Weight) -> tuple:
    return (kg(w.measured_kg), kg(w.estimated_kg), kg(w.total_kg))


def build_tables(f: Figures, workshop: Workshop, lang: str, with_machines: bool = True) -> list[Table]:
    t: list[Table] = []
    oc = {r.outcome: r for r in f.outcomes}
    summary = [
        (_("Workshop", lang), workshop.name),
        (_("SIRET", lang), workshop.siret or ""),
        (_("Département", lang), workshop.departement or ""),
        (_("Period", lang), f.period.code if f.period.code != "all" else _("all time", lang)),
    ]
    summary += [(_(STAGE_TOTALS[s], lang), f.totals.get(s)) for s in STAGES]
    summary += [(_("Machines reused (given or sold)", lang), f.reused)]
    summary += [(_(OUTCOME_TOTALS[o], lang), oc[o].machines) for o in OUTCOMES]
    summary += [
        (_("Machines built in the workshop", lang), f.built),
        (_("Parts harvested", lang), sum(p.harvested for p in f.parts)),
        (_("Parts reused", lang), sum(p.reused for p in f.parts)),
        (_("Disks erased", lang), f.disks_erased),
        (_("Erasure certificates issued", lang), f.certificates),
        (_("Weight received, measured (kg)", lang), kg(f.received_weight.measured_kg)),
        (_("Weight received, estimated (kg)", lang), kg(f.received_weight.estimated_kg)),
        (_("Weight received, total (kg)", lang), kg(f.received_weight.total_kg)),
        (_("Units received without any weight", lang), f.received_weight.unweighed),
        (_("Weight reused, measured (kg)", lang), kg(f.reused_weight.measured_kg)),
        (_("Weight reused, estimated (kg)", lang), kg(f.reused_weight.estimated_kg)),
        (_("Weight reused, total (kg)", lang), kg(f.reused_weight.total_kg)),
        (_("CO2e avoided by reuse, upper bound (kg)", lang), kg(f.kg_co2e_avoided)),
        (_("Sales revenue (EUR)", lang), eur(f.revenue_eur)),
        (_("Sales without a recorded price", lang), f.unpriced_sales),
    ]
    t.append(Table("summary", _("Summary", lang), (_("Figure", lang), _("Value", lang)), tuple(summary)))

    t.append(Table(
        "by_kind", _("By device kind", lang),
        (_("Kind", lang),) + tuple(_(STAGE_NAMES[s], lang) for s in STAGES)
        + tuple(_(OUTCOME_NAMES[o], lang) for o in OUTCOMES)
        + _wcols("Received", lang) + _wcols("Reused", lang) + (_("DEEE category", lang),
                                                              _("Sales revenue (EUR)", lang)),
        tuple((name(KIND_NAMES, r.kind, lang),) + tuple(r.counts.get(s) for s in STAGES)
              + tuple(r.outcomes[o] for o in OUTCOMES) + _w(r.received_weight) + _w(r.reused_weight)
              + (r.deee_category, eur(r.revenue_eur)) for r in f.by_kind)))

    t.append(Table(
        "by_month", _("By month", lang),
        (_("Month", lang),) + tuple(_(STAGE_NAMES[s], lang) for s in STAGES)
        + (_("reused", lang), _("built", lang), _("Sales revenue (EUR)", lang)),
        tuple((r.month,) + tuple(r.counts.get(s) for s in STAGES)
              + (r.reused, r.built, eur(r.revenue_eur)) for r in f.by_month)))

    t.append(Table(
        "by_outcome", _("By outcome", lang),
        (_("Destination kind", lang), _("Machines", lang), _("Reuse", lang)) + _wcols("Weight", lang),
        tuple((name(OUTCOME_NAMES, r.outcome, lang), r.machines,
               _("yes", lang) if r.outcome in REUSE else _("no", lang)) + _w(r.weight)
              for r in f.outcomes)))

    t.append(Table("by_grade", _("By grade", lang), (_("Grade", lang), _("Machines", lang)),
                   tuple((name(GRADE_NAMES, r.grade, lang), r.machines) for r in f.by_grade)))

    t.append(Table(
        "by_donor", _("By donor", lang),
        (_("Donor id", lang), _("Donor", lang), _("Donor kind", lang), _("Lots", lang), _("Units", lang))
        + _wcols("Weight", lang) + (_("Units without weight", lang),),
        tuple((r.donor_id or _("(no lot)", lang), r.name, name(DONOR_KIND_NAMES, r.donor_kind, lang)
               if r.donor_kind else "", r.lots, r.units)
              + _w(r.weight) + (r.weight.unweighed,) for r in f.by_donor)))

    t.append(Table(
        "by_destination", _("By destination", lang),
        (_("Organisation", lang), _("Destination kind", lang), _("Machines", lang),
         _("Sales revenue (EUR)", lang)),
        tuple((r.organisation, name(OUTCOME_NAMES, r.outcome, lang), r.machines,
               eur(r.revenue_eur) if r.outcome == "sold" else None) for r in f.by_destination)))

    t.append(Table("parts", _("Parts", lang),
                   (_("Part kind", lang), _("Parts harvested", lang), _("Parts reused", lang)),
                   tuple((name(PART_KIND_NAMES, r.part_kind, lang), r.harvested, r.reused)
                         for r in f.parts)))

    t.append(Table(
        "erasures", _("Erasures", lang),
        (_("Method", lang), _("NIST SP 800-88 level", lang), _("Succeeded", lang), _("Failed", lang)),
        tuple((name(METHOD_NAMES, r.method, lang), name(NIST_NAMES, r.nist, lang), r.succeeded,
               r.failed) for r in f.erasures)
        + ((_("Certificates issued", lang), "", f.certificates, ""),)))

    t.append(Table(
        "impact", _("Environmental impact", lang),
        (_("Kind", lang), _("Machines reused", lang), _("kg CO2e per new device", lang),
         _("kg CO2e avoided, upper bound", lang), _("Source", lang), _("Year", lang)),
        tuple((name(KIND_NAMES, r.kind, lang), r.reused, r.kg_co2e_per_unit, kg(r.kg_co2e),
               (r.source_fr if lang == "fr" and r.source_fr else r.source)
               or _("no factor for this kind", lang), str(r.year) if r.year else "")
              for r in f.impact)
        + ((_("Total", lang), sum(r.reused for r in f.impact), None, kg(f.kg_co2e_avoided), "", ""),)))

    t.append(Table(
        "deee", _("Eco-organism report (DEEE)", lang),
        (_("Workshop", lang), _("SIRET", lang), _("Département", lang), _("Period", lang),
         _("DEEE category", lang), _("Received — measured t", lang), _("Received — estimated t", lang),
         _("Received — total t", lang), _("Reused — measured t", lang), _("Reused — estimated t", lang),
         _("Reused — total t", lang), _("Recycled or dismantled — measured t", lang),
         _("Recycled or dismantled — estimated t", lang), _("Recycled or dismantled — total t", lang)),
        tuple((workshop.name, workshop.siret or "", workshop.departement or "", f.period.code,
               _(DEEE_NAMES.get(r.category, DEEE_NAMES[None]), lang))
              + tuple(round(x / 1000, 4) for w in (r.received, r.reused, r.recycled)
                      for x in (w.measured_kg, w.estimated_kg, w.total_kg))
              for r in f.deee)))

    if with_machines:
        # One dict lookup per row (50 000 rows in benchmarks/stats.py), not a gettext call.
        grade_text = {code: _(msg, lang) for code, msg in GRADE_NAMES.items()}
        t.append(Table(
            "machines", _("Machines", lang),
            (_("Asset id", lang), _("Kind", lang), _("Lot", lang), _("Donor id", lang),
             _("Received on", lang), _("Grade", lang), _("Status", lang), _("Destination kind", lang),
             _("Out on", lang), _("Organisation", lang), _("Weight kg", lang), _("Weight source", lang),
             _("Price (EUR)", lang)),
            tuple((r.asset_id, name(KIND_NAMES, r.kind, lang), r.lot_id, r.donor, r.received,
                   grade_text.get(r.grade, r.grade),
                   name(STAGE_NAMES, r.status, lang) if r.status else "",
                   name(OUTCOME_NAMES, r.outcome, lang) if r.outcome else "", r.out_day,
                   r.organisation, None if r.weight_kg is None else kg(r.weight_kg),
                   _(r.weight_source, lang), eur(r.price_eur)) for r in f.machines)))
    return t
