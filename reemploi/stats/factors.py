"""Device kinds, default weights, WEEE categories and CO2e factors, as data.

Two TOML files ship in ``reemploi/data`` with their sources (house rule 10: what
varies by workshop is data): ``default_weights.toml`` (kinds, default weight, DEEE
category, aliases) and ``impact_factors.toml`` (kg CO2e to manufacture one new
device). A workshop may override either with a file of the same name in its data
directory; its entries replace ours kind by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping


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
    from ..datafile import read_toml
    return read_toml(path)


def load_reference(home: Path | None = None) -> Reference:
    """Our data files, then the workshop's overrides in ``home`` if present. Every key
    is typed and bounded (``datafile.Reader``): a hand-edited override with ``kinds =
    5`` or ``year = "x"`` is exit 7 naming the key, not a crash of ``stats``."""
    from ..datafile import Reader
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
            doc = Reader(_read(wpath), wpath)
            doc.only(("kinds", "meta"))
            table = doc.table("kinds")
            for name in table.data:
                entry = table.table(name)
                entry.only(("weight_kg", "deee_category", "aliases"))
                name = name.lower()
                # A machine weighs far less than a tonne; DEEE categories 1-7 (decree
                # 2014-928, annex).
                w = None if "weight_kg" not in entry.data else entry.number("weight_kg", 0, 1000)
                cat = None if "deee_category" not in entry.data else \
                    entry.integer("deee_category", 1, 7)
                kinds[name] = KindInfo(name, w, cat)
                aliases[name] = name
                for alias in entry.text_list("aliases", limit=200):
                    aliases[alias.lower()] = name
        fpath = folder / FACTORS_FILE
        if fpath.is_file():
            doc = Reader(_read(fpath), fpath)
            doc.only(("factor", "meta"))
            table = doc.table("factor")
            for name in table.data:
                entry = table.table(name)
                entry.only(("kg_co2e", "label", "year", "source", "source_fr"))
                entry.require(("kg_co2e", "source"))
                factors[name.lower()] = ImpactFactor(
                    name.lower(), entry.number("kg_co2e", 0, 1e6),
                    entry.text("source", limit=1000), entry.integer("year", 0, 9999, 0),
                    entry.text("label", "", limit=200), entry.text("source_fr", "", limit=1000))
                overridden = overridden or folder != DATA
    return Reference(MappingProxyType(kinds), MappingProxyType(aliases),
                     MappingProxyType(factors), overridden)
