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
import functools
from sys import intern
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, NamedTuple

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
    revenue_eur: float = 0.0          # sales of this kind (checkout price_eur)


@dataclass(frozen=True)
class MonthRow:
    month: str                        # YYYY-MM
    counts: Counts
    reused: int
    built: int
    revenue_eur: float = 0.0          # sales checked out in this month


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
    revenue_eur: float = 0.0


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
    source_fr: str = ""               # the same source in French, if the factor file gives it


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
    price_eur: float | None = None    # the sale price, for a machine sold


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
    # Money: the sale prices recorded at checkout (``--price``) of the machines whose
    # last checkout in the period is a sale; a sale without a price counts in ``sales``
    # and adds nothing (``unpriced_sales`` says how many).
    revenue_eur: float = 0.0
    sales: int = 0
    unpriced_sales: int = 0

    @property
    def empty(self) -> bool:
        return self.events_read == 0

    @property
    def reused(self) -> int:
        return sum(r.machines for r in self.outcomes if r.outcome in REUSE)


# Plain strings for the hot loops (an enum attribute lookup costs a call each time).
_MEASURED, _ESTIMATED, _UNKNOWN = (w.value for w in WeightSource)
_RECEIVED, _DIAGNOSED, _WIPED, _IMAGED, _OUT = (Stage.RECEIVED.value, Stage.DIAGNOSED.value,
                                                Stage.WIPED.value, Stage.IMAGED.value, Stage.OUT.value)


# --------------------------------------------------------------------------- fold

class _Machine:
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


class Record(NamedTuple):
    """What the fold reads of an event (an ``Event`` has more)."""
    type: str
    asset_id: str | None
    time: str
    payload: dict


# Event types the figures read; the rest (notes, checks) are skipped unread.
NEEDS_PAYLOAD = frozenset(t.value for t in (
    EventType.DONOR_REGISTERED, EventType.LOT_RECEIVED, EventType.ASSET_CREATED,
    EventType.ASSET_PROBED, EventType.ASSET_GRADED, EventType.STATUS_CHANGED,
    EventType.WIPE_DONE, EventType.CERTIFICATE_ISSUED, EventType.IMAGE_WRITTEN,
    EventType.PART_HARVESTED, EventType.PART_INSTALLED, EventType.CHECKOUT))
_DATED = (EventType.LOT_RECEIVED.value, EventType.CHECKOUT.value)
# Plain strings for the hot loop (an enum attribute lookup per comparison adds up).
_ASSET_CREATED = EventType.ASSET_CREATED.value
_ASSET_GRADED = EventType.ASSET_GRADED.value
_ASSET_PROBED = EventType.ASSET_PROBED.value
_CERTIFICATE_ISSUED = EventType.CERTIFICATE_ISSUED.value
_CHECKOUT = EventType.CHECKOUT.value
_DONOR_REGISTERED = EventType.DONOR_REGISTERED.value
_IMAGE_WRITTEN = EventType.IMAGE_WRITTEN.value
_LOT_RECEIVED = EventType.LOT_RECEIVED.value
_PART_HARVESTED = EventType.PART_HARVESTED.value
_PART_INSTALLED = EventType.PART_INSTALLED.value
_STATUS_CHANGED = EventType.STATUS_CHANGED.value
_WIPE_DONE = EventType.WIPE_DONE.value


def _day_of(event, tz: str) -> str:
    d = event.payload.get("date") if event.type in _DATED else None
    # Interned: the same few hundred day strings recur across 50 000 machines, and
    # marshal (stats.cache) writes a repeated object once, as a reference.
    if isinstance(d, str) and len(d) >= 10:
        return intern(d[:10])
    return intern(local_day(event.time, tz))


def _price(value) -> float | None:
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return price if price >= 0 else None


def _weight(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return float(value)


def compute(events: Iterable, period: Period, reference: Reference, tz: str = DEFAULT_TZ) -> Figures:
    """Fold ``events`` (``Event`` objects, journal order) into the figures of ``period``."""
    ledger = Ledger(tz)
    ledger.fold(Record(e.type, e.asset_id, e.time, e.payload or {}) for e in events)
    return ledger.figures(period, reference)


def compute_records(events: Iterable[Record], period: Period, reference: Reference,
                    tz: str = DEFAULT_TZ) -> Figures:
    """Same as ``compute`` over ``Record`` tuples (see ``stats.read_records``)."""
    ledger = Ledger(tz)
    ledger.fold(events)
    return ledger.figures(period, reference)


# Indexes of a machine's entry in Ledger.machines (a list, so the ledger is plain data
# that ``marshal`` can cache: see stats/cache.py).
M_KIND, M_LOT, M_WEIGHT, M_CREATED, M_CHASSIS, M_STAGES, M_GRADES, M_CHECKOUTS, M_BUILT, M_STATUSES = range(10)


def _new_machine() -> list:
    # statuses: a flat list day, status, day, status... in journal order (no tuple per
    # change: fewer objects for marshal to rebuild).
    return [None, None, None, None, None, {}, [], [], [], []]


class Ledger:
    """What the journal says, folded once and independent of any period: per machine
    the days of each stage, its grades, checkouts and statuses; lots, donors, parts,
    erasures. ``figures(period, reference)`` then filters by day. Plain data only
    (dicts, lists, tuples, str, float), in journal order, so it can be cached and
    extended with the events appended since (``stats.cache``)."""

    def __init__(self, tz: str = DEFAULT_TZ) -> None:
        self.tz = tz
        self.machines: dict[str, list] = {}
        self.part_ids: dict[str, str] = {}
        self.lots: dict[str, tuple] = {}          # id -> (donor_id, day, devices, weight_kg)
        self.donors: dict[str, tuple] = {}        # id -> (name, kind)
        self.harvested: list[tuple] = []          # (day, part kind)
        self.installed: list[tuple] = []          # (day, part id)
        self.erasures: list[tuple] = []           # (day, method, nist, ok)
        self.certificates: list[str] = []         # days
        self.events = 0

    def state(self) -> tuple:
        return (self.tz, self.machines, self.part_ids, self.lots, self.donors, self.harvested,
                self.installed, self.erasures, self.certificates, self.events)

    @classmethod
    def from_state(cls, state: tuple) -> "Ledger":
        led = cls(state[0])
        (_, led.machines, led.part_ids, led.lots, led.donors, led.harvested, led.installed,
         led.erasures, led.certificates, led.events) = state
        return led

    def fold(self, events: Iterable[Record]) -> None:
        machines, part_ids, tz = self.machines, self.part_ids, self.tz
        out_stage = _OUT
        n = 0

        def machine(asset_id: str) -> list:
            m = machines.get(asset_id)
            if m is None:
                m = machines[asset_id] = _new_machine()
            return m

        def reach(m: list, stage: str, day: str) -> None:
            days = m[M_STAGES].get(stage)
            if days is None:
                m[M_STAGES][stage] = [day]
            elif day not in days:
                days.append(day)

        for ev in events:
            n += 1
            t = ev.type
            p = ev.payload or {}
            aid = ev.asset_id
            if t == _STATUS_CHANGED:
                if aid in part_ids or not aid:
                    continue
                m = machine(aid)
                day = _day_of(ev, tz)
                to = p.get("to")
                # "out" is reached on the checkout's own date (the status change that
                # follows it is stamped when it was typed, possibly days later).
                if to in _STATUS_STAGES and to != out_stage:
                    reach(m, intern(to), day)
                if to:
                    m[M_STATUSES] += (day, intern(str(to)))
            elif t == _ASSET_CREATED:
                if p.get("kind") == "part":
                    part_ids[aid] = str(p.get("device_kind") or p.get("part_kind") or "unknown")
                    continue
                m = machine(aid)
                m[M_KIND] = p.get("device_kind")
                m[M_LOT] = p.get("lot_id")
                m[M_WEIGHT] = _weight(p.get("weight_kg"))
                m[M_CREATED] = _day_of(ev, tz)
                m[M_STATUSES] += (m[M_CREATED], _RECEIVED)
            elif t == _ASSET_PROBED:
                chassis = ((p.get("machine") or {}).get("system") or {}).get("chassis")
                if chassis in CHASSIS_KINDS and aid and aid not in part_ids:
                    machine(aid)[M_CHASSIS] = CHASSIS_KINDS[chassis]
            elif t == _ASSET_GRADED:
                if not aid:
                    continue
                m = machine(aid)
                day = _day_of(ev, tz)
                reach(m, _DIAGNOSED, day)
                verdict = p.get("verdict") or {}
                m[M_GRADES].append((day, intern(str(verdict.get("grade") or verdict.get("outcome") or "unknown"))))
            elif t == _WIPE_DONE:
                day = _day_of(ev, tz)
                ok = p.get("result") in _OK_RESULTS
                self.erasures.append((day, str(p.get("method") or "unknown"), str(p.get("nist") or "unknown"), ok))
                if ok and aid and aid not in part_ids:
                    reach(machine(aid), _WIPED, day)
            elif t == _IMAGE_WRITTEN:
                if aid and p.get("result", "success") in _OK_RESULTS and aid not in part_ids:
                    reach(machine(aid), _IMAGED, _day_of(ev, tz))
            elif t == _CHECKOUT:
                if aid in part_ids or not aid:
                    continue
                m = machine(aid)
                day = _day_of(ev, tz)
                reach(m, out_stage, day)
                m[M_STATUSES] += (day, out_stage)
                m[M_CHECKOUTS].append((day, intern(str(p.get("destination_kind") or "unknown")),
                                       intern(str(p.get("organisation") or "")),
                                       _price(p.get("price_eur"))))
            elif t == _LOT_RECEIVED:
                devices = tuple((d.get("kind"), d.get("count", 1), d.get("weight_kg"))
                                for d in (p.get("devices") or []) if isinstance(d, dict))
                self.lots[str(p.get("lot_id") or aid)] = (
                    p.get("donor_id"), _day_of(ev, tz), devices, _weight(p.get("weight_kg")))
            elif t == _DONOR_REGISTERED:
                self.donors[str(p.get("donor_id") or aid)] = (str(p.get("name") or ""),
                                                              str(p.get("kind") or ""))
            elif t == _PART_HARVESTED:
                kind = str(p.get("part_kind") or "unknown")
                if aid and aid != p.get("from_asset"):
                    part_ids[aid] = kind
                    machines.pop(aid, None)
                self.harvested.append((_day_of(ev, tz), kind))
            elif t == _PART_INSTALLED:
                day = _day_of(ev, tz)
                into = p.get("into_asset") or aid     # the event names the machine
                self.installed.append((day, str(p.get("part_id") or "")))
                if into:
                    machine(into)[M_BUILT].append(day)
            elif t == _CERTIFICATE_ISSUED and p.get("result", "success") == "success":
                # A certificate that reports a failure (a disk left unwiped) proves
                # nothing to a donor: funders are told of certificates that do.
                self.certificates.append(_day_of(ev, tz))
        self.events += n

    def figures(self, period: Period, reference: Reference) -> Figures:
        """The figures of ``period``: each event counted on its own day."""
        lo = period.start.isoformat() if period.start else ""
        hi = period.end.isoformat() if period.end else "9999-99-99"

        def inside(day: str) -> bool:
            return lo <= day <= hi

        view: dict[str, _Machine] = {}
        part_ids = self.part_ids
        lots_inside = {k for k, lot in self.lots.items() if lo <= lot[1] <= hi}
        for aid, m in self.machines.items():
            if aid in part_ids:
                continue
            v = _Machine(aid, m[M_KIND], m[M_LOT], m[M_WEIGHT], m[M_CREATED])
            v.chassis_kind = m[M_CHASSIS]
            first = v.first
            for stage, days in m[M_STAGES].items():
                for d in days:
                    if lo <= d <= hi:
                        old = first.get(stage)
                        if old is None or d < old:
                            first[stage] = d
            statuses = m[M_STATUSES]
            for i in range(0, len(statuses), 2):
                if statuses[i] <= hi:
                    v.status = statuses[i + 1]
            for day, grade in m[M_GRADES]:
                if lo <= day <= hi:
                    v.grade = grade
            for day, outcome, org, price in m[M_CHECKOUTS]:
                if lo <= day <= hi:
                    v.outcome, v.out_day, v.organisation, v.price = outcome, day, org, price
            for d in m[M_BUILT]:
                if lo <= d <= hi and (v.built_day is None or d < v.built_day):
                    v.built_day = d
            # A machine with nothing in the period and no lot received in it adds
            # nothing to any figure: leave it out (half the machines, for one year).
            if first or v.grade or v.outcome or v.built_day \
                    or (v.created_day is not None and lo <= v.created_day <= hi) \
                    or (v.lot_id is not None and v.lot_id in lots_inside):
                view[aid] = v
        lots = {k: {"donor_id": d, "day": day, "weight_kg": w,
                    "devices": [{"kind": a, "count": b, "weight_kg": c} for a, b, c in devs]}
                for k, (d, day, devs, w) in self.lots.items()}
        harvested = Counter(kind for day, kind in self.harvested if inside(day))
        reused_parts = Counter(self.part_ids.get(pid, "unknown") for day, pid in self.installed if inside(day))
        erasures: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for day, method, nist, ok in self.erasures:
            if inside(day):
                erasures[(method, nist)][0 if ok else 1] += 1
        certificates = sum(1 for day in self.certificates if inside(day))
        return _summarise(view, lots, self.donors, harvested, reused_parts, erasures,
                          certificates, period, reference, self.events)


# ---------------------------------------------------------------------- summarise

def _unit_weight(m: _Machine, kind: str, ref: Reference) -> tuple[float | None, str]:
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
