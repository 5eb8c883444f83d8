"""The donor's documents for a whole lot: the attestation of receipt ("attestation de
prise en charge") and the lot's erasure certificate. Data here; the PDF in lotdocs_pdf.py.

A company giving twenty laptops (and its data protection officer) wants one paper for
the donation, not twenty: which devices the workshop took charge of, what became of
each so far, and, for every disk, that it was erased (serial, method, verification,
result) or physically taken out (then what became of it). Both documents are made from
the journal's state at the moment they are issued and name its head (sequence + hash);
issued again later, they show the later state under a new id.

What they do not say: to whom a machine went. A family or a person receiving a
computer is none of the donor's business (GDPR art. 5(1)(c), data minimisation): the
donor reads "given", "sold", "recycled" and the date.

Erasure table rules (NIST SP 800-88 r1 §4.6 and App. G: a certificate per medium):
* every disk a machine's probe saw, with its latest wipe (the machine's certificates
  list each wipe in full; the lot's table is their summary);
* a disk without a wipe that was harvested as a part (``parts harvest --kind disk``,
  matched by serial, else in order) is "removed" with the part's fate: sent for
  recycling or destroyed (checkout recycled/dismantled), in stock, or installed;
* a disk neither wiped nor removed, and a machine never probed (its disks unknown),
  make the lot certificate "incomplete": it never reads as complete while a disk may
  still hold the donor's data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import NotFound
from ..settings import load_settings
from . import paper
from .sources import lot_machines

if TYPE_CHECKING:
    from ..inventory.state import AssetState, ProbeDisk

ATTESTATION = "lot-attestation"
LOT_CERTIFICATE = "lot-certificate"
FORMATS = {ATTESTATION: "reemploi-lot-attestation/1",
           LOT_CERTIFICATE: "reemploi-lot-erasure-certificate/1"}
PREFIX = {ATTESTATION: "ATT", LOT_CERTIFICATE: "CERT"}


class EmptyLot(NotFound):
    msg = "The lot {lot} has no device with an asset id yet: create ids at intake (--create-ids) or grade its machines first"


def _code(value: Any) -> Any:
    """A state's enum as the code the documents print (JSON keeps codes)."""
    return getattr(value, "value", value)


def _donor(inv, donor_id: str | None) -> dict:
    # The one donor, read by its slice, not the whole catalogue (issue 16).
    d = inv.donor_state(donor_id, missing_ok=True) if donor_id else None
    return {"id": donor_id, "name": d and d.name, "kind": d and d.kind,
            "siret": d and d.siret, "contact": d and d.contact}


def _device(m: AssetState) -> dict:
    probe, checkout = m.probe, m.checkout
    return {"asset_id": m.id, "kind": m.device_kind,
            "maker": probe and probe.vendor, "model": probe and probe.product,
            "serial": m.serial or (probe and probe.serial),
            "weight_kg": m.weight_kg, "status": _code(m.status),
            "grade": m.grade and m.grade.grade,
            "fate": checkout and _code(checkout.destination_kind),
            "fate_date": checkout and checkout.date,
            "validated_by": m.validation and m.validation.by,
            "certificates": list(m.certificates)}


def _parts_by_source(inv, machines: list[AssetState]) -> dict[str, list[AssetState]]:
    """The parts harvested from each machine, read by the ids the fold lists in the
    machine's state (``parts_harvested``), not by listing every part of the inventory."""
    wanted = {h.part_id: m.id for m in machines for h in m.parts_harvested if h.part_id}
    out: dict[str, list[AssetState]] = {}
    for part in inv.states(list(wanted), missing_ok=True).values():
        if part.from_asset == wanted[part.id] and not part.is_voided:
            out.setdefault(part.from_asset, []).append(part)
    return out


def _part_fate(part: AssetState) -> dict:
    checkout = part.checkout
    return {"part_id": part.id, "status": _code(part.status),
            "fate": checkout and _code(checkout.destination_kind),
            "fate_date": checkout and checkout.date, "installed_in": part.installed_in}


def _erasure(inv, machines: list[AssetState], donor: str | None) -> dict[str, list]:
    from ..wipe.certificate import latest_per_disk, media_entry
    harvested = _parts_by_source(inv, machines)
    disks, removed, pending, unexamined = [], [], [], []
    for m in machines:
        aid = m.id
        events = [ev for ev in inv.events(aid, types=["wipe.done"]) if ev.asset_id == aid]
        entries = [media_entry(ev, aid, donor) for ev in latest_per_disk(events)]
        for e in entries:
            cert = next((w.certificate for w in m.wipes if w.event_id == e["event_id"]), None)
            disks.append({"asset_id": aid, "model": e["model"], "serial": e["serial"],
                          "size_bytes": e["size_bytes"], "media": e["media_type"],
                          "result": e["result"], "category": e["category"],
                          "technique": e["technique"], "method": e["method"],
                          "verification": e["verification"], "time": e["time"],
                          "certificate": cert})
        wiped_ok = {e["identity"] for e in entries if e["result"] == "success"}
        probe = m.probe
        parts = [x for x in harvested.get(aid, []) if x.part_kind == "disk"]
        if probe is None:
            if parts:
                removed += [{"asset_id": aid, "model": None, "serial": x.serial,
                             **_part_fate(x)} for x in parts]
            else:
                unexamined.append({"asset_id": aid, "status": _code(m.status),
                                   "fate": m.checkout and _code(m.checkout.destination_kind)})
            continue
        for disk in probe.disks:
            if disk.identity in wiped_ok:
                continue
            part = _match(disk, parts)
            if part is not None:
                parts.remove(part)
                removed.append({"asset_id": aid, "model": disk.model,
                                "serial": disk.serial, **_part_fate(part)})
            elif not any(e["identity"] == disk.identity for e in entries):
                pending.append({"asset_id": aid, "model": disk.model,
                                "serial": disk.serial, "size_bytes": disk.size_bytes,
                                "media": disk.media})
    return {"disks": disks, "removed": removed, "not_wiped": pending,
            "not_examined": unexamined}


def _match(disk: ProbeDisk, parts: list[AssetState]) -> AssetState | None:
    from ..identity import clean_serial
    serial = clean_serial(disk.serial)
    for part in parts:
        if serial and clean_serial(part.serial or (part.facts or {}).get("serial")) == serial:
            return part
    # A disk harvested without its serial noted: the machine's next unmatched disk.
    return next((x for x in parts if not (x.serial or (x.facts or {}).get("serial"))), None)


def build(inv, lot_id: str, kind: str, *, station: str, operator: str | None) -> dict:
    """The unsigned body of the lot's attestation or erasure certificate, now."""
    lot = inv.lot_state(lot_id)
    settings = load_settings(inv.home)
    machines = lot_machines(inv, lot)
    if not machines:
        raise EmptyLot(lot=lot_id)
    donor = _donor(inv, lot.donor_id)
    seq, hash_, _ = inv.journal.tail()
    issued = paper.now_utc()
    body: dict[str, Any] = {
        "format": FORMATS[kind], "kind": kind,
        "id": paper.new_id(PREFIX[kind], lot_id, issued), "issued": issued,
        "workshop": paper.workshop_identity(settings, station),
        "donor": donor,
        "lot": {"id": lot_id, "date": lot.date,
                "declared": [d.to_record() for d in lot.devices],
                "weight_kg": lot.weight_kg, "notes": lot.notes},
        "devices": [_device(m) for m in machines],
        "journal": {"seq": seq, "hash": hash_},
        "issued_by": {"operator": operator, "station": station},
        "tool": {"name": "reemploi", "version": __version__},
    }
    if kind == LOT_CERTIFICATE:
        erasure = _erasure(inv, machines, donor.get("name"))
        complete = (not erasure["not_wiped"] and not erasure["not_examined"]
                    and all(d["result"] == "success" for d in erasure["disks"]))
        body.update(erasure)
        body["result"] = "complete" if complete else "incomplete"
        body["standard"] = "NIST SP 800-88 Rev. 1"
    return body


def issue(ctx, inv, lot_id: str, kind: str, out_dir: Path | None = None) -> paper.Issued:
    """Build, sign, write JSON + PDF, and record ``document.issued`` in the journal."""
    from .lotdocs_pdf import render
    body = build(inv, lot_id, kind, station=ctx.station, operator=ctx.operator)
    folder = Path(out_dir) if out_dir else Path(ctx.home) / "documents" / "lots"
    doc, path, sha = paper.write_signed(ctx.home, body, folder)
    pdf = path.with_suffix(".pdf")
    render(doc, sha, pdf, ctx.lang)
    inv.record("document.issued", None, {
        "kind": kind, "document_id": body["id"], "sha256": sha, "lot_id": lot_id,
        "journal_seq": body["journal"]["seq"], "journal_hash": body["journal"]["hash"],
        "lang": ctx.lang})
    return paper.Issued(kind, body["id"], path, sha, pdf, body["journal"]["seq"],
                        body["journal"]["hash"], ctx.lang)
