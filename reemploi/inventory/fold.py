"""The projection fold: how each journal event changes the current state.

Pure: ``apply(view, event, offset, length)`` reads and writes records through a
``view`` (the sharded TinyDB projection, or plain dicts during a rebuild) and never
touches files. Each record keeps ``last_seq``; an event at or below it is skipped, so
applying the same event twice (a crash between writing the shards and the projection
metadata) changes nothing.

Machine record (what ``Inventory.machine`` returns):
    id, kind (machine|part), device_kind, status, lot_id, donor_id, serial,
    weight_kg, identity, station, created, updated, history, last_seq,
    probe {vendor, product, serial, uuid, cpu_model, ram_total_mb, disks[...], probed_at},
    grade {outcome, grade, reasons, emmabuntus, emmabuntus_arch, upgrades, harvest,
           cosmetic, rules_version, time},
    checks {...},
    wipes [{event_id, seq, time, disk_identity, disk_model, disk_serial, result,
            method, nist, certificate}],
    certificates [ids], image {name, version, result, disk_identity, time},
    unfinished [{event_id, seq, time, kind: wipe|image, disk_identity, disk_model,
                 disk_serial, disk_path, image}]: ``wipe.started``/``image.started``
            that no end event has named yet (power cut, SIGKILL, crash, or running),
    parts_installed [{part_id, part_kind, from_asset, facts, time}],
    parts_harvested [{part_id, part_kind, time}], checkout {...}, notes [...],
    validation {by, time, station, note} (the validator's sign-off; absent before),
    documents [{kind, id, time, sha256}] (receipts handed out; absent before)
Part records add part_kind, from_asset, facts, part_grade, installed_in; their
status is stock | installed | out.
"""

from __future__ import annotations

from typing import Any, Protocol

from .events import EventType, Status
from .ids import clean_serial, counter_key, disk_identity, machine_identity

MAX_NOTES = 20

# Plain strings: reading ``EventType.X.value`` costs an enum descriptor call, and a
# rebuild folds 200 000 events through a dozen comparisons each.
DONOR_REGISTERED = EventType.DONOR_REGISTERED.value
LOT_RECEIVED = EventType.LOT_RECEIVED.value
ASSET_CREATED = EventType.ASSET_CREATED.value
ASSET_PROBED = EventType.ASSET_PROBED.value
ASSET_CHECKED = EventType.ASSET_CHECKED.value
ASSET_GRADED = EventType.ASSET_GRADED.value
STATUS_CHANGED = EventType.STATUS_CHANGED.value
WIPE_DONE = EventType.WIPE_DONE.value
WIPE_STARTED = EventType.WIPE_STARTED.value
IMAGE_STARTED = EventType.IMAGE_STARTED.value
CERTIFICATE_ISSUED = EventType.CERTIFICATE_ISSUED.value
IMAGE_WRITTEN = EventType.IMAGE_WRITTEN.value
PART_HARVESTED = EventType.PART_HARVESTED.value
PART_INSTALLED = EventType.PART_INSTALLED.value
CHECKOUT = EventType.CHECKOUT.value
NOTE = EventType.NOTE.value
ASSET_VALIDATED = EventType.ASSET_VALIDATED.value
DOCUMENT_ISSUED = EventType.DOCUMENT_ISSUED.value
RECEIVED = Status.RECEIVED.value
OUT = Status.OUT.value
READY = Status.READY.value


class View(Protocol):
    def asset(self, asset_id: str) -> dict | None: ...
    def put_asset(self, doc: dict) -> None: ...
    def lot(self, lot_id: str) -> dict | None: ...
    def put_lot(self, doc: dict) -> None: ...
    def donor(self, donor_id: str) -> dict | None: ...
    def put_donor(self, doc: dict) -> None: ...
    def index_add(self, table: str, key: str, value: Any) -> None: ...
    def counter(self, key: str, number: int) -> None: ...


def new_asset(ev: dict) -> dict:
    p = ev.get("payload") or {}
    kind = p.get("kind") or "machine"
    return {
        "id": ev["asset_id"], "kind": kind, "device_kind": p.get("device_kind"),
        "status": "stock" if kind == "part" else RECEIVED,
        "lot_id": p.get("lot_id"), "donor_id": None, "serial": p.get("serial"),
        "weight_kg": p.get("weight_kg"), "identity": p.get("identity"),
        "station": ev.get("station"), "created": ev["time"], "updated": ev["time"],
        "history": 0, "last_seq": 0,
        "probe": None, "grade": None, "checks": None, "wipes": [], "certificates": [],
        "image": None, "parts_installed": [], "parts_harvested": [], "checkout": None,
        "notes": [], "unfinished": [],
        **({"part_kind": p.get("device_kind"), "from_asset": None, "facts": {},
            "part_grade": None, "installed_in": None} if kind == "part" else {}),
    }


def probe_summary(machine: dict, time: str) -> dict:
    system = machine.get("system") or {}
    cpu = machine.get("cpu") or {}
    memory = machine.get("memory") or {}
    disks = []
    for d in machine.get("disks") or ():
        if d.get("is_live_medium"):
            continue  # the USB stick we booted from is not part of the machine
        smart = d.get("smart") or {}
        disks.append({"identity": disk_identity(d), "model": d.get("model"),
                      "serial": d.get("serial"), "size_bytes": d.get("size_bytes"),
                      "media": d.get("media"), "health": smart.get("health")})
    return {"vendor": system.get("vendor"), "product": system.get("product"),
            "serial": system.get("serial"), "uuid": system.get("uuid"),
            "chassis": system.get("chassis"), "cpu_model": cpu.get("model"),
            "ram_total_mb": memory.get("total_mb"), "disks": disks,
            "probed_at": machine.get("probed_at") or time}


def _touch(view: View, doc: dict, ev: dict) -> bool:
    """Mark ``doc`` as changed by ``ev``; False if it already saw it (idempotence)."""
    if ev["seq"] <= doc.get("last_seq", 0):
        return False
    doc["last_seq"] = ev["seq"]
    doc["history"] = doc.get("history", 0) + 1
    doc["updated"] = ev["time"]
    return True


def apply(view: View, ev: dict, offset: int = 0, length: int = 0) -> None:
    """Fold one event (a journal line as a dict) into the projection."""
    etype = ev.get("type")
    p = ev.get("payload") or {}
    aid = ev.get("asset_id")
    seq = ev["seq"]

    if etype == DONOR_REGISTERED:
        did = p.get("donor_id")
        if did and (view.donor(did) or {}).get("last_seq", 0) < seq:
            view.put_donor({"id": did, "name": p.get("name"), "kind": p.get("kind"),
                            "contact": p.get("contact"), "siret": p.get("siret"),
                            "created": ev["time"], "lots": [], "last_seq": seq})
            key = counter_key(did)
            if key:
                view.counter(*key)
        return

    if etype == LOT_RECEIVED:
        lid = p.get("lot_id")
        if not lid or (view.lot(lid) or {}).get("last_seq", 0) >= seq:
            return
        view.put_lot({"id": lid, "donor_id": p.get("donor_id"), "date": p.get("date"),
                      "devices": p.get("devices") or [], "weight_kg": p.get("weight_kg"),
                      "notes": p.get("notes"), "assets": [], "created": ev["time"],
                      "last_seq": seq})
        donor = view.donor(p.get("donor_id") or "")
        if donor is not None and donor.get("last_seq", 0) < seq:
            donor["lots"].append(lid)
            donor["last_seq"] = seq
            view.put_donor(donor)
        key = counter_key(lid)
        if key:
            view.counter(*key)
        return

    if etype == ASSET_CREATED:
        if not aid or view.asset(aid) is not None:
            return
        doc = new_asset(ev)
        lot = view.lot(doc["lot_id"]) if doc["lot_id"] else None
        if lot is not None:
            doc["donor_id"] = lot.get("donor_id")
            if lot.get("last_seq", 0) < seq:
                lot["assets"].append(aid)
                lot["last_seq"] = seq
                view.put_lot(lot)
        _touch(view, doc, ev)
        view.put_asset(doc)
        serial = clean_serial(doc["serial"])
        if serial:
            view.index_add("serial", serial, aid)
        if doc["identity"]:
            view.index_add("identity", doc["identity"], aid)
        key = counter_key(aid)
        if key:
            view.counter(*key)
        return

    if etype == WIPE_DONE:
        disk = p.get("disk") or {}
        if disk.get("identity"):
            view.index_add("disk", disk["identity"], [offset, length, seq])

    if etype == PART_INSTALLED:
        _install_part(view, ev, p)

    if not aid:
        return
    doc = view.asset(aid)
    if doc is None or not _touch(view, doc, ev):
        return
    _apply_to_asset(view, doc, ev, etype, p)
    view.put_asset(doc)


def _apply_to_asset(view: View, doc: dict, ev: dict, etype: str, p: dict) -> None:
    time = ev["time"]
    if etype == ASSET_PROBED:
        machine = p.get("machine") or {}
        doc["probe"] = probe_summary(machine, time)
        serial = clean_serial(doc["probe"]["serial"])
        if serial and not clean_serial(doc.get("serial")):
            doc["serial"] = serial
        if serial:
            view.index_add("serial", serial, doc["id"])
        identity = p.get("identity") or machine_identity(machine)
        doc["identity"] = identity
        view.index_add("identity", identity, doc["id"])
    elif etype == ASSET_CHECKED:
        doc["checks"] = p.get("checks") or {}
    elif etype == ASSET_GRADED:
        verdict = p.get("verdict") or {}
        doc["grade"] = {"outcome": verdict.get("outcome"), "grade": verdict.get("grade"),
                        "reasons": verdict.get("reasons") or [],
                        "emmabuntus": verdict.get("emmabuntus"),
                        "emmabuntus_arch": verdict.get("emmabuntus_arch"),
                        "upgrades": verdict.get("upgrades") or [],
                        "harvest": verdict.get("harvest") or [],
                        "cosmetic": verdict.get("cosmetic"),
                        "rules_version": p.get("rules_version") or verdict.get("rules_version"),
                        "time": time}
    elif etype == STATUS_CHANGED:
        doc["status"] = p.get("to") or doc["status"]
        if doc["status"] not in (READY, OUT) and doc.get("validation"):
            # Back on the bench (re-wipe, re-install, repair): the sign-off was for the
            # machine as it was; it needs a new one before it leaves.
            doc["validation"] = None
    elif etype == WIPE_DONE:
        disk = p.get("disk") or {}
        doc["wipes"].append({"event_id": ev["id"], "seq": ev["seq"], "time": time,
                             "disk_identity": disk.get("identity"), "disk_model": disk.get("model"),
                             "disk_serial": disk.get("serial"), "result": p.get("result"),
                             "method": p.get("method"), "nist": p.get("nist"),
                             "certificate": None})
        _finished(doc, p)
    elif etype in (WIPE_STARTED, IMAGE_STARTED):
        disk = p.get("disk") or {}
        image = p.get("image") or {}
        doc.setdefault("unfinished", []).append({
            "event_id": ev["id"], "seq": ev["seq"], "time": time,
            "kind": "wipe" if etype == WIPE_STARTED else "image",
            "disk_identity": disk.get("identity"), "disk_model": disk.get("model"),
            "disk_serial": disk.get("serial"), "disk_path": disk.get("path"),
            "image": image.get("name")})
    elif etype == CERTIFICATE_ISSUED:
        cert = p.get("certificate_id")
        wiped = set(p.get("wipes") or ())
        for w in doc["wipes"]:
            if w["event_id"] in wiped:
                w["certificate"] = cert
        if cert and cert not in doc["certificates"]:
            doc["certificates"].append(cert)
    elif etype == IMAGE_WRITTEN:
        image = p.get("image") or {}
        doc["image"] = {"name": image.get("name"), "version": image.get("version"),
                        "result": p.get("result"),
                        "disk_identity": (p.get("disk") or {}).get("identity"), "time": time}
        _finished(doc, p)
    elif etype == PART_HARVESTED:
        doc["from_asset"] = p.get("from_asset")
        doc["part_kind"] = p.get("part_kind") or doc.get("part_kind")
        doc["facts"] = p.get("facts") or {}
        doc["part_grade"] = p.get("grade")
        source = view.asset(p.get("from_asset") or "")
        if source is not None and _touch(view, source, ev):
            source["parts_harvested"].append({"part_id": doc["id"], "part_kind": doc["part_kind"],
                                              "time": time})
            view.put_asset(source)
    elif etype == CHECKOUT:
        doc["checkout"] = {k: p.get(k) for k in ("destination_kind", "organisation", "date",
                                                 "price_eur")}
        doc["status"] = "out" if doc["kind"] == "part" else OUT
    elif etype == ASSET_VALIDATED:
        doc["validation"] = {"by": p.get("validator") or ev.get("operator"),
                             "time": time, "station": ev.get("station"),
                             "note": p.get("note")}
    elif etype == DOCUMENT_ISSUED:
        docs = doc.get("documents") or []
        doc["documents"] = docs + [{"kind": p.get("kind"), "id": p.get("document_id"),
                                    "time": time, "sha256": p.get("sha256")}]
    elif etype == NOTE:
        doc["notes"] = (doc["notes"] + [{"time": time, "text": p.get("text")}])[-MAX_NOTES:]


def _finished(doc: dict, p: dict) -> None:
    """An end event names its start (``start_event``): that start is no longer open.
    End events of journals older than start events name none and change nothing."""
    start = p.get("start_event")
    if start and doc.get("unfinished"):
        doc["unfinished"] = [u for u in doc["unfinished"] if u["event_id"] != start]


def _install_part(view: View, ev: dict, p: dict) -> None:
    """part.installed (asset_id = the receiving machine): update the part too."""
    part = view.asset(p.get("part_id") or "")
    into = p.get("into_asset") or ev.get("asset_id")
    if part is None or not _touch(view, part, ev):
        return
    part["status"] = "installed"
    part["installed_in"] = into
    view.put_asset(part)
    machine = view.asset(into or "")
    if machine is not None and ev["seq"] > machine.get("last_seq", 0):
        machine["parts_installed"].append({
            "part_id": part["id"], "part_kind": part.get("part_kind"),
            "from_asset": part.get("from_asset"), "facts": part.get("facts") or {},
            "time": ev["time"]})
        # history/last_seq of the machine are updated by the generic path when
        # asset_id is the machine; do it here when the event named the part instead.
        if ev.get("asset_id") != into:
            _touch(view, machine, ev)
        view.put_asset(machine)
