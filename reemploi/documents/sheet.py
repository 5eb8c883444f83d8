"""The traceability sheet: one A4 page (or more) per machine, from its journal.

Identity, donor and lot, full specifications, operator checks, grade with its
reasons, wipe summary with the certificate reference and hash, image installed,
parts installed and where they came from, and the machine's history (date, event,
operator), with a QR code to the asset. Black on white, no tints below 50 % grey, so
a tired office laser prints it legibly; Helvetica (a PDF base font: nothing embedded).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from xml.sax.saxutils import escape

from ..grade.render import ITEM_TEXT
from ..i18n import N_, number, tr, when
from ..inventory import describe
from ..inventory.describe import METHOD_NAMES, NIST_NAMES, word
from ..model import Machine
from ..probe.render import ram_size
from ..settings import Settings
from .content import MEDIA_NAMES, PART_KINDS, ram_text, size_text
from .facts import AssetFacts
from .qr import MM, draw_qr, fit_qr_size_mm

SHEET_DPI = 300            # office printers: the QR must scan at 300 dpi
QR_ROOM_MM = 30.0
MARGIN_MM = 15.0

# Event names and details are shared with ``reemploi inventory history``
# (inventory/describe.py): an event reads the same on screen and on paper.
EVENT_NAMES = describe.EVENT_NAMES

# A wipe started and never ended (facts.WipeFact): the certificate's words for it.
WIPE_RESULT_NAMES = {"unfinished": N_("interrupted, no end recorded (power cut?)")}
STATE_NAMES = {"ok": N_("ok"), "fail": N_("fails"), "na": N_("not applicable")}
SMART_NAMES = {"passed": N_("SMART: passed"), "failed": N_("SMART: FAILED"),
               "unknown": N_("SMART: unknown")}
NETWORK_NAMES = {"wired": N_("Ethernet"), "wifi": N_("Wi-Fi"), "other": N_("other")}
# inventory.events CHECKOUT destination_kind values (own msgids: stats.po's "given"
# is a plural, "données", for machines counted in a report).
DESTINATION_NAMES = {"given": N_("Given to {org} on {date}"),
                     "sold": N_("Sold to {org} on {date}"),
                     "recycled": N_("Sent for recycling to {org} on {date}"),
                     "dismantled": N_("Dismantled for parts ({org}) on {date}")}
# Same msgids (and French) as the inventory command's status column.
STATUS_NAMES = describe.STATUS_NAMES


@dataclass(frozen=True)
class SheetDocument:
    pdf: bytes
    pages: int
    qr_payload: str
    qr_x_mm: float             # QR square on page 1, from the top-left corner
    qr_y_mm: float
    qr_size_mm: float


def _styles():
    base = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11.5,
                          textColor=colors.black)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "h1": ParagraphStyle("h1", parent=base, fontName="Helvetica-Bold", fontSize=22,
                             leading=26),
        # keepWithNext: a heading never ends a page without its table.
        "h2": ParagraphStyle("h2", parent=base, fontName="Helvetica-Bold", fontSize=11,
                             leading=14, spaceBefore=8, spaceAfter=3, keepWithNext=1),
        "mono": ParagraphStyle("mono", parent=base, fontName="Courier", fontSize=7.5,
                               leading=9),
    }


def _p(text, style) -> Paragraph:
    # Helvetica (WinAnsi) has no narrow no-break space (U+202F, French thousands and
    # typography): it would print as a black square. The no-break space keeps the join.
    return Paragraph(escape(str(text).replace("\u202f", "\u00a0")), style)


def _kv_table(rows, st, width_mm=180.0) -> Table:
    data = [[_p(k, st["small"]), _p(v if v not in (None, "") else "—", st["base"])]
            for k, v in rows]
    table = Table(data, colWidths=[42 * MM, (width_mm - 42) * MM])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.black),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _grid(header, rows, st, widths_mm) -> Table:
    data = [[_p(h, st["small"]) for h in header]]
    data += [[_p(c if c not in (None, "") else "—", st["small"]) for c in row] for row in rows]
    table = Table(data, colWidths=[w * MM for w in widths_mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]))
    return table


def _specs(f: AssetFacts, lang) -> list[tuple[str, str]]:
    m = f.machine or {}
    cpu = m.get("cpu") or {}
    mem = m.get("memory") or {}
    rows = []
    if cpu.get("model"):
        threads = tr("{cores} cores / {threads} threads", lang, cores=cpu.get("cores") or "?",
                     threads=cpu.get("threads") or "?")
        rows.append((tr("Processor", lang), f"{cpu['model']} — {threads}"))
    if mem.get("total_mb"):
        mods = [" ".join(v for v in (ram_size(x["size_mb"], lang), x.get("type"),
                                     x.get("form_factor")) if v)
                for x in mem.get("modules") or [] if x.get("size_mb")]
        text = ram_text(f.ram_mb, lang)
        if mods:
            text += " (" + ", ".join(mods) + ")"
        rows.append((tr("Memory", lang), text))
    for d in Machine.from_dict({"disks": m.get("disks")}).data_disks():
        health = d.smart.health.value if d.smart else "unknown"
        rows.append((tr("Disk", lang), " ".join(str(x) for x in (
            MEDIA_NAMES.get(d.media.value, ""), size_text(d.size_bytes, lang),
            d.model or "", d.serial or "",
            "—", tr(SMART_NAMES.get(health, health), lang)) if x)))
    for g in m.get("gpus") or []:
        rows.append((tr("Graphics", lang), " ".join(x for x in (g.get("vendor"), g.get("model")) if x)))
    for s in m.get("screens") or []:
        if s.get("diagonal_in"):
            res = (f" {s.get('native_width')}×{s.get('native_height')}"
                   if s.get("native_width") else "")
            rows.append((tr("Screen", lang), f"{number(s['diagonal_in'], lang, 1)}\"{res}"))
    for b in m.get("batteries") or []:
        design, full = b.get("design_wh"), b.get("full_wh")
        if design and full:
            rows.append((tr("Battery", lang),
                         tr("{pct} % of design capacity", lang, pct=round(100 * full / design))))
    net = [n.get("kind") for n in m.get("network") or []]
    if net:
        rows.append((tr("Network", lang), ", ".join(
            tr(NETWORK_NAMES[k], lang) if k in NETWORK_NAMES else k
            for k in sorted(set(str(x) for x in net)))))
    return rows


def _checkout_rows(f: AssetFacts, lang) -> list[tuple[str, str]]:
    """Where the machine went: the question the sheet answers once it has left."""
    out = f.checkout or {}
    if not out:
        return []
    kind = str(out.get("destination_kind") or "")
    org, date = out.get("organisation") or "?", out.get("date") or "?"
    if kind in DESTINATION_NAMES:
        text = tr(DESTINATION_NAMES[kind], lang, org=org, date=when(date, lang))
    else:
        text = " — ".join(str(x) for x in (kind, org, date))
    return [(tr("Left the workshop", lang), text)]


def _method(method: str, lang) -> str:
    """``auto (prng)`` (what was asked, what was done) in the reader's words."""
    asked, _, done = method.partition(" (")
    text = word(METHOD_NAMES, asked, lang)
    done = done.rstrip(")")
    if done:
        parts = [word(METHOD_NAMES, x, lang) if x in METHOD_NAMES else x for x in done.split("+")]
        text += f" ({' + '.join(parts)})"
    return text


def _validation_rows(f: AssetFacts, lang) -> list[tuple[str, str]]:
    """The validator's sign-off (NIST SP 800-88 r1 App. G "validation"), or that none
    is on record yet."""
    v = f.validation
    if not v:
        return [(tr("Validated by", lang), tr("not validated yet", lang))] \
            if f.kind == "machine" else []
    text = tr("{name}, {date}, station {station}", lang, name=v.get("by") or "?",
              date=when(v.get("time"), lang), station=v.get("station") or "?")
    if v.get("note"):
        text += f" — {v['note']}"
    return [(tr("Validated by", lang), text)]


def _event_detail(h, lang) -> str:
    """What the history line is about: the note's text, the wiped disk, the part..."""
    return describe.event_detail(h.type, h.detail, h.asset_id, lang)


def _reasons(f: AssetFacts, lang) -> list[str]:
    verdict = f.verdict or {}
    if not verdict.get("reasons"):
        return []
    try:
        from ..grade.render import render_reasons
        from ..grade.verdict import Verdict
        return list(render_reasons(Verdict.from_dict(verdict), lang))
    except (ImportError, KeyError, ValueError):
        return [f"{r.get('code')} {r.get('params') or ''}".strip() for r in verdict["reasons"]]


def _outcome(value: str | None, lang) -> str | None:
    try:
        from ..grade.render import OUTCOME_TEXT
        from ..grade.verdict import Outcome
        return tr(OUTCOME_TEXT[Outcome(value)], lang)
    except (ImportError, KeyError, ValueError):
        return value


def render_sheet(f: AssetFacts, settings: Settings, lang: str | None = None, *,
                 generated: str | None = None) -> SheetDocument:
    """The traceability sheet of ``f`` as PDF bytes."""
    st = _styles()
    payload = settings.qr_payload(f.asset_id)
    qr_size = fit_qr_size_mm(payload, QR_ROOM_MM, SHEET_DPI)
    page_w, page_h = A4
    qr_x = 210.0 - MARGIN_MM - qr_size
    qr_y = MARGIN_MM
    generated = generated or when(datetime.now(timezone.utc).isoformat(), lang)
    story = []
    # The header keeps clear of the QR code's square (top right, quiet zone included).
    header = Table([[[_p(settings.workshop.name, st["base"]),
                      _p(tr("Traceability sheet", lang), st["h2"]),
                      _p(f.asset_id, st["h1"])], ""]],
                   colWidths=[(180.0 - QR_ROOM_MM - 2) * MM, (QR_ROOM_MM + 2) * MM],
                   rowHeights=[QR_ROOM_MM * MM])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(header)

    story.append(_p(tr("Identity", lang), st["h2"]))
    story.append(_kv_table([
        (tr("Asset id", lang), f.asset_id), (tr("Maker", lang), f.maker),
        (tr("Model", lang), f.model), (tr("Serial number", lang), f.serial),
        (tr("Kind", lang), tr(f.device_kind, lang) if f.device_kind else None),
        (tr("Status", lang), tr(STATUS_NAMES[f.status], lang) if f.status in STATUS_NAMES
         else f.status),
        (tr("Donor", lang), f"{f.donor_name} ({f.donor_id})" if f.donor_name else f.donor_id),
        (tr("Lot", lang), tr("{lot}, received {date}", lang, lot=f.lot_id, date=when(f.lot_received, lang))
         if f.lot_id and f.lot_received else f.lot_id),
        *_validation_rows(f, lang),
        *_checkout_rows(f, lang),
    ], st))

    specs = _specs(f, lang)
    story.append(_p(tr("Specifications", lang), st["h2"]))
    story.append(_kv_table(specs, st) if specs else _p(tr("Not probed yet.", lang), st["base"]))

    checks = dict(f.checks or {})
    story.append(_p(tr("Operator checks", lang), st["h2"]))
    notes = checks.pop("notes", None)
    # grade records every item, null for those not asked (``--check`` given for some):
    # print only what the operator checked, under the grade stage's item names.
    checks = {k: v for k, v in checks.items() if v is not None}
    if checks or notes:
        names = {**ITEM_TEXT, "cosmetic": N_("cosmetic state")}
        rows = [(tr(names[k], lang) if k in names else k,
                 tr(STATE_NAMES[str(v)], lang) if str(v) in STATE_NAMES else str(v))
                for k, v in checks.items()]
        if notes:
            rows.append((tr("Notes", lang), notes))
        story.append(_kv_table(rows, st))
    else:
        story.append(_p(tr("No checks recorded.", lang), st["base"]))

    story.append(_p(tr("Grade", lang), st["h2"]))
    if f.verdict:
        rows = [(tr("Outcome", lang), _outcome(f.outcome, lang)), (tr("Grade", lang), f.grade)]
        rows += [(tr("Reason", lang), r) for r in _reasons(f, lang)]
        story.append(_kv_table(rows, st))
    else:
        story.append(_p(tr("Not graded yet.", lang), st["base"]))

    story.append(_p(tr("Data wipe", lang), st["h2"]))
    if f.wipes:
        story.append(_grid([tr("Date", lang), tr("Disk", lang), tr("Method", lang),
                            "NIST SP 800-88", tr("Result", lang)],
                           [(when(w.time, lang), w.disk or tr("(no serial number)", lang),
                             _method(w.method, lang), word(NIST_NAMES, w.nist, lang),
                             tr(WIPE_RESULT_NAMES.get(w.result, w.result), lang))
                            for w in f.wipes], st, [28, 62, 38, 26, 26]))
        for cert_id, sha, _time in f.certificates:
            story.append(_p(tr("Certificate {id}", lang, id=cert_id), st["base"]))
            story.append(_p("SHA-256 " + sha, st["mono"]))
    else:
        story.append(_p(tr("No wipe recorded.", lang), st["base"]))

    story.append(_p(tr("System installed", lang), st["h2"]))
    if f.os_name:
        img = (f.image or {}).get("image") or {}
        story.append(_kv_table([(tr("Image", lang), f.os_name),
                                ("SHA-256", img.get("sha256"))], st))
    else:
        story.append(_p(tr("No system installed yet.", lang), st["base"]))

    story.append(_p(tr("Parts installed", lang), st["h2"]))
    if f.parts:
        story.append(_grid([tr("Date", lang), tr("Part", lang), tr("Kind", lang),
                            tr("Taken from", lang)],
                           [(p.time[:10], p.part_id,
                             tr(PART_KINDS[p.part_kind], lang) if p.part_kind in PART_KINDS
                             else p.part_kind, p.from_asset) for p in f.parts],
                           st, [28, 50, 40, 62]))
    else:
        story.append(_p(tr("None.", lang), st["base"]))

    story.append(_p(tr("History", lang), st["h2"]))
    rows = []
    for h in f.history:
        event = describe.describe_event(h.type, h.detail, h.asset_id, lang)
        rows.append((when(h.time, lang), event, h.operator or "—", h.station))
    story.append(_grid([tr("Date", lang), tr("Event", lang), tr("Operator", lang),
                        tr("Station", lang)], rows, st, [32, 88, 35, 25]))

    footer = tr("{workshop} — sheet generated {date} — page {page}", lang,
                workshop=settings.workshop.name, date=generated, page="{page}")
    if f.journal_head:
        # The journal's head at issue time: `inventory verify --against` checks it.
        footer += " — " + tr("journal event {seq}, {hash}", lang, seq=f.journal_head[0],
                             hash=f.journal_head[1][:16])

    def first_page(canvas, doc):
        draw_qr(canvas, payload, qr_x * MM, page_h - (qr_y + qr_size) * MM, qr_size * MM)
        later_pages(canvas, doc)

    def later_pages(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN_MM * MM, 8 * MM, footer.replace("{page}", str(doc.page)))
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_MM * MM,
                            rightMargin=MARGIN_MM * MM, topMargin=MARGIN_MM * MM,
                            bottomMargin=14 * MM, title=f"{f.asset_id}", creator="reemploi")
    from reportlab import rl_config
    old, rl_config.useA85 = rl_config.useA85, 0     # binary streams: see render._save_binary
    try:
        doc.build(story, onFirstPage=first_page, onLaterPages=later_pages)
    finally:
        rl_config.useA85 = old
    return SheetDocument(buf.getvalue(), doc.page, payload, qr_x, qr_y, qr_size)
