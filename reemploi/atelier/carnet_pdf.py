"""The carnet as an A4 PDF (reportlab): the same sections as the HTML page.

Large type for young readers (14 pt body, 26 pt title), the QR code of the asset id
beside the title, the drawing of the Jerry's parts, then parts with provenance, the
work done, the competences *travaillées*, and the signature block with the SHA-256 of
the signed JSON (as on the erasure certificate: hand over the PDF, keep the JSON).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from ..documents.paper import pdf_text
from ..documents.qr_flowable import QrFlowable
from .carnet_view import build_view
from .drawing import to_reportlab


def _para(text: str, style) -> Paragraph:
    """Plain text in a Paragraph: escaped (reportlab reads markup, and a name like
    "Emmaüs & Co <Villeurbanne>" would lose its "<...>") and safe for the PDF fonts."""
    return Paragraph(pdf_text(text), style)


def _styles() -> dict:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontSize=14, leading=19)
    return {"title": ParagraphStyle("t", parent=body, fontSize=26, leading=32,
                                     fontName="Helvetica-Bold"),
            "h": ParagraphStyle("h", parent=body, fontSize=18, leading=24, spaceBefore=10,
                                spaceAfter=4, fontName="Helvetica-Bold"),
            "body": body, "bold": ParagraphStyle("b", parent=body, fontName="Helvetica-Bold"),
            "small": ParagraphStyle("s", parent=body, fontSize=9, leading=12)}


def render_pdf(signed: dict, sha256: str, out: Path) -> Path:
    v = build_view(signed, sha256)
    st = _styles()
    width = A4[0] - 30 * mm
    head = Table([[[_para(v.title, st["title"]), _para(v.headline, st["bold"]),
                    _para(v.asset_line, st["body"])], QrFlowable(v.qr, 32 * mm)]],
                 colWidths=[width - 36 * mm, 36 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list = [head, _para(v.drawing_title, st["h"]),
                   to_reportlab(list(v.shapes), width * 0.8), _para(v.parts_heading, st["h"])]
    for p in v.parts:
        label = f" — {p.label}" if p.label else ""
        story.append(KeepTogether([_para(f"{p.title}{label} ({p.part_id})", st["bold"]),
                                   _para(" ".join(p.what), st["body"]),
                                   _para(f"{p.origin} {p.weight}", st["body"]),
                                   Spacer(1, 4)]))
    story.append(_para(v.ewaste, st["bold"]))
    if v.card:
        story.append(_para(v.card_heading, st["h"]))
        t = Table([[_para(a, st["body"]), _para(b, st["bold"])] for a, b in v.card],
                  colWidths=[55 * mm, width - 55 * mm])
        story.append(t)
    story.append(_para(v.work_heading, st["h"]))
    story += [_para(line, st["body"]) for line in v.work]
    story += [_para(f"{i}. {s}", st["body"]) for i, s in enumerate(v.steps, 1)]
    story.append(_para(v.competences_heading, st["h"]))
    story += [_para("• " + c, st["body"]) for c in v.competences]
    story.append(_para(v.competences_note, st["small"]))
    story.append(_para(v.signature_heading, st["h"]))
    story += [_para(line, st["small"]) for line in v.signature]
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=v.title,
                            author=signed["certificate"]["workshop"])
    doc.build(story)
    return Path(out)
