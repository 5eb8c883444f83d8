"""The figures as CSV, XLSX and PDF downloads (same tables as the figures page)."""

from __future__ import annotations

import csv
import io

from .. import i18n
from .figures import COLUMNS as STAGES, YearFigures

STAGE_NAMES = {"received": "received", "diagnosed": "diagnosed", "wiped": "wiped",
               "imaged": "imaged", "ready": "ready", "out": "out", "built": "built"}


def sections(f: YearFigures, lang: str) -> list[tuple[str, list[str], list[list]]]:
    t = lambda m: i18n.tr(m, lang)   # noqa: E731
    stage_cols = [t(STAGE_NAMES[s]) for s in STAGES]
    return [
        (t("Machines per month"), [t("Month"), *stage_cols],
         [[m["month"], *(m[s] for s in STAGES)] for m in f.months]
         + [[t("Total"), *(f.totals[s] for s in STAGES)]]),
        (t("By station"), [t("Station"), t("Workshop"), *stage_cols],
         [[r["station"], r["workshop"], *(r[s] for s in STAGES)] for r in f.by_station]),
        (t("Outcomes"), [t("Destination"), t("Machines")],
         [[t(r["outcome"] or "?"), r["machines"]] for r in f.outcomes]),
        (t("Grades"), [t("Grade"), t("Machines")],
         [[r["grade"], r["machines"]] for r in f.grades]),
        (t("Erasures"), [t("Method"), t("Succeeded"), t("Failed")],
         [[r["method"], r["succeeded"], r["failed"]] for r in f.erasures]),
    ]


def render_export(f: YearFigures, fmt: str, lang: str) -> tuple[bytes, str]:
    secs = sections(f, lang)
    title = i18n.tr("Figures across stations, {year}", lang, year=f.year)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([title])
        for name, head, rows in secs:
            writer.writerow([])
            writer.writerow([name])
            writer.writerow(head)
            writer.writerows(rows)
        return buf.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        from openpyxl import Workbook
        wb = Workbook()
        wb.remove(wb.active)
        for name, head, rows in secs:
            ws = wb.create_sheet(name[:31])
            ws.append(head)
            for row in rows:
                ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), ("application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet")
    return _pdf(title, secs), "application/pdf"


def _pdf(title: str, secs: list) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title)
    story = [Paragraph(title, styles["Title"])]
    for name, head, rows in secs:
        story += [Spacer(1, 8), Paragraph(name, styles["Heading2"])]
        table = Table([head] + [[str(c) for c in r] for r in rows], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                                   ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story.append(table)
    doc.build(story)
    return out.getvalue()
