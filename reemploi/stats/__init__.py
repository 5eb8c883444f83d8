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
from typing import Iterator

from .factors import Reference, load_reference
from .figures import Figures, Weight, compute
from .period import Period, make_period

__all__ = ["Figures", "Period", "Reference", "Weight", "compute", "figures_for",
           "load_reference", "make_period", "read_events"]


def read_events(home: Path) -> Iterator:
    """The journal's events in order (none if there is no journal yet).

    We read the journal file directly, as ``Inventory.events()`` does, rather than
    through ``Inventory.open``: statistics only read, so they need neither the write
    lock nor an up-to-date projection (opening would rebuild it for a fresh copy of
    the journal: minutes for 50 000 machines), and they must not create a data
    directory where there is none. A torn last line is skipped by the reader.
    Checking the hash chain is ``reemploi inventory verify``'s job.
    """
    from ..inventory.errors import JournalCorrupt
    from ..inventory.journal import Journal, event_from_dict, parse_line

    journal = Journal(home)
    if not journal.path.exists():
        return
    for offset, line in journal.iter_lines():
        try:
            d = parse_line(line)
            yield event_from_dict(d)
        except (ValueError, KeyError, TypeError):
            raise JournalCorrupt(seq=f"@{offset}", why="not a valid event line") from None


def figures_for(home: Path, period: Period) -> Figures:
    return compute(read_events(home), period, load_reference(home))
