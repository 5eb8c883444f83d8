"""What every document handed out (lot attestation and certificate, receipt, "ton
ordinateur" sheet) shares: the signed JSON beside the PDF, the workshop's header with
its QR code, plain tables, and the record of each issue in the journal.

A document is data first: a body (``dict``) built from the journal's state, signed
with the station key (wipe/signing.py: the same Ed25519 key and wrapper as erasure
certificates, so ``reemploi certificate verify`` checks it), written as JSON; the PDF is
rendered from that signed JSON and says nothing it does not. Each issue names the
journal head it was made from (sequence number and hash), so a reader can tell which
state of the inventory a document shows, and it is recorded as ``document.issued``.
Issued again later, a document shows the state of that moment, under a new id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from ..i18n import tr
from .qr_flowable import QrFlowable

BLACK = colors.black


def pdf_text(text) -> str:
    """Escaped for a reportlab Paragraph; U+202F (narrow no-break space, French
    thousands and typography) is not in Helvetica's WinAnsi encoding and would print
    as a black square, so it becomes U+00A0."""
    return escape(str(text)).replace("\u202f", "\u00a0")


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5,
                          textColor=BLACK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "big": ParagraphStyle("big", parent=base, fontSize=11, leading=14.5),
        "title": ParagraphStyle("title", parent=base, fontName="Helvetica-Bold", fontSize=17,
                                leading=21, spaceAfter=2),
        "h2": ParagraphStyle("h2", parent=base, fontName="Helvetica-Bold", fontSize=11,
                             leading=14, spaceBefore=7, spaceAfter=3, keepWithNext=1),
        "bold": ParagraphStyle("bold", parent=base, fontName="Helvetica-Bold"),
        "mono": ParagraphStyle("mono", parent=base, fontName="Courier", fontSize=7.2,
                               leading=9),
    }


def p(text, style) -> Paragraph:
    return Paragraph(pdf_text(text if text not in (None, "") else "—"), style)


# A table cell's text at most this long: a name pasted 5 000 characters long made a row
# taller than the page, and reportlab gives up on the whole document (LayoutError).
MAX_CELL = 600


def cut(text):
    """``text`` cut to ``MAX_CELL`` characters ("…"); anything else as it is."""
    if isinstance(text, str) and len(text) > MAX_CELL:
        return text[:MAX_CELL - 1].rstrip() + "…"
    return text


def kv_table(rows, st, width_mm: float = 174.0, key_mm: float = 48.0) -> Table:
    data = [[p(k, st["small"]), p(cut(v), st["base"])] for k, v in rows]
    table = Table(data, colWidths=[key_mm * mm, (width_mm - key_mm) * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, BLACK),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def grid(header, rows, st, widths_mm) -> Table:
    data = [[p(h, st["small"]) for h in header]]
    data += [[p(cut(c), st["small"]) for c in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, BLACK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, BLACK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]))
    return table


def header(workshop: dict, title: str, subtitle: str, qr_payload: str | None, st,
           lang: str) -> Table:
    """Workshop identity (name, SIRET, address, contact) and the title, QR at the right."""
    lines = [p(workshop.get("name"), st["bold"])]
    if workshop.get("siret"):
        lines.append(p(tr("SIRET {siret}", lang, siret=workshop["siret"]), st["small"]))
    for key in ("address", "contact"):
        if workshop.get(key):
            lines.append(p(workshop[key], st["small"]))
    lines += [p(title, st["title"]), p(subtitle, st["base"])]
    qr = QrFlowable(qr_payload, 30 * mm) if qr_payload else ""
    table = Table([[lines, qr]], colWidths=(140 * mm, 34 * mm))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def workshop_identity(settings, station: str) -> dict:
    ws = settings.workshop
    return {"name": ws.name, "siret": ws.siret, "address": ws.address,
            "contact": ws.contact, "station": station}


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(prefix: str, subject: str, issued: str) -> str:
    stamp = issued.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    return f"{prefix}-{subject}-{stamp}-{os.urandom(2).hex()}"


@dataclass(frozen=True)
class Issued:
    """One issued document: its id, files and the journal head it was made from."""
    kind: str
    id: str
    json_path: Path
    sha256: str
    pdf_path: Path
    journal_seq: int
    journal_hash: str
    lang: str


def write_signed(home: Path, body: dict, folder: Path) -> tuple[dict, Path, str]:
    """Sign ``body`` with the station key and write ``<folder>/<id>.json``."""
    from ..wipe.signing import file_sha256, sign_document
    doc = sign_document(home, body)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{body['id']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return doc, path, file_sha256(path)


def build_pdf(out: Path, story, *, title: str, subject: str, author: str, footer: str) -> None:
    """A4, 18 mm margins, the footer with the page number on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    def page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(18 * mm, 8 * mm, pdf_text(footer.replace("{page}", str(doc.page)))
                          .replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        canvas.restoreState()
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=14 * mm, bottomMargin=16 * mm, title=title,
                            subject=subject, author=author, creator="reemploi")
    pdf.build(story, onFirstPage=page, onLaterPages=page)
