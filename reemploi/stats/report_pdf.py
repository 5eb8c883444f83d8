"""The PDF report for a board or a funder: key figures, charts, tables, sources.

Drawn with reportlab (platypus for the flow, reportlab.graphics for the charts, so
the charts are vectors and print sharp). Charts: machines per month (received,
reused), outcomes, and CO2e avoided per device kind. Every tonnage says how much of
it is estimated, and the impact section says what the figure means and cites the
source and year of each factor.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                Table as RLTable, TableStyle)

from ..errors import BadInput
from ..i18n import _, tr
from ..settings import Workshop
from .figures import OUTCOMES, Figures
from .tables import KIND_NAMES, OUTCOME_NAMES, Table, build_tables, name

PALETTE = [colors.HexColor(c) for c in ("#2e7d32", "#1565c0", "#ef6c00", "#6d4c41", "#8e24aa", "#00838f")]


def _num(x, lang: str, digits: int | None = None) -> str:
    """Numbers the French way in French (decimal comma, thin space between thousands)."""
    if isinstance(x, float):
        if digits is None:       # tables: up to 4 decimals (tonnes of a small workshop)
            text = f"{x:,.4f}".rstrip("0").rstrip(".")
        else:
            text = f"{x:,.{digits}f}"
        text = text.replace(",", "\u202f")
        return text.replace(".", ",") if lang == "fr" else text
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}".replace(",", "\u202f")
    return "" if x is None else str(x)


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
    pie.labels = [f"{r.machines}" for r in rows]
    for i in range(len(rows)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    d.add(pie)
    legend = Legend()
    legend.x, legend.y = 70 * mm, 45 * mm
    legend.fontSize = 8
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)],
                              f"{name(OUTCOME_NAMES, r.outcome, lang)}: {r.machines}")
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
    chart.categoryAxis.categoryNames = [name(KIND_NAMES, r.kind, lang) for r in rows]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = PALETTE[0]
    d.add(chart)
    return d


MAX_ROWS = 30   # a board reads the top of a long table; the spreadsheets have it all


def _rl_table(t: Table, lang: str, style) -> list:
    cell = style["BodyText"].clone("cell", fontSize=7, leading=8.5)
    head = style["BodyText"].clone("head", fontSize=7, leading=8.5, fontName="Helvetica-Bold")
    rows = t.rows[:MAX_ROWS]
    data = [[Paragraph(str(h), head) for h in t.headers]]
    # Paragraphs (wrapping text) only where text is long: a plain string draws far
    # faster, and numbers never need to wrap.
    data += [[Paragraph(_num(c, lang), cell) if isinstance(c, str) and len(c) > 24 else _num(c, lang)
              for c in row] for row in rows]
    tbl = RLTable(data, repeatRows=1, hAlign="LEFT")
    tbl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 1), (-1, -1), 7),
    ]))
    out = [tbl]
    if len(t.rows) > MAX_ROWS:
        out.append(Paragraph(tr("... and {n} more rows: see the CSV or spreadsheet export.", lang,
                                n=len(t.rows) - MAX_ROWS), cell))
    return out


def write_pdf(f: Figures, workshop: Workshop, path: Path, lang: str) -> Path:
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(what=str(path), why="the folder does not exist")
    ss = getSampleStyleSheet()
    body, h1, h2 = ss["BodyText"], ss["Title"], ss["Heading2"]
    small = body.clone("small", fontSize=8, leading=10)
    tables = {t.key: t for t in build_tables(f, workshop, lang, with_machines=False)}
    period = f.period.code if f.period.code != "all" else _("all time", lang)
    story = [
        Paragraph(tr("Activity report {period}", lang, period=period), h1),
        Paragraph(" · ".join(x for x in (workshop.name,
                                          workshop.siret and "SIRET " + workshop.siret,
                                          workshop.departement and tr("Département {code}", lang,
                                                                      code=workshop.departement)) if x), body),
        Spacer(1, 4 * mm),
    ]
    if f.empty:
        story.append(Paragraph(_("The inventory is empty: every figure is zero.", lang), body))
    key = [
        tr("{n} machines received, {reused} reused (given or sold), {out} out in all.", lang,
           n=f.totals.received, reused=f.reused, out=f.totals.out),
        tr("{kg} kg received, of which {e} kg estimated from default weights.", lang,
           kg=_num(f.received_weight.total_kg, lang, 1),
           e=_num(f.received_weight.estimated_kg, lang, 1)),
        tr("{kg} kg CO2e of manufacturing avoided at most.", lang, kg=_num(f.kg_co2e_avoided, lang, 1)),
        tr("{n} machines built in the workshop; {h} parts harvested, {r} reused.", lang, n=f.built,
           h=sum(p.harvested for p in f.parts), r=sum(p.reused for p in f.parts)),
        tr("{n} disks erased; {c} erasure certificates issued.", lang, n=f.disks_erased, c=f.certificates),
    ]
    story += [Paragraph("• " + k, body) for k in key]
    story += [Spacer(1, 4 * mm), Paragraph(_("Machines per month", lang), h2), _month_chart(f, lang),
              KeepTogether([Paragraph(_("Outcomes", lang), h2), _outcome_chart(f, lang)]),
              Paragraph(_("Summary", lang), h2), *_rl_table(tables["summary"], lang, ss),
              Spacer(1, 6 * mm),
              Paragraph(_("Environmental impact", lang), h2), _impact_chart(f, lang),
              Paragraph(_("What this figure means: for each machine given or sold, the greenhouse "
                          "gases that manufacturing a new device would have emitted. It is an upper "
                          "bound: not every reused machine replaces a new purchase, and the "
                          "refurbishing itself is not subtracted. Recycled or dismantled machines "
                          "are not counted.", lang), small),
              *_rl_table(tables["impact"], lang, ss)]
    if f.factors_overridden:
        story.append(Paragraph(_("The workshop set some of its own impact factors.", lang), small))
    story += [Spacer(1, 4 * mm), Paragraph(_("By device kind", lang), h2), *_rl_table(tables["by_kind"], lang, ss),
              Paragraph(_("Eco-organism report (DEEE)", lang), h2), *_rl_table(tables["deee"], lang, ss),
              Paragraph(_("Estimated weights: when a device was not weighed at intake, a default "
                          "weight per device kind is used; these tonnes are shown apart as estimated.",
                          lang), small)]
    for k in ("by_outcome", "by_grade", "by_donor", "by_destination", "parts", "erasures", "by_month"):
        if tables[k].rows:
            story += [Paragraph(tables[k].title, h2), *_rl_table(tables[k], lang, ss)]
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=tr("Activity report {period}", lang, period=period),
                            author=workshop.name)
    try:
        doc.build(story)
    except OSError as exc:
        raise BadInput(what=str(path), why=exc.strerror or str(exc)) from None
    return path
