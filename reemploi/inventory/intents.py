"""Lifecycle intents: the only way a status changes.

Each intent checks its invariants against the current state, under the journal lock,
and is ONE atomic append (its events in one write and one fsync, or nothing). They sit
beside the transition table (``lifecycle.py``) and the custody rules (``custody.py``);
no stage decides a status itself:

    set_status / mark_ready   a move by hand (ready only with every disk covered)
    checkout                  leaving the workshop (dates, custody for given/sold)
    start_wipe / finish_wipe  wipe.started (an imaged/ready machine goes back to
                              diagnosed in the same write); wipe.done (+ wiped)
    start_image / finish_image  image.started (back to wiped); image.written (+ imaged,
                              or back when a re-install failed)

``IntentsMixin`` is part of ``Inventory`` (it uses its ``_commit`` and ``_asset``).
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any, Iterable

from .. import events as typed
from ..errors import BadInput
from ..i18n import N_
from . import custody
from .errors import (CannotVoid, DateBeforeReady, DateTooEarly, DisksNotWiped, IllegalTransition,
                     ImageForNoSystem, ImageNeedsMoreRam, ImageWrongArch, NoProbe, UnknownAsset,
                     NotAMachine, NotReadyToLeave, PartKeptForDestruction, PartNotWiped)
from .events import Event, EventType, Status
from .lifecycle import DESTINATIONS, part_transition_allowed, transition_allowed
from .lots import check_not_future
from .projection import Session

Spec = tuple[str, "str | None", dict]
# Destinations for a person: the data promise applies in full.
TO_PEOPLE = ("given", "sold")


def _verified(payload: dict) -> bool:
    return (payload.get("verification") or {}).get("result") in (None, "passed", "skipped")


class IntentsMixin:
    # -- by hand ----------------------------------------------------------------------

    def set_status(self, asset_id: str, to: Status | str, **payload: Any) -> Event:
        """Move a machine along its lifecycle (IllegalTransition, exit 11, if the table
        forbids it; DisksNotWiped/NoProbe, exit 8, for ready with a disk not covered).
        Moving to out needs a destination: use ``checkout``."""
        target = to.value if isinstance(to, Status) else str(to)
        body = self._jsonable(payload)
        return self._commit(lambda s: [self._status_spec(s, asset_id, target, body)])[0]

    def mark_ready(self, asset_id: str, note: str | None = None) -> Event:
        return self.set_status(asset_id, Status.READY, **({"note": note} if note else {}))

    def checkout(self, asset_id: str, destination_kind: str, organisation: str,
                 date: str | None = None, price_eur: float | None = None,
                 backdated: str | None = None) -> Event:
        """The asset leaves the workshop: a checkout event, then status out.
        ``backdated``: why a departure is dated before the machine was marked ready
        (entered after the fact from a paper register); recorded in the event."""
        body = {"destination_kind": destination_kind, "organisation": organisation,
                "date": date or Date.today().isoformat(), "price_eur": price_eur,
                **({"backdated": backdated} if (backdated or "").strip() else {})}
        return self._commit(lambda s: self._checkout_specs(s, asset_id, body))[0]

    # -- wipe and image ----------------------------------------------------------------

    def may_wipe(self, asset_id: str) -> None:
        """Checked before the first byte of a wipe under ``asset_id``: it exists
        (UnknownAsset, exit 10) and, a machine, may become wiped once the wipe ends
        (IllegalTransition, exit 11), or the disk would be erased and only then the
        record refused. A part (a harvested disk wiped loose) keeps its own states."""
        doc = self.machine(asset_id)
        status = doc.get("status")
        if doc.get("kind") == "machine" and status != Status.WIPED.value \
                and not transition_allowed(status, Status.WIPED.value):
            raise IllegalTransition(id=asset_id, current=status, to=Status.WIPED.value)

    def may_image(self, asset_id: str, wipe_event: str | None) -> None:
        """Checked before the first byte of an image write: the machine exists (exit
        10) and may become imaged (exit 11); one still received or diagnosed whose disk
        has its own wipe record (wiped loose, then fitted) may go on: ``finish_image``
        moves it through wiped, citing that wipe."""
        doc = self.machine(asset_id)
        status = doc.get("status")
        if doc.get("kind") == "machine" and (
                transition_allowed(status, Status.IMAGED.value)
                or (wipe_event and transition_allowed(status, Status.WIPED.value))):
            return
        raise IllegalTransition(id=asset_id, current=status, to=Status.IMAGED.value)

    def start_wipe(self, starts: Iterable[tuple[str | None, dict]]) -> list[Event]:
        """``wipe.started`` per disk, in one write, before the first byte. A machine
        imaged or ready goes back to diagnosed in the same write: from the first byte
        its system is gone, so a cut wipe never leaves it ready to be given away."""
        specs = [(EventType.WIPE_STARTED.value, aid, self._jsonable(p)) for aid, p in starts]
        return self._stage_commit(specs, back_to=Status.DIAGNOSED, because="wipe-started")

    def finish_wipe(self, done: Iterable[tuple[str | None, dict]]) -> list[Event]:
        """``wipe.done`` per disk and, for each machine whose wipes all succeeded, the
        move to wiped: one write."""
        specs = [(EventType.WIPE_DONE.value, aid, self._jsonable(p)) for aid, p in done]

        def build(s: Session) -> list[Spec]:
            out = self._check_assets(s, specs)
            for aid in dict.fromkeys(a for _, a, _ in specs if a):
                mine = [p for _, a, p in specs if a == aid]
                doc = self._asset(s, aid)
                if doc["kind"] == "machine" and doc["status"] != Status.WIPED.value and \
                        all(p.get("result") == "success" for p in mine) and \
                        transition_allowed(doc["status"], Status.WIPED.value):
                    out.append(self._status_spec(s, aid, Status.WIPED.value, {}))
            return out
        return self._commit(build)[:len(specs)]

    def start_image(self, asset_id: str | None, payload: dict,
                    wipe_event: str | None) -> Event:
        """``image.started`` before the first byte; an imaged/ready machine goes back
        to wiped (its disk's wipe is on record) or diagnosed in the same write."""
        spec = (EventType.IMAGE_STARTED.value, asset_id, self._jsonable(payload))
        back = Status.WIPED if wipe_event else Status.DIAGNOSED
        return self._stage_commit([spec], back_to=back, because="image-started")[0]

    def finish_image(self, asset_id: str | None, payload: dict,
                     wipe_event: str | None) -> Event:
        """``image.written`` and the status it implies, in one write: imaged after a
        success (through wiped for a disk wiped loose, citing that wipe); after a failed
        re-install, back to wiped (wipe on record) or diagnosed."""
        spec = (EventType.IMAGE_WRITTEN.value, asset_id, self._jsonable(payload))
        success = payload.get("result") == "success"

        def build(s: Session) -> list[Spec]:
            out = self._check_assets(s, [spec])
            if not asset_id:
                return out
            doc = self._asset(s, asset_id)
            status = doc["status"]
            if success:
                if wipe_event and not transition_allowed(status, Status.IMAGED.value):
                    out.append(self._status_spec(s, asset_id, Status.WIPED.value,
                                                 {"wipe_event": wipe_event}))
                    status = Status.WIPED.value
                out.append((EventType.STATUS_CHANGED.value, asset_id,
                            {"from": status, "to": Status.IMAGED.value}))
            elif status in (Status.IMAGED.value, Status.READY.value):
                back = Status.WIPED if wipe_event else Status.DIAGNOSED
                extra = {"wipe_event": wipe_event} if wipe_event else {}
                out.append(self._status_spec(s, asset_id, back.value, {"image_event": None,
                                                                       **extra}))
            return out
        return self._commit(build)[0]

    def _stage_commit(self, specs: list[Spec], back_to: Status, because: str) -> list[Event]:
        def build(s: Session) -> list[Spec]:
            out = self._check_assets(s, specs)
            for aid in dict.fromkeys(a for _, a, _ in specs if a):
                doc = self._asset(s, aid)
                if doc["kind"] == "machine" and doc["status"] in (Status.IMAGED.value,
                                                                  Status.READY.value):
                    out.append(self._status_spec(s, aid, back_to.value, {"because": because}))
            return out
        return self._commit(build)[:len(specs)]

    def _check_assets(self, s: Session, specs: list[Spec]) -> list[Spec]:
        for _, aid, _ in specs:
            if aid is not None:
                self._asset(s, aid)
        return list(specs)

    def wipe_for(self, identity: str, asset_id: str | None) -> Event | None:
        """The wipe.done that may stand for the disk ``identity`` about to be written
        under ``asset_id`` (None: a loose disk), or None (custody.loose_wipe_counts):
        the latest successful, verified one, never another asset's, and for a weak
        identity only within the same physical session."""
        def pick(s: Session) -> str | None:
            doc = self._asset(s, asset_id) if asset_id else None
            for ev in reversed(self.wipes_for_disk(identity)):
                p = ev.payload
                if p.get("result") != "success" or not _verified(p):
                    continue
                if doc is not None and ev.asset_id == asset_id and \
                        ev.seq <= doc.get("entered_seq", 0):
                    continue            # before it (last) came in: another owner's data since
                if asset_id is None:
                    ok = not custody.is_weak(identity) or not custody.crossed(
                        s, identity, ev.asset_id, ev.seq)
                else:
                    ok = custody.loose_wipe_counts(s, identity, ev.seq, ev.asset_id, asset_id)
                return ev.id if ok else None
            return None
        chosen = self._reading(pick)
        return next((ev for ev in self.wipes_for_disk(identity) if ev.id == chosen), None)

    def check_image_fits(self, asset_id: str, image: str, arch: str | None,
                         min_ram_mb: int | None, override: str | None = None) -> None:
        """Before an image is written on a machine: it suits the verdict (not parts
        only/recycling, an architecture the CPU runs, enough RAM). ``override``: the
        operator's reason to write it anyway (recorded with image.started)."""
        doc = self.machine(asset_id)
        problem = custody.image_problem(doc, arch, min_ram_mb)
        if problem is None or (override or "").strip():
            return
        code, params = problem
        error = {"no-system": ImageForNoSystem, "arch": ImageWrongArch,
                 "ram": ImageNeedsMoreRam}[code]
        raise error(id=asset_id, image=image, **params)

    # -- corrections ---------------------------------------------------------------------

    def correct(self, target: str, fields: dict, reason: str) -> Event:
        """Fix what was recorded wrong at intake (a lot's counts, weight, donor or date;
        an asset's kind, weight, serial or lot; a donor's name...): an append-only
        ``correct`` event; the original stays in the journal and in the history."""
        def build(s: Session) -> list[Spec]:
            kind = self._target_kind(s, target)
            changes = dict(fields)
            # A field that is not intake data named as such (the event's own check
            # would only say "field 'payload'"); a part's kind may be said part_kind.
            from ..events.lifecycle import CORRECTABLE
            allowed = CORRECTABLE[kind] + (("part_kind",) if kind == "asset" else ())
            unknown = sorted(set(changes) - set(allowed))
            if unknown:
                raise BadInput(N_("'{field}' cannot be corrected: only what was recorded "
                                  "at intake ({fields})"), field=unknown[0],
                               fields=", ".join(CORRECTABLE[kind]))
            if kind == "lot":
                self._check_lot_fields(s, changes)
            elif kind == "asset":
                changes = self._check_asset_fields(s, self._asset(s, target), changes)
            body = {"target": target, "target_kind": kind, "fields": changes,
                    "reason": reason}
            return [("correct", target if kind == "asset" else None, body)]
        return self._commit(build)[0]

    def void(self, target: str, reason: str) -> Event:
        """An asset or lot created by mistake leaves every list and figure (it stays in
        the journal). Only one nothing else happened to (CannotVoid, exit 11)."""
        def build(s: Session) -> list[Spec]:
            kind = self._target_kind(s, target)
            if kind == "asset":
                doc = self._asset(s, target)
                if doc.get("history", 0) > 1:
                    raise CannotVoid(id=target, why=N_("events were recorded about it since"))
            elif kind == "lot":
                busy = [a for a in s.lot(target).get("assets") or ()
                        if (s.asset(a) or {}).get("history", 0) > 1
                        and not (s.asset(a) or {}).get("voided")]
                if busy:
                    raise CannotVoid(id=target, why=N_("its assets have a history of their own"))
            else:
                raise CannotVoid(id=target, why=N_("a donor is corrected, not voided"))
            return [("void", target if kind == "asset" else None,
                     {"target": target, "target_kind": kind, "reason": reason})]
        return self._commit(build)[0]

    def _target_kind(self, s: Session, target: str) -> str:
        if s.asset(target) is not None:
            return "asset"
        if s.lot(target) is not None:
            return "lot"
        if s.donor(target) is not None:
            return "donor"
        raise UnknownAsset(id=target)

    @staticmethod
    def _check_asset_fields(s: Session, doc: dict, fields: dict) -> dict:
        """An asset's lot must exist; a part's kind (``part_kind``, or ``device_kind``:
        the same thing for a part) must be one ``parts harvest --kind`` offers."""
        if "lot_id" in fields and s.lot(str(fields["lot_id"])) is None:
            raise UnknownAsset(id=fields["lot_id"])
        if "weight_kg" in fields:
            # The same bounds as at intake (events/intake.py): a machine of -3 kg or
            # of "abc" kg would count in every tonnage figure.
            from ..events.intake import MAX_WEIGHT_KG
            kg = fields["weight_kg"]
            if isinstance(kg, bool) or not isinstance(kg, (int, float)) \
                    or not 0 <= kg <= MAX_WEIGHT_KG:
                raise BadInput(what="weight_kg", why=N_("is not a plausible weight in kg"))
            fields = {**fields, "weight_kg": float(kg)}
        if doc.get("kind") == "part" and "part_kind" in fields:
            fields = {**fields, "device_kind": fields["part_kind"]}
            del fields["part_kind"]
        if doc.get("kind") == "part" and "device_kind" in fields:
            from .parts import PART_KINDS
            if fields["device_kind"] not in PART_KINDS:
                raise BadInput(N_("'{kind}' is not a kind of part (one of: {kinds})"),
                               kind=fields["device_kind"], kinds=", ".join(PART_KINDS))
        return fields

    @staticmethod
    def _check_lot_fields(s: Session, fields: dict) -> None:
        if "donor_id" in fields and s.donor(str(fields["donor_id"])) is None:
            raise UnknownAsset(id=fields["donor_id"])
        if "date" in fields:
            check_not_future(str(fields["date"]))
        # The same bounds as at intake: a correction is no back door for 10^400.
        typed.for_append("lot.received", {"lot_id": "-", "donor_id": None,
                                          **{k: fields[k] for k in ("devices", "weight_kg")
                                             if k in fields}})

    # -- the checks, in one place -------------------------------------------------------

    def _status_spec(self, s: Session, asset_id: str | None, to: str | None, body: dict) -> Spec:
        doc = self._asset(s, asset_id)
        current = doc["status"]
        last = (doc.get("checkout") or {}).get("destination_kind")
        if doc["kind"] != "machine":
            raise NotAMachine(id=asset_id, current=current, to=to)
        dest = body.get("destination_kind")
        if not transition_allowed(current, str(to), dest, last):
            if to == Status.OUT.value and current != Status.OUT.value and dest in TO_PEOPLE:
                raise NotReadyToLeave(id=asset_id, current=current, to=to)
            raise IllegalTransition(id=asset_id, current=current, to=to)
        if to == Status.READY.value or (to == Status.OUT.value and dest in TO_PEOPLE):
            self._check_custody(s, doc, str(to if to == Status.READY.value else dest))
        return (EventType.STATUS_CHANGED.value, asset_id, {**body, "from": current, "to": to})

    def _check_custody(self, s: Session, doc: dict, to: str) -> None:
        if not custody.may_hold_data(doc):
            return
        left = custody.uncovered_disks(s, doc)
        if left is None:
            raise NoProbe(id=doc["id"])
        if left:
            raise DisksNotWiped(id=doc["id"], to=to, disks=custody.describe(left))

    def _checkout_specs(self, s: Session, asset_id: str | None, body: dict) -> list[Spec]:
        dest = body.get("destination_kind")
        if dest not in DESTINATIONS:
            raise BadInput(what="destination", why=str(dest))
        if not str(body.get("organisation") or "").strip():
            raise BadInput("The receiving organisation (--org) is empty")
        price = body.get("price_eur")
        if price is not None and (not isinstance(price, (int, float)) or price < 0):
            raise BadInput(what="price", why=str(price))
        when = body.get("date") or ""
        check_not_future(when)
        doc = self._asset(s, asset_id)
        self._check_after(s, doc, when, bool(body.get("backdated")))
        if doc["kind"] == "part":
            if not part_transition_allowed(doc["status"], "out"):
                raise IllegalTransition(id=asset_id, current=doc["status"], to="out")
            self._check_part_leaves(s, doc, dest)
            return [(EventType.CHECKOUT.value, asset_id, body)]
        status = self._status_spec(s, asset_id, Status.OUT.value, {"destination_kind": dest})
        return [(EventType.CHECKOUT.value, asset_id, body), status]

    def _check_after(self, s: Session, doc: dict, when: str, backdated: bool = False) -> None:
        """No checkout dated before the lot's reception, nor before it became ready
        (unless entered after the fact with its reason: ``backdated``)."""
        lot = s.lot(doc.get("lot_id") or "") if doc.get("lot_id") else None
        received = (lot or {}).get("date")
        if received and when < received:
            raise DateTooEarly(date=when, when=received)
        ready = doc.get("ready_time")
        if ready and when < ready[:10] and not backdated:
            raise DateBeforeReady(date=when, when=ready[:10])

    def _check_part_usable(self, s: Session, part: dict) -> None:
        """A part going into a machine or to a person: not kept for destruction, and a
        storage part only after its own verified wipe."""
        if part.get("destiny", "stock") != "stock":
            raise PartKeptForDestruction(id=part["id"], destiny=part["destiny"])
        if custody.part_is_storage(part) and not custody.part_wiped(s, part):
            raise PartNotWiped(id=part["id"])

    def _check_part_leaves(self, s: Session, part: dict, dest: str) -> None:
        if dest in TO_PEOPLE:
            self._check_part_usable(s, part)
        elif custody.part_is_storage(part) and part.get("destiny", "stock") == "stock" \
                and not custody.part_wiped(s, part):
            # To a recycler, a disk leaves wiped, or declared for destruction at harvest.
            raise PartNotWiped(id=part["id"])
