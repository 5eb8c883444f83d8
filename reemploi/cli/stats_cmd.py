"""``reemploi stats``: figures for a period, as text, JSON, CSV, XLSX, ODS or PDF."""

from __future__ import annotations

import gc
from pathlib import Path

import click

from .. import i18n
from ..settings import load_settings
from ..stats import load_ledger, load_reference, make_period
from ..stats.atelier import atelier_figures, atelier_lines, atelier_table
from ..stats.figures import to_json
from ..stats.summary import render_summary
from ..stats.tables import build_tables
from .common import dump_json, home_option, json_option, lang_option, make_context


@click.command("stats")
@click.option("--year", type=int, default=None, help="Calendar year, e.g. 2026.")
@click.option("--month", default=None, help="One month, YYYY-MM.")
@click.option("--from", "start", default=None, help="First day included, YYYY-MM-DD.")
@click.option("--to", "end", default=None, help="Last day included, YYYY-MM-DD.")
@json_option
@click.option("--csv", "csv_dir", type=click.Path(path_type=Path), default=None,
              help="Write one CSV file per table (and machines.csv, the flat list) into this folder.")
@click.option("--french", is_flag=True,
              help="With --csv: French spreadsheet habits (';' separator, decimal comma, UTF-8 with BOM).")
@click.option("--xlsx", "xlsx_file", type=click.Path(path_type=Path), default=None,
              help="Write an Excel workbook, one sheet per table.")
@click.option("--ods", "ods_file", type=click.Path(path_type=Path), default=None,
              help="Write a LibreOffice (OpenDocument) spreadsheet, one sheet per table.")
@click.option("--pdf", "pdf_file", type=click.Path(path_type=Path), default=None,
              help="Write a PDF report with charts for a board or a funder.")
@lang_option
@home_option
def stats(year, month, start, end, as_json, csv_dir, french, xlsx_file, ods_file, pdf_file, lang, home):
    """Figures for coordinators: machines in and out, tonnes, CO2e avoided, DEEE report.

    Every event counts in the period of its own date. Without a period, all time.
    """
    ctx = make_context(home, lang)
    period = make_period(year=year, month=month, start=start, end=end)
    from ..system.files import check_output_file
    for out in (xlsx_file, ods_file, pdf_file):     # before any figure is computed
        if out is not None:
            check_output_file(out, create_parents=False)
    workshop = load_settings(ctx.home).workshop
    from ..stats.health import check_whole
    check_whole(ctx.home)                   # no figure of a journal that lost events
    # The ledger is a million small objects that live as long as the command: the cyclic
    # collector would walk them again and again while the figures are built (0.2 s of
    # CPU at 50 000 machines) and free nothing (the fold and the figures make no
    # cycles; reference counting frees the rest). Enabled again before any output.
    collecting = gc.isenabled()
    gc.disable()
    try:
        ledger = load_ledger(ctx.home)      # kept by the writers; the last lines folded here
        figures = ledger.figures(period, load_reference(ctx.home))
        atelier = atelier_figures(ledger, period)
    finally:
        if collecting:
            gc.enable()
    lang = ctx.lang
    extra = [atelier_table(atelier, lang)]

    def tables():
        return build_tables(figures, workshop, lang) + extra
    written: list[Path] = []
    if csv_dir is not None or xlsx_file is not None or ods_file is not None:
        # Only for an export: xml.sax.saxutils brings urllib.request and http.client
        # (about 40 ms of a 50 000-machine summary's start).
        from ..stats.exports import write_csv, write_ods, write_xlsx
        if csv_dir is not None:
            written += write_csv(tables(), csv_dir, french=french)
        if xlsx_file is not None:
            written.append(write_xlsx(tables(), xlsx_file))
        if ods_file is not None:
            written.append(write_ods(tables(), ods_file))
    if pdf_file is not None:
        from ..stats.report_pdf import write_pdf     # reportlab: only for a PDF
        written.append(write_pdf(figures, workshop, pdf_file, lang,
                                 extra=((atelier_lines(atelier, lang), extra[0]),)))
    if as_json:
        click.echo(dump_json({"workshop": workshop, "figures": to_json(figures),
                              "atelier": atelier, "files": [str(p) for p in written]}))
        return
    click.echo(render_summary(figures, workshop, lang))
    if not atelier.empty:
        click.echo("\n".join(atelier_lines(atelier, lang)))
    for p in written:
        click.echo(i18n.tr("Written: {path}", lang, path=str(p)))
