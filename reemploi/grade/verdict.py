"""Verdict types: what the engine says about a component or a machine, as data.

The engine never writes sentences (house rule 7). A verdict is made of states and
reason *codes with parameters* (``REALLOCATED_SECTORS, count=12``); ``render`` turns
them into French or English. ``Verdict.to_dict`` is the JSON form stored in the
``asset.graded`` event and read by the documents and stats stages, so its keys are a
contract: outcome, grade, reasons [{code, params, component}], upgrades, harvest,
components {disk: [...], battery, memory, cpu}, emmabuntus, emmabuntus_arch,
rules_version.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Reason(str, enum.Enum):
    # Disk (ATA SMART attribute ids in brackets; NVMe log page 02h fields)
    SMART_FAILED = "SMART_FAILED"                    # overall self-assessment FAILED
    SMART_UNAVAILABLE = "SMART_UNAVAILABLE"          # no SMART data could be read
    REALLOCATED_SECTORS = "REALLOCATED_SECTORS"      # count=   [5]
    PENDING_SECTORS = "PENDING_SECTORS"              # count=   [197]
    OFFLINE_UNCORRECTABLE = "OFFLINE_UNCORRECTABLE"  # count=   [198]
    REPORTED_UNCORRECTABLE = "REPORTED_UNCORRECTABLE"  # count= [187]
    NVME_CRITICAL_WARNING = "NVME_CRITICAL_WARNING"  # value=
    NVME_MEDIA_ERRORS = "NVME_MEDIA_ERRORS"          # count=
    NVME_PERCENTAGE_USED = "NVME_PERCENTAGE_USED"    # pct=
    NVME_SPARE_LOW = "NVME_SPARE_LOW"                # pct=
    SSD_LIFE_LOW = "SSD_LIFE_LOW"                    # pct=
    HIGH_POWER_ON_HOURS = "HIGH_POWER_ON_HOURS"      # hours=
    IMPLAUSIBLE_VALUE = "IMPLAUSIBLE_VALUE"          # field=, value=
    DISK_TOO_SMALL = "DISK_TOO_SMALL"                # gb=, need=
    NO_DISK = "NO_DISK"
    # Battery
    BATTERY_WEAR = "BATTERY_WEAR"                    # pct=
    BATTERY_ABSENT = "BATTERY_ABSENT"
    BATTERY_UNKNOWN = "BATTERY_UNKNOWN"
    # Memory
    RAM_TOO_LITTLE = "RAM_TOO_LITTLE"                # mb=, need=
    RAM_UNKNOWN = "RAM_UNKNOWN"
    RAM_NO_FREE_SLOT = "RAM_NO_FREE_SLOT"
    RAM_MAX_CAPACITY = "RAM_MAX_CAPACITY"            # max_mb=, need=
    # The best edition the CPU runs needs more RAM than the machine can ever take, so
    # a lighter edition of the same arch is offered: edition=, need= (what it would
    # need), mb= (fitted), cause= max-capacity|soldered|no-slot, max_mb= (board
    # maximum, with max-capacity), fallback=, arch= (the edition offered instead)
    RAM_EDITION_FALLBACK = "RAM_EDITION_FALLBACK"
    # CPU
    NO_X86_64 = "NO_X86_64"
    NO_SSE2 = "NO_SSE2"
    NO_I686 = "NO_I686"                              # no cmov: not even Debian i386
    MISSING_CPU_FLAG = "MISSING_CPU_FLAG"            # flag=
    CPU_UNKNOWN = "CPU_UNKNOWN"
    CPU_SLOW = "CPU_SLOW"                            # score=
    # Operator checklist
    CHECK_FAILED = "CHECK_FAILED"                    # item=


class State(str, enum.Enum):
    # disks
    HEALTHY = "healthy"
    WORN = "worn"
    FAILING = "failing"
    # battery
    OK = "ok"
    TO_REPLACE = "to-replace"
    ABSENT = "absent"
    # memory
    ENOUGH = "enough"
    UPGRADEABLE = "upgradeable"
    TOO_LITTLE = "too-little"
    # cpu
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    # any
    UNKNOWN = "unknown"


class Outcome(str, enum.Enum):
    READY = "ready"
    READY_AFTER_UPGRADE = "ready-after-upgrade"
    PARTS_ONLY = "parts-only"
    RECYCLING = "recycling"


@dataclass(frozen=True)
class ReasonItem:
    code: Reason
    params: dict[str, Any] = field(default_factory=dict)
    component: str = "machine"      # disk:<name>, battery, memory, cpu, checks, machine

    def to_dict(self) -> dict:
        return {"code": self.code.value, "params": dict(self.params),
                "component": self.component}

    @classmethod
    def from_dict(cls, d: dict) -> "ReasonItem":
        return cls(Reason(d["code"]), dict(d.get("params") or {}),
                   d.get("component", "machine"))


@dataclass(frozen=True)
class ComponentVerdict:
    """One component's state, why, and the facts the decision used (for the sheet)."""
    component: str                  # "disk:sda", "battery", "memory", "cpu"
    state: State
    reasons: tuple[ReasonItem, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def has(self, code: Reason) -> bool:
        return any(r.code is code for r in self.reasons)

    def to_dict(self) -> dict:
        return {"component": self.component, "state": self.state.value,
                "reasons": [r.to_dict() for r in self.reasons], "facts": dict(self.facts)}

    @classmethod
    def from_dict(cls, d: dict | None) -> "ComponentVerdict | None":
        if d is None:
            return None
        return cls(d["component"], State(d["state"]),
                   tuple(ReasonItem.from_dict(r) for r in d.get("reasons", [])),
                   dict(d.get("facts") or {}))


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    grade: str | None               # "A" / "B" / "C" for reusable machines, else None
    reasons: tuple[ReasonItem, ...]
    upgrades: tuple[dict, ...]      # {"part": "ram", "count", "size_gb", "type", "form_factor"} ...
    harvest: tuple[dict, ...]       # {"part": "disk"|"ram"|"battery"|"screen", ...facts}
    disks: tuple[ComponentVerdict, ...]
    battery: ComponentVerdict | None
    memory: ComponentVerdict | None
    cpu: ComponentVerdict | None
    emmabuntus: str | None          # "DE6" / "DE5" / None
    rules_version: str
    score: dict[str, Any] = field(default_factory=dict)   # capacity points behind the grade
    cosmetic: str | None = None
    # "amd64" / "i386": DE5 exists for both (None in verdicts recorded before it was kept)
    emmabuntus_arch: str | None = None

    def to_dict(self) -> dict:
        def one(c: ComponentVerdict | None):
            return None if c is None else c.to_dict()
        return {
            "outcome": self.outcome.value,
            "grade": self.grade,
            "reasons": [r.to_dict() for r in self.reasons],
            "upgrades": [dict(u) for u in self.upgrades],
            "harvest": [dict(h) for h in self.harvest],
            "components": {"disk": [d.to_dict() for d in self.disks],
                           "battery": one(self.battery), "memory": one(self.memory),
                           "cpu": one(self.cpu)},
            "emmabuntus": self.emmabuntus,
            "emmabuntus_arch": self.emmabuntus_arch,
            "score": dict(self.score),
            "cosmetic": self.cosmetic,
            "rules_version": self.rules_version,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Verdict":
        comps = d.get("components") or {}
        return cls(
            outcome=Outcome(d["outcome"]),
            grade=d.get("grade"),
            reasons=tuple(ReasonItem.from_dict(r) for r in d.get("reasons", [])),
            upgrades=tuple(dict(u) for u in d.get("upgrades", [])),
            harvest=tuple(dict(h) for h in d.get("harvest", [])),
            disks=tuple(ComponentVerdict.from_dict(x) for x in comps.get("disk", [])),
            battery=ComponentVerdict.from_dict(comps.get("battery")),
            memory=ComponentVerdict.from_dict(comps.get("memory")),
            cpu=ComponentVerdict.from_dict(comps.get("cpu")),
            emmabuntus=d.get("emmabuntus"),
            rules_version=d.get("rules_version", "?"),
            score=dict(d.get("score") or {}),
            cosmetic=d.get("cosmetic"),
            emmabuntus_arch=d.get("emmabuntus_arch"),
        )


@dataclass(frozen=True)
class BenchScores:
    """Benchmark figures comparable across machines (same tool, same settings).

    cpu: sysbench ``cpu`` events/s over all threads; ram: sysbench ``memory``
    MiB/s (1 MiB blocks, one thread); disk: MB/s of a sequential read of the disk.
    """
    cpu: float | None = None
    ram: float | None = None
    disk: float | None = None
    cpu_threads: int | None = None
    disk_path: str | None = None
    seconds: float | None = None
    tool: str | None = None

    def to_dict(self) -> dict:
        return {"cpu": self.cpu, "ram": self.ram, "disk": self.disk,
                "cpu_threads": self.cpu_threads, "disk_path": self.disk_path,
                "seconds": self.seconds, "tool": self.tool}

    @classmethod
    def from_dict(cls, d: dict | None) -> "BenchScores | None":
        if not d:
            return None
        return cls(**{k: d.get(k) for k in ("cpu", "ram", "disk", "cpu_threads",
                                             "disk_path", "seconds", "tool")})
