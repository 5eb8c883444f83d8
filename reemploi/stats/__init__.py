"""Statistics and exports for coordinators: figures, weight, impact, DEEE report.

Flow: the journal's events → ``ledger.Ledger`` (one fold, period-independent, cached
by ``cache``) → ``tally`` (the period's counts, codes and numbers: ``figures``) →
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

from .cache import load_ledger
from .factors import Reference, load_reference
from .figures import Figures, Weight
from .ledger import Ledger, Record, compute, compute_records
from .period import Period, make_period
from .reader import read_events, read_records

__all__ = ["Figures", "Ledger", "Period", "Record", "Reference", "Weight", "compute", "compute_records",
           "figures_for", "load_ledger", "load_reference", "make_period", "read_events", "read_records"]


def figures_for(home: Path, period: Period) -> Figures:
    """The figures of ``period`` for the data directory ``home`` (cached fold)."""
    return load_ledger(home).figures(period, load_reference(home))
