"""The recipient's papers for one machine: the receipt (attestation de don / bon de
sortie for a gift, a sale receipt with the price and the legal guarantee for a sale)
and the one-page "ton ordinateur" sheet. Data here; PDFs in receipt_pdf.py.

Made from the machine's state at checkout (``reemploi checkout … --receipt``) or later
(``reemploi receipt ID``): what it is (model, serial, what is inside), that its disks
were erased (certificate ids), who validated it, where it went. A receipt exists only
for a machine that was given or sold (recycled and dismantled machines have no
recipient to hand it to).

The legal guarantee printed on a sale receipt (French consumer law, after ordonnance
n° 2021-1247 of 29 September 2021, in force for contracts from 1 January 2022; see
docs/documents.md for the reading and its limits):
* Code de la consommation art. L217-3: the professional seller is answerable for any
  lack of conformity existing at delivery that appears within two years of it;
* art. L217-7: a defect appearing within 24 months is presumed to have existed at
  delivery; for goods sold second-hand the presumption lasts 12 months;
* Code civil art. 1641 to 1649: the guarantee against hidden defects, besides.
A gift is not a sale: neither applies, and the attestation de don says the machine is
handed over as it is, refurbished, tested and erased.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..inventory.errors import IllegalTransition
from ..model import Machine
from ..settings import load_settings
from . import paper

DONATION, SALE = "donation", "sale"
FORMAT = "reemploi-receipt/1"
# What we print for a sale, as codes (words and article numbers are made at the edge).
WARRANTY = {"law": "FR", "conformity_years": 2, "presumption_months_used": 12,
            "articles": ["C. consom. L217-3", "C. consom. L217-7", "C. civ. 1641-1649"]}


class NoRecipient(IllegalTransition):
    """Exit 11: a receipt is for a machine given or sold."""
    msg = "{id} has not been given or sold (it is '{current}'): there is no recipient to give a receipt to"


def _specs(machine: dict | None) -> dict:
    m = machine or {}
    cpu = m.get("cpu") or {}
    mem = m.get("memory") or {}
    sizes = [x.get("size_mb") for x in mem.get("modules") or []]
    disks = [{"media": d.media.value, "size_bytes": d.size_bytes}
             for d in Machine.from_dict({"disks": m.get("disks")}).data_disks()]
    screens = [{"diagonal_in": s.get("diagonal_in"), "width": s.get("native_width"),
                "height": s.get("native_height")} for s in m.get("screens") or []]
    batteries = [b for b in m.get("batteries") or [] if b.get("design_wh") and b.get("full_wh")]
    health = (round(100 * batteries[0]["full_wh"] / batteries[0]["design_wh"])
              if batteries else None)
    return {"cpu": cpu.get("model"), "cores": cpu.get("cores"), "threads": cpu.get("threads"),
            "ram_mb": sum(sizes) if sizes and all(sizes) else mem.get("total_mb"),
            "disks": disks, "screens": screens,
            "battery_health_pct": health,
            "wifi": any(n.get("kind") == "wifi" for n in m.get("network") or []),
            "chassis": (m.get("system") or {}).get("chassis")}


def build(inv, asset_id: str, *, station: str, operator: str | None) -> dict:
    """The unsigned receipt of a machine that was given or sold."""
    from .sources import asset_facts
    doc = inv.state(asset_id)
    checkout = doc.checkout
    destination = getattr(checkout and checkout.destination_kind, "value", None)
    kind = {"given": DONATION, "sold": SALE}.get(destination or "")
    status = getattr(doc.status, "value", doc.status)
    if status != "out" or kind is None or checkout is None:
        raise NoRecipient(id=asset_id, current=status)
    settings = load_settings(inv.home)
    facts = asset_facts(inv, asset_id)
    probe = doc.probe
    seq, hash_, _ = inv.journal.tail()
    issued = paper.now_utc()
    image = (facts.image or {}).get("image") or {}
    custom_qr = settings.workshop.qr_payload != "{id}"
    body: dict[str, Any] = {
        "format": FORMAT, "kind": kind,
        "id": paper.new_id("REC", asset_id, issued), "issued": issued,
        "workshop": paper.workshop_identity(settings, station),
        "recipient": {"organisation": checkout.organisation, "date": checkout.date},
        "machine": {"asset_id": asset_id, "kind": doc.device_kind,
                    "maker": (probe and probe.vendor) or facts.maker,
                    "model": (probe and probe.product) or facts.model,
                    "serial": doc.serial or (probe and probe.serial),
                    "grade": doc.grade and doc.grade.grade,
                    "system": {"name": image.get("name"), "version": image.get("version"),
                               "edition": doc.grade and doc.grade.emmabuntus},
                    **_specs(facts.machine)},
        "erasure": {"certificates": list(doc.certificates),
                    "disks_wiped": sum(1 for w in doc.wipes if w.result == "success")},
        "validated_by": doc.validation and doc.validation.by,
        "price_eur": checkout.price_eur if kind == SALE else None,
        "warranty": WARRANTY if kind == SALE else None,
        # The machine's public page, when the workshop has one (settings qr_payload):
        # the recipient scans it for the machine's papers and the workshop's help.
        "public_page": settings.qr_payload(asset_id) if custom_qr else None,
        "journal": {"seq": seq, "hash": hash_},
        "issued_by": {"operator": operator, "station": station},
        "tool": {"name": "reemploi", "version": __version__},
    }
    return body


def issue(ctx, inv, asset_id: str, out_dir: Path | None = None) -> tuple[paper.Issued, Path]:
    """Build, sign, write the receipt (JSON + PDF) and the "ton ordinateur" sheet (PDF);
    record ``document.issued`` on the machine. Returns the receipt and the sheet's path."""
    from .receipt_pdf import render_receipt, render_your_computer
    body = build(inv, asset_id, station=ctx.station, operator=ctx.operator)
    folder = Path(out_dir) if out_dir else Path(ctx.home) / "documents" / "receipts"
    doc, path, sha = paper.write_signed(ctx.home, body, folder)
    pdf = path.with_suffix(".pdf")
    render_receipt(doc, sha, pdf, ctx.lang)
    sheet = path.with_name(f"{body['id']}-{'ton-ordinateur' if ctx.lang == 'fr' else 'your-computer'}.pdf")
    render_your_computer(doc, sheet, ctx.lang)
    inv.record("document.issued", asset_id, {
        "kind": "receipt-" + body["kind"], "document_id": body["id"], "sha256": sha,
        "journal_seq": body["journal"]["seq"], "journal_hash": body["journal"]["hash"],
        "lang": ctx.lang})
    return (paper.Issued("receipt-" + body["kind"], body["id"], path, sha, pdf,
                         body["journal"]["seq"], body["journal"]["hash"], ctx.lang), sheet)
