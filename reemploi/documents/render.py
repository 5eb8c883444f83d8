"""Draw planned labels onto PDF pages (reportlab): sheets of many, or one per roll page.

Each label is planned by ``layout.plan_label`` first, so every QR code on the page
has already passed the size rule before any byte is written. QR codes are placed on
the printer's dot grid (counted from the page's top-left corner, where a raster
driver starts) so that every module is a whole number of dots, not 4 or 5 by turns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Sequence

from reportlab.pdfgen.canvas import Canvas

from ..errors import BadInput
from .layout import LabelContent, LabelLayout, plan_label
from .qr import MM, draw_qr
from .templates import LabelTemplate
from ..i18n import N_


@dataclass(frozen=True)
class PlacedLabel:
    """Where a label went: page (1-based), cell index on that page, and its QR square (mm)."""

    page: int
    cell: int
    content: LabelContent
    layout: LabelLayout
    qr_x_mm: float                 # from the page's top-left corner
    qr_y_mm: float
    qr_size_mm: float


@dataclass(frozen=True)
class LabelDocument:
    pdf: bytes
    template: LabelTemplate
    placed: tuple[PlacedLabel, ...]
    pages: int


class StartOutOfRange(BadInput):
    msg = "--start {start}: a {template} sheet has positions 1 to {count}"


def _snap(value_mm: float, dpi: int) -> float:
    dot = 25.4 / dpi
    return round(value_mm / dot) * dot


def render_labels(template: LabelTemplate, contents: Sequence[LabelContent], *,
                  start: int = 1, title: str = "reemploi labels") -> LabelDocument:
    """PDF with ``contents`` laid out on ``template``, beginning at cell ``start``."""
    if not contents:
        raise BadInput(what="labels", why=N_("nothing to print"))
    if not 1 <= start <= template.per_page:
        raise StartOutOfRange(start=start, template=template.name, count=template.per_page)
    plans = {}
    layouts = []
    for content in contents:   # plan everything first: refuse before drawing anything
        key = content
        if key not in plans:
            plans[key] = plan_label(template, content)
        layouts.append(plans[key])

    buf = io.BytesIO()
    page_w, page_h = template.page_w_mm * MM, template.page_h_mm * MM
    canvas = Canvas(buf, pagesize=(page_w, page_h), pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("reemploi")
    cells = template.cells()
    placed: list[PlacedLabel] = []
    slot = start - 1
    page = 1
    for content, lay in zip(contents, layouts):
        if slot == len(cells):
            canvas.showPage()
            page += 1
            slot = 0
        cell = cells[slot]
        slot += 1
        qx = _snap(cell.x_mm + lay.qr_x_mm, template.dpi)
        qy = _snap(cell.y_mm + lay.qr_y_mm, template.dpi)
        draw_qr(canvas, content.payload, qx * MM, page_h - (qy + lay.qr_size_mm) * MM,
                lay.qr_size_mm * MM)
        for line in lay.lines:
            canvas.setFont(line.font, line.size_pt)
            canvas.drawString((cell.x_mm + line.x_mm) * MM,
                              page_h - (cell.y_mm + line.baseline_mm) * MM, line.text)
        placed.append(PlacedLabel(page, cell.index, content, lay, qx, qy, lay.qr_size_mm))
    canvas.showPage()
    _save_binary(canvas)
    return LabelDocument(buf.getvalue(), template, tuple(placed), page)


def _save_binary(canvas: Canvas) -> None:
    """Save with zlib-compressed binary streams, without reportlab's ASCII85 layer.

    ASCII85 (ISO 32000-1 §7.4.3) only keeps a PDF 7-bit clean, which no printer or
    viewer needs any more, and reportlab encodes it in pure Python: it was a quarter
    of the time of a 500-label job. The setting is restored straight after.
    """
    from reportlab import rl_config
    old = rl_config.useA85
    rl_config.useA85 = 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = old


__all__ = ["LabelDocument", "PlacedLabel", "render_labels"]
