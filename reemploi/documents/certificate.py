"""The erasure certificate as a PDF (reportlab), in French or English.

Renders a signed certificate JSON (reemploi/wipe/certificate.py) as it is: the PDF
adds nothing that the JSON does not say, and prints the SHA-256 of the JSON file plus
the signing key's fingerprint, so anyone holding the PDF can ask for the JSON and
check it with ``reemploi certificate verify``. The QR code carries the certificate id
and that hash.

Layout follows NIST SP 800-88 r1 Appendix G (person, media, sanitization details,
destination, signatures of the sanitizer and of the validator), then one block per
disk with what nwipe's report also shows (HPA/DCO, % erased, passes, throughput,
errors, SMART). A failed or interrupted wipe turns the title into a failure report:
the document never reads as a certificate of success when one disk was not erased.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

from ..i18n import number, tr, when
from ..inventory.describe import disk_words
from .qr_flowable import QrFlowable

# The words of a certificate live in a module without reportlab, so the wipe command
# and its plan print them without loading the PDF toolkit (issue 16: ~0.3 s per start).
from ..wipe.terms import (CATEGORY, CAVEAT, CLASSIFICATION, DESTINATION, MEDIA, RESULT, TECHNIQUE, VERIFY,  # noqa: F401
                                error_text, label)

SIGNATURE_BOX = object()   # sentinel: an empty box to sign in


def _v(value) -> str:
    if value is None or value == "":
        return "-"
    return str(value)


def _esc(text: str) -> str:
    # U+202F (French narrow no-break space) is not in Helvetica's WinAnsi: use U+00A0.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\u202f", "\u00a0"))


def _table(rows: list[tuple[str, str]], widths=(55 * mm, 115 * mm)) -> Table:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)
    # SIGNATURE_BOX leaves room for a handwritten signature.
    data = [[Paragraph(f"<b>{_esc(k)}</b>", small),
             Paragraph("<br/><br/><br/>" if v is SIGNATURE_BOX else _esc(v), small)]
            for k, v in rows]
    t = Table(data, colWidths=widths)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    return t


def _person_rows(p: dict, lang: str) -> list[tuple[str, str]]:
    return [(tr("Name", lang), _v(p.get("name"))), (tr("Title", lang), _v(p.get("title"))),
            (tr("Organization", lang), _v(p.get("organization"))),
            (tr("Location", lang), _v(p.get("location"))),
            (tr("Contact", lang), _v(p.get("contact"))), (tr("Date", lang),
             when(p["date"], lang) if p.get("date") else _v(None)),   # "06/12/2026" in French
            (tr("Signature", lang), SIGNATURE_BOX)]


def _size(n, lang: str = "en") -> str:
    if not n:
        return "-"
    return tr("{n} GB", lang, n=number(n / 1e9, lang, 1))


def _num(value, lang: str, digits: int = 1) -> str:
    return number(value, lang, digits) if isinstance(value, (int, float)) else "-"


def _media_rows(m: dict, lang: str) -> list[tuple[str, str]]:
    ver = m.get("verification") or {}
    hpa, dco = m.get("hpa"), m.get("dco")
    hpa_text = tr("not detected", lang) if not hpa else (
        tr("present, {n} hidden sectors", lang, n=hpa.get("hidden_sectors"))
        if hpa.get("enabled") else tr("absent", lang))
    dco_text = tr("not detected", lang) if not dco else (
        tr("present, {n} hidden sectors", lang, n=dco.get("hidden_sectors"))
        if dco.get("active") else tr("absent", lang))
    smart = m.get("smart") or {}
    smart_text = "-" if not smart else tr(
        "health {health}, {hours} h powered on, {realloc} reallocated sectors", lang,
        health=_v(smart.get("health")), hours=_v(smart.get("power_on_hours")),
        realloc=_v(smart.get("reallocated_sectors")))
    tool = m.get("tool") or {}
    prng = m.get("prng") or {}
    rows = [
        (tr("Manufacturer", lang), _v(m.get("manufacturer"))),
        (tr("Model", lang), _v(m.get("model"))),
        (tr("Serial number", lang), _v(m.get("serial")) if m.get("serial")
         else tr("no serial number", lang)),
        (tr("Property number", lang), _v(m.get("property_number"))),
        (tr("Media type", lang), label(MEDIA.get(m.get("media_type") or "", m.get("media_type")),
                                       lang) + ", " + _size(m.get("size_bytes"), lang)),
        (tr("Media source", lang), _v(m.get("source"))),
        (tr("Result", lang), label(RESULT.get(m.get("result"), m.get("result")), lang)),
        (tr("Method type", lang), label(CATEGORY.get(m.get("category") or ""), lang)),
        (tr("Method used", lang), label(TECHNIQUE.get(m.get("technique") or ""), lang)),
        (tr("Passes and patterns", lang), f"{m.get('passes')}: " + ", ".join(m.get("patterns") or [])
         + (f" (PRNG {prng.get('algorithm')}, seed id {prng.get('seed_id')})" if prng else "")),
        (tr("Tool used", lang), f"{_v(tool.get('name'))} {_v(tool.get('version'))}"
         + "".join(f", {v}" for v in (tool.get("external") or {}).values() if v)),
        (tr("Verification", lang), label(VERIFY.get(ver.get("method") or "", ver.get("method")),
                                         lang) + ": "
         + label(RESULT.get(ver.get("result"), ver.get("result")), lang)
         + (", " + tr("{n} MB read back", lang, n=_num(ver["bytes_checked"] / 1e6, lang))
            if ver.get("bytes_checked") else "")),
        (tr("HPA / DCO", lang), f"{hpa_text} / {dco_text}"),
        (tr("Bytes erased", lang), f"{_num(m.get('percent_erased'), lang, 2)} %"),
        (tr("Throughput", lang), tr("{n} MB/s", lang, n=_num(m.get("throughput_mb_s"), lang))),
        (tr("Start / end", lang), f"{when(m.get('started'), lang, seconds=True)} / "
                                  f"{when(m.get('ended'), lang, seconds=True)}"),
        (tr("Errors", lang), "; ".join(error_text(e, lang) for e in m.get("errors") or [])
         or tr("none", lang)),
        (tr("SMART", lang), smart_text),
    ]
    notes = [tr(CAVEAT[c], lang) for c in m.get("caveats") or [] if c in CAVEAT]
    if notes:
        rows.append((tr("Notes", lang), " ".join(notes)))
    return rows


def render_certificate_pdf(doc: dict, json_sha256: str, out: Path, lang: str = "fr") -> Path:
    """Write the PDF of a signed certificate document to ``out``."""
    cert = doc["certificate"]
    sig = doc.get("signature") or {}
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("b", fontSize=9, leading=11.5)
    ok = cert.get("result") == "success"
    title = (tr("Certificate of media sanitization", lang) if ok
             else tr("Media sanitization report: FAILED, not a certificate", lang))
    ws = cert.get("workshop") or {}
    head = [Paragraph(_esc(title), styles["Title"]),
            Paragraph(_esc(" · ".join(x for x in (ws.get("name"), ws.get("address"),
                                                   ws.get("contact")) if x)), body)]
    if ws.get("siret"):
        head.append(Paragraph(_esc("SIRET " + ws["siret"]), body))
    qr_payload = f"{cert.get('id')} sha256:{json_sha256}"
    header = Table([[head, QrFlowable(qr_payload, 30 * mm)]], colWidths=(140 * mm, 34 * mm))
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [header]
    story.append(Spacer(1, 3 * mm))
    verified = all((m.get("verification") or {}).get("result") == "passed"
                   for m in cert.get("media") or [])
    if ok and verified:
        story.append(Paragraph(_esc(tr(
            "The storage media listed below were sanitized following NIST SP 800-88 Rev. 1; "
            "each was verified after sanitization.", lang)), body))
    elif ok:
        # --verify none: the wipe succeeded, but the document must not say it was checked.
        story.append(Paragraph("<b>" + _esc(tr(
            "The storage media listed below were sanitized following NIST SP 800-88 Rev. 1; "
            "at least one was NOT verified after sanitization (see each disk).", lang))
            + "</b>", body))
    else:
        story.append(Paragraph("<b>" + _esc(tr(
            "At least one disk was NOT sanitized completely. This document does not certify "
            "the erasure of the media listed as failed or interrupted.", lang)) + "</b>", body))
        for f in cert.get("failures") or []:
            story.append(Paragraph(_esc(f"• {disk_words(f.get('model'), f.get('serial'), lang)}: "
                                        + label(RESULT.get(f.get("result"), f.get("result")), lang)), body))
    story.append(Spacer(1, 3 * mm))
    machine = cert.get("machine") or {}
    story.append(_table([
        (tr("Certificate number", lang), _v(cert.get("id"))),
        (tr("Issued", lang), when(cert.get("issued"), lang)),
        (tr("Property number (asset)", lang), _v(cert.get("asset_id"))),
        (tr("Computer", lang), " ".join(str(machine[k]) for k in ("vendor", "product", "serial")
                                        if machine.get(k)) or "-"),
        (tr("Media source (donor)", lang), _v(cert.get("donor"))),
        (tr("Lot", lang), _v(cert.get("lot_id"))),
        (tr("Method type", lang), label(CATEGORY.get(cert.get("category") or ""), lang)),
        (tr("Post-sanitization destination", lang),
         label(DESTINATION.get(cert.get("destination"), cert.get("destination")), lang)),
        (tr("Post-sanitization classification", lang),
         label(CLASSIFICATION[cert["post_sanitization_classification"]], lang)
         if cert.get("post_sanitization_classification") in CLASSIFICATION
         else _v(cert.get("post_sanitization_classification"))),
        (tr("Notes", lang), _v(cert.get("notes"))),
    ]))
    for i, m in enumerate(cert.get("media") or [], 1):
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(_esc(tr("Disk {n}", lang, n=i)), styles["Heading3"]))
        story.append(_table(_media_rows(m, lang)))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_esc(tr("Person who sanitized", lang)), styles["Heading3"]))
    story.append(_table(_person_rows(cert.get("sanitized_by") or {}, lang)))
    story.append(Paragraph(_esc(tr("Person who verified", lang)), styles["Heading3"]))
    story.append(_table(_person_rows(cert.get("verified_by") or {}, lang)))
    story.append(Spacer(1, 4 * mm))
    # The signing key's fingerprint on paper: what a donor compares with the one the
    # workshop gave them (its published key, ``certificate export-key``). A valid
    # signature by any other key proves nothing (issue 11: anyone can make a key).
    fp = _v(sig.get("fingerprint"))
    story.append(Paragraph(_esc(tr("Electronic signature: Ed25519, by the key whose "
                                   "fingerprint is:", lang)), body))
    story.append(Paragraph(f"<font face='Courier-Bold'>{_esc(fp)}</font>",
                           body.clone("fp", fontSize=8.5, leading=11)))
    story.append(Paragraph(_esc(tr("SHA-256 of the signed JSON file: {sha}", lang,
                                   sha=json_sha256)), body))
    story.append(Paragraph(_esc(tr("Check it with: reemploi certificate verify {file} "
                                   "--fingerprint {fp}", lang,
                                   file=f"{cert.get('id')}.json", fp=fp)), body))

    out = Path(out)
    pdf = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm, title=title,
                            subject=f"{cert.get('id')} sha256:{json_sha256}",
                            author=ws.get("name") or "reemploi")
    pdf.build(story)
    return out
