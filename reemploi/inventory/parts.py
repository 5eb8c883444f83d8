"""Spare-part stock: parts in stock grouped into lines a volunteer can read.

"DDR3 SODIMM 4 GB × 12": parts of one kind whose key facts agree are
interchangeable on the bench, so they are counted together. Which facts make the
key is data (``STOCK_KEYS``); serials, health figures and free notes are not part of
it (two 4 GB DDR3 sticks are the same stock line whatever their serial).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

# part kind → facts that make two parts interchangeable, in display order.
STOCK_KEYS: dict[str, tuple[str, ...]] = {
    "ram": ("type", "form_factor", "size_gb", "size_mb", "speed_mts"),
    "disk": ("media", "form_factor", "interface", "size_gb"),
    "battery": ("vendor", "model"),
    "psu": ("vendor", "model", "watts", "connector"),
    "screen": ("diagonal_in", "resolution", "connector"),
    "other": ("what", "model"),
}
UNITS = {"size_gb": "GB", "size_mb": "MB", "speed_mts": "MT/s", "watts": "W", "diagonal_in": "\""}
PART_KINDS = tuple(STOCK_KEYS)


@dataclass(frozen=True)
class StockLine:
    part_kind: str
    facts: tuple[tuple[str, str], ...]    # (key, value) pairs of the grouping key
    count: int
    ids: tuple[str, ...]

    @property
    def label(self) -> str:
        """Short description without words to translate: "DDR3 SODIMM 4 GB"."""
        bits = []
        for key, value in self.facts:
            unit = UNITS.get(key)
            bits.append(f"{value}{unit}" if unit == "\"" else f"{value} {unit}" if unit else value)
        return " ".join(bits)


def parse_facts(pairs: Iterable[str]) -> dict[str, object]:
    """``k=v`` strings into a dict; numbers become numbers. ValueError on a bad pair."""
    facts: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise ValueError(pair)
        value = value.strip()
        try:
            facts[key] = int(value)
        except ValueError:
            try:
                facts[key] = float(value.replace(",", "."))
            except ValueError:
                facts[key] = value
    return facts


def stock(parts: Iterable[dict]) -> list[StockLine]:
    """Group parts in stock (status "stock") into lines, biggest first."""
    groups: dict[tuple, list[str]] = {}
    for p in parts:
        if p.get("status") != "stock":
            continue
        kind = p.get("part_kind") or p.get("device_kind") or "other"
        facts = p.get("facts") or {}
        key_names = STOCK_KEYS.get(kind, STOCK_KEYS["other"])
        key = tuple((k, str(facts[k])) for k in key_names if facts.get(k) not in (None, ""))
        groups.setdefault((kind, key), []).append(p["id"])
    lines = [StockLine(kind, key, len(ids), tuple(sorted(ids))) for (kind, key), ids in groups.items()]
    return sorted(lines, key=lambda l: (l.part_kind, -l.count, l.facts))
