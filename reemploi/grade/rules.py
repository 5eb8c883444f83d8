"""Grading rules as data: load, merge and validate the versioned TOML file.

The packaged ``reemploi/data/grading.toml`` holds every threshold with a comment
saying where it comes from. A workshop overrides any subset of keys in its own file
(``--rules FILE`` or ``<home>/grading.toml``): we merge it over the packaged file, so
an older workshop file keeps working when we add a key. Every key is checked against
the dataclasses below: an unknown key or a wrong type is refused with ``BadInput``
(exit 7) naming the key, because a typo must never silently change a verdict.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput

PACKAGED = Path(__file__).resolve().parent.parent / "data" / "grading.toml"
CHECK_ACTIONS = ("repair", "parts-only", "note")
GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class DiskRules:
    reallocated_failing: int
    pending_failing: int
    offline_uncorrectable_failing: int
    reported_uncorrectable_worn: int
    nvme_media_errors_failing: int
    nvme_percentage_used_worn: int
    nvme_percentage_used_failing: int
    nvme_spare_failing_pct: int
    ssd_life_worn_pct: int
    ssd_life_failing_pct: int
    power_on_hours_worn: int
    power_on_hours_implausible: int
    min_size_gb: int


@dataclass(frozen=True)
class BatteryRules:
    worn_pct: float
    replace_pct: float
    laptop_needs_battery: bool


@dataclass(frozen=True)
class MemoryRules:
    meminfo_tolerance_pct: float
    module_sizes_gb: tuple[int, ...]
    min_module_gb: int
    max_module_mb: dict[str, int]


@dataclass(frozen=True)
class CpuRules:
    capacity_mid: float
    capacity_high: float
    bench_mid: float
    bench_high: float
    bench_slow: float


@dataclass(frozen=True)
class Edition:
    name: str
    debian: int
    arch: str
    requires_flags: tuple[str, ...]
    min_ram_mb: int


@dataclass(frozen=True)
class GradeRules:
    cpu_points_entry: int
    cpu_points_mid: int
    cpu_points_high: int
    ram_steps_mb: tuple[int, ...]
    storage_points_hdd: int
    storage_points_ssd: int
    storage_points_nvme: int
    storage_steps_gb: tuple[int, ...]
    a_min: int
    b_min: int
    hdd_max_grade: str


@dataclass(frozen=True)
class ChecksRules:
    keyboard: str
    touchpad: str
    screen_dead_pixels: str
    screen_backlight: str
    usb_ports: str
    webcam: str
    wifi: str
    audio: str
    battery_holds_charge: str

    def action(self, item: str) -> str:
        return getattr(self, item)


@dataclass(frozen=True)
class OutcomeRules:
    ssd_min_gb: int
    replace_worn_disk: bool


@dataclass(frozen=True)
class HarvestRules:
    ram_types: tuple[str, ...]
    ram_min_mb: int
    disk_min_gb: int
    keep_ssd_any_size: bool
    keep_battery: bool
    keep_screen: bool


@dataclass(frozen=True)
class Rules:
    version: str
    disk: DiskRules
    battery: BatteryRules
    memory: MemoryRules
    cpu: CpuRules
    emmabuntus: tuple[Edition, ...]
    grade: GradeRules
    checks: ChecksRules
    outcome: OutcomeRules
    harvest: HarvestRules
    source: str = "packaged"


_SECTIONS = {"disk": DiskRules, "battery": BatteryRules, "memory": MemoryRules,
             "cpu": CpuRules, "grade": GradeRules, "checks": ChecksRules,
             "outcome": OutcomeRules, "harvest": HarvestRules}


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(what=str(path), why="file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, IsADirectoryError) as exc:
        raise BadInput(what=str(path), why=str(exc)) from None


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key != "max_module_mb":
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _convert(value: Any, hint: Any, key: str, where: str) -> Any:
    """Check ``value`` against a type hint; return it converted (lists -> tuples)."""
    def bad(expected: str) -> BadInput:
        return BadInput(what=where, why=f"'{key}' must be {expected}, not {value!r}")

    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise bad("a list")
        return tuple(_convert(v, inner, key, where) for v in value)
    if origin is dict:
        _, inner = typing.get_args(hint)
        if not isinstance(value, dict):
            raise bad("a table")
        return {str(k): _convert(v, inner, f"{key}.{k}", where) for k, v in value.items()}
    raise bad(str(hint))  # pragma: no cover - a schema bug


def _build(cls, data: Any, section: str, where: str):
    if not isinstance(data, dict):
        raise BadInput(what=where, why=f"'{section}' must be a table")
    hints = typing.get_type_hints(cls)
    fields = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise BadInput(what=where, why=f"unknown key '{section}.{unknown[0]}'")
    missing = [f for f in fields if f not in data]
    if missing:
        raise BadInput(what=where, why=f"missing key '{section}.{missing[0]}'")
    return cls(**{f: _convert(data[f], hints[f], f"{section}.{f}", where) for f in fields})


def parse_rules(data: dict, where: str = "grading rules", source: str = "packaged") -> Rules:
    """Validate a merged rules mapping into ``Rules`` (raises ``BadInput``)."""
    top = {"version", "emmabuntus", *_SECTIONS}
    unknown = sorted(set(data) - top)
    if unknown:
        raise BadInput(what=where, why=f"unknown key '{unknown[0]}'")
    if not isinstance(data.get("version"), str) or not data["version"].strip():
        raise BadInput(what=where, why="'version' must be a non-empty string")
    sections = {name: _build(cls, data.get(name), name, where)
                for name, cls in _SECTIONS.items()}
    editions = data.get("emmabuntus")
    if not isinstance(editions, list) or not editions:
        raise BadInput(what=where, why="'emmabuntus' must be a non-empty list of tables")
    eds = tuple(_build(Edition, e, f"emmabuntus[{i}]", where) for i, e in enumerate(editions))
    for f in dataclasses.fields(ChecksRules):
        if getattr(sections["checks"], f.name) not in CHECK_ACTIONS:
            raise BadInput(what=where, why=f"'checks.{f.name}' must be one of "
                           + ", ".join(CHECK_ACTIONS))
    if sections["grade"].hdd_max_grade not in GRADES:
        raise BadInput(what=where, why="'grade.hdd_max_grade' must be A, B or C")
    return Rules(version=data["version"].strip(), emmabuntus=eds, source=source, **sections)


def load_rules(path: Path | None = None, *, home: Path | None = None) -> Rules:
    """The rules in force: ``path`` if given, else ``<home>/grading.toml`` if it
    exists, else the packaged file. A workshop file is merged over the packaged one."""
    base = _read(PACKAGED)
    if path is None and home is not None and (Path(home) / "grading.toml").exists():
        path = Path(home) / "grading.toml"
    if path is None:
        return parse_rules(base, str(PACKAGED))
    path = Path(path)
    over = _read(path)
    if "version" not in over:
        raise BadInput(what=str(path), why="missing key 'version' (name your rules version)")
    return parse_rules(_merge(base, over), str(path), source=str(path))
