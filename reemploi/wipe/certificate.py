"""Certificate of sanitization: the data, signed (the PDF is documents/certificate.py).

One certificate per machine (all its disks' latest wipes) or for loose disks. Fields:

* NIST SP 800-88 r1 Appendix G "Sample Certificate of Sanitization": person
  performing sanitization (name, title, organization, location, phone/contact),
  media information (make/vendor, model, serial, media property number = our asset
  id, media type, source = the donor), sanitization details (method type
  Clear/Purge/Destroy, method used, method details = technique, tool used and
  version, verification method and result, post-sanitization classification,
  notes), media destination, signature and date, and the same for the person who
  validated.
* What nwipe's PDF report shows: HPA/DCO state, % of bytes erased, passes and
  patterns, throughput, errors, a SMART summary.
* The workshop's identity (settings.toml) and a QR code (id + file hash).

A certificate never claims success it does not have: ``result`` is "success" only if
every included wipe succeeded and, for a machine, every disk its probe saw was wiped;
otherwise it is "failed" and ``failures`` lists the disks and their result (failed /
interrupted / not-wiped / unfinished: a later wipe started and never ended).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import BadInput, NotFound
from ..settings import load_settings
from .signing import serialize, sign_document

if TYPE_CHECKING:
    from ..inventory.state import AssetState

FORMAT = "reemploi-erasure-certificate/1"
DESTINATIONS = ("external-reuse", "internal-reuse", "recycling", "manufacturer", "other")


class NoWipes(NotFound):
    msg = "No wipe recorded for {what}: wipe its disks first"


@dataclass(frozen=True)
class Person:
    name: str | None = None
    title: str | None = None
    organization: str | None = None
    location: str | None = None
    contact: str | None = None
    date: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "organization": self.organization,
                "location": self.location, "contact": self.contact, "date": self.date,
                "signature": None}


@dataclass(frozen=True)
class CertificateRequest:
    asset_id: str | None = None
    event_ids: tuple[str, ...] = ()
    sanitized_by: Person = field(default_factory=Person)
    verified_by: Person = field(default_factory=Person)
    destination: str = "external-reuse"
    notes: str | None = None


def _identity(ev) -> str | None:
    """The disk a wipe event names (its typed payload, ``Event.data``)."""
    return ev.data.disk.identity if ev.data is not None else None


def latest_per_disk(events) -> list:
    """The last ``wipe.done`` of each disk (journal order), what a certificate covers;
    the lot's certificate (documents/lotdocs.py) uses it too."""
    latest: dict[str, object] = {}
    for ev in events:
        ident = _identity(ev) or ev.id
        latest[ident] = ev          # journal order: the last one wins
    return list(latest.values())


def media_entry(ev, asset_id: str | None, donor: str | None) -> dict:
    # The typed record for what it declares (migrated: ``method`` is the method that
    # ran, even in a schema-1 record that said "auto"); the wipe stage's own details
    # (passes, prng, tool, timings) as it wrote them.
    p = {**ev.payload, **({"method": ev.data.method} if ev.data is not None else {})}
    disk = p.get("disk") or {}
    ver = p.get("verification") or {}
    return {
        "event_id": ev.id, "time": ev.time,
        "manufacturer": disk.get("maker"), "model": disk.get("model"),
        "serial": disk.get("serial"), "identity": disk.get("identity"),
        "property_number": asset_id, "media_type": disk.get("media"),
        "size_bytes": disk.get("size_bytes"), "source": donor,
        "data_backed_up": "unknown",
        "result": p.get("result"),
        "category": p.get("nist"), "method": p.get("method"),
        # What was written, pass by pass ("0x5a, 0xa5, aes-128-ctr" for dod3), rather than
        # the plan's placeholders ("char, ~char, prng"); the plan's for firmware erases.
        "technique": p.get("technique"),
        "patterns": [x.get("pattern") for x in p.get("passes") or ()] or p.get("patterns") or [],
        "passes": len(p.get("passes") or []) or (1 if p.get("technique") else 0),
        "prng": p.get("prng"),
        "tool": p.get("tool"), "commands": [c.get("argv") for c in p.get("commands") or []],
        "verification": {"method": ver.get("mode"), "result": ver.get("result"),
                         "bytes_checked": ver.get("bytes_checked"),
                         "mismatch_count": ver.get("mismatch_count"),
                         # A sampled check's share of the disk and its odds of finding
                         # one unwritten area (wipe/odds.py); absent for a full one.
                         **{k: ver[k] for k in ("coverage_percent", "detection",
                                                "compared_percent") if k in ver}},
        "hpa": p.get("hpa"), "dco": p.get("dco"),
        "percent_erased": p.get("percent_erased"),
        "throughput_mb_s": p.get("throughput_mb_s"),
        "started": p.get("started"), "ended": p.get("ended"),
        "errors": p.get("errors") or [], "caveats": p.get("caveats") or [],
        "smart": p.get("smart"), "station": ev.station, "operator": ev.operator,
    }


def build_certificate(ctx, req: CertificateRequest) -> tuple[dict, list[str]]:
    """The unsigned certificate body and the wipe event ids it covers."""
    if req.destination not in DESTINATIONS:
        raise BadInput(what="--destination", why=req.destination)
    inv = ctx.inventory()
    asset_id = req.asset_id
    if req.asset_id:
        events = [ev for ev in inv.events(req.asset_id, types=["wipe.done"])
                  if ev.asset_id == req.asset_id]
        if req.event_ids:
            events = [ev for ev in events if ev.id in req.event_ids]
        events = latest_per_disk(events)
    else:
        # Each wipe read at its offset by the ``lines`` index (``event:<id>``), in
        # journal order: not a scan of every wipe.done (issue 16).
        found = inv.lines_of([f"event:{e}" for e in req.event_ids], types=["wipe.done"])
        events = sorted({ev.id: ev for evs in found.values() for ev in evs}.values(),
                        key=lambda ev: ev.seq)
        # Wipes chosen by event id still belong to the asset their wipe named (issue
        # 11: such a certificate lacked the property number, donor and lot).
        owners = {ev.asset_id for ev in events}
        if len(owners) == 1 and None not in owners:
            asset_id = owners.pop()
    if not events:
        raise NoWipes(what=req.asset_id or ", ".join(req.event_ids) or "-")
    machine, donor, lot = _owner(inv, asset_id)
    owners_of = {a: _owner(inv, a) for a in {ev.asset_id for ev in events} if a}
    media = [media_entry(ev, ev.asset_id or asset_id,
                         owners_of[ev.asset_id][1] if ev.asset_id else donor)
             for ev in events]
    failures = [{"serial": m["serial"], "model": m["model"], "identity": m["identity"],
                 "result": m["result"]} for m in media if m["result"] != "success"]
    if machine is not None and not req.event_ids:
        failures += _not_wiped(machine, {m["identity"] for m in media})
        failures += _cut_short(inv, asset_id, events,
                               {f["identity"] for f in failures})
    categories = {m["category"] for m in media}
    settings = load_settings(ctx.home)
    ws = settings.workshop
    issued = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = issued.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    cert_id = f"CERT-{asset_id or 'DISKS'}-{stamp}-{os.urandom(2).hex()}"
    sanitized = req.sanitized_by.as_dict()
    sanitized["organization"] = sanitized["organization"] or ws.name
    sanitized["location"] = sanitized["location"] or ws.address
    sanitized["contact"] = sanitized["contact"] or ws.contact
    sanitized["date"] = sanitized["date"] or issued[:10]
    sanitized["name"] = sanitized["name"] or ctx.operator
    verified = req.verified_by.as_dict()
    # The person who validated (App. G): the machine's validator sign-off when there is
    # one; the workshop's identity for the rest, as for the sanitizer (docs/wipe.md).
    validation = machine.validation if machine is not None else None
    verified["name"] = verified["name"] or (validation and validation.by)
    verified["date"] = verified["date"] or ((validation and validation.time) or "")[:10] or None
    verified["organization"] = verified["organization"] or ws.name
    verified["location"] = verified["location"] or ws.address
    verified["contact"] = verified["contact"] or ws.contact
    body = {
        "format": FORMAT, "id": cert_id, "issued": issued,
        "result": "success" if not failures else "failed",
        "failures": failures,
        "category": (categories.pop() if len(categories) == 1 else "mixed") if not failures else None,
        "asset_id": asset_id, "lot_id": lot, "donor": donor,
        "machine": _machine_summary(machine),
        "workshop": {"name": ws.name, "siret": ws.siret, "address": ws.address,
                     "contact": ws.contact, "station": ctx.station},
        "sanitized_by": sanitized, "verified_by": verified,
        "destination": req.destination, "post_sanitization_classification": "unclassified",
        "notes": req.notes,
        "standard": "NIST SP 800-88 Rev. 1",
        "tool": {"name": "reemploi", "version": __version__},
        "media": media,
        # The journal's head at issue time (inventory verify --against CERT.json): a
        # journal rewritten afterwards no longer holds this event with this hash.
        "journal": dict(zip(("seq", "hash"), inv.head())),
    }
    return body, [ev.id for ev in events]


def _owner(inv, asset_id: str | None) -> tuple[AssetState | None, str | None, str | None]:
    """(asset's typed state, donor name, lot id) of ``asset_id``; Nones for a loose disk."""
    if not asset_id:
        return None, None, None
    doc = inv.state(asset_id)
    donor_id = doc.donor_id
    donor = None
    if donor_id:
        # The one donor, read by its slice, not the whole catalogue (issue 16).
        found = inv.donor_state(donor_id, missing_ok=True)
        donor = found.name if found is not None else donor_id
    return doc, donor, doc.lot_id


def _not_wiped(machine: AssetState, wiped: set) -> list[dict]:
    """Disks the machine's probe saw that have no wipe record: a certificate "per
    machine, all its disks" must not read as success while one of them still holds
    the donor's data (a second disk forgotten in the bay). A disk taken out since the
    probe: probe again, or certify the wipes chosen with ``--event``."""
    disks = machine.probe.disks if machine.probe is not None else ()
    return [{"serial": d.serial, "model": d.model, "identity": d.identity,
             "result": "not-wiped"}
            for d in disks if d.identity not in wiped]


def _cut_short(inv, asset_id: str, latest: list, listed: set) -> list[dict]:
    """Disks of the machine whose last wipe started after their last ``wipe.done`` and
    never ended (power cut, SIGKILL): the record certified below is not the disk's
    last word, so the machine's certificate fails ("unfinished")."""
    done = {_identity(ev): ev.seq for ev in latest}
    out: list[dict] = []
    for ev in inv.unfinished(asset_id):
        if ev.type != "wipe.started" or ev.data is None:
            continue
        disk = ev.data.disk
        if ev.asset_id != asset_id or disk.identity in listed \
                or ev.seq < done.get(disk.identity, 0):
            continue
        listed.add(disk.identity)
        out.append({"serial": disk.serial, "model": disk.model,
                    "identity": disk.identity, "result": "unfinished"})
    return out


def _machine_summary(machine: AssetState | None) -> dict | None:
    if machine is None:
        return None
    probe = machine.probe
    return {"vendor": probe and probe.vendor, "product": probe and probe.product,
            "serial": (probe and probe.serial) or machine.serial}


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    result: str
    json_path: Path
    sha256: str
    wipes: tuple[str, ...]
    pdf_path: Path | None = None


def issue(ctx, req: CertificateRequest, out_dir: Path | None = None) -> tuple[IssuedCertificate, dict]:
    """Build, sign and write the certificate JSON; record ``certificate.issued``.

    Every certificate (or failure report) is recorded, with or without an asset: the
    journal says which wipes a document covered, whose key signed it, for which asset,
    donor and lot, and whether it certifies anything (``result``)."""
    body, wipes = build_certificate(ctx, req)
    doc = sign_document(ctx.home, body)
    from ..system.files import make_dirs, private_subdir, write_atomic
    if out_dir:
        folder = Path(out_dir)
        make_dirs(folder, 0o755)       # a folder the technician chose, to hand out
    else:
        folder = private_subdir(Path(ctx.home) / "certificates")
    path = folder / f"{body['id']}.json"
    data = serialize(doc)
    write_atomic(path, data, mode=0o644 if out_dir else 0o600)
    digest = hashlib.sha256(data).hexdigest()
    media = body["media"]
    inv = ctx.inventory()
    inv.record("certificate.issued", body["asset_id"],
               {"certificate_id": body["id"], "sha256": digest, "wipes": wipes,
                "result": body["result"], "fingerprint": doc["signature"]["fingerprint"],
                "donor": body["donor"], "lot_id": body["lot_id"],
                "property_numbers": sorted({m["property_number"] for m in media
                                            if m.get("property_number")}),
                "serials": [str(m.get("serial") or m.get("identity") or "?") for m in media]})
    return IssuedCertificate(body["id"], body["result"], path, digest, tuple(wipes)), doc
