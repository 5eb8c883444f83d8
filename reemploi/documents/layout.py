"""Label layout: where the asset id, the QR code and the facts go on one label.

Pure geometry: a template's printable area and a ``LabelContent`` in, a
``LabelLayout`` (millimetres from the label's top-left corner) out. Nothing is drawn
here, so the rules can be tested without a PDF.

Two arrangements are tried and the best kept:

* **banner**: the id across the full width on top; under it the QR code on the left
  and the facts to its right (A4 sheets such as L7160, the 62 mm rolls);
* **side**: the QR code on the left over the full height, the id and facts to its right.

Order of preference: an id big enough to read from a metre, then the biggest QR code,
then the biggest id, then the most facts. Facts only appear in a column at least
``MIN_FACTS_COLUMN_MM`` wide, so a 38×21 mm label carries the id and the QR code only.
The QR code is never made smaller than ``qr.qr_min_size_mm`` for the template's
resolution; if even that does not fit, ``QrTooSmall`` is raised and nothing prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reportlab.pdfbase.pdfmetrics import stringWidth

from .qr import QrTooSmall, modules_with_quiet_zone, module_mm_for, qr_min_size_mm
from .templates import LabelTemplate

PT = 25.4 / 72.0           # millimetres per point
TITLE_FONT = "Helvetica-Bold"
TEXT_FONT = "Helvetica"
CAP_HEIGHT = 0.72          # Helvetica cap height, in ems (Adobe AFM: CapHeight 718)
DESCENT = 0.21             # Helvetica descender, in ems (AFM: Descender -207)
# Legibility from a metre: 20/20 acuity resolves a letter subtending 5 arc-minutes
# (Snellen), i.e. 1.45 mm at 1 m. Signage practice asks for about three times that
# for comfortable reading, ~4.3 mm capitals: 16 pt Helvetica has 4.1 mm capitals.
PREFERRED_TITLE_PT = 16.0
MAX_TITLE_PT = 28.0
MIN_TITLE_PT = 7.0
FACT_PT = 7.0              # 7 pt is the smallest office-printer text read comfortably up close
FOOTER_PT = 6.0
LINE = 1.2                 # line height, in ems
GAP_MM = 1.0
MIN_FACTS_COLUMN_MM = 25.0


@dataclass(frozen=True)
class LabelContent:
    """What one label says. ``title`` is big (asset or lot id); ``facts`` most useful first."""

    title: str
    payload: str
    facts: tuple[str, ...] = ()
    footer: str = ""
    kind: str = "machine"          # machine | part | intake | payload


@dataclass(frozen=True)
class TextLine:
    text: str
    x_mm: float
    baseline_mm: float             # from the label's top edge
    size_pt: float
    font: str


@dataclass(frozen=True)
class LabelLayout:
    qr_x_mm: float                 # top-left corner of the QR square (quiet zone included)
    qr_y_mm: float
    qr_size_mm: float
    lines: tuple[TextLine, ...] = field(default_factory=tuple)
    arrangement: str = "banner"

    @property
    def title_pt(self) -> float:
        return self.lines[0].size_pt if self.lines else 0.0


def fit(text: str, font: str, size: float, width_mm: float) -> str:
    """``text`` cut with an ellipsis so it fits ``width_mm`` at ``size``."""
    limit = width_mm / PT
    if stringWidth(text, font, size) <= limit:
        return text
    while text and stringWidth(text + "…", font, size) > limit:
        text = text[:-1]
    return text + "…" if text else ""


def title_size(title: str, width_mm: float, height_mm: float) -> float:
    """Largest title size (pt) fitting ``width_mm`` and a line of ``height_mm``."""
    unit = stringWidth(title, TITLE_FONT, 1.0) or 1.0
    by_width = width_mm / PT / unit
    by_height = height_mm / PT / (CAP_HEIGHT + DESCENT)
    return math.floor(min(by_width, by_height, MAX_TITLE_PT) * 2) / 2   # half-points


def _qr_sizes(payload: str, room_mm: float, dpi: int) -> list[float]:
    """Every QR side made of whole printer dots, from the largest fitting down to the minimum."""
    total = modules_with_quiet_zone(payload)
    dot = 25.4 / dpi
    lowest = round(module_mm_for(dpi) / dot)
    highest = math.floor(room_mm / (total * dot) + 1e-9)
    return [k * total * dot for k in range(highest, lowest - 1, -1)]


def _text_column(content: LabelContent, x: float, top: float, width: float,
                 bottom: float, with_title: float | None) -> list[TextLine]:
    """Title (if ``with_title``), facts and footer stacked in a column."""
    lines: list[TextLine] = []
    y = top
    if with_title:
        y += with_title * CAP_HEIGHT * PT
        lines.append(TextLine(content.title, x, y, with_title, TITLE_FONT))
        y += with_title * DESCENT * PT
    if width < MIN_FACTS_COLUMN_MM:
        return lines
    step = FACT_PT * LINE * PT
    footer_h = FOOTER_PT * LINE * PT if content.footer else 0.0
    for fact in content.facts:
        if y + step > bottom - footer_h + 1e-9:
            break
        y += step
        lines.append(TextLine(fit(fact, TEXT_FONT, FACT_PT, width), x, y - DESCENT * FACT_PT * PT,
                              FACT_PT, TEXT_FONT))
    if content.footer and y + footer_h <= bottom + 1e-9:
        lines.append(TextLine(fit(content.footer, TEXT_FONT, FOOTER_PT, width), x,
                              bottom - DESCENT * FOOTER_PT * PT, FOOTER_PT, TEXT_FONT))
    return lines


def _facts_in(lines: list[TextLine]) -> int:
    return sum(1 for line in lines if line.font == TEXT_FONT and line.size_pt == FACT_PT)


def _fewer_title_points(content: LabelContent, size: float, column) -> list[TextLine]:
    """``column(size)`` with the title made smaller, down to the readable size, while
    that brings more facts onto the label: once the id reads from a metre, the grade
    and wipe date are worth more than a bigger id (a 29 x 90 mm roll lost both to a
    24 pt id)."""
    best = column(size)
    step = size
    while _facts_in(best) < len(content.facts) and step - 0.5 >= PREFERRED_TITLE_PT:
        step -= 0.5
        lines = column(step)
        if _facts_in(lines) > _facts_in(best):
            best = lines
    return best


def _score(title_pt: float, q: float) -> tuple:
    # Readable id first; once readable, the biggest QR code; below readable, the
    # biggest id (a 38×21 mm label is read up close, but read it must be).
    readable = title_pt >= PREFERRED_TITLE_PT
    return (readable, 0.0 if readable else title_pt, round(q, 3), title_pt)


def _banner(content: LabelContent, sx, sy, sw, sh, dpi):
    """(score, builder) of the banner arrangement, or None if it does not fit."""
    size = title_size(content.title, sw, sh * 0.4)
    if size < MIN_TITLE_PT:
        return None
    title_h = size * (CAP_HEIGHT + DESCENT) * PT
    room = sh - title_h - GAP_MM
    sizes = _qr_sizes(content.payload, min(room, sw), dpi)
    if not sizes:
        return None
    q = sizes[0]

    def lines_at(pt: float) -> list[TextLine]:
        title = TextLine(content.title, sx, sy + pt * CAP_HEIGHT * PT, pt, TITLE_FONT)
        top = sy + pt * (CAP_HEIGHT + DESCENT) * PT + GAP_MM
        return [title, *_text_column(content, sx + q + GAP_MM, top, sw - q - GAP_MM,
                                     sy + sh, None)]

    def build() -> LabelLayout:
        lines = _fewer_title_points(content, size, lines_at)
        # A smaller title lifts the facts; the code stays under the id, left-aligned
        # with it, or centred when no facts sit beside it (a small label).
        pt = lines[0].size_pt
        top = sy + pt * (CAP_HEIGHT + DESCENT) * PT + GAP_MM
        qx = sx if len(lines) > 1 else sx + (sw - q) / 2
        return LabelLayout(qx, top, q, tuple(lines), "banner")
    return _score(size, q), build


def _side(content: LabelContent, sx, sy, sw, sh, dpi) -> list:
    """(score, builder) for each QR size of the side arrangement. Text lines are only
    built for the winner: fitting fact lines is the costly part of planning."""
    found = []
    for q in _qr_sizes(content.payload, min(sh, sw), dpi):
        width = sw - q - GAP_MM
        if width <= 0:
            continue
        size = title_size(content.title, width, sh * 0.4)
        if size < MIN_TITLE_PT:
            continue

        def build(q=q, width=width, size=size) -> LabelLayout:
            column = _fewer_title_points(content, size, lambda pt: _text_column(
                content, sx + q + GAP_MM, sy, width, sy + sh, pt))
            if len(column) == 1:
                # The id alone beside the code: level with the code's centre, not
                # stranded in the top corner of a small label.
                title = column[0]
                column = [TextLine(title.text, title.x_mm,
                                   sy + sh / 2 + title.size_pt * CAP_HEIGHT * PT / 2,
                                   title.size_pt, title.font)]
            return LabelLayout(sx, sy + (sh - q) / 2, q, tuple(column), "side")
        found.append((_score(size, q), build))
    return found


def plan_label(template: LabelTemplate, content: LabelContent) -> LabelLayout:
    """Best layout of ``content`` on one label of ``template``; ``QrTooSmall`` if none scans."""
    sx, sy, sw, sh = template.safe_area_mm()
    need = qr_min_size_mm(content.payload, template.dpi)
    if need > min(sw, sh) + 1e-9:
        raise QrTooSmall(payload=content.payload, need_mm=f"{need:.1f}", dpi=template.dpi,
                         have_mm=f"{min(sw, sh):.1f}")
    candidates = _side(content, sx, sy, sw, sh, template.dpi)
    banner = _banner(content, sx, sy, sw, sh, template.dpi)
    if banner is not None:
        candidates.append(banner)
    if not candidates:
        # No room for a readable id beside a scannable code: the code alone, centred.
        q = _qr_sizes(content.payload, min(sw, sh), template.dpi)[0]
        return LabelLayout(sx + (sw - q) / 2, sy + (sh - q) / 2, q, (), "qr-only")
    return max(candidates, key=lambda c: c[0])[1]()
