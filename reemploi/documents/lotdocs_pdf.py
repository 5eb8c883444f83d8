"""The lot's attestation and erasure certificate as PDF, from their signed JSON
(lotdocs.py). Words are made here, in the reader's language; the JSON keeps codes."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from ..i18n import N_, number, tr, when
from ..inventory.describe import STATUS_NAMES
from ..system.blockdev import format_size
from . import paper
from .certificate import CATEGORY, RESULT, TECHNIQUE, VERIFY

# What became of a device (checkout destination_kind), with the date it left.
FATE_ON = {"given": N_("given on {date}"), "sold": N_("sold on {date}"),
           "recycled": N_("sent for recycling on {date}"),
           "dismantled": N_("dismantled for parts on {date}")}
DONOR_KINDS = {"company": N_("company"), "individual": N_("individual"),
               "public": N_("public body"), "association": N_("association")}


def fate_text(fate: str | None, date: str | None, status: str | None, lang: str) -> str:
    if fate in FATE_ON:
        return tr(FATE_ON[fate], lang, date=when(date, lang))
    shown = tr(STATUS_NAMES[status], lang) if status in STATUS_NAMES else (status or "?")
    return tr("at the workshop: {status}", lang, status=shown)


def serial_text(serial: str | None, lang: str) -> str:
    """The serial number, or that there is none: never an internal identity."""
    return serial if serial else tr("no serial number", lang)


def kind_text(kind: str | None, lang: str) -> str:
    return tr(kind, lang) if kind else "?"


def _model(d: dict) -> str:
    return " ".join(x for x in (d.get("maker"), d.get("model")) if x) or "—"


def _donor_rows(donor: dict, lang: str) -> list[tuple[str, str]]:
    rows = [(tr("Donor", lang), donor.get("name") or donor.get("id"))]
    if donor.get("kind"):
        rows.append((tr("Kind of donor", lang),
                     tr(DONOR_KINDS.get(donor["kind"], donor["kind"]), lang)))
    if donor.get("siret"):
        rows.append(("SIRET", donor["siret"]))
    if donor.get("contact"):
        rows.append((tr("Contact", lang), donor["contact"]))
    return rows


def _summary(devices: list[dict], lang: str) -> str:
    counts: dict[str, int] = {}
    for d in devices:
        counts[d.get("fate") or "here"] = counts.get(d.get("fate") or "here", 0) + 1
    parts = [tr("{n} received", lang, n=number(len(devices), lang))]
    words = {"given": N_("given: {n}"), "sold": N_("sold: {n}"),
             "recycled": N_("recycled: {n}"), "dismantled": N_("dismantled for parts: {n}"),
             "here": N_("still at the workshop: {n}")}
    parts += [tr(words[k], lang, n=number(counts[k], lang)) for k in words if counts.get(k)]
    return " — ".join(parts)


def _journal_lines(body: dict, doc: dict, sha: str, st, lang: str) -> list:
    journal = body.get("journal") or {}
    by = body.get("issued_by") or {}
    sig = doc.get("signature") or {}
    return [
        Spacer(1, 3 * mm),
        paper.p(tr("Issued on {date} by {operator}, station {station}.", lang,
                   date=when(body.get("issued"), lang), operator=by.get("operator") or "—",
                   station=by.get("station") or "?"), st["base"]),
        paper.p(tr("Made from the workshop's journal as of event {seq} (hash {hash}).", lang,
                   seq=number(journal.get("seq"), lang), hash=journal.get("hash") or "—"),
                st["small"]),
        paper.p(tr("Electronic signature: Ed25519, by the key whose fingerprint is:", lang)
                + " " + (sig.get("fingerprint") or "?"), st["small"]),
        paper.p(tr("SHA-256 of the signed JSON file: {sha}", lang, sha=sha), st["small"]),
        paper.p(tr("Check it with: reemploi certificate verify {file} --fingerprint {fp}", lang,
                   file=f"{body.get('id')}.json", fp=sig.get("fingerprint") or "?"),
                st["small"]),
        Spacer(1, 6 * mm),
        paper.p(tr("Signature and stamp of the workshop:", lang), st["base"]),
        Spacer(1, 18 * mm),
    ]


def _attestation(body: dict, st, lang: str) -> list:
    donor = body.get("donor") or {}
    ws = body.get("workshop") or {}
    devices = body.get("devices") or []
    story = [paper.p(tr(
        "{workshop} certifies that it took charge of the equipment listed below, given by "
        "{donor}, for reuse after refurbishing or, failing that, for recycling through the "
        "WEEE channel.", lang, workshop=ws.get("name") or "?",
        donor=donor.get("name") or "?"), st["big"]), Spacer(1, 3 * mm),
        paper.kv_table(_donor_rows(donor, lang), st)]
    story.append(paper.p(tr("Devices received", lang), st["h2"]))
    rows = [(d["asset_id"], kind_text(d.get("kind"), lang), _model(d),
             serial_text(d.get("serial"), lang),
             fate_text(d.get("fate"), d.get("fate_date"), d.get("status"), lang))
            for d in devices]
    story.append(paper.grid([tr("Asset id", lang), tr("Kind", lang), tr("Model", lang),
                             tr("Serial number", lang), tr("Fate so far", lang)],
                            rows, st, [30, 30, 44, 32, 38]))
    story.append(Spacer(1, 2 * mm))
    story.append(paper.p(_summary(devices, lang), st["base"]))
    return story


def _certificate(body: dict, st, lang: str) -> list:
    donor = body.get("donor") or {}
    complete = body.get("result") == "complete"
    lead = (tr("Every disk of the devices of this lot listed below was sanitized following "
               "NIST SP 800-88 Rev. 1, or taken out of its machine and its fate recorded.",
               lang) if complete else
            tr("At least one disk of this lot is NOT sanitized or not examined yet (see "
               "below). This document does not certify the erasure of those disks.", lang))
    story = [paper.p(lead, st["big" if complete else "bold"]), Spacer(1, 3 * mm),
             paper.kv_table(_donor_rows(donor, lang), st)]
    story.append(paper.p(tr("Disks erased", lang), st["h2"]))
    rows = []
    for d in body.get("disks") or []:
        ver = d.get("verification") or {}
        method = ", ".join(x for x in (
            tr(CATEGORY[d["category"]], lang) if d.get("category") in CATEGORY else None,
            tr(TECHNIQUE[d["technique"]], lang) if d.get("technique") in TECHNIQUE else None) if x)
        verification = (tr(VERIFY[ver["method"]], lang) if ver.get("method") in VERIFY
                        else "—") + (": " + tr(RESULT[ver["result"]], lang)
                                     if ver.get("result") in RESULT else "")
        size = format_size(d["size_bytes"], lang) if d.get("size_bytes") else None
        disk = " ".join(x for x in (d.get("model"), size) if x)
        rows.append((d["asset_id"], disk or "?", serial_text(d.get("serial"), lang),
                     method or "—", verification,
                     tr(RESULT[d["result"]], lang) if d.get("result") in RESULT else "?",
                     when(d.get("time"), lang, date_only=True)))
    if rows:
        story.append(paper.grid([tr("Asset id", lang), tr("Disk", lang),
                                 tr("Serial number", lang), tr("Method", lang),
                                 tr("Verification", lang), tr("Result", lang),
                                 tr("Date", lang)], rows, st, [25, 27, 25, 33, 30, 16, 18]))
    else:
        story.append(paper.p(tr("No wipe recorded.", lang), st["base"]))
    removed = body.get("removed") or []
    if removed:
        story.append(paper.p(tr("Disks taken out of their machine", lang), st["h2"]))
        story.append(paper.grid(
            [tr("Asset id", lang), tr("Disk", lang), tr("Serial number", lang),
             tr("Part", lang), tr("Fate so far", lang)],
            [(r["asset_id"], r.get("model") or "?", serial_text(r.get("serial"), lang),
              r["part_id"], fate_text(r.get("fate"), r.get("fate_date"),
                                      "installed" if r.get("installed_in") else "stock", lang))
             for r in removed], st, [28, 38, 32, 34, 42]))
    pending = body.get("not_wiped") or []
    if pending:
        story.append(paper.p(tr("Disks NOT erased yet", lang), st["h2"]))
        story.append(paper.grid(
            [tr("Asset id", lang), tr("Disk", lang), tr("Serial number", lang)],
            [(r["asset_id"], r.get("model") or "?", serial_text(r.get("serial"), lang))
             for r in pending], st, [40, 70, 64]))
    unexamined = body.get("not_examined") or []
    if unexamined:
        story.append(paper.p(tr("Devices whose disks are not examined yet", lang), st["h2"]))
        story.append(paper.grid(
            [tr("Asset id", lang), tr("Fate so far", lang)],
            [(r["asset_id"], fate_text(r.get("fate"), None, r.get("status"), lang))
             for r in unexamined], st, [50, 124]))
    return story


def render(doc: dict, sha: str, out: Path, lang: str) -> Path:
    """Write the PDF of a signed lot document (attestation or erasure certificate)."""
    body = doc["certificate"]
    st = paper.styles()
    lot = body.get("lot") or {}
    ws = body.get("workshop") or {}
    if body.get("kind") == "lot-certificate":
        title = (tr("Erasure certificate of a donated lot", lang)
                 if body.get("result") == "complete"
                 else tr("Erasure report of a donated lot: INCOMPLETE, not a certificate", lang))
        story_body = _certificate(body, st, lang)
    else:
        title = tr("Attestation of receipt of donated equipment", lang)
        story_body = _attestation(body, st, lang)
    subtitle = tr("Lot {lot}, received {date} — document {id}", lang, lot=lot.get("id"),
                  date=when(lot.get("date"), lang), id=body.get("id"))
    payload = f"{body.get('id')} sha256:{sha}"
    story = [paper.header(ws, title, subtitle, payload, st, lang), Spacer(1, 3 * mm)]
    story += story_body
    story += _journal_lines(body, doc, sha, st, lang)
    footer = tr("{workshop} — {id} — page {page}", lang, workshop=ws.get("name") or "",
                id=body.get("id"), page="{page}")
    paper.build_pdf(Path(out), story, title=title, subject=payload,
                    author=ws.get("name") or "reemploi", footer=footer)
    return Path(out)
