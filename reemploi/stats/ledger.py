"""The ledger: the journal folded once, independent of any period.

``Ledger.fold(records)`` reads each event once into plain data: per machine a flat
list (a few facts, then ``(day, code, value)`` marks in journal order: a stage
reached, a status, a grade, a checkout, built in the workshop), and flat lists for
lots, donors, parts, erasures, certificates and the atelier's sittings.
``Ledger.figures(period, reference)`` filters it by day and hands the period's view
to ``tally.summarise``; ``stats.atelier`` reads the same ledger.

Why flat lists: the ledger is cached between runs (``stats.cache``) with ``marshal``,
whose load time grows with the number of containers, not of items: one list per
machine loads about 8 times faster than the dict, lists and tuples per machine of the
first version (0.09 s against 0.76 s for 50 000 machines, measured on this machine).
And two ledgers of consecutive parts of the journal merge by concatenation
(``Ledger.extend``), which is what lets a cold run fold the journal's two halves on
two cores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from sys import intern
from typing import Iterable, NamedTuple

from ..events.atelier import SESSION
from ..events.wipe import resolved_method
from ..inventory.events import EventType
from .factors import Reference
from .figures import CHASSIS_KINDS, Figures, Stage
from .fixes import corrected
from .period import DEFAULT_TZ, Period, local_day
from .tally import PeriodMachine, summarise, weight_kg

_OK_RESULTS = ("success", "ok", "done", "verified", True)
_DIAGNOSED, _WIPED, _IMAGED, _OUT = (Stage.DIAGNOSED.value, Stage.WIPED.value,
                                     Stage.IMAGED.value, Stage.OUT.value)
_RECEIVED = Stage.RECEIVED.value
# A status change to one of these is the machine reaching that stage; "out" is
# reached on the checkout's own date (the status change that follows is stamped when
# it was typed, possibly days later).
_REACHED_BY_STATUS = frozenset(s.value for s in Stage) - {_RECEIVED, _OUT}


class Record(NamedTuple):
    """What the fold reads of an event (an ``Event`` has more)."""
    type: str
    asset_id: str | None
    time: str
    payload: dict


BUILT = "built"                     # events/intake.py: a machine assembled in the workshop
CORRECT, VOID = "correct", "void"   # corrections (issue 10): applied at figures time
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

# A machine's entry in Ledger.machines: these facts, then (day, code, value) marks.
M_KIND, M_LOT, M_WEIGHT, M_CREATED, M_CHASSIS = range(5)
HEADER = 5
# Mark codes. REACH: a stage reached (value: the stage); STATUS: the status set;
# GRADE: graded (value: the grade; also reaches "diagnosed"); CHECKOUT: value
# (outcome, organisation, price) (also reaches "out" and sets the status "out");
# MADE: built in the workshop (a ``built`` event; value None).
REACH, STATUS, GRADE, CHECKOUT, MADE = "r", "s", "g", "c", "b"


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


class Ledger:
    """What the journal says, folded once and independent of any period. Plain data
    only (dicts, lists, tuples, str, float, None), in journal order, so it can be
    cached and extended with the events appended since (``stats.cache``)."""

    def __init__(self, tz: str = DEFAULT_TZ) -> None:
        self.tz = tz
        self.machines: dict[str, list] = {}
        self.parts: dict[str, list] = {}          # id -> [kind, weighed kg or None]
        self.lots: dict[str, tuple] = {}          # id -> (donor_id, day, devices, weight_kg)
        self.donors: dict[str, tuple] = {}        # id -> (name, kind)
        self.harvested: list = []                 # day, part kind, ...
        self.installed: list = []                 # day, part id, into machine, ...
        self.erasures: list = []                  # day, method, nist, ok, ...
        self.certificates: list = []              # days
        self.sessions: list = []                  # day, minutes, trainee id, ...
        self.jerrys: list = []                    # day, asset id, part ids, ... (named builds)
        # Corrections and voids, in journal order: (type, asset id, time, payload).
        self.fixes: list = []
        self.events = 0

    def state(self) -> tuple:
        return (self.tz, self.machines, self.parts, self.lots, self.donors, self.harvested,
                self.installed, self.erasures, self.certificates, self.sessions, self.jerrys,
                self.fixes, self.events)

    @classmethod
    def from_state(cls, state: tuple) -> "Ledger":
        led = cls(state[0])
        (_, led.machines, led.parts, led.lots, led.donors, led.harvested, led.installed,
         led.erasures, led.certificates, led.sessions, led.jerrys, led.fixes,
         led.events) = state
        return led

    def extend(self, later: "Ledger") -> None:
        """Append the ledger of the journal part that follows this one's: the result
        is the ledger of both parts, as one fold would have made it."""
        machines = self.machines
        for aid, m in later.machines.items():
            mine = machines.get(aid)
            if mine is None:
                machines[aid] = m
                continue
            for i in range(HEADER):
                if m[i] is not None:
                    mine[i] = m[i]
            mine += m[HEADER:]
        for pid, p in later.parts.items():
            machines.pop(pid, None)
            self.parts[pid] = p
        self.lots.update(later.lots)
        self.donors.update(later.donors)
        for name in ("harvested", "installed", "erasures", "certificates", "sessions",
                     "jerrys", "fixes"):
            getattr(self, name).extend(getattr(later, name))
        self.events += later.events

    def fold(self, events: Iterable[Record]) -> None:
        """Fold ``(type, asset_id, time, payload)`` tuples (``Record`` or plain), in
        journal order, into the ledger."""
        machines, parts, tz = self.machines, self.parts, self.tz
        utc_ok = tz == DEFAULT_TZ
        n = 0

        def machine(asset_id: str) -> list:
            m = machines.get(asset_id)
            if m is None:
                m = machines[asset_id] = [None] * HEADER
            return m

        def day_of(time: str, p: dict, dated: bool) -> str:
            d = p.get("date") if dated else None
            # Interned: the same few hundred day strings recur across 50 000
            # machines, and marshal (stats.cache) writes a repeated object once.
            if isinstance(d, str) and len(d) >= 10:
                return intern(d[:10])
            # Europe/Paris is UTC+1 or +2: before 22:00 UTC the local day is the UTC
            # day (period.local_day's fast path, inlined: it runs once per event).
            if utc_ok and time[11:13] < "22" and len(time) >= 13:
                return intern(time[:10])
            return intern(local_day(time, tz))

        for t, aid, time, p in events:
            n += 1
            p = p or {}
            if t == _STATUS_CHANGED:
                if aid in parts or not aid:
                    continue
                to = p.get("to")
                if to:
                    machine(aid).extend((day_of(time, p, False), STATUS, intern(str(to))))
            elif t == _ASSET_CREATED:
                if p.get("kind") == "part":
                    parts[aid] = [str(p.get("device_kind") or p.get("part_kind") or "unknown"), None]
                    continue
                m = machine(aid)
                m[M_KIND] = p.get("device_kind")
                m[M_LOT] = p.get("lot_id")
                m[M_WEIGHT] = weight_kg(p.get("weight_kg"))
                m[M_CREATED] = day_of(time, p, False)
                m += (m[M_CREATED], STATUS, _RECEIVED)
            elif t == _ASSET_PROBED:
                chassis = ((p.get("machine") or {}).get("system") or {}).get("chassis")
                if chassis in CHASSIS_KINDS and aid and aid not in parts:
                    machine(aid)[M_CHASSIS] = CHASSIS_KINDS[chassis]
            elif t == _ASSET_GRADED:
                if not aid or aid in parts:
                    continue
                verdict = p.get("verdict") or {}
                machine(aid).extend((day_of(time, p, False), GRADE, intern(str(
                    verdict.get("grade") or verdict.get("outcome") or "unknown"))))
            elif t == _WIPE_DONE:
                day = day_of(time, p, False)
                ok = p.get("result") in _OK_RESULTS
                method = p.get("method")
                if method == "auto":        # schema 1 said what was asked: what ran
                    method = resolved_method({"method": method,
                                              "technique": p.get("technique")})["method"]
                self.erasures += (day, str(method or "unknown"),
                                  str(p.get("nist") or "unknown"), ok)
                if ok and aid and aid not in parts:
                    machine(aid).extend((day, REACH, _WIPED))
            elif t == _IMAGE_WRITTEN:
                if aid and p.get("result", "success") in _OK_RESULTS and aid not in parts:
                    machine(aid).extend((day_of(time, p, False), REACH, _IMAGED))
            elif t == _CHECKOUT:
                if aid in parts or not aid:
                    continue
                machine(aid).extend((day_of(time, p, True), CHECKOUT, (
                    intern(str(p.get("destination_kind") or "unknown")),
                    intern(str(p.get("organisation") or "")), _price(p.get("price_eur")))))
            elif t == _LOT_RECEIVED:
                devices = tuple((d.get("kind"), d.get("count", 1), d.get("weight_kg"))
                                for d in (p.get("devices") or []) if isinstance(d, dict))
                self.lots[str(p.get("lot_id") or aid)] = (
                    p.get("donor_id"), day_of(time, p, True), devices, weight_kg(p.get("weight_kg")))
            elif t == _DONOR_REGISTERED:
                self.donors[str(p.get("donor_id") or aid)] = (str(p.get("name") or ""),
                                                              str(p.get("kind") or ""))
            elif t == _PART_HARVESTED:
                kind = str(p.get("part_kind") or "unknown")
                facts = p.get("facts") if isinstance(p.get("facts"), dict) else {}
                if aid and aid != p.get("from_asset"):
                    parts[aid] = [kind, weight_kg(facts.get("weight_kg"))]
                    machines.pop(aid, None)
                self.harvested += (day_of(time, p, False), kind)
            elif t == _PART_INSTALLED:
                into = p.get("into_asset") or aid     # the event names the machine
                self.installed += (day_of(time, p, False), str(p.get("part_id") or ""), into)
            elif t == BUILT:
                # A machine assembled in the workshop: never received (no lot, no
                # creation day, so never in the received tonnage); its parts are
                # installed by this very event.
                if not aid:
                    continue
                day = day_of(time, p, False)
                m = machine(aid)
                m[M_KIND] = p.get("device_kind")
                m[M_WEIGHT] = weight_kg(p.get("weight_kg"))
                m += (day, MADE, None, day, STATUS, _RECEIVED)
                ids = tuple(str(x) for x in (p.get("parts") or ()) if x)
                for pid in ids:
                    self.installed += (day, pid, aid)
                if p.get("name") is not None:       # a Jerry of the atelier bidouille
                    self.jerrys += (day, aid, ids)
            elif t == SESSION:
                try:
                    minutes = int(p.get("minutes") or 0)
                except (TypeError, ValueError):
                    minutes = 0
                self.sessions += (day_of(time, p, False), minutes, str(p.get("trainee_id") or ""))
            elif t == CORRECT or t == VOID:
                # Applied at figures time by the inventory's own fold (stats.fixes).
                self.fixes.append((t, aid, time, p))
            elif t == _CERTIFICATE_ISSUED and p.get("result", "success") == "success":
                # A certificate that reports a failure (a disk left unwiped) proves
                # nothing to a donor: funders are told of certificates that do.
                self.certificates.append(day_of(time, p, False))
        self.events += n

    def figures(self, period: Period, reference: Reference) -> Figures:
        """The figures of ``period``: each event counted on its own day."""
        lo = period.start.isoformat() if period.start else ""
        hi = period.end.isoformat() if period.end else "9999-99-99"

        def inside(day: str) -> bool:
            return lo <= day <= hi

        view: dict[str, PeriodMachine] = {}
        parts = self.parts
        fix = corrected(self)
        all_lots, donors, fixed, voided = self.lots, self.donors, {}, ()
        if fix is not None:
            all_lots = {k: v for k, v in {**self.lots, **fix.lots}.items()
                        if k not in fix.voided_lots}
            donors, fixed, voided = {**self.donors, **fix.donors}, fix.machines, fix.voided
        lots_inside = {k for k, lot in all_lots.items() if lo <= lot[1] <= hi}
        for aid, m in self.machines.items():
            if aid in fixed or aid in voided:
                if aid in voided:
                    continue
                m = [*fixed[aid], *m[M_CREATED:]]
            # Most machines of a long journal did nothing in the period: their marks'
            # days (every third item, C speed) say so before any Python loop runs.
            created, lot = m[M_CREATED], m[M_LOT]
            if fix is not None and lot in fix.voided_lots:
                continue                # made from a lot created by mistake
            if (len(m) == HEADER or max(m[HEADER::3]) < lo) \
                    and not (created is not None and lo <= created <= hi) \
                    and not (lot is not None and lot in lots_inside):
                continue
            if aid in parts:
                continue
            v = PeriodMachine(aid, m[M_KIND], lot, m[M_WEIGHT], created)
            v.chassis_kind = m[M_CHASSIS]
            first = v.first
            for i in range(HEADER, len(m), 3):
                day = m[i]
                if day > hi:
                    continue
                code, value = m[i + 1], m[i + 2]
                if code == STATUS:
                    v.status = value
                    if value not in _REACHED_BY_STATUS:
                        continue
                    stage = value
                elif code == REACH:
                    stage = value
                elif code == GRADE:
                    if day < lo:
                        continue
                    v.grade = value
                    stage = _DIAGNOSED
                elif code == CHECKOUT:
                    v.status = _OUT
                    if day < lo:
                        continue
                    v.outcome, v.organisation, v.price = value
                    v.out_day, stage = day, _OUT
                else:                                   # MADE
                    if day >= lo and (v.built_day is None or day < v.built_day):
                        v.built_day = day
                    continue
                if day >= lo:
                    old = first.get(stage)
                    if old is None or day < old:
                        first[stage] = day
            # A machine with nothing in the period and no lot received in it adds
            # nothing to any figure: leave it out (half the machines, for one year).
            if first or v.grade or v.outcome or v.built_day \
                    or (v.created_day is not None and lo <= v.created_day <= hi) \
                    or (v.lot_id is not None and v.lot_id in lots_inside):
                view[aid] = v
        lots = {k: {"donor_id": d, "day": day, "weight_kg": w,
                    "devices": [{"kind": a, "count": b, "weight_kg": c} for a, b, c in devs]}
                for k, (d, day, devs, w) in all_lots.items()}
        h = self.harvested
        harvested = Counter(h[i + 1] for i in range(0, len(h), 2) if inside(h[i]))
        ins = self.installed
        reused_parts = Counter((parts.get(ins[i + 1]) or ("unknown",))[0]
                               for i in range(0, len(ins), 3) if inside(ins[i]))
        erasures: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        e = self.erasures
        for i in range(0, len(e), 4):
            if inside(e[i]):
                erasures[(e[i + 1], e[i + 2])][0 if e[i + 3] else 1] += 1
        certificates = sum(1 for day in self.certificates if inside(day))
        return summarise(view, lots, donors, harvested, reused_parts, erasures,
                         certificates, period, reference, self.events)
