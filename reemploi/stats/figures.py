"""The figures: one pass over the journal, then sums for the period.

``compute(events, period, reference)`` is pure: events in, a frozen ``Figures`` out,
codes and numbers only (no sentences). It folds the event stream once into a small
state per machine and per lot, then counts. That is what makes 50 000 machines and
their histories fit in the time budget of ``benchmarks/stats.py``.

Definitions (also in docs/stats.md):

* received: units on the lots received in the period (lot date), reconciled with
  the assets created from them (a lot line of 10 laptops with 12 laptop ids counts
  12), plus machines created in the period without a known lot;
* diagnosed / wiped / imaged / ready / out: distinct machines that reached the stage
  in the period (``status.changed`` to it, or the event that proves it: a grade, a
  successful wipe or image, a checkout), each counted once, in the month of its
  first such event inside the period;
* outcome: the destination kind of the machine's last checkout in the period;
  given and sold are REUSE, recycled and dismantled are not;
* built: machines that received at least one part (``part.installed``): in our
  workshops, machines assembled by trainees from harvested parts.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from ..inventory.events import EventType
from .factors import Reference
from .period import DEFAULT_TZ, Period, local_day, months_between


class Stage(str, enum.Enum):
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    WIPED = "wiped"
    IMAGED = "imaged"
    READY = "ready"
    OUT = "out"


class Outcome(str, enum.Enum):
    GIVEN = "given"
    SOLD = "sold"
    RECYCLED = "recycled"
    DISMANTLED = "dismantled"


REUSE = (Outcome.GIVEN.value, Outcome.SOLD.value)
STAGES = tuple(s.value for s in Stage)
OUTCOMES = tuple(o.value for o in Outcome)
_STATUS_STAGES = {s.value for s in Stage} - {Stage.RECEIVED.value}
_OK_RESULTS = ("success", "ok", "done", "verified", True)
# Intake may record a generic kind ("computer": the inventory's default) before the
# probe runs; the probe's DMI chassis type (SMBIOS 3.x §7.4.1, model.Chassis) then
# tells a laptop from a tower, which matters for weight, DEEE category and CO2e.
GENERIC_KINDS = frozenset({"computer", "ordinateur", "pc", "machine", "unknown", ""})
CHASSIS_KINDS = {"laptop": "laptop", "convertible": "laptop", "desktop": "desktop",
                 "mini-pc": "desktop", "all-in-one": "all_in_one", "tablet": "tablet"}


class WeightSource(str, enum.Enum):
    MEASURED = "measured"
    ESTIMATED = "estimated"
    UNKNOWN = "unknown"      # no measure and no default for this kind


@dataclass(frozen=True)
class Weight:
    """Kilograms split by how we know them; every output shows both parts."""
    measured_kg: float = 0.0
    estimated_kg: float = 0.0
    unweighed: int = 0       # units with neither a measure nor a default weight

    @property
    def total_kg(self) -> float:
        return self.measured_kg + self.estimated_kg

    @property
    def estimated_share(self) -> float:
        return self.estimated_kg / self.total_kg if self.total_kg else 0.0

    def __add__(self, other: "Weight") -> "Weight":
        return Weight(self.measured_kg + other.measured_kg,
                      self.estimated_kg + other.estimated_kg,
                      self.unweighed + other.unweighed)


ZERO = Weight()


@dataclass(frozen=True)
class Counts:
    received: int = 0
    diagnosed: int = 0
    wiped: int = 0
    imaged: int = 0
    ready: int = 0
    out: int = 0

    def get(self, stage: str) -> int:
        return getattr(self, stage)


@dataclass(frozen=True)
class KindRow:
    kind: str
    counts: Counts
    outcomes: dict[str, int]          # given/sold/recycled/dismantled -> machines
    received_weight: Weight
    reused_weight: Weight
    deee_category: int | None


@dataclass(frozen=True)
class MonthRow:
    month: str                        # YYYY-MM
    counts: Counts
    reused: int
    built: int


@dataclass(frozen=True)
class OutcomeRow:
    outcome: str
    machines: int
    weight: Weight


@dataclass(frozen=True)
class GradeRow:
    grade: str
    machines: int


@dataclass(frozen=True)
class DonorRow:
    donor_id: str
    name: str
    donor_kind: str
    lots: int
    units: int
    weight: Weight


@dataclass(frozen=True)
class DestinationRow:
    organisation: str
    outcome: str
    machines: int


@dataclass(frozen=True)
class PartRow:
    part_kind: str
    harvested: int
    reused: int


@dataclass(frozen=True)
class ErasureRow:
    method: str
    nist: str                         # Clear / Purge (NIST SP 800-88 r1 §2.5)
    succeeded: int
    failed: int


@dataclass(frozen=True)
class ImpactRow:
    kind: str
    reused: int
    kg_co2e_per_unit: float | None    # None: no factor for this kind
    kg_co2e: float
    source: str
    year: int


@dataclass(frozen=True)
class DeeeRow:
    category: int | None              # None: kinds with no known category
    received: Weight
    reused: Weight
    recycled: Weight                  # recycled + dismantled


@dataclass(frozen=True)
class MachineRow:
    asset_id: str
    kind: str
    lot_id: str
    donor: str
    received: str                     # day, or "" if received outside the period
    grade: str
    status: str
    outcome: str
    out_day: str
    organisation: str
    weight_kg: float | None
    weight_source: str                # WeightSource value


@dataclass(frozen=True)
class Figures:
    period: Period
    totals: Counts
    outcomes: tuple[OutcomeRow, ...]
    by_kind: tuple[KindRow, ...]
    by_month: tuple[MonthRow, ...]
    by_grade: tuple[GradeRow, ...]
    by_donor: tuple[DonorRow, ...]
    by_destination: tuple[DestinationRow, ...]
    parts: tuple[PartRow, ...]
    erasures: tuple[ErasureRow, ...]
    disks_erased: int
    certificates: int
    built: int
    received_weight: Weight
    reused_weight: Weight
    impact: tuple[ImpactRow, ...]
    kg_co2e_avoided: float
    factors_overridden: bool
    deee: tuple[DeeeRow, ...]
    machines: tuple[MachineRow, ...]
    unknown_kinds: tuple[str, ...]    # kinds with no default weight nor factor
    events_read: int = 0

    @property
    def empty(self) -> bool:
        return self.events_read == 0

    @property
    def reused(self) -> int:
        return sum(r.machines for r in self.outcomes if r.outcome in REUSE)


# --------------------------------------------------------------------------- fold

@dataclass
class _Machine:
    asset_id: str
    raw_kind: str | None = None
    lot_id: str | None = None
    weight_kg: float | None = None
    created_day: str | None = None
    first: dict = field(default_factory=dict)     # stage -> first day in period
    grade: str | None = None
    outcome: str | None = None
    out_day: str | None = None
    organisation: str | None = None
    status: str | None = None                     # last known status up to period end
    chassis_kind: str | None = None               # from the probe, for generic kinds
    built_day: str | None = None


def _day_of(event, tz: str) -> str:
    d = event.payload.get("date") if event.type in (EventType.LOT_RECEIVED.value,
                                                   EventType.CHECKOUT.value) else None
    if isinstance(d, str) and len(d) >= 10:
        return d[:10]
    return local_day(event.time, tz)


def _weight(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def compute(events: Iterable, period: Period, reference: Reference, tz: str = DEFAULT_TZ) -> Figures:
    """Fold ``events`` (journal order) into the figures of ``period``."""
    machines: dict[str, _Machine] = {}
    part_ids: dict[str, str] = {}                 # part asset id -> part kind
    lots: dict[str, dict] = {}
    donors: dict[str, tuple[str, str]] = {}
    harvested: Counter = Counter()
    installed: list[str] = []                     # part ids installed in the period
    erasures: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    certificates = 0
    in_period = period.contains
    end = period.end.isoformat() if period.end else None
    n = 0

    def machine(asset_id: str) -> _Machine:
        m = machines.get(asset_id)
        if m is None:
            m = machines[asset_id] = _Machine(asset_id)
        return m

    def reach(m: _Machine, stage: str, day: str) -> None:
        if in_period(day):
            old = m.first.get(stage)
            if old is None or day < old:
                m.first[stage] = day

    def set_status(m: _Machine, status: str, day: str) -> None:
        if end is None or day <= end:
            m.status = status

    T = EventType
    for ev in events:
        n += 1
        t = ev.type
        p = ev.payload or {}
        aid = ev.asset_id
        if t == T.STATUS_CHANGED.value:
            if aid in part_ids:
                continue
            m = machine(aid)
            day = _day_of(ev, tz)
            to = p.get("to")
            # "out" is reached on the checkout's own date (the status change that
            # follows it is stamped when it was typed, possibly days later).
            if to in _STATUS_STAGES and to != Stage.OUT.value:
                reach(m, to, day)
            if to:
                set_status(m, to, day)
        elif t == T.ASSET_CREATED.value:
            if p.get("kind") == "part":
                part_ids[aid] = str(p.get("device_kind") or p.get("part_kind") or "unknown")
                continue
            m = machine(aid)
            m.raw_kind = p.get("device_kind")
            m.lot_id = p.get("lot_id")
            m.weight_kg = _weight(p.get("weight_kg"))
            m.created_day = _day_of(ev, tz)
            set_status(m, Stage.RECEIVED.value, m.created_day)
        elif t == T.ASSET_PROBED.value:
            chassis = ((p.get("machine") or {}).get("system") or {}).get("chassis")
            if chassis in CHASSIS_KINDS and aid not in part_ids:
                machine(aid).chassis_kind = CHASSIS_KINDS[chassis]
        elif t == T.ASSET_GRADED.value:
            m = machine(aid)
            day = _day_of(ev, tz)
            reach(m, Stage.DIAGNOSED.value, day)
            if in_period(day):
                verdict = p.get("verdict") or {}
                m.grade = str(verdict.get("grade") or verdict.get("outcome") or "unknown")
        elif t == T.WIPE_DONE.value:
            day = _day_of(ev, tz)
            ok = p.get("result") in _OK_RESULTS
            if in_period(day):
                erasures[(str(p.get("method") or "unknown"), str(p.get("nist") or "unknown"))][0 if ok else 1] += 1
            if ok and aid and aid not in part_ids:
                reach(machine(aid), Stage.WIPED.value, day)
        elif t == T.IMAGE_WRITTEN.value:
            if aid and p.get("result", "success") in _OK_RESULTS and aid not in part_ids:
                reach(machine(aid), Stage.IMAGED.value, _day_of(ev, tz))
        elif t == T.CHECKOUT.value:
            if aid in part_ids:
                continue
            m = machine(aid)
            day = _day_of(ev, tz)
            reach(m, Stage.OUT.value, day)
            set_status(m, Stage.OUT.value, day)
            if in_period(day):
                m.outcome = str(p.get("destination_kind") or "unknown")
                m.out_day = day
                m.organisation = str(p.get("organisation") or "")
        elif t == T.LOT_RECEIVED.value:
            lots[str(p.get("lot_id") or aid)] = {
                "donor_id": p.get("donor_id"), "day": _day_of(ev, tz),
                "devices": p.get("devices") or [], "weight_kg": _weight(p.get("weight_kg"))}
        elif t == T.DONOR_REGISTERED.value:
            donors[str(p.get("donor_id") or aid)] = (str(p.get("name") or ""), str(p.get("kind") or ""))
        elif t == T.PART_HARVESTED.value:
            kind = str(p.get("part_kind") or "unknown")
            if aid and aid != p.get("from_asset"):
                part_ids[aid] = kind
            if in_period(_day_of(ev, tz)):
                harvested[kind] += 1
        elif t == T.PART_INSTALLED.value:
            day = _day_of(ev, tz)
            into = p.get("into_asset") or aid     # the event names the machine
            if in_period(day):
                installed.append(str(p.get("part_id") or ""))
            if into:
                m = machine(into)
                if in_period(day) and (m.built_day is None or day < m.built_day):
                    m.built_day = day
        elif t == T.CERTIFICATE_ISSUED.value:
            if in_period(_day_of(ev, tz)):
                certificates += 1

    # Parts that were created as machines by mistake never show: drop ids known as parts.
    for pid in part_ids:
        machines.pop(pid, None)
    reused_parts = Counter(part_ids.get(pid, "unknown") for pid in installed)
    return _summarise(machines, lots, donors, harvested, reused_parts, erasures,
                      certificates, period, reference, n)


# ---------------------------------------------------------------------- summarise

def _unit_weight(m: _Machine, kind: str, ref: Reference) -> tuple[float | None, str]:
    if m.weight_kg is not None:
        return m.weight_kg, WeightSource.MEASURED.value
    default = ref.info(kind).weight_kg
    if default is not None:
        return default, WeightSource.ESTIMATED.value
    return None, WeightSource.UNKNOWN.value


def _as_weight(kg: float | None, source: str) -> Weight:
    if source == WeightSource.MEASURED.value:
        return Weight(measured_kg=kg)
    if source == WeightSource.ESTIMATED.value:
        return Weight(estimated_kg=kg)
    return Weight(unweighed=1)


def _lot_receipts(lot: dict, members: list[tuple[_Machine, str]], ref: Reference):
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
        w = _weight(line.get("weight_kg"))
        if w is not None:
            entry[1] = (entry[1] or 0.0) + w
    by_kind: dict[str, list[_Machine]] = defaultdict(list)
    for m, kind in members:
        by_kind[kind].append(m)
    result: dict[str, tuple[int, Weight]] = {}
    for kind in set(declared) | set(by_kind):
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


def _summarise(machines, lots, donors, harvested, reused_parts, erasures, certificates,
               period: Period, ref: Reference, n_events: int) -> Figures:
    canon = {}
    for aid, m in machines.items():
        kind = ref.canonical(m.raw_kind)
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
                m.out_day or "", m.organisation or "", kg, source))
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
        received_w.get(k, ZERO), reused_w_kind.get(k, ZERO), ref.info(k).deee_category)
        for k in kinds)

    # months: the whole period when bounded, else from the first to the last active month
    active = set(received_month) | {mo for c in stage_month.values() for mo in c} | set(built_month)
    first = period.start.isoformat() if period.start else (min(active) + "-01" if active else None)
    last = period.end.isoformat() if period.end else (max(active) + "-01" if active else None)
    months = months_between(first, last) if first and last else []
    by_month = tuple(MonthRow(
        mo, counts(lambda s: received_month[mo] if s == "received" else stage_month[s][mo]),
        reused_month[mo], built_month[mo]) for mo in months)

    outcome_names = list(OUTCOMES) + sorted(set(outcome_kind) - set(OUTCOMES))
    outcomes = tuple(OutcomeRow(o, sum(outcome_kind[o].values()) if o in outcome_kind else 0,
                                outcome_w.get(o, ZERO)) for o in outcome_names)

    by_donor = tuple(DonorRow(d, donors.get(d, ("", ""))[0], donors.get(d, ("", ""))[1], v[0], v[1], v[2])
                     for d, v in sorted(donor_stats.items(), key=lambda kv: (-kv[1][1], kv[0])))
    by_destination = tuple(DestinationRow(org, o, c) for (org, o), c in
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
                                f.source if f else "", f.year if f else 0))

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
        unknown_kinds=unknown, events_read=n_events)


def to_json(f: Figures) -> dict:
    """Plain JSON of the figures: weights carry their total, dates are ISO strings,
    and the derived figures (reused, empty) are spelled out for other programs."""
    import dataclasses
    from datetime import date

    def conv(obj):
        if isinstance(obj, Weight):
            return {"measured_kg": round(obj.measured_kg, 3), "estimated_kg": round(obj.estimated_kg, 3),
                    "total_kg": round(obj.total_kg, 3), "unweighed": obj.unweighed}
        if isinstance(obj, Period):
            return {"code": obj.code, "start": obj.start.isoformat() if obj.start else None,
                    "end": obj.end.isoformat() if obj.end else None}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return {fl.name: conv(getattr(obj, fl.name)) for fl in dataclasses.fields(obj)}
        if isinstance(obj, (list, tuple)):
            return [conv(x) for x in obj]
        if isinstance(obj, dict):
            return {str(k): conv(v) for k, v in obj.items()}
        if isinstance(obj, date):
            return obj.isoformat()
        if isinstance(obj, float):
            return round(obj, 3)
        return obj

    out = conv(f)
    out["reused"] = f.reused
    out["empty"] = f.empty
    return out
