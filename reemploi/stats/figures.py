"""The figures of a period: what ``reemploi stats`` reports, as frozen data.

Codes and numbers only (no sentences: ``tables``, ``summary`` and the exports word
them in the reader's language). How they are made: ``ledger`` folds the journal once
into a period-independent ledger, ``tally`` counts a period's view of it.

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
* built: machines created by a ``built`` event (assembled in the workshop from
  parts, the atelier's Jerrys among them); a part installed into a donated machine
  is a repair, not a build. A built machine is never received.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .period import Period

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
