"""Donors and donation lots: the reception desk's side of the inventory.

A lot is one delivery from one donor (a company's 20 laptops, a town hall's screens);
its id (``LOT-A-26-0007``) goes on the reception sheet and the WEEE register. With
``create_ids`` every device gets an asset id at reception, before any probe, so the
labels can be stuck on at once ("label first, inventory later").

A mixin of ``Inventory``: it uses ``_commit`` (validation + durable append under
the journal lock) and the id counters of ``store``.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any, Iterable

from ..errors import BadInput
from .events import EventType
from .projection import Session

DONOR_KINDS = ("company", "individual", "public", "association")


def check_date(value: str) -> None:
    """ISO dates only (YYYY-MM-DD): the register is read in several countries' tools."""
    try:
        Date.fromisoformat(value)
    except ValueError:
        raise BadInput("Cannot read the date '{value}': expected YYYY-MM-DD", value=value) \
            from None


class LotsMixin:
    def register_donor(self, name: str, kind: str = "company", contact: str | None = None,
                       siret: str | None = None) -> str:
        """A donor id for ``name`` (an existing donor of that name is reused)."""
        holder: list[str] = []

        def build(s: Session) -> list:
            did, specs = self._donor_specs(s, name, kind, contact, siret)
            holder.append(did)
            return specs
        self._commit(build)
        return holder[-1]

    def receive_lot(self, donor: str, donor_kind: str = "company", *, date: str | None = None,
                    devices: Iterable[tuple[str, int, float | None]] = (),
                    weight_kg: float | None = None, notes: str | None = None,
                    create_ids: bool = False, donor_contact: str | None = None,
                    donor_siret: str | None = None) -> tuple[dict, list[str]]:
        """Register a donation lot (and its donor if new), in one atomic append.
        ``devices``: (kind, count, total weight kg or None). With ``create_ids``, an
        asset id per device is created now, before any probe, for labelling."""
        rows = []
        for kind, count, weight in devices:
            if not kind or int(count) < 1 or (weight is not None and float(weight) < 0):
                raise BadInput(what="--device", why=f"{kind}:{count}:{weight}")
            rows.append({"kind": kind, "count": int(count),
                         "weight_kg": None if weight is None else float(weight)})
        if weight_kg is not None and weight_kg < 0:
            raise BadInput(what="--weight", why=str(weight_kg))
        when = date or Date.today().isoformat()
        check_date(when)
        out: dict[str, Any] = {}

        def build(s: Session) -> list:
            did, specs = self._donor_specs(s, donor, donor_kind, donor_contact, donor_siret)
            lot_id = self._next_id(s, "lot")
            specs.append((EventType.LOT_RECEIVED.value, None,
                          {"lot_id": lot_id, "donor_id": did, "date": when, "devices": rows,
                           "weight_kg": weight_kg, "notes": notes}))
            ids: list[str] = []
            if create_ids:
                for row in rows:
                    each = (row["weight_kg"] / row["count"]) if row["weight_kg"] else None
                    for _ in range(row["count"]):
                        aid = self._next_id(s, "machine", reserved=ids)
                        ids.append(aid)
                        specs.append((EventType.ASSET_CREATED.value, aid,
                                      {"kind": "machine", "device_kind": row["kind"],
                                       "lot_id": lot_id, "serial": None,
                                       "weight_kg": None if each is None else round(each, 3),
                                       "identity": None}))
            out.update(lot_id=lot_id, ids=ids)
            return specs
        self._commit(build)
        return self.lot(out["lot_id"]), out["ids"]


    def _donor_specs(self, s: Session, name: str, kind: str, contact, siret) -> tuple[str, list]:
        name = (name or "").strip()
        if not name:
            raise BadInput("The donor's name is empty")
        if kind not in DONOR_KINDS:
            raise BadInput(what="donor kind", why=str(kind))
        wanted = " ".join(name.casefold().split())
        for donor in (s._catalog()["donors"]).values():
            if " ".join(str(donor.get("name", "")).casefold().split()) == wanted:
                return donor["id"], []
        did = self._next_id(s, "donor")
        return did, [(EventType.DONOR_REGISTERED.value, None,
                      {"donor_id": did, "name": name, "kind": kind, "contact": contact,
                       "siret": siret})]
