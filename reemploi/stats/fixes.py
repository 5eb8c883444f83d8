"""Corrections and voids (issue 10) in the statistics, applied by the inventory's fold.

A lot recorded with the wrong count, donor, date or weight, an asset with the wrong
kind, weight or lot, a donor's name: the inventory appends a ``correct`` event (the
original stays in the journal); an asset or lot created by mistake gets a ``void``.
The statistics count the corrected values and leave voided records out, read exactly
as ``inventory show`` reads them: the ledger keeps each such event as it came, in
journal order, and ``corrected`` replays them through ``inventory.fold.apply``, the
one fold every reader uses, over a small view of the ledger's records. There is no
second reading of a correction's payload here.

A voided lot takes its machines with it: they were created from it (``intake
--create-ids`` of a typo) and nothing else happened to them (the inventory refuses to
void a lot whose machines have a history of their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .tally import weight_kg

# A machine's entry in Ledger.machines starts with these facts (ledger.py).
M_KIND, M_LOT, M_WEIGHT = 0, 1, 2


@dataclass
class Corrected:
    """What the corrections change, by id: a machine's first facts (kind, lot,
    weight), a lot's ``(donor_id, day, devices, weight_kg)``, a donor's ``(name,
    kind)``; and the voided machines and lots."""
    machines: dict[str, tuple] = field(default_factory=dict)
    lots: dict[str, tuple] = field(default_factory=dict)
    donors: dict[str, tuple] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)
    voided_lots: set[str] = field(default_factory=set)


class _View:
    """``inventory.fold.View`` over the ledger: records made from the ledger's facts,
    changed copies kept here (the ledger itself is never changed: it is the fold of
    the journal as written, cached and extended by ``stats.cache``)."""

    def __init__(self, ledger) -> None:
        self.ledger = ledger
        self.assets: dict[str, dict] = {}
        self.lots: dict[str, dict] = {}
        self.donors: dict[str, dict] = {}

    def asset(self, asset_id: str) -> dict | None:
        if asset_id in self.assets:
            return self.assets[asset_id]
        m = self.ledger.machines.get(asset_id)
        if m is None or asset_id in self.ledger.parts:
            return None          # parts are not in the figures: nothing to correct there
        return {"id": asset_id, "kind": "machine", "device_kind": m[M_KIND],
                "weight_kg": m[M_WEIGHT], "lot_id": m[M_LOT], "serial": None,
                "history": 0, "last_seq": 0}

    def put_asset(self, doc: dict) -> None:
        self.assets[doc["id"]] = doc

    def lot(self, lot_id: str) -> dict | None:
        if lot_id in self.lots:
            return self.lots[lot_id]
        lot = self.ledger.lots.get(lot_id)
        if lot is None:
            return None
        donor_id, day, devices, weight = lot
        return {"id": lot_id, "donor_id": donor_id, "date": day, "weight_kg": weight,
                "devices": [{"kind": k, "count": c, "weight_kg": w} for k, c, w in devices],
                "assets": [], "last_seq": 0}

    def put_lot(self, doc: dict) -> None:
        self.lots[doc["id"]] = doc

    def donor(self, donor_id: str) -> dict | None:
        if donor_id in self.donors:
            return self.donors[donor_id]
        donor = self.ledger.donors.get(donor_id)
        if donor is None:
            return None
        return {"id": donor_id, "name": donor[0], "kind": donor[1], "lots": [], "last_seq": 0}

    def put_donor(self, doc: dict) -> None:
        self.donors[doc["id"]] = doc

    def index_add(self, table: str, key: str, value: Any) -> None:
        pass                     # lookup indexes: the statistics have none

    def counter(self, key: str, number: int) -> None:
        pass                     # id counters: idem


def _day(date: Any, before: str) -> str:
    return date[:10] if isinstance(date, str) and len(date) >= 10 else before


def corrected(ledger) -> Corrected | None:
    """The corrections of ``ledger`` (None when there are none: the common case)."""
    if not ledger.fixes:
        return None
    from ..inventory import fold        # only when there is something to correct

    view = _View(ledger)
    for seq, (etype, asset_id, time, payload) in enumerate(ledger.fixes, 1):
        fold.apply(view, {"seq": seq, "id": "", "time": time, "type": etype,
                          "asset_id": asset_id, "payload": payload, "operator": None,
                          "station": None})
    out = Corrected()
    for aid, doc in view.assets.items():
        if doc.get("voided"):
            out.voided.add(aid)
        else:
            out.machines[aid] = (doc.get("device_kind"), doc.get("lot_id"),
                                 weight_kg(doc.get("weight_kg")))
    for lot_id, doc in view.lots.items():
        if doc.get("voided"):
            out.voided_lots.add(lot_id)
            continue
        before = ledger.lots.get(lot_id)
        devices = tuple((d.get("kind"), d.get("count", 1), d.get("weight_kg"))
                        for d in doc.get("devices") or () if isinstance(d, dict))
        out.lots[lot_id] = (doc.get("donor_id"), _day(doc.get("date"), before[1] if before else ""),
                            devices, weight_kg(doc.get("weight_kg")))
    for donor_id, doc in view.donors.items():
        out.donors[donor_id] = (str(doc.get("name") or ""), str(doc.get("kind") or ""))
    return out
