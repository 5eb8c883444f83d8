"""A photo-free drawing of a Jerry's parts: our own shapes, drawn twice.

``layout`` (pure) places the parts inside a jerrycan outline, in a 200 × 140 box with
y downwards: the motherboard, and on it the processor, memory sticks, disk and power
supply the Jerry was built with, each labelled with its plain title. ``to_svg`` makes
the inline SVG of the HTML carnet, ``to_reportlab`` the reportlab Drawing of the PDF:
one layout, so both carnets show the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 200.0, 140.0


@dataclass(frozen=True)
class Shape:
    kind: str                 # "can", "handle", "board", "cpu", "ram", "disk", "psu", "other"
    x: float
    y: float
    w: float
    h: float
    fill: str                 # #rrggbb
    label: str = ""


# Colours readable in black-and-white print too (light fills, dark outline).
FILL = {"can": "#d9e6c3", "handle": "#d9e6c3", "board": "#9fc5a8", "cpu": "#f2c879",
        "ram": "#8fb8de", "disk": "#c9b3e0", "psu": "#e8a3a3", "other": "#dddddd"}


def layout(parts: list[tuple[str, str]], board_label: str) -> list[Shape]:
    """``parts``: (part kind, label) pairs; kinds ram, disk, psu, cpu, other…"""
    shapes = [Shape("handle", 70, 2, 60, 14, FILL["handle"]),
              Shape("can", 10, 12, 180, 124, FILL["can"]),
              Shape("board", 22, 40, 116, 88, FILL["board"], board_label)]
    rams = [p for p in parts if p[0] == "ram"]
    disks = [p for p in parts if p[0] == "disk"]
    psus = [p for p in parts if p[0] == "psu"]
    cpus = [p for p in parts if p[0] == "cpu"]
    others = [p for p in parts if p[0] not in ("ram", "disk", "psu", "cpu")]
    for i, (_, label) in enumerate(cpus[:1]):
        shapes.append(Shape("cpu", 32, 52, 30, 30, FILL["cpu"], label))
    for i, (_, label) in enumerate(rams[:4]):
        shapes.append(Shape("ram", 72 + i * 14, 50, 8, 44, FILL["ram"], label if i == 0 else ""))
    for i, (_, label) in enumerate(disks[:2]):
        shapes.append(Shape("disk", 146, 62 + i * 34, 38, 28, FILL["disk"], label))
    for i, (_, label) in enumerate(psus[:1]):
        shapes.append(Shape("psu", 146, 22, 38, 34, FILL["psu"], label))
    for i, (_, label) in enumerate(others[:3]):
        shapes.append(Shape("other", 30 + i * 36, 104, 32, 18, FILL["other"], label))
    return shapes


def _label_y(s: Shape) -> float:
    """Top of the board, under a memory stick (too thin to hold text), else centred."""
    if s.kind == "board":
        return s.y + 8
    if s.kind == "ram":
        return s.y + s.h + 7
    return s.y + s.h / 2 + 2


def _short(label: str, n: int = 18) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def to_svg(shapes: list[Shape], title: str) -> str:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" '
           f'role="img" aria-label="{escape(title)}" class="drawing">',
           f"<title>{escape(title)}</title>"]
    for s in shapes:
        rx = 10 if s.kind == "can" else 6 if s.kind == "handle" else 2
        out.append(f'<rect x="{s.x:g}" y="{s.y:g}" width="{s.w:g}" height="{s.h:g}" rx="{rx}" '
                   f'fill="{s.fill}" stroke="#333" stroke-width="0.8"/>')
        if s.label:
            # Labels sit at the top of big shapes, in the middle of small ones.
            ty = _label_y(s)
            out.append(f'<text x="{s.x + s.w / 2:g}" y="{ty:g}" font-size="5.5" '
                       f'text-anchor="middle" font-family="sans-serif">'
                       f"{escape(_short(s.label))}</text>")
    out.append("</svg>")
    return "".join(out)


def to_reportlab(shapes: list[Shape], width_pt: float):
    """A reportlab Drawing ``width_pt`` wide (PDF y grows upwards: flip)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    k = width_pt / WIDTH
    d = Drawing(width_pt, HEIGHT * k)
    for s in shapes:
        rx = (10 if s.kind == "can" else 6 if s.kind == "handle" else 2) * k
        d.add(Rect(s.x * k, (HEIGHT - s.y - s.h) * k, s.w * k, s.h * k, rx=rx, ry=rx,
                   fillColor=colors.HexColor(s.fill), strokeColor=colors.HexColor("#333333"),
                   strokeWidth=0.8))
        if s.label:
            ty = _label_y(s)
            d.add(String((s.x + s.w / 2) * k, (HEIGHT - ty) * k, _short(s.label),
                         fontName="Helvetica", fontSize=5.5 * k, textAnchor="middle"))
    return d
