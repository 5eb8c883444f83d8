"""Statistics and exports for coordinators: figures, weight, impact, DEEE report.

Flow: the journal's events → ``figures.compute`` (pure fold, codes and numbers) →
``tables.build_tables`` (translated tables) → one writer per format (``exports``:
CSV/XLSX/ODS, ``report_pdf``: PDF, ``summary``: text). Data that varies by workshop
(default weights, DEEE categories, CO2e factors) lives in ``reemploi/data/*.toml``
with its sources, overridable in the data directory.

Public API for other stages:
    figures_for(home, period, station=..., operator=...) -> Figures
    compute(events, period, reference) -> Figures          (pure)
    make_period(year=, month=, start=, end=) -> Period
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .factors import Reference, load_reference
from .figures import Figures, Weight, compute
from .period import Period, make_period

__all__ = ["Figures", "Period", "Reference", "Weight", "compute", "figures_for",
           "load_reference", "make_period", "read_events"]


def read_events(home: Path, station: str = "stats", operator: str | None = None) -> Iterable:
    """The journal's events in order, through the inventory (empty if none yet)."""
    from ..inventory.store import Inventory

    if not (Path(home) / "journal.jsonl").exists():
        return iter(())
    inv = Inventory.open(home, station, operator)
    return inv.events()


def figures_for(home: Path, period: Period, station: str = "stats",
                operator: str | None = None) -> Figures:
    return compute(read_events(home, station, operator), period, load_reference(home))
