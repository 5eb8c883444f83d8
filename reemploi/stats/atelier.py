"""The atelier bidouille's figures for coordinators and funders (pure fold + tables).

What funders of an insertion workshop ask for: how many young people (trainees with
at least one sitting), how many sittings and hours, how many Jerrys built, how many
parts reused in them and what those parts weigh (measured when weighed at harvest,
else facts.toml's estimate, shown apart). Every figure counts in the period of its own
event's date (local day, as the other figures), by month too.

The journal's ``atelier.session``, ``built`` and ``part.installed`` (into a built
machine) events are read once; part kinds and weights come from ``part.harvested``.
Names never appear here: trainees are counted by their person id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..i18n import N_, _, number, tr
from ..events.atelier import SESSION
from ..inventory.events import EventType
from .period import DEFAULT_TZ, Period, local_day
from .tables import Table, kg

BUILT = "built"
INSTALLED = EventType.PART_INSTALLED.value
HARVESTED = EventType.PART_HARVESTED.value


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
    from ..atelier.record import part_weight
    kind, facts = parts.get(part_id, ("other", {}))
    weight, weighed = part_weight(kind, facts)
    a["parts"] += 1
    a["measured" if weighed else "estimated"] += weight


def compute(events: Iterable, period: Period, tz: str = DEFAULT_TZ) -> AtelierFigures:
    parts: dict[str, tuple[str, dict]] = {}
    atelier: set[str] = set()
    acc: dict[str, dict] = defaultdict(lambda: {"trainees": set(), "sessions": 0, "minutes": 0,
                                                "jerrys": 0, "parts": 0, "measured": 0.0,
                                                "estimated": 0.0})
    for ev in events:
        t = ev.type
        if t == HARVESTED:
            p = ev.payload
            parts[ev.asset_id] = (str(p.get("part_kind") or "other"), p.get("facts") or {})
            continue
        if t not in (SESSION, BUILT, INSTALLED):
            continue
        if t == BUILT and ev.payload.get("name") is not None:
            atelier.add(ev.asset_id)       # a Jerry, whatever the period it was built in
        day = local_day(ev.time, tz)
        if not period.contains(day):
            continue
        a = acc[day[:7]]
        p = ev.payload
        if t == SESSION:
            a["sessions"] += 1
            a["minutes"] += int(p.get("minutes") or 0)
            if p.get("trainee_id"):
                a["trainees"].add(p["trainee_id"])
        elif t == BUILT:
            if ev.asset_id not in atelier:
                continue            # built outside the atelier (no Jerry name)
            a["jerrys"] += 1
            # The parts a Jerry is built from are installed by the built event itself.
            for pid in p.get("parts") or ():
                _count_part(a, parts, pid)
        elif ev.asset_id in atelier:     # a part added to a Jerry later
            _count_part(a, parts, p.get("part_id") or "")

    def row(month: str, items: list[dict]) -> AtelierRow:
        trainees = set().union(*(i["trainees"] for i in items)) if items else set()
        return AtelierRow(month, len(trainees), sum(i["sessions"] for i in items),
                          round(sum(i["minutes"] for i in items) / 60, 1),
                          sum(i["jerrys"] for i in items), sum(i["parts"] for i in items),
                          round(sum(i["measured"] for i in items), 3),
                          round(sum(i["estimated"] for i in items), 3))
    months = tuple(row(m, [acc[m]]) for m in sorted(acc))
    return AtelierFigures(row("", list(acc.values())), months)


def atelier_figures_for(home: Path, period: Period) -> AtelierFigures:
    """Only the lines of our four event types are decoded (a byte test first, as
    ``Inventory.events`` does): a big journal is mostly probes and wipes."""
    from ..inventory.journal import event_from_dict, parse_line
    from .reader import corrupt, journal_lines
    needles = [b'"type":"' + t.encode() + b'"' for t in (SESSION, BUILT, INSTALLED, HARVESTED)]

    def events():
        for offset, line in journal_lines(home):
            if any(n in line for n in needles):
                try:
                    yield event_from_dict(parse_line(line))
                except (ValueError, KeyError, TypeError):
                    raise corrupt(offset) from None
    return compute(events(), period)


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
