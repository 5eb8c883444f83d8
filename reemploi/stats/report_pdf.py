"""The PDF report for a board or a funder: key figures, charts, tables, sources.

Drawn with reportlab (platypus for the flow, reportlab.graphics for the charts, so
the charts are vectors and print sharp). Charts: machines per month (received,
reused), outcomes, and CO2e avoided per device kind. Every tonnage says how much of
it is estimated, and the impact section says what the figure means and cites the
source and year of each factor.
"""

from __future__ import annotations

import io

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                Table as RLTable, TableStyle)

from ..errors import BadInput
from ..i18n import _, number, tr
from ..settings import Workshop
from .exports import save
from .figures import Figures
from .summary import headline
from .tables import KIND_NAMES, OUTCOME_NAMES, STAGE_NAMES, Table, _wcols, build_tables, name
from ..i18n import N_

PALETTE = [colors.HexColor(c) for c in ("#2e7d32", "#1565c0", "#ef6c00", "#6d4c41", "#8e24aa", "#00838f")]


# The standard PDF fonts (Helvetica, WinAnsiEncoding) have no narrow no-break space
# (U+202F, what i18n.number puts between French thousands): reportlab draws it as a
# black box in a table cell. The no-break space U+00A0 is in WinAnsi, and reportlab's
# Paragraph does not break a line on it (platypus/paragraph.py, _wsc).
def pdf_text(text: str) -> str:
    return text.replace("\u202f", "\u00a0")


def _para(text: str, style) -> Paragraph:
    """A Paragraph of plain text: reportlab reads Paragraph text as markup, so a name
    like "Emmaüs & Co <Villeurbanne>" must be escaped (unescaped, the "<...>" part
    silently vanished from the report)."""
    return Paragraph(escape(pdf_text(text)), style)


def _num(x, lang: str, digits: int | None = None) -> str:
    """Numbers as each language writes them (i18n.number), safe for the PDF fonts.
    Table floats: whole units from 1 000 on, else up to 4 decimals (the tonnes of a
    small workshop), trailing zeros dropped."""
    if isinstance(x, float):
        if digits is None:
            big = abs(x) >= 1000
            text = number(x, lang, 0 if big else 4)
            if not big:
                text = text.rstrip("0").rstrip(",.")
        else:
            text = number(x, lang, digits)
        return pdf_text(text)
    if isinstance(x, int) and not isinstance(x, bool):
        return pdf_text(number(x, lang))
    return "" if x is None else pdf_text(str(x))


def _axis_format(lang: str):
    return lambda v: _num(int(v) if float(v).is_integer() else float(v), lang)


def _month_chart(f: Figures, lang: str) -> Drawing:
    d = Drawing(170 * mm, 70 * mm)
    months = f.by_month[-24:]                   # two years at most keep labels legible
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 15 * mm, 150 * mm, 48 * mm
    chart.data = [[r.counts.received for r in months] or [0], [r.reused for r in months] or [0]]
    chart.categoryAxis.categoryNames = [r.month[2:] for r in months] or [""]
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_format(lang)
    top = max((v for series in chart.data for v in series), default=0)
    if top < 5:       # machines are whole: no "0.5" or "0.008" ticks for a quiet year
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = max(top, 1), 1
    chart.bars[0].fillColor = PALETTE[1]
    chart.bars[1].fillColor = PALETTE[0]
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = 120 * mm, 68 * mm
    legend.fontSize = 7
    legend.colorNamePairs = [(PALETTE[1], _("received", lang)), (PALETTE[0], _("reused", lang))]
    legend.columnMaximum = 1
    d.add(legend)
    return d


def _outcome_chart(f: Figures, lang: str) -> Drawing:
    d = Drawing(170 * mm, 55 * mm)
    rows = [r for r in f.outcomes if r.machines]
    if not rows:
        d.add(String(10, 20, _("No machine went out in this period.", lang), fontSize=9))
        return d
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 10 * mm, 5 * mm, 45 * mm, 45 * mm
    pie.data = [r.machines for r in rows]
    pie.labels = [_num(r.machines, lang) for r in rows]
    for i in range(len(rows)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    d.add(pie)
    legend = Legend()
    legend.x, legend.y = 70 * mm, 45 * mm
    legend.fontSize = 8
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)],
                              tr("{label}: {value}", lang, label=name(OUTCOME_NAMES, r.outcome, lang),
                                 value=_num(r.machines, lang)))
                             for i, r in enumerate(rows)]
    d.add(legend)
    return d


def _impact_chart(f: Figures, lang: str) -> Drawing:
    rows = [r for r in f.impact if r.kg_co2e]
    d = Drawing(170 * mm, max(25, 10 * len(rows) + 15) * mm)
    if not rows:
        d.add(String(10, 20, _("No reuse with a known factor in this period.", lang), fontSize=9))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 45 * mm, 8 * mm
    chart.width, chart.height = 110 * mm, 10 * len(rows) * mm
    chart.data = [[round(r.kg_co2e) for r in rows]]
    chart.categoryAxis.categoryNames = [pdf_text(name(KIND_NAMES, r.kind, lang)) for r in rows]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_format(lang)
    chart.bars[0].fillColor = PALETTE[0]
    d.add(chart)
    d.add(String(chart.x + chart.width, 1 * mm, _("kg CO2e avoided, upper bound", lang), fontSize=7,
                 textAnchor="end"))
    return d


MAX_ROWS = 30   # a board reads the top of a long table; the spreadsheets have it all


WIDTH = A4[0] - 30 * mm   # the frame: A4 less the 15 mm margins
PAD = 12                   # reportlab's default cell padding, 6 pt left + 6 pt right
WRAP = 24                  # text cells longer than this wrap (Paragraph)
TEXT_MAX = 38 * mm         # a wrapping text column asks no more than this


def _widths(headers: list[str], rows: list[list[str]]) -> list[float]:
    """Column widths from the content. A column is never narrower than its widest
    number or short text and its header's longest word (below that, words break
    mid-letter); wrapping text columns would like up to TEXT_MAX. Spare width goes to
    every column in proportion; missing width is taken from what columns would like
    beyond their minimum. reportlab's own choice when every header is a Paragraph,
    equal widths, crushed the wide tables into one-letter header lines and
    overlapping figures."""
    least, like = [], []
    for j, h in enumerate(headers):
        word = max((stringWidth(w, "Helvetica-Bold", 7) for w in h.split()), default=0)
        cells = [r[j] for r in rows]
        short = max((stringWidth(c, "Helvetica", 7) for c in cells if len(c) <= WRAP), default=0)
        wrapped = min(max((stringWidth(c, "Helvetica", 7) for c in cells if len(c) > WRAP), default=0),
                      TEXT_MAX)
        least.append(max(word, short) + PAD)
        like.append(max(word, short, wrapped) + PAD)
    if sum(like) <= WIDTH:
        return [w * WIDTH / sum(like) for w in like]
    if sum(least) >= WIDTH:
        return [w * WIDTH / sum(least) for w in least]
    room = (WIDTH - sum(least)) / (sum(like) - sum(least))
    return [lo + (hi - lo) * room for lo, hi in zip(least, like)]


def _columns(t: Table, keep: list[int]) -> Table:
    """The same table with only the columns ``keep`` (the PDF's narrower view)."""
    return Table(t.key, t.title, tuple(t.headers[i] for i in keep),
                 tuple(tuple(r[i] for i in keep) for r in t.rows))


# A cell's text at most this long: a name pasted 5 000 characters long made a row
# taller than the page, and reportlab gives up on the whole report (LayoutError). The
# spreadsheets and CSV keep the full text.
MAX_CELL = 200


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1].rstrip() + "…"


def _rl_table(t: Table, lang: str, style) -> list:
    cell = style["BodyText"].clone("cell", fontSize=7, leading=8.5)
    head = style["BodyText"].clone("head", fontSize=7, leading=8.5, fontName="Helvetica-Bold")
    headers = [pdf_text(str(h)) for h in t.headers]
    rows = [[_cut(_num(c, lang)) for c in row] for row in t.rows[:MAX_ROWS]]
    data = [[_para(h, head) for h in headers]]
    # Paragraphs (wrapping text) only where text is long: a plain string draws far
    # faster, and numbers never need to wrap.
    data += [[_para(c, cell) if len(c) > WRAP else c for c in row] for row in rows]
    tbl = RLTable(data, colWidths=_widths(headers, rows), repeatRows=1, hAlign="LEFT")
    tbl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 1), (-1, -1), 7),
    ]))
    out = [tbl]
    if len(t.rows) > MAX_ROWS:
        out.append(_para(tr("... and {n} more rows: see the CSV or spreadsheet export.", lang,
                            n=number(len(t.rows) - MAX_ROWS, lang)), cell))
    return out


def _kind_table(f: Figures, lang: str) -> Table:
    """By device kind, narrowed for a portrait page: the stage columns (diagnosed to
    ready) and the four outcomes fold into reused / recycled or dismantled, and each
    weight shows its total and the estimated part of it. The spreadsheets have every
    column (18 do not fit across A4)."""
    rows = tuple((name(KIND_NAMES, r.kind, lang), r.counts.received, r.counts.out,
                  r.outcomes["given"] + r.outcomes["sold"], r.outcomes["recycled"] + r.outcomes["dismantled"],
                  round(r.received_weight.total_kg, 2), round(r.received_weight.estimated_kg, 2),
                  round(r.reused_weight.total_kg, 2), round(r.reused_weight.estimated_kg, 2),
                  r.deee_category) for r in f.by_kind)
    estimated = _("of which estimated kg", lang)
    return Table("by_kind", _("By device kind", lang),
                 (_("Kind", lang), _(STAGE_NAMES["received"], lang), _(STAGE_NAMES["out"], lang),
                  _("reused", lang), _("recycled or dismantled", lang),
                  _wcols("Received", lang)[2], estimated, _wcols("Reused", lang)[2], estimated,
                  _("DEEE category", lang)), rows)


def write_pdf(f: Figures, workshop: Workshop, path: Path, lang: str,
              extra: tuple[tuple[list[str], Table], ...] = ()) -> Path:
    """``extra``: (lines, table) sections other stages add (the atelier's figures)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(what=str(path), why=N_("the folder does not exist"))
    ss = getSampleStyleSheet()
    body, h1, h2 = ss["BodyText"], ss["Title"], ss["Heading2"]
    small = body.clone("small", fontSize=8, leading=10)
    tables = {t.key: t for t in build_tables(f, workshop, lang, with_machines=False)}
    period = f.period.code if f.period.code != "all" else _("all time", lang)
    story = [
        _para(tr("Activity report {period}", lang, period=period), h1),
        _para(" · ".join(x for x in (workshop.name,
                                          workshop.siret and "SIRET " + workshop.siret,
                                          workshop.departement and tr("Département {code}", lang,
                                                                      code=workshop.departement)) if x), body),
        Spacer(1, 4 * mm),
    ]
    if f.empty:
        story.append(_para(_("The inventory is empty: every figure is zero.", lang), body))
    key = headline(f, lang)
    story += [_para("• " + k, body) for k in key]
    story += [Spacer(1, 4 * mm), _para(_("Machines per month", lang), h2), _month_chart(f, lang),
              KeepTogether([_para(_("Outcomes", lang), h2), _outcome_chart(f, lang)]),
              _para(_("Summary", lang), h2), *_rl_table(tables["summary"], lang, ss),
              Spacer(1, 6 * mm),
              _para(_("Environmental impact", lang), h2), _impact_chart(f, lang),
              _para(_("What this figure means: for each machine given or sold, the greenhouse "
                          "gases that manufacturing a new device would have emitted. It is an upper "
                          "bound: not every reused machine replaces a new purchase, and the "
                          "refurbishing itself is not subtracted. Recycled or dismantled machines "
                          "are not counted.", lang), small),
              *_rl_table(tables["impact"], lang, ss)]
    if f.factors_overridden:
        story.append(_para(_("The workshop set some of its own impact factors.", lang), small))
    story += [Spacer(1, 4 * mm), _para(_("By device kind", lang), h2),
              *_rl_table(_kind_table(f, lang), lang, ss),
              _para(_("Eco-organism report (DEEE)", lang), h2),
              # The site's identifiers and the period are in the title and the header
              # line: the PDF leaves out the four columns that repeat them on every row.
              *_rl_table(_columns(tables["deee"], list(range(4, len(tables["deee"].headers)))), lang, ss),
              _para(_("Estimated weights: when a device was not weighed at intake, a default "
                          "weight per device kind is used; these tonnes are shown apart as estimated.",
                          lang), small)]
    for k in ("by_outcome", "by_grade", "by_donor", "by_destination", "parts", "erasures", "by_month"):
        if tables[k].rows:
            story += [_para(tables[k].title, h2), *_rl_table(tables[k], lang, ss)]
    for lines, table in extra:
        story += [_para(table.title, h2), *[_para("• " + x, body) for x in lines],
                  *_rl_table(table, lang, ss)]
    data = io.BytesIO()      # whole, then in place (exports.save): never a 0-byte report
    doc = SimpleDocTemplate(data, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=tr("Activity report {period}", lang, period=period),
                            author=workshop.name)
    doc.build(story)
    save(path, data.getvalue())
    return path
