"""Counting a period: the ledger's view of each machine, lot and donor in, ``Figures`` out.

Pure. ``Ledger.figures`` (ledger.py) builds one ``PeriodMachine`` per machine that did
anything in the period and hands them here with the period's lots, parts and erasures.
Weights are measured when typed at intake, else estimated from the kind's default
(reference data, factors.py); lots reconcile their declared lines with their ids.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict

from .factors import Reference
from .figures import (GENERIC_KINDS, OUTCOMES, REUSE, STAGES, ZERO, Counts, DeeeRow, DestinationRow,
                      DonorRow, ErasureRow, Figures, GradeRow, ImpactRow, KindRow, MachineRow,
                      MonthRow, Outcome, OutcomeRow, PartRow, Weight, WeightSource)
from .period import Period, months_between

# Plain strings for the hot loops (an enum attribute lookup costs a call each time).
_MEASURED, _ESTIMATED, _UNKNOWN = (w.value for w in WeightSource)


class PeriodMachine:
    """One machine as seen from a period (mutable scratch, built per call)."""
    __slots__ = ("asset_id", "raw_kind", "lot_id", "weight_kg", "created_day", "first", "grade",
                 "outcome", "out_day", "organisation", "status", "chassis_kind", "built_day",
                 "price")

    def __init__(self, asset_id: str, raw_kind=None, lot_id=None, weight_kg=None, created_day=None):
        self.asset_id, self.raw_kind, self.lot_id = asset_id, raw_kind, lot_id
        self.weight_kg, self.created_day = weight_kg, created_day
        self.first: dict = {}              # stage -> first day in the period
        self.grade = self.outcome = self.out_day = self.organisation = None
        self.status = self.chassis_kind = self.built_day = None
        self.price = None


def weight_kg(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def _unit_weight(m: PeriodMachine, kind: str, ref: Reference) -> tuple[float | None, str]:
    if m.weight_kg is not None:
        return m.weight_kg, _MEASURED
    default = ref.info(kind).weight_kg
    if default is not None:
        return default, _ESTIMATED
    return None, _UNKNOWN


def _as_weight(kg: float | None, source: str) -> Weight:
    if source == _MEASURED:
        return Weight(measured_kg=kg)
    if source == _ESTIMATED:
        return Weight(estimated_kg=kg)
    return Weight(unweighed=1)


def _lot_receipts(lot: dict, members: list[tuple[PeriodMachine, str]], ref: Reference):
    """Units and weight per kind for one lot: declared lines reconciled with assets."""
    declared: dict[str, list] = {}
    for line in lot["devices"]:
        if not isinstance(line, dict):
            continue
        kind = ref.canonical(line.get("kind"))
        entry = declared.setdefault(kind, [0, None])
        try:
            entry[0] += max(int(line.get("count", 1) or 0), 0)
        except (TypeError, ValueError):
            entry[0] += 1
        w = weight_kg(line.get("weight_kg"))
        if w is not None:
            entry[1] = (entry[1] or 0.0) + w
    by_kind: dict[str, list[PeriodMachine]] = defaultdict(list)
    for m, kind in members:
        by_kind[kind].append(m)
    result: dict[str, tuple[int, Weight]] = {}
    # Sorted, not set order: str hashes are salted per process, and the weights below
    # are summed over kinds in this order (floats: the order changes the last bits).
    for kind in sorted(set(declared) | set(by_kind), key=str):
        count, line_kg = declared.get(kind, (0, None))
        assets = by_kind.get(kind, [])
        units = max(count, len(assets))
        default = ref.info(kind).weight_kg
        if line_kg is not None:
            w = Weight(measured_kg=line_kg)
            for m in assets[count:]:          # ids beyond the declared count
                w = w + _as_weight(*_unit_weight(m, kind, ref))
        else:
            w = ZERO
            for m in assets:
                w = w + _as_weight(*_unit_weight(m, kind, ref))
            rest = units - len(assets)
            if rest:
                w = w + (Weight(estimated_kg=rest * default) if default is not None else Weight(unweighed=rest))
        result[kind] = (units, w)
    # A lot weighed as a whole at the door, with nothing weighed per line or per
    # machine: the measured total replaces the estimates, shared out in proportion to
    # the default weights so the per-kind (per-DEEE-category) split stays plausible.
    total = lot["weight_kg"]
    if total is not None and result and all(w.measured_kg == 0 for _, w in result.values()):
        shares = {k: w.estimated_kg for k, (_, w) in result.items()}
        denom = sum(shares.values())
        for k, (units, w) in result.items():
            share = (shares[k] / denom) if denom else (units / sum(u for u, _ in result.values()) if
                                                       sum(u for u, _ in result.values()) else 0)
            result[k] = (units, Weight(measured_kg=total * share))
    return result


def summarise(machines, lots, donors, harvested, reused_parts, erasures, certificates,
               period: Period, ref: Reference, n_events: int) -> Figures:
    canon = {}
    canonical = functools.lru_cache(maxsize=None)(ref.canonical)
    for aid, m in machines.items():
        kind = canonical(m.raw_kind)
        if m.chassis_kind and (kind in GENERIC_KINDS or kind not in ref.kinds):
            kind = m.chassis_kind
        canon[aid] = kind
    # --- received: lots of the period, plus lone machines created in the period
    received_units: Counter = Counter()             # kind -> units
    received_w: dict[str, Weight] = defaultdict(lambda: ZERO)
    received_month: Counter = Counter()
    donor_stats: dict[str, list] = {}               # donor -> [lots, units, Weight]
    received_day: dict[str, str] = {}               # asset -> day received (in period)
    members: dict[str, list] = defaultdict(list)
    for aid, m in machines.items():
        if m.lot_id is not None and m.lot_id in lots:
            members[m.lot_id].append((m, canon[aid]))
        elif m.created_day is not None and period.contains(m.created_day):
            kind = canon[aid]
            received_units[kind] += 1
            received_w[kind] = received_w[kind] + _as_weight(*_unit_weight(m, kind, ref))
            received_month[m.created_day[:7]] += 1
            received_day[aid] = m.created_day
            d = donor_stats.setdefault("", [0, 0, ZERO])
            d[1] += 1
            d[2] = d[2] + _as_weight(*_unit_weight(m, kind, ref))
    for lot_id, lot in lots.items():
        if not period.contains(lot["day"]):
            continue
        donor = str(lot["donor_id"] or "")
        d = donor_stats.setdefault(donor, [0, 0, ZERO])
        d[0] += 1
        for m, _ in members.get(lot_id, ()):
            received_day[m.asset_id] = lot["day"]
        for kind, (units, w) in _lot_receipts(lot, members.get(lot_id, []), ref).items():
            received_units[kind] += units
            received_w[kind] = received_w[kind] + w
            received_month[lot["day"][:7]] += units
            d[1] += units
            d[2] = d[2] + w

    # --- stages, outcomes, grades, destinations, built
    stage_kind: dict[str, Counter] = {s: Counter() for s in STAGES[1:]}
    stage_month: dict[str, Counter] = {s: Counter() for s in STAGES[1:]}
    outcome_kind: dict[str, Counter] = defaultdict(Counter)
    outcome_w: dict[str, Weight] = defaultdict(lambda: ZERO)
    reused_w_kind: dict[str, Weight] = defaultdict(lambda: ZERO)
    recycled_w_kind: dict[str, Weight] = defaultdict(lambda: ZERO)
    reused_month: Counter = Counter()
    grades: Counter = Counter()
    destinations: Counter = Counter()
    built_month: Counter = Counter()
    revenue_kind: dict[str, float] = defaultdict(float)
    revenue_month: dict[str, float] = defaultdict(float)
    revenue_dest: dict[tuple, float] = defaultdict(float)
    sales = unpriced = 0
    rows: list[MachineRow] = []
    for aid, m in machines.items():
        kind = canon[aid]
        for stage, day in m.first.items():
            stage_kind[stage][kind] += 1
            stage_month[stage][day[:7]] += 1
        if m.grade is not None:
            grades[m.grade] += 1
        kg, source = _unit_weight(m, kind, ref)
        if m.outcome is not None:
            outcome_kind[m.outcome][kind] += 1
            w = _as_weight(kg, source)
            outcome_w[m.outcome] = outcome_w[m.outcome] + w
            destinations[(m.organisation or "", m.outcome)] += 1
            if m.outcome == Outcome.SOLD.value:
                sales += 1
                if m.price is None:
                    unpriced += 1
                else:
                    revenue_kind[kind] += m.price
                    revenue_month[m.out_day[:7]] += m.price
                    revenue_dest[(m.organisation or "", m.outcome)] += m.price
            if m.outcome in REUSE:
                reused_w_kind[kind] = reused_w_kind[kind] + w
                reused_month[m.out_day[:7]] += 1
            else:
                recycled_w_kind[kind] = recycled_w_kind[kind] + w
        if m.built_day is not None:
            built_month[m.built_day[:7]] += 1
        if aid in received_day or m.first or m.built_day or m.grade:
            rows.append(MachineRow(
                aid, kind, str(m.lot_id or ""),
                str((lots.get(m.lot_id) or {}).get("donor_id") or "") if m.lot_id else "",
                received_day.get(aid, ""), m.grade or "", m.status or "", m.outcome or "",
                m.out_day or "", m.organisation or "", kg, source,
                m.price if m.outcome == Outcome.SOLD.value else None))
    rows.sort(key=lambda r: r.asset_id)

    def counts(get) -> Counts:
        return Counts(**{s: get(s) for s in STAGES})

    totals = counts(lambda s: sum(received_units.values()) if s == "received"
                    else sum(stage_kind[s].values()))
    kinds = sorted(set(received_units) | {k for c in stage_kind.values() for k in c}
                   | {k for c in outcome_kind.values() for k in c})
    by_kind = tuple(KindRow(
        k, counts(lambda s: received_units[k] if s == "received" else stage_kind[s][k]),
        {o: outcome_kind[o][k] for o in OUTCOMES},
        received_w.get(k, ZERO), reused_w_kind.get(k, ZERO), ref.info(k).deee_category,
        round(revenue_kind.get(k, 0.0), 2))
        for k in kinds)

    # months: the whole period when bounded, else from the first to the last active month
    active = set(received_month) | {mo for c in stage_month.values() for mo in c} | set(built_month)
    first = period.start.isoformat() if period.start else (min(active) + "-01" if active else None)
    last = period.end.isoformat() if period.end else (max(active) + "-01" if active else None)
    months = months_between(first, last) if first and last else []
    by_month = tuple(MonthRow(
        mo, counts(lambda s: received_month[mo] if s == "received" else stage_month[s][mo]),
        reused_month[mo], built_month[mo], round(revenue_month.get(mo, 0.0), 2)) for mo in months)

    outcome_names = list(OUTCOMES) + sorted(set(outcome_kind) - set(OUTCOMES))
    outcomes = tuple(OutcomeRow(o, sum(outcome_kind[o].values()) if o in outcome_kind else 0,
                                outcome_w.get(o, ZERO)) for o in outcome_names)

    by_donor = tuple(DonorRow(d, donors.get(d, ("", ""))[0], donors.get(d, ("", ""))[1], v[0], v[1], v[2])
                     for d, v in sorted(donor_stats.items(), key=lambda kv: (-kv[1][1], kv[0])))
    by_destination = tuple(DestinationRow(org, o, c, round(revenue_dest.get((org, o), 0.0), 2))
                           for (org, o), c in
                           sorted(destinations.items(), key=lambda kv: (-kv[1], kv[0])))
    part_kinds = sorted(set(harvested) | set(reused_parts))
    parts = tuple(PartRow(k, harvested[k], reused_parts[k]) for k in part_kinds)
    erasure_rows = tuple(ErasureRow(meth, nist, ok, bad) for (meth, nist), (ok, bad) in sorted(erasures.items()))

    impact = []
    for k in kinds:
        reused = sum(outcome_kind[o][k] for o in REUSE)
        if not reused:
            continue
        f = ref.factors.get(k)
        impact.append(ImpactRow(k, reused, f.kg_co2e if f else None,
                                reused * f.kg_co2e if f else 0.0,
                                f.source if f else "", f.year if f else 0, f.source_fr if f else ""))

    cats = sorted({ref.info(k).deee_category for k in kinds}, key=lambda c: (c is None, c or 0))
    deee = []
    for c in cats:
        ks = [k for k in kinds if ref.info(k).deee_category == c]
        deee.append(DeeeRow(c, sum((received_w.get(k, ZERO) for k in ks), ZERO),
                            sum((reused_w_kind.get(k, ZERO) for k in ks), ZERO),
                            sum((recycled_w_kind.get(k, ZERO) for k in ks), ZERO)))
    unknown = tuple(k for k in kinds if k not in ref.kinds and k not in ref.factors)

    return Figures(
        period=period, totals=totals, outcomes=outcomes, by_kind=by_kind, by_month=by_month,
        by_grade=tuple(GradeRow(g, c) for g, c in sorted(grades.items())),
        by_donor=by_donor, by_destination=by_destination, parts=parts, erasures=erasure_rows,
        disks_erased=sum(r.succeeded for r in erasure_rows), certificates=certificates,
        built=sum(built_month.values()),
        received_weight=sum(received_w.values(), ZERO),
        reused_weight=sum(reused_w_kind.values(), ZERO),
        impact=tuple(impact), kg_co2e_avoided=sum(r.kg_co2e for r in impact),
        factors_overridden=ref.factors_overridden, deee=tuple(deee), machines=tuple(rows),
        unknown_kinds=unknown, events_read=n_events,
        revenue_eur=round(sum(revenue_kind.values()), 2), sales=sales, unpriced_sales=unpriced)

