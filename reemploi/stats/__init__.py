"""Statistics and exports for coordinators: figures, weight, impact, DEEE report.

Flow: the journal's events → ``ledger.Ledger`` (one fold, period-independent, kept
beside the projection by the commands that write the journal: ``keep``, ``cache``) →
``tally`` (the period's counts, codes and numbers: ``figures``) →
``tables.build_tables`` (translated tables) → one writer per format (``exports``:
CSV/XLSX/ODS, ``report_pdf``: PDF, ``summary``: text). Data that varies by workshop
(default weights, DEEE categories, CO2e factors) lives in ``reemploi/data/*.toml``
with its sources, overridable in the data directory.

Public API for other stages:
    figures_for(home, period, station=..., operator=...) -> Figures
    compute(events, period, reference) -> Figures          (pure)
    make_period(year=, month=, start=, end=) -> Period

The names are imported on first use (PEP 562): every command that writes the journal
imports ``stats.keep``, and must not pay for the fold, the tables and their
dataclasses (about 0.1 s) to do so.
"""

from __future__ import annotations

from pathlib import Path
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

__all__ = ["Figures", "Ledger", "Period", "Record", "Reference", "Weight", "compute", "compute_records",
           "figures_for", "load_ledger", "load_reference", "make_period", "read_events", "read_records"]


def __getattr__(name: str) -> Any:
    if name == "load_ledger":
        from .cache import load_ledger
        return load_ledger
    if name in ("Reference", "load_reference"):
        from . import factors
        return getattr(factors, name)
    if name in ("Figures", "Weight"):
        from . import figures
        return getattr(figures, name)
    if name in ("Ledger", "Record", "compute", "compute_records"):
        from . import ledger
        return getattr(ledger, name)
    if name in ("Period", "make_period"):
        from . import period
        return getattr(period, name)
    if name in ("read_events", "read_records"):
        from . import reader
        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def figures_for(home: Path, period):
    """The figures of ``period`` for the data directory ``home`` (kept ledger)."""
    from .cache import load_ledger
    from .factors import load_reference
    return load_ledger(home).figures(period, load_reference(home))
