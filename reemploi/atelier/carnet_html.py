"""The carnet as one self-contained HTML page (no file, font or script fetched).

Viewable offline in any browser, e.g. on the Jerry's own Emmabuntüs desktop: inline
CSS, the drawing and the QR code as inline SVG, and the signed carnet inside a
``<script type="application/json">`` block (data, never run), so ``reemploi atelier
verify page.html`` checks the page itself.
"""

from __future__ import annotations

import json
from html import escape

from ..documents.qr import QUIET_ZONE_MODULES, qr_matrix
from .carnet_view import build_view
from .drawing import to_svg

# The id of the <script> that carries the signed JSON inside the page: written here,
# found again by ``carnet.load_signed`` when a carnet is checked from its HTML.
HTML_MARK = "carnet-signe"

CSS = """
body{font-family:sans-serif;font-size:20px;line-height:1.5;max-width:60em;margin:1em auto;
padding:0 1em;color:#111;background:#fff}
h1{font-size:2em;margin:.2em 0}h2{font-size:1.4em;margin-top:1.2em;border-bottom:2px solid #6a9955}
.head{display:flex;gap:1em;align-items:center;justify-content:space-between}
.qr{width:7em;height:7em}.drawing{width:100%;max-width:36em;height:auto}
.part{margin:.6em 0;padding:.4em .8em;border-left:6px solid #9fc5a8;background:#f5f9f0}
.part b{font-size:1.1em}.small{font-size:.8em;color:#333;word-break:break-all}
table{border-collapse:collapse}td{padding:.15em .8em .15em 0}
"""


def qr_svg(payload: str) -> str:
    m = qr_matrix(payload)
    n = m.size + 2 * QUIET_ZONE_MODULES
    rects = "".join(f'<rect x="{c + QUIET_ZONE_MODULES}" y="{r + QUIET_ZONE_MODULES}" '
                    f'width="1" height="1"/>'
                    for r, row in enumerate(m.modules) for c, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" class="qr" '
            f'shape-rendering="crispEdges" role="img" aria-label="{escape(payload)}">'
            f'<rect width="{n}" height="{n}" fill="#fff"/><g fill="#000">{rects}</g></svg>')


def render_html(signed: dict, sha256: str) -> str:
    v = build_view(signed, sha256)
    e = escape
    out = ["<!DOCTYPE html>", f'<html lang="{v.lang}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(v.title)} — {e(v.headline)}</title><style>{CSS}</style></head><body>",
           f'<div class="head"><div><h1>{e(v.title)}</h1><p><b>{e(v.headline)}</b></p>'
           f"<p>{e(v.asset_line)}</p></div>{qr_svg(v.qr)}</div>",
           f"<h2>{e(v.drawing_title)}</h2>", to_svg(list(v.shapes), v.drawing_title),
           f"<h2>{e(v.parts_heading)}</h2>"]
    for p in v.parts:
        label = f" — {e(p.label)}" if p.label else ""
        out.append(f'<div class="part"><b>{e(p.title)}</b>{label} '
                   f'<span class="small">({e(p.part_id)})</span><br>{e(" ".join(p.what))}'
                   f"<br>{e(p.origin)} {e(p.weight)}</div>")
    out.append(f"<p><b>{e(v.ewaste)}</b></p>")
    if v.card:
        out.append(f"<h2>{e(v.card_heading)}</h2><table>")
        out += [f"<tr><td>{e(a)}</td><td><b>{e(b)}</b></td></tr>" for a, b in v.card]
        out.append("</table>")
    out.append(f"<h2>{e(v.work_heading)}</h2>")
    out += [f"<p>{e(line)}</p>" for line in v.work]
    out.append("<ol>" + "".join(f"<li>{e(s)}</li>" for s in v.steps) + "</ol>")
    out.append(f"<h2>{e(v.competences_heading)}</h2><ul>")
    out += [f"<li>{e(c)}</li>" for c in v.competences]
    out.append(f"</ul><p>{e(v.competences_note)}</p>")
    out.append(f"<h2>{e(v.signature_heading)}</h2>")
    out += [f'<p class="small">{e(line)}</p>' for line in v.signature]
    data = json.dumps(signed, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    out.append(f'<script type="application/json" id="{HTML_MARK}">{data}</script>')
    out.append("</body></html>")
    return "\n".join(out)
