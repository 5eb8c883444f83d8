"""The atelier bidouille's figures for coordinators and funders (pure fold + tables).

What funders of an insertion workshop ask for: how many young people (trainees with
at least one sitting), how many sittings and hours, how many Jerrys built, how many
parts reused in them and what those parts weigh (measured when weighed at harvest,
else facts.toml's estimate, shown apart). Every figure counts in the period of its own
event's date (local day, as the other figures), by month too.

The journal's ``atelier.session``, ``built`` and ``part.installed`` (into a built
machine) events are read by the statistics' one fold (``ledger.Ledger``, cached by
``stats.cache``), not by a second pass over the journal; part kinds and weights come
from ``part.harvested``.
Names never appear here: trainees are counted by their person id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..i18n import N_, _, number, tr
from .cache import load_ledger
from .fixes import corrected
from .ledger import Ledger, Record
from .period import DEFAULT_TZ, Period
from .tables import Table, kg


@dataclass(frozen=True)
class AtelierRow:
    month: str                # YYYY-MM, or "" for the whole period
    trainees: int
    sessions: int
    hours: float
    jerrys: int
    parts: int
    parts_kg_measured: float
    parts_kg_estimated: float

    @property
    def parts_kg(self) -> float:
        return round(self.parts_kg_measured + self.parts_kg_estimated, 3)


@dataclass(frozen=True)
class AtelierFigures:
    total: AtelierRow
    by_month: tuple[AtelierRow, ...]

    @property
    def empty(self) -> bool:
        return not (self.total.sessions or self.total.jerrys)


def _count_part(a: dict, parts: dict, part_id: str) -> None:
    from ..atelier.content import part_weight
    kind, weighed = parts.get(part_id) or ("other", None)
    weight, measured = part_weight(kind, {} if weighed is None else {"weight_kg": weighed})
    a["parts"] += 1
    a["measured" if measured else "estimated"] += weight


def atelier_figures(ledger: Ledger, period: Period) -> AtelierFigures:
    """The atelier's figures of ``period`` from the statistics' one fold of the journal."""
    acc: dict[str, dict] = defaultdict(lambda: {"trainees": set(), "sessions": 0, "minutes": 0,
                                                "jerrys": 0, "parts": 0, "measured": 0.0,
                                                "estimated": 0.0})
    s = ledger.sessions
    for i in range(0, len(s), 3):
        day, minutes, trainee = s[i:i + 3]
        if period.contains(day):
            a = acc[day[:7]]
            a["sessions"] += 1
            a["minutes"] += minutes
            if trainee:
                a["trainees"].add(trainee)
    j = ledger.jerrys
    fix = corrected(ledger)
    voided = fix.voided if fix is not None else set()      # built by mistake, voided
    jerrys = set(j[1::3]) - voided      # a Jerry, whatever the period it was built in
    for i in range(0, len(j), 3):
        if period.contains(j[i]) and j[i + 1] not in voided:
            acc[j[i][:7]]["jerrys"] += 1
    # The parts of a Jerry: those its ``built`` event installed, and any installed into
    # it later; a part installed into a donated machine (a repair) is not the atelier's.
    ins = ledger.installed
    for i in range(0, len(ins), 3):
        day, part_id, into = ins[i:i + 3]
        if into in jerrys and period.contains(day):
            _count_part(acc[day[:7]], ledger.parts, part_id)

    def row(month: str, items: list[dict]) -> AtelierRow:
        trainees = set().union(*(i["trainees"] for i in items)) if items else set()
        return AtelierRow(month, len(trainees), sum(i["sessions"] for i in items),
                          round(sum(i["minutes"] for i in items) / 60, 1),
                          sum(i["jerrys"] for i in items), sum(i["parts"] for i in items),
                          round(sum(i["measured"] for i in items), 3),
                          round(sum(i["estimated"] for i in items), 3))
    months = tuple(row(m, [acc[m]]) for m in sorted(acc))
    return AtelierFigures(row("", list(acc.values())), months)


def compute(events: Iterable, period: Period, tz: str = DEFAULT_TZ) -> AtelierFigures:
    """Pure: the atelier's figures of ``period`` from ``Event`` objects in journal order."""
    ledger = Ledger(tz)
    ledger.fold(Record(e.type, e.asset_id, e.time, e.payload or {}) for e in events)
    return atelier_figures(ledger, period)


def atelier_figures_for(home: Path, period: Period) -> AtelierFigures:
    """The atelier's figures for the data directory ``home`` (the cached fold)."""
    return atelier_figures(load_ledger(home), period)


HEADERS = (N_("Month"), N_("Trainees"), N_("Sittings"), N_("Hours"), N_("Jerrys built"),
           N_("Parts reused"), N_("Parts — measured kg"), N_("Parts — estimated kg"),
           N_("Parts — total kg"))


def _cells(r: AtelierRow, label: str) -> tuple:
    return (label, r.trainees, r.sessions, r.hours, r.jerrys, r.parts,
            kg(r.parts_kg_measured), kg(r.parts_kg_estimated), kg(r.parts_kg))


def atelier_table(f: AtelierFigures, lang: str) -> Table:
    """One table for every export (CSV, XLSX, ODS, PDF): months, then the period's total."""
    rows = [_cells(r, r.month) for r in f.by_month] + [_cells(f.total, _("Total", lang))]
    return Table("atelier", _("Atelier bidouille", lang),
                 tuple(_(h, lang) for h in HEADERS), tuple(rows))


def atelier_lines(f: AtelierFigures, lang: str) -> list[str]:
    """The headline for the text summary and the PDF."""
    t = f.total
    # Label: figure pairs, so no plural to agree ("1 Jerrys montés").
    return [tr("Atelier bidouille — trainees: {trainees}, sittings: {sessions}, hours: {hours}, "
               "Jerrys built: {jerrys}, reused parts: {parts} ({kg} kg).", lang,
               trainees=number(t.trainees, lang), sessions=number(t.sessions, lang),
               hours=number(t.hours, lang, 1), jerrys=number(t.jerrys, lang),
               parts=number(t.parts, lang), kg=number(t.parts_kg, lang, 1))]
