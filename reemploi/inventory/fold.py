"""The projection fold: how each journal event changes the current state.

Pure: ``apply(view, event, offset, length)`` reads and writes records through a
``view`` (the sharded TinyDB projection, or plain dicts during a rebuild) and never
touches files. Each record keeps ``last_seq``; an event at or below it is skipped, so
applying the same event twice (a crash between writing the shards and the projection
metadata) changes nothing.

Machine record (what ``Inventory.machine`` returns):
    id, kind (machine|part), device_kind, status, origin (received|built), lot_id,
    donor_id, serial,
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

from .. import events as typed
from ..identity import clean_serial
from .ids import counter_key

MAX_NOTES = 20
RECEIVED = "received"
OUT = "out"
READY = "ready"
# Events that write a disk, indexed by disk identity twice: ``disk_events`` keeps where
# their lines are (image planning reads them), ``touch`` keeps who held the disk when
# (custody.crossed; probes add to it too).
DISK_EVENTS = frozenset({"wipe.started", "wipe.done", "image.started", "image.written"})


class View(Protocol):
    def asset(self, asset_id: str) -> dict | None: ...
    def put_asset(self, doc: dict) -> None: ...
    def lot(self, lot_id: str) -> dict | None: ...
    def put_lot(self, doc: dict) -> None: ...
    def donor(self, donor_id: str) -> dict | None: ...
    def put_donor(self, doc: dict) -> None: ...
    def index_add(self, table: str, key: str, value: Any) -> None: ...
    def counter(self, key: str, number: int) -> None: ...


def new_asset(ev: dict, p: Any) -> dict:
    """A fresh record for ``asset.created`` or ``built`` (``origin``: how it came in)."""
    built = p.TYPE == "built"
    kind = "machine" if built else p.kind
    return {
        "id": ev["asset_id"], "kind": kind, "device_kind": p.device_kind,
        "status": "stock" if kind == "part" else RECEIVED,
        "origin": "built" if built else "received",
        "lot_id": None if built else p.lot_id, "donor_id": None, "serial": p.serial,
        "weight_kg": p.weight_kg, "identity": p.identity,
        "station": ev.get("station"), "created": ev["time"], "updated": ev["time"],
        "history": 0, "last_seq": 0,
        "probe": None, "grade": None, "checks": None, "wipes": [], "certificates": [],
        "image": None, "parts_installed": [], "parts_harvested": [], "checkout": None,
        "notes": [], "unfinished": [],
        # Chain of custody (custody.py): when it (last) came in, which probe is the
        # latest, which of its disks were taken out.
        "entered_seq": ev["seq"], "probe_seq": None, "removed_disks": [],
        **({"part_kind": p.device_kind, "from_asset": None, "facts": {},
            "part_grade": None, "installed_in": None, "destiny": "stock"}
           if kind == "part" else {}),
    }


def _machine(data: dict):
    """``Machine.from_dict``: the model late, only when a probe is folded (a command
    that reads a projection never folds one; ``inventory show`` start-up time)."""
    from ..model import Machine
    return Machine.from_dict(data)


def probe_summary(machine: dict, time: str) -> dict:
    system = machine.get("system") or {}
    cpu = machine.get("cpu") or {}
    memory = machine.get("memory") or {}
    # The disks custody accounts for, by the one definition (``Machine.data_disks``:
    # not the live stick we booted from). Only the disks are read back: a rebuild folds
    # tens of thousands of probes.
    disks = [{"identity": d.identity, "model": d.model, "serial": d.serial,
              "size_bytes": d.size_bytes, "media": d.media.value,
              "health": d.smart.health.value if d.smart else None}
             for d in _machine({"disks": machine.get("disks")}).data_disks()]
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


def named_assets(ev: dict) -> set[str]:
    """The assets an event is about: its own, and a part's source or destination
    (the asset filter of ``Inventory.events``)."""
    p = ev.get("payload")
    names = {ev.get("asset_id")}
    if isinstance(p, dict):
        names.update(p.get(k) for k in ("part_id", "from_asset", "into_asset"))
    return {n for n in names if isinstance(n, str) and n}


# Lines found by what they are rather than by asset (issue 16), in the ``lines`` index:
# the roster (every ``operator.added``), a person's atelier sittings (most carry no
# asset: they happen before the Jerry exists), a finished wipe by its event id
# (``certificate issue --event``). Each was a scan of the whole journal.
ROSTER_KEY = "type:operator.added"
_SITTING = "atelier.session"


def line_keys(ev: dict) -> list[str]:
    """The ``lines`` index keys of one journal line (also the scan's test when the
    index is out of step: ``Inventory.lines_of``)."""
    etype = ev.get("type")
    p = ev.get("payload") if isinstance(ev.get("payload"), dict) else {}
    if etype == "operator.added":
        return [ROSTER_KEY]
    if etype == _SITTING:
        people = (p.get("trainee_id"), p.get("trainer_id"))
        return [f"person:{pid}" for pid in dict.fromkeys(people) if isinstance(pid, str) and pid]
    if etype == "wipe.done" and isinstance(ev.get("id"), str):
        return [f"event:{ev['id']}"]
    return []


def apply(view: View, ev: dict, offset: int = 0, length: int = 0) -> None:
    """Fold one event (a journal line as a dict) into the projection. The payload is
    read through its typed event (migrated, validated); one that does not validate
    is skipped here and listed by ``inventory verify``."""
    etype = ev.get("type")
    seq = ev["seq"]
    # Where each asset's lines are, readable or not (``Inventory.events`` lists them
    # all): a label or a sheet reads its few lines instead of the whole journal.
    for named in named_assets(ev):
        view.index_add("events", named, [offset, length, seq])
    for key in line_keys(ev):
        view.index_add("lines", key, [offset, length, seq])
    if etype in DISK_EVENTS:
        # What touched a disk since its last wipe, for image planning (image/service).
        disk = (ev.get("payload") or {}).get("disk") if isinstance(ev.get("payload"), dict) \
            else None
        ident = disk.get("identity") if isinstance(disk, dict) else None
        if isinstance(ident, str) and ident:
            view.index_add("disk_events", ident, [offset, length, seq])
    p = typed.read(etype, ev.get("payload"))
    if isinstance(p, typed.Unreadable):
        return
    aid = ev.get("asset_id")

    if etype == "donor.registered":
        did = p.donor_id
        if (view.donor(did) or {}).get("last_seq", 0) < seq:
            view.put_donor({"id": did, "name": p.name, "kind": p.kind,
                            "contact": p.contact, "siret": p.siret,
                            "created": ev["time"], "lots": [], "last_seq": seq})
            key = counter_key(did)
            if key:
                view.counter(*key)
        return

    if etype == "lot.received":
        lid = p.lot_id
        if not lid or (view.lot(lid) or {}).get("last_seq", 0) >= seq:
            return
        view.put_lot({"id": lid, "donor_id": p.donor_id, "date": p.date,
                      "devices": [{"kind": d.kind, "count": d.count, "weight_kg": d.weight_kg}
                                  for d in p.devices], "weight_kg": p.weight_kg,
                      "notes": p.notes, "assets": [], "created": ev["time"],
                      "last_seq": seq})
        donor = view.donor(p.donor_id or "")
        if donor is not None and donor.get("last_seq", 0) < seq:
            donor["lots"].append(lid)
            donor["last_seq"] = seq
            view.put_donor(donor)
        key = counter_key(lid)
        if key:
            view.counter(*key)
        return

    if etype in ("asset.created", "built"):
        if not aid or view.asset(aid) is not None:
            return
        doc = new_asset(ev, p)
        lot = view.lot(doc["lot_id"]) if doc["lot_id"] else None
        if lot is not None:
            doc["donor_id"] = lot.get("donor_id")
            if lot.get("last_seq", 0) < seq:
                lot["assets"].append(aid)
                lot["last_seq"] = seq
                view.put_lot(lot)
        _touch(view, doc, ev)
        if etype == "built":
            for part_id in p.parts:
                _install(view, ev, part_id, doc, aid)
            if p.name is not None:       # a Jerry of the atelier (reemploi/atelier)
                doc["built"] = {"name": p.name, "time": ev["time"],
                                "trainee_id": p.trainee_id, "session_id": p.session_id}
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

    if etype in ("correct", "void"):
        _fix(view, ev, p)
        return

    if etype == "wipe.done" and p.disk.identity:
        view.index_add("disk", p.disk.identity, [offset, length, seq])
    if etype in DISK_EVENTS and p.disk.identity:
        # Who had this disk when: a weak identity's wipe counts only until another
        # asset (or a loose disk) touches it (custody.crossed).
        view.index_add("touch", p.disk.identity, [seq, aid])

    if etype == "part.installed":
        _install_part(view, ev, p)

    if not aid:
        return
    doc = view.asset(aid)
    if doc is None or not _touch(view, doc, ev):
        return
    _apply_to_asset(view, doc, ev, etype, p)
    view.put_asset(doc)


def _apply_to_asset(view: View, doc: dict, ev: dict, etype: str, p: Any) -> None:
    time = ev["time"]
    if etype == "asset.probed":
        machine = p.machine
        doc["probe"] = probe_summary(machine, time)
        serial = clean_serial(doc["probe"]["serial"])
        if serial and not clean_serial(doc.get("serial")):
            doc["serial"] = serial
        if serial:
            view.index_add("serial", serial, doc["id"])
        doc["identity"] = p.identity
        view.index_add("identity", p.identity, doc["id"])
        doc["probe_seq"] = ev["seq"]
        for disk in doc["probe"]["disks"]:
            if disk.get("identity"):
                view.index_add("touch", disk["identity"], [ev["seq"], doc["id"]])
    elif etype == "asset.checked":
        doc["checks"] = p.checks
    elif etype == "asset.graded":
        verdict = p.verdict
        doc["grade"] = {"outcome": verdict.get("outcome"), "grade": verdict.get("grade"),
                        "reasons": verdict.get("reasons") or [],
                        "emmabuntus": verdict.get("emmabuntus"),
                        "emmabuntus_arch": verdict.get("emmabuntus_arch"),
                        "upgrades": verdict.get("upgrades") or [],
                        "harvest": verdict.get("harvest") or [],
                        "cosmetic": verdict.get("cosmetic"),
                        "rules_version": p.rules_version or verdict.get("rules_version"),
                        "time": time}
    elif etype == "status.changed":
        doc["status"] = p.to
        if p.to == RECEIVED:
            doc["entered_seq"] = ev["seq"]      # back in the workshop: old wipes no longer count
        elif p.to == READY:
            doc["ready_time"] = time
        if doc["status"] not in (READY, OUT) and doc.get("validation"):
            # Back on the bench (re-wipe, re-install, repair): the sign-off was for the
            # machine as it was; it needs a new one before it leaves.
            doc["validation"] = None
    elif etype == "wipe.done":
        disk = p.disk
        doc["wipes"].append({"event_id": ev["id"], "seq": ev["seq"], "time": time,
                             "disk_identity": disk.identity, "disk_model": disk.model,
                             "disk_serial": disk.serial, "result": p.result,
                             "method": p.method, "nist": p.nist,
                             "verified": p.verified, "certificate": None})
        _finished(doc, p.start_event)
    elif etype in ("wipe.started", "image.started"):
        disk = p.disk
        doc.setdefault("unfinished", []).append({
            "event_id": ev["id"], "seq": ev["seq"], "time": time,
            "kind": "wipe" if etype == "wipe.started" else "image",
            "disk_identity": disk.identity, "disk_model": disk.model,
            "disk_serial": disk.serial, "disk_path": disk.path,
            "image": p.image.get("name") if etype == "image.started" else None})
    elif etype == "certificate.issued" and p.result in (None, "success"):
        # Only real certificates: a failure report ("FAILED, not a certificate", issue
        # 11) is in the journal and the history, never in the asset's certificates nor
        # beside its wipes. Payloads without ``result`` predate failure reports.
        cert = p.certificate_id
        wiped = set(p.wipes)
        for w in doc["wipes"]:
            if w["event_id"] in wiped:
                w["certificate"] = cert
        if cert and cert not in doc["certificates"]:
            doc["certificates"].append(cert)
    elif etype == "image.written":
        image = p.image
        doc["image"] = {"name": image.get("name"), "version": image.get("version"),
                        "result": p.result, "disk_identity": p.disk.identity, "time": time}
        _finished(doc, p.start_event)
    elif etype == "part.harvested":
        doc["from_asset"] = p.from_asset
        doc["part_kind"] = p.part_kind or doc.get("part_kind")
        doc["facts"] = p.facts
        doc["part_grade"] = p.grade
        doc["destiny"] = p.destiny
        if p.identity:
            doc["identity"] = p.identity
        source = view.asset(p.from_asset or "")
        if source is not None and _touch(view, source, ev):
            source["parts_harvested"].append({"part_id": doc["id"], "part_kind": doc["part_kind"],
                                              "time": time})
            if p.identity:
                source.setdefault("removed_disks", []).append(
                    {"identity": p.identity, "part_id": doc["id"], "seq": ev["seq"],
                     "reason": "harvested"})
            view.put_asset(source)
    elif etype == "part.removed":
        doc.setdefault("removed_disks", []).append(
            {"identity": p.disk_identity, "part_id": p.part_id, "seq": ev["seq"],
             "reason": p.reason})
    elif etype == "checkout":
        doc["checkout"] = {"destination_kind": p.destination_kind,
                           "organisation": p.organisation, "date": p.date,
                           "price_eur": p.price_eur}
        doc["status"] = "out" if doc["kind"] == "part" else OUT
    elif etype == "asset.validated":
        doc["validation"] = {"by": p.validator or ev.get("operator"),
                             "time": time, "station": ev.get("station"),
                             "note": p.note}
    elif etype == "document.issued":
        docs = doc.get("documents") or []
        doc["documents"] = docs + [{"kind": p.kind, "id": p.document_id,
                                    "time": time, "sha256": p.sha256}]
    elif etype == "note":
        doc["notes"] = (doc["notes"] + [{"time": time, "text": p.text}])[-MAX_NOTES:]


def _finished(doc: dict, start: str | None) -> None:
    """An end event names its start (``start_event``): that start is no longer open.
    End events of journals older than start events name none and change nothing."""
    if start and doc.get("unfinished"):
        doc["unfinished"] = [u for u in doc["unfinished"] if u["event_id"] != start]


def _install_part(view: View, ev: dict, p: Any) -> None:
    """part.installed (asset_id = the receiving machine): update the part too."""
    into = p.into_asset or ev.get("asset_id")
    machine = view.asset(into or "")
    if machine is None or ev["seq"] <= machine.get("last_seq", 0):
        machine = None
    if _install(view, ev, p.part_id, machine, into) and machine is not None:
        # history/last_seq of the machine are updated by the generic path when
        # asset_id is the machine; do it here when the event named the part instead.
        if ev.get("asset_id") != into:
            _touch(view, machine, ev)
        view.put_asset(machine)


def _install(view: View, ev: dict, part_id: str, machine: dict | None,
             into: str | None) -> bool:
    """Move a part into ``machine`` (a part.installed, or a part used by ``built``)."""
    part = view.asset(part_id or "")
    if part is None or not _touch(view, part, ev):
        return False
    part["status"] = "installed"
    part["installed_in"] = into
    view.put_asset(part)
    if machine is not None:
        machine["parts_installed"].append({
            "part_id": part["id"], "part_kind": part.get("part_kind"),
            "from_asset": part.get("from_asset"), "facts": part.get("facts") or {},
            "time": ev["time"]})
    return True


def _fix(view: View, ev: dict, p: Any) -> None:
    """``correct``/``void``: the record takes the corrected values (the original stays
    in the journal and the history); a voided asset or lot leaves every list."""
    note = {"seq": ev["seq"], "time": ev["time"], "reason": p.reason,
            "operator": ev.get("operator")}
    kind = p.target_kind
    if kind == "donor":
        doc, put = view.donor(p.target), view.put_donor
    elif kind == "lot":
        doc, put = view.lot(p.target), view.put_lot
    else:
        doc, put = view.asset(p.target), view.put_asset
    if doc is None or doc.get("last_seq", 0) >= ev["seq"]:
        return
    doc["last_seq"] = ev["seq"]
    if kind == "asset":
        doc["history"] = doc.get("history", 0) + 1
        doc["updated"] = ev["time"]
    if p.TYPE == "void":
        doc["voided"] = note
    else:
        fields = dict(p.fields)
        if kind == "lot" and "donor_id" in fields and fields["donor_id"] != doc.get("donor_id"):
            _move_lot(view, doc, fields["donor_id"], ev["seq"])
        if kind == "asset" and "lot_id" in fields and fields["lot_id"] != doc.get("lot_id"):
            fields["donor_id"] = _move_asset(view, doc, fields["lot_id"], ev["seq"])
        if kind == "asset" and doc.get("kind") == "part" and "device_kind" in fields:
            fields["part_kind"] = fields["device_kind"]     # a part's kind is its part_kind
        doc.update(fields)
        doc.setdefault("corrections", []).append({**note, "fields": sorted(fields)})
    put(doc)


def _move_asset(view: View, asset: dict, lot_id: str | None, seq: int) -> str | None:
    """An asset's lot corrected: it leaves the old lot's ``assets`` and joins the new
    one's (idempotent: a replay after a crash finds it already moved). Returns the
    new lot's donor, which the asset now shares."""
    donor = None
    for lid, add in ((asset.get("lot_id"), False), (lot_id, True)):
        lot = view.lot(lid or "")
        if lot is None:
            continue
        members = [x for x in lot.get("assets", []) if x != asset["id"]]
        lot["assets"] = members + [asset["id"]] if add else members
        lot["last_seq"] = max(lot.get("last_seq", 0), seq)
        view.put_lot(lot)
        if add:
            donor = lot.get("donor_id")
    return donor


def _move_lot(view: View, lot: dict, donor_id: str, seq: int) -> None:
    for did, add in ((lot.get("donor_id"), False), (donor_id, True)):
        donor = view.donor(did or "")
        if donor is None:
            continue
        lots = [x for x in donor.get("lots", []) if x != lot["id"]]
        donor["lots"] = lots + [lot["id"]] if add else lots
        donor["last_seq"] = max(donor.get("last_seq", 0), seq)
        view.put_donor(donor)
    for aid in lot.get("assets") or ():
        # Its assets are that donor's too (show, documents): derived, so idempotent.
        asset = view.asset(aid)
        if asset is not None and asset.get("donor_id") != donor_id:
            asset["donor_id"] = donor_id
            view.put_asset(asset)
