"""Grading rules as data: load, merge and validate the versioned TOML file.

The packaged ``reemploi/data/grading.toml`` holds every threshold with a comment
saying where it comes from. A workshop overrides any subset of keys in its own file
(``--rules FILE`` or ``<home>/grading.toml``): we merge it over the packaged file, so
an older workshop file keeps working when we add a key. Every key is checked against
the dataclasses below: an unknown key or a wrong type is refused with a typed
``RulesError`` (``grade/errors.py``, a ``BadInput``: exit 7) naming the file, the key
and what is wrong, because a typo must never silently change a verdict.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import N_
from .errors import (EXPECTED, TOML_DETAIL, RulesBadChoice, RulesMissingEditionKey,
                     RulesMissingKey, RulesNoVersion, RulesNotFound, RulesNotToml,
                     RulesUnknownKey, RulesUnknownKeyHint, RulesUnreadable, RulesWrongType,
                     toml_value)
from ..syserr import reason

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


ARCHES = ("amd64", "i386")      # the Debian architectures Emmabuntüs is built for
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$|\s*\(at end of document\)$")


def _read(path: Path) -> dict:
    where = str(path)
    try:
        from ..bounded import read_at_most      # a rules file is a few KB; not read whole
        text = read_at_most(path, 1 << 20).decode("utf-8")
    except FileNotFoundError:
        raise RulesNotFound(path=where) from None
    except IsADirectoryError:
        raise RulesUnreadable(path=where, detail=N_("it is a folder, not a file")) from None
    except PermissionError:
        raise RulesUnreadable(path=where, detail=N_("permission denied")) from None
    except UnicodeDecodeError as exc:
        raise RulesUnreadable(path=where, detail=N_("not UTF-8 text (save it as UTF-8)")) \
            from exc
    except OSError as exc:
        raise RulesUnreadable(path=where, detail=reason(exc)) from None
    try:
        return tomllib.loads(text)
    except RecursionError:           # a = [[[[…]]]] thousands deep (issue 11)
        raise RulesUnreadable(path=where, detail=N_("nested too deep")) from None
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's tomllib puts the position only in the message:
        # "Invalid value (at line 1, column 11)" or "... (at end of document)".
        raw = str(exc)
        at = _AT.search(raw)
        detail = raw[:at.start()] if at else raw
        line, column = (at.group(1), at.group(2)) if at and at.group(1) else \
            (text.count("\n") + 1, len(text.rsplit("\n", 1)[-1]) + 1)
        raise RulesNotToml(path=where, line=int(line), column=int(column),
                           detail=TOML_DETAIL.get(detail, detail)) from None


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
    def bad(expected: str) -> RulesWrongType:
        return RulesWrongType(path=where, key=key, expected=expected, value=toml_value(value))

    origin = typing.get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise bad(EXPECTED["bool"])
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(EXPECTED["int"])
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(EXPECTED["number"])
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise bad(EXPECTED["str"])
        return value
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise bad(EXPECTED["list"])
        return tuple(_convert(v, inner, f"{key}[{i}]", where) for i, v in enumerate(value))
    if origin is dict:
        _, inner = typing.get_args(hint)
        if not isinstance(value, dict):
            raise bad(EXPECTED["table"])
        return {str(k): _convert(v, inner, f"{key}.{k}", where) for k, v in value.items()}
    raise bad(str(hint))  # pragma: no cover - a schema bug


def _unknown(where: str, key: str, name: str, known: list[str]) -> RulesUnknownKey:
    """An unknown key, with the likely intended one when the typo is close."""
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    if hint:
        prefix = key[:len(key) - len(name)]
        return RulesUnknownKeyHint(path=where, key=key, hint=prefix + hint[0])
    return RulesUnknownKey(path=where, key=key, known=", ".join(sorted(known)))


def _build(cls, data: Any, section: str, where: str):
    if not isinstance(data, dict):
        raise RulesWrongType(path=where, key=section, expected=EXPECTED["table"],
                             value=toml_value(data))
    hints = typing.get_type_hints(cls)
    fields = [f.name for f in dataclasses.fields(cls) if f.name != "source"]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _unknown(where, f"{section}.{unknown[0]}", unknown[0], fields)
    missing = [f for f in fields if f not in data]
    if missing and cls is Edition:
        raise RulesMissingEditionKey(path=where, key=f"{section}.{missing[0]}",
                                     fields=", ".join(fields))
    if missing:
        raise RulesMissingKey(path=where, key=f"{section}.{missing[0]}")
    return cls(**{f: _convert(data[f], hints[f], f"{section}.{f}", where) for f in fields})


def _choice(where: str, key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RulesBadChoice(path=where, key=key, allowed=", ".join(allowed),
                             value=toml_value(value))


def parse_rules(data: dict, where: str = "grading rules", source: str = "packaged") -> Rules:
    """Validate a merged rules mapping into ``Rules`` (raises a ``RulesError``)."""
    top = {"version", "emmabuntus", *_SECTIONS}
    unknown = sorted(set(data) - top)
    if unknown:
        raise _unknown(where, unknown[0], unknown[0], sorted(top))
    if "version" not in data:
        raise RulesNoVersion(path=where)
    if not isinstance(data["version"], str) or not data["version"].strip():
        raise RulesWrongType(path=where, key="version", expected=EXPECTED["nonempty-str"],
                             value=toml_value(data["version"]))
    sections = {name: _build(cls, data.get(name), name, where)
                for name, cls in _SECTIONS.items()}
    editions = data.get("emmabuntus")
    if not isinstance(editions, list) or not editions:
        raise RulesWrongType(path=where, key="emmabuntus", expected=EXPECTED["tables"],
                             value=toml_value(editions))
    eds = tuple(_build(Edition, e, f"emmabuntus[{i}]", where) for i, e in enumerate(editions))
    for i, ed in enumerate(eds):
        _choice(where, f"emmabuntus[{i}].arch", ed.arch, ARCHES)
    for f in dataclasses.fields(ChecksRules):
        _choice(where, f"checks.{f.name}", getattr(sections["checks"], f.name), CHECK_ACTIONS)
    _choice(where, "grade.hdd_max_grade", sections["grade"].hdd_max_grade, GRADES)
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
        raise RulesNoVersion(path=str(path))
    return parse_rules(_merge(base, over), str(path), source=str(path))
