"""The ledger: the journal folded once, independent of any period.

``Ledger.fold(records)`` reads each event once into a small plain-data state per
machine (the days of each stage, grades, checkouts, statuses) and per lot, donor,
part and erasure; ``Ledger.figures(period, reference)`` filters it by day and hands
the period's view to ``tally.summarise``. Plain data (dicts, lists, tuples, str,
float) so ``stats.cache`` can keep it with ``marshal`` and extend it with the events
appended since. That is what makes 50 000 machines and their histories fit in the
time budget of ``benchmarks/stats.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from sys import intern
from typing import Iterable, NamedTuple

from ..inventory.events import EventType
from .factors import Reference
from .figures import CHASSIS_KINDS, Figures, Stage
from .period import DEFAULT_TZ, Period, local_day
from .tally import PeriodMachine, summarise, weight_kg

_STATUS_STAGES = {s.value for s in Stage} - {Stage.RECEIVED.value}
_OK_RESULTS = ("success", "ok", "done", "verified", True)
_RECEIVED, _DIAGNOSED, _WIPED, _IMAGED, _OUT = (Stage.RECEIVED.value, Stage.DIAGNOSED.value,
                                                Stage.WIPED.value, Stage.IMAGED.value, Stage.OUT.value)


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
                m[M_WEIGHT] = weight_kg(p.get("weight_kg"))
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
                    p.get("donor_id"), _day_of(ev, tz), devices, weight_kg(p.get("weight_kg")))
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

        view: dict[str, PeriodMachine] = {}
        part_ids = self.part_ids
        lots_inside = {k for k, lot in self.lots.items() if lo <= lot[1] <= hi}
        for aid, m in self.machines.items():
            if aid in part_ids:
                continue
            v = PeriodMachine(aid, m[M_KIND], m[M_LOT], m[M_WEIGHT], m[M_CREATED])
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
        return summarise(view, lots, self.donors, harvested, reused_parts, erasures,
                          certificates, period, reference, self.events)


