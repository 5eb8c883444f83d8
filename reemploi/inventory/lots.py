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
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from ..errors import BadInput
from ..events.intake import MAX_DEVICES, weight_problem
from ..i18n import N_
from .errors import DateInFuture, LargeLot
from .events import EventType
from .projection import Session

DONOR_KINDS = ("company", "individual", "public", "association")
# Above these a lot needs confirming (the largest donations our workshops see are a
# few hundred machines, a few tonnes; a typo is far more likely than 2 001 laptops).
LARGE_LOT_DEVICES = 2000
LARGE_LOT_KG = 50_000.0


def check_not_future(value: str) -> None:
    """An ISO date not after tomorrow (UTC): a station at UTC+14 is a day ahead."""
    check_date(value)
    if Date.fromisoformat(value) > (datetime.now(timezone.utc) + timedelta(days=1)).date():
        raise DateInFuture(date=value)


def check_date(value: str) -> None:
    """ISO dates only (YYYY-MM-DD): the register is read in several countries' tools."""
    try:
        Date.fromisoformat(value)
    except ValueError:
        raise BadInput("Cannot read the date '{value}': expected YYYY-MM-DD", value=value) \
            from None


# A donor's name as its papers print it: far more than any organisation's name needs.
MAX_DONOR_NAME = 200


def check_siret(siret: str | None) -> str | None:
    """A SIRET as typed ("552 100 554 00013") to its 14 digits, or BadInput (exit 7)
    before it is recorded and printed on the donor's papers. INSEE's check: the 14
    digits pass the Luhn key; La Poste's establishments (SIREN 356 000 000) are the
    exception, whose digits add up to a multiple of 5."""
    if siret is None or not siret.strip():
        return None
    digits = "".join(siret.split())
    if not (len(digits) == 14 and digits.isascii() and digits.isdigit()):
        raise BadInput(what="--donor-siret", why=N_("a SIRET is 14 digits"))
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    if total % 10 and not (digits.startswith("356000000")
                           and sum(map(int, digits)) % 5 == 0):
        raise BadInput(what="--donor-siret",
                       why=N_("not a SIRET: its check digit does not match (a digit mistyped?)"))
    return digits



def device_problem(kind: str, count: int, weight: float | None) -> str | None:
    """Why one line of a lot (``kind``, ``count``, total ``weight`` in kg) cannot be
    recorded, in words to translate; None when it can: the intake events' own bounds
    (events/intake.py), asked before anything is written, so that the command line
    names the ``--device`` as typed."""
    if not kind:
        return N_("must not be empty")
    if not 1 <= int(count) <= MAX_DEVICES:
        return N_("count must be between 1 and 100000")
    return None if weight is None else weight_problem(float(weight))


class LotsMixin:
    def receive_lot(self, donor: str, donor_kind: str = "company", *, date: str | None = None,
                    devices: Iterable[tuple[str, int, float | None]] = (),
                    weight_kg: float | None = None, notes: str | None = None,
                    create_ids: bool = False, donor_contact: str | None = None,
                    donor_siret: str | None = None,
                    confirmed: bool = False) -> tuple[dict, list[str]]:
        """Register a donation lot (and its donor if new), in one atomic append.
        ``devices``: (kind, count, total weight kg or None). With ``create_ids``, an
        asset id per device is created now, before any probe, for labelling.

        A lot above ``LARGE_LOT_DEVICES`` devices or ``LARGE_LOT_KG`` is refused (LargeLot,
        exit 8) unless ``confirmed``: one typo (laptop:100000) would otherwise create
        100 000 ids in an append-only journal. The date is not in the future."""
        donor_siret = check_siret(donor_siret)
        if len(donor.strip()) > MAX_DONOR_NAME:
            # A paste gone wrong, not a name: it would also break every paper that
            # prints it (the attestation's table row taller than the page).
            raise BadInput(what="--donor", why=N_("longer than 200 characters"))
        rows = []
        for kind, count, weight in devices:
            # The command line names the device as typed (cli/inventory_cmd.py asks
            # device_problem first); this is the net for every other caller.
            problem = device_problem(kind, count, weight)
            if problem:
                raise BadInput(what="--device", why=problem)
            rows.append({"kind": kind, "count": int(count),
                         "weight_kg": None if weight is None else float(weight)})
        if weight_kg is not None and weight_problem(weight_kg):
            raise BadInput(what="--weight", why=weight_problem(weight_kg))
        when = date or Date.today().isoformat()
        check_not_future(when)
        count = sum(r["count"] for r in rows)
        kg = weight_kg if weight_kg is not None else sum(r["weight_kg"] or 0 for r in rows)
        if not confirmed and (count > LARGE_LOT_DEVICES or kg > LARGE_LOT_KG):
            raise LargeLot(count=count, kg=round(kg, 1), max_count=LARGE_LOT_DEVICES,
                           max_t=LARGE_LOT_KG / 1000)
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
        # The donors read by their slices: not the lots (one per ten machines).
        for donor in s.all_of("donors"):
            if " ".join(str(donor.get("name", "")).casefold().split()) == wanted:
                return donor["id"], []
        did = self._next_id(s, "donor")
        return did, [(EventType.DONOR_REGISTERED.value, None,
                      {"donor_id": did, "name": name, "kind": kind, "contact": contact,
                       "siret": siret})]
