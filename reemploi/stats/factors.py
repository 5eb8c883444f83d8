"""Device kinds, default weights, WEEE categories and CO2e factors, as data.

Two TOML files ship in ``reemploi/data`` with their sources (house rule 10: what
varies by workshop is data): ``default_weights.toml`` (kinds, default weight, DEEE
category, aliases) and ``impact_factors.toml`` (kg CO2e to manufacture one new
device). A workshop may override either with a file of the same name in its data
directory; its entries replace ours kind by kind.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ..errors import BadInput

DATA = Path(__file__).resolve().parent.parent / "data"
WEIGHTS_FILE = "default_weights.toml"
FACTORS_FILE = "impact_factors.toml"


@dataclass(frozen=True)
class KindInfo:
    kind: str
    weight_kg: float | None      # default when nothing was measured
    deee_category: int | None    # French DEEE category 1..7 (R543-172)


@dataclass(frozen=True)
class ImpactFactor:
    kind: str
    kg_co2e: float
    source: str
    year: int
    label: str = ""
    source_fr: str = ""          # the source in French, for French reports (optional)


@dataclass(frozen=True)
class Reference:
    """Everything the statistics need to know about kinds; immutable."""
    kinds: Mapping[str, KindInfo] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    factors: Mapping[str, ImpactFactor] = field(default_factory=dict)
    factors_overridden: bool = False

    def canonical(self, raw: str | None) -> str:
        """Map an intake device kind to a known kind; unknown kinds keep their name."""
        if not raw:
            return "unknown"
        key = str(raw).strip().lower()
        return self.aliases.get(key, key)

    def info(self, kind: str) -> KindInfo:
        return self.kinds.get(kind) or KindInfo(kind, None, None)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise BadInput(what=str(path), why=str(exc)) from None


def _number(value, path: Path, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise BadInput(what=str(path), why=f"{key} must be a positive number")
    return float(value)


def load_reference(home: Path | None = None) -> Reference:
    """Our data files, then the workshop's overrides in ``home`` if present."""
    kinds: dict[str, KindInfo] = {}
    aliases: dict[str, str] = {}
    factors: dict[str, ImpactFactor] = {}
    overridden = False
    sources = [DATA]
    if home is not None:
        sources.append(Path(home))
    for folder in sources:
        wpath = folder / WEIGHTS_FILE
        if wpath.is_file():
            for name, entry in _read(wpath).get("kinds", {}).items():
                name = name.lower()
                w = entry.get("weight_kg")
                cat = entry.get("deee_category")
                if cat is not None and cat not in range(1, 8):
                    raise BadInput(what=str(wpath), why=f"kinds.{name}.deee_category must be 1..7")
                kinds[name] = KindInfo(name, None if w is None else _number(w, wpath, f"kinds.{name}.weight_kg"),
                                       cat)
                aliases[name] = name
                for alias in entry.get("aliases", []):
                    aliases[str(alias).lower()] = name
        fpath = folder / FACTORS_FILE
        if fpath.is_file():
            for name, entry in _read(fpath).get("factor", {}).items():
                if "kg_co2e" not in entry or "source" not in entry:
                    raise BadInput(what=str(fpath), why=f"factor.{name} needs kg_co2e and source")
                factors[name.lower()] = ImpactFactor(
                    name.lower(), _number(entry["kg_co2e"], fpath, f"factor.{name}.kg_co2e"),
                    str(entry["source"]), int(entry.get("year", 0)), str(entry.get("label", "")),
                    str(entry.get("source_fr", "")))
                overridden = overridden or folder != DATA
    return Reference(MappingProxyType(kinds), MappingProxyType(aliases),
                     MappingProxyType(factors), overridden)
