"""The inventory: one object over the journal (truth) and the projection (state).

Every change goes through ``_commit``: under the journal's exclusive lock it brings
the projection up to date with the journal (another process may have appended),
validates the change against that state (so two stations cannot both move the same
machine out), appends the events in one write, fsyncs, and only then folds them into
the projection. A method returns once its events are durable.

    inv = Inventory.open(home, station="atelier-1", operator="Camille")
    lot, ids = inv.receive_lot("Mairie de Lyon", "public", devices=[("laptop", 5, 12.5)],
                               create_ids=True)
    inv.record(EventType.ASSET_GRADED, ids[0], {"verdict": {...}, "rules_version": "1"})
    inv.set_status(ids[0], Status.DIAGNOSED)
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import BadInput
from ..identity import clean_serial, machine_identity
from ..settings import load_settings
from .. import events as typed
from . import fold
from .errors import (DuplicateId, JournalWriteFailed, UnknownAsset)
from .events import Event, EventType, Status
from .ids import format_asset_id, format_donor_id, format_lot_id
from .journal import Journal, build_line, event_from_dict, parse_line
from .integrity import SyncMixin
from .intents import IntentsMixin
from .listing import Row, select
from .lots import LotsMixin
from .parts import PartsMixin
from .reading import EventsMixin, StatesMixin
from .projection import Projection, ProjectionDamaged, Session
from ..syserr import reason
from ..i18n import N_
from ..lazylog import getLogger

if TYPE_CHECKING:
    from .verify import VerifyReport

log = getLogger(__name__)

ASSET_KINDS = ("machine", "part")
# Events a stage may append with ``record``/``record_many``; the others are written
# only by the intents that check their invariants (status, checkout, creation...).
INTENT_ONLY = frozenset({EventType.STATUS_CHANGED.value, EventType.CHECKOUT.value,
                         EventType.ASSET_CREATED.value, "built", "correct", "void",
                         "integrity.incident"})
# A start (intent, written before the first byte) and the end event that names it.
STARTS = {EventType.WIPE_STARTED.value: EventType.WIPE_DONE.value,
          EventType.IMAGE_STARTED.value: EventType.IMAGE_WRITTEN.value}

Spec = tuple[str, "str | None", dict]


class Inventory(SyncMixin, EventsMixin, StatesMixin, IntentsMixin, LotsMixin, PartsMixin):
    """Open with ``Inventory.open(home, station, operator)``."""

    def __init__(self, home: Path, station: str, operator: str | None = None) -> None:
        self.home = Path(home)
        self.station = station
        self.operator = operator
        self.settings = load_settings(self.home)
        self.journal = Journal(self.home)
        self.projection = Projection(self.home)
        self.torn: list[Path] = []
        # Called as ``follow(home, end)`` after each commit, once the lock is
        # released, with the journal's new end: files other stages keep from the
        # journal (the figures' ledger: stats.keep, handed in by the Context). A
        # follower must not raise: the events are durable already.
        self.followers: list[Callable[[Path, int], None]] = []

    @classmethod
    def open(cls, home: Path, station: str, operator: str | None = None,
             rebuilding: Callable[[str, int, int], None] | None = None) -> "Inventory":
        """Create the data directory if needed, move a torn last line aside, and
        bring the projection up to date (rebuilt if missing, behind or damaged;
        ``rebuilding`` is told how far a rebuild is, ``SyncMixin.rebuilding``)."""
        inv = cls(home, station, operator)
        inv.rebuilding = rebuilding
        inv.journal.ensure()
        inv.projection.ensure_dirs()
        with inv.journal.locked():
            inv._sync_locked()
        return inv

    def _commit(self, build: Callable[[Session], list[Spec]], repairing: bool = False
                ) -> list[Event]:
        """Validate with ``build`` against the current state and append its events.
        Refused (exit 12) while the data directory is broken, but for its repair."""
        with self.journal.locked():
            try:
                session, seq, hash_, end = self._sync_locked()
                if not repairing:
                    self._refuse_if_broken()
                specs = build(session)
            except ProjectionDamaged:
                session = self._rebuild_locked()
                seq, hash_, end = self.journal.tail()
                specs = build(session)
            if not specs:
                return []
            events, lines = [], []
            # Every payload through its typed event: a bad one raises (exit 7) here,
            # before a byte is written.
            specs = [(etype, asset_id, typed.for_append(etype, payload).to_payload())
                     for etype, asset_id, payload in specs]
            for etype, asset_id, payload in specs:
                ev, line = build_line(seq + 1, hash_, station=self.station,
                                      operator=self.operator, asset_id=asset_id, type=etype,
                                      payload=payload)
                events.append(ev)
                lines.append(line)
                seq, hash_ = ev.seq, ev.hash
            try:
                self.journal.append_lines(b"".join(lines))
            except OSError as exc:
                # Nothing was recorded (append_lines took back what it wrote): say so
                # as a typed error, exit 15, not a crash.
                raise JournalWriteFailed(path=str(self.journal.path),
                                         why=reason(exc)) from None
            # Durable from here on: a projection problem must not turn into an error
            # for the caller. Left behind, the projection is caught up or rebuilt later.
            offset = end
            try:
                for ev, line in zip(events, lines):
                    fold.apply(session, json.loads(line), offset, len(line))
                    offset += len(line)
                self._save(session, seq, hash_, offset)
            except ProjectionDamaged as exc:
                log.warning("projection damaged (%s): it will be rebuilt from the journal", exc)
            after = end + sum(map(len, lines))
        # After the lock: a follower that folds a lot (a data directory without its
        # figures' ledger) must not keep other stations' commands waiting.
        for follow in self.followers:
            follow(self.home, after)
        return events

    # -- writing --------------------------------------------------------------------

    def record(self, type: str | EventType, asset_id: str | None, payload: dict) -> Event:
        """Append one event; returns when it is on disk (fsynced).

        Status changes go through the lifecycle table; events about an asset need
        the asset to exist (UnknownAsset, exit 10)."""
        etype = type.value if isinstance(type, EventType) else str(type)
        cls = self._event_class(etype)
        body = self._jsonable(payload)
        if etype == EventType.ASSET_PROBED.value and not body.get("identity"):
            # The machine's identity is computed once, here, by the one function.
            body["identity"] = machine_identity(body.get("machine") or {})

        def build(s: Session) -> list[Spec]:
            if etype == EventType.STATUS_CHANGED.value:
                return [self._status_spec(s, asset_id, body.get("to"), body)]
            if etype == EventType.CHECKOUT.value:
                return self._checkout_specs(s, asset_id, body)
            if etype == EventType.ASSET_CREATED.value:
                return [self._created_spec(s, body.get("kind", "machine"),
                                           body.get("device_kind"), asset_id, body)]
            if asset_id is not None or cls.NEEDS_ASSET:
                self._asset(s, asset_id)
            return [(etype, asset_id, body)]
        return self._commit(build)[0]

    @staticmethod
    def _event_class(etype: str) -> type:
        cls = typed.lookup(etype)
        if cls is None:
            raise typed.UnknownEventType(type=etype)
        return cls

    def record_many(self, events: list[tuple[str | EventType, str | None, dict]]
                    ) -> list[Event]:
        """Append several plain events (no status change, checkout or creation) in one
        write and one fsync: all of them are on disk when it returns, or none. Events
        that move a status go through the intents (``intents.py``)."""
        specs: list[Spec] = []
        for type, asset_id, payload in events:
            etype = type.value if isinstance(type, EventType) else str(type)
            if etype in INTENT_ONLY:
                raise BadInput(what="event type", why=etype)
            specs.append((etype, asset_id, self._jsonable(payload)))
        classes = [self._event_class(etype) for etype, _, _ in specs]

        def build(s: Session) -> list[Spec]:
            for (etype, asset_id, _), cls in zip(specs, classes):
                if asset_id is not None or cls.NEEDS_ASSET:
                    self._asset(s, asset_id)
            return list(specs)
        return self._commit(build)

    def record_grading(self, asset_id: str | None, *, machine: dict, identity: str,
                       match: bool, device_kind: str, serial: str | None,
                       checks: dict | None, graded: dict) -> tuple[str, bool]:
        """Record one grading in a single append: the asset (found by ``identity`` when
        ``asset_id`` is None and ``match`` allows it, else created), its move to
        diagnosed, ``asset.probed``, ``asset.checked`` (if any) and ``asset.graded``.

        One commit, so a crash or a refused transition never leaves half a grading
        (a machine "diagnosed" without its verdict, or an asset created for nothing),
        and the identity lookup happens under the journal lock, so two stations
        grading the same machine at once cannot both create it. Returns (id, created).
        """
        out: list = []

        def build(s: Session) -> list[Spec]:
            specs: list[Spec] = []
            aid, created = asset_id, False
            if aid is None and match:
                known = s.index_get("identity", identity)
                aid = known[-1] if known else None   # the latest asset of this machine
            if aid is None:
                spec = self._created_spec(s, "machine", device_kind, None, {
                    "kind": "machine", "device_kind": device_kind, "lot_id": None,
                    "serial": serial, "weight_kg": None, "identity": identity})
                aid, created = spec[1], True
                specs.append(spec)
                specs.append((EventType.STATUS_CHANGED.value, aid,
                              {"from": Status.RECEIVED.value, "to": Status.DIAGNOSED.value}))
            else:
                # An unknown id or a machine already out is refused here, before
                # anything is written (exit 10 / 11).
                specs.append(self._status_spec(s, aid, Status.DIAGNOSED.value, {}))
            specs.append((EventType.ASSET_PROBED.value, aid,
                          self._jsonable({"machine": machine, "identity": identity})))
            if checks:
                specs.append((EventType.ASSET_CHECKED.value, aid,
                              self._jsonable({"checks": checks})))
            specs.append((EventType.ASSET_GRADED.value, aid, self._jsonable(graded)))
            out[:] = [aid, created]
            return specs
        self._commit(build)
        return out[0], out[1]

    def create_asset(self, kind: str = "machine", device_kind: str = "computer", *,
                     lot_id: str | None = None, serial: str | None = None,
                     weight_kg: float | None = None, identity: str | None = None,
                     asset_id: str | None = None) -> str:
        """Register a machine or part; returns its id (allocated here unless given)."""
        payload = {"kind": kind, "device_kind": device_kind, "lot_id": lot_id,
                   "serial": serial, "weight_kg": weight_kg, "identity": identity}
        ev = self._commit(lambda s: [self._created_spec(s, kind, device_kind, asset_id, payload)])
        return ev[0].asset_id

    # -- validation helpers (run under the lock) -------------------------------------

    @staticmethod
    def _jsonable(payload: Any) -> dict:
        if isinstance(payload, typed.Payload):
            return payload.to_payload()
        from ..model import to_jsonable          # late: reading commands never write
        body = to_jsonable(payload or {})
        if not isinstance(body, dict):
            raise BadInput(what="event payload", why=N_("must be a mapping"))
        return body

    @staticmethod
    def _asset(s: Session, asset_id: str | None) -> dict:
        doc = s.asset(asset_id or "")
        if doc is None:
            raise UnknownAsset(id=asset_id)
        return doc

    def _created_spec(self, s: Session, kind: str, device_kind: str | None,
                      asset_id: str | None, payload: dict) -> Spec:
        if kind not in ASSET_KINDS:
            raise BadInput(what="asset kind", why=str(kind))
        if not device_kind:
            raise BadInput("The device kind is empty")
        if payload.get("lot_id") and s.lot(payload["lot_id"]) is None:
            raise UnknownAsset(id=payload["lot_id"])
        if asset_id is None:
            asset_id = self._next_id(s, kind)
        elif s.asset(asset_id) is not None:
            raise DuplicateId(id=asset_id)
        return (EventType.ASSET_CREATED.value, asset_id,
                {**payload, "kind": kind, "device_kind": device_kind})

    def _next_id(self, s: Session, kind: str, reserved: list[str] | None = None) -> str:
        """Next free id of ``kind`` (machine, part, lot, donor) from the counters;
        ``reserved``: ids already handed out in the same commit."""
        prefix = self.settings.workshop.prefix
        station = self.settings.station_code
        year = datetime.now(timezone.utc).year
        yy = f"{year % 100:02d}"
        key = {"machine": f"machine:{prefix}:{station}:{yy}",
               "part": f"part:{prefix}:{station}:{yy}",
               "lot": f"lot:{station}:{yy}", "donor": f"donor:{station}"}[kind]
        number = s.meta.get("counters", {}).get(key, 0) + 1
        while True:
            if kind == "lot":
                candidate = format_lot_id(station, year, number)
                taken = s.lot(candidate) is not None
            elif kind == "donor":
                candidate = format_donor_id(station, number)
                taken = s.donor(candidate) is not None
            else:
                candidate = format_asset_id(prefix, station, year, number, part=kind == "part")
                taken = s.asset(candidate) is not None
            if not taken and candidate not in (reserved or ()):
                s.counter(key, number)
                return candidate
            number += 1

    # -- reading --------------------------------------------------------------------

    def new_asset_id(self, kind: str = "machine") -> str:
        """The id the next ``create_asset`` of this kind would get (not reserved)."""
        if kind not in ASSET_KINDS:
            raise BadInput(what="asset kind", why=str(kind))
        return self._reading(lambda s: self._next_id(s, kind))

    def machine(self, asset_id: str) -> dict:
        """Current state of an asset (machine or part); UnknownAsset (exit 10)."""
        return self._reading(lambda s: self._asset(s, asset_id))

    asset = machine

    def _all_assets(self, s: Session) -> list[dict]:
        # Through the session: each shard checked against its CRC-32 like any read.
        docs: list[dict] = []
        for path in self.projection.all_asset_shards():
            docs.extend(s._assets(path.stem).values())
        return sorted(docs, key=lambda d: d["id"])

    def machines(self, status: str | None = None, device_kind: str | None = None,
                 lot_id: str | None = None) -> list[dict]:
        docs = self._reading(self._all_assets)
        return [d for d in docs if d["kind"] == "machine" and not d.get("voided")
                and (status is None or d["status"] == status)
                and (device_kind is None or d.get("device_kind") == device_kind)
                and (lot_id is None or d.get("lot_id") == lot_id)]

    def listing(self, kind: str | None = "machine", status: str | None = None,
                device_kind: str | None = None, lot_id: str | None = None) -> list[Row]:
        """Short rows (``listing.Row``) of the assets that pass the filters, sorted by
        id: what ``inventory list`` prints, without loading any record."""
        return self._reading(lambda s: select(s.rows(), kind, status, device_kind, lot_id))

    def parts(self, part_kind: str | None = None, status: str | None = None) -> list[dict]:
        docs = self._reading(self._all_assets)
        return [d for d in docs if d["kind"] == "part" and not d.get("voided")
                and (part_kind is None or d.get("part_kind") == part_kind)
                and (status is None or d["status"] == status)]

    def lots(self) -> list[dict]:
        return sorted((d for d in self._reading(lambda s: list(s._catalog()["lots"].values()))
                       if not d.get("voided")), key=lambda d: d["id"])

    def lot(self, lot_id: str) -> dict:
        doc = self._reading(lambda s: s.lot(lot_id))
        if doc is None:
            raise UnknownAsset(id=lot_id)
        return doc

    def donors(self) -> list[dict]:
        return sorted(self._reading(lambda s: list(s._catalog()["donors"].values())),
                      key=lambda d: d["id"])

    def search(self, text: str) -> list[dict]:
        """Assets whose id, serial, model, CPU, kind, lot or donor name contains ``text``."""
        needle = text.casefold().strip()
        if not needle:
            return []
        donors = {d["id"]: d.get("name") or "" for d in self.donors()}
        found = []
        for d in self._reading(self._all_assets):
            if d.get("voided"):
                continue
            probe = d.get("probe") or {}
            hay = [d["id"], d.get("serial"), d.get("device_kind"), d.get("lot_id"),
                   donors.get(d.get("donor_id") or "", ""), probe.get("vendor"),
                   probe.get("product"), probe.get("serial"), probe.get("cpu_model"),
                   d.get("part_kind")]
            hay += [disk.get("serial") for disk in probe.get("disks") or ()]
            hay += list((d.get("facts") or {}).values())     # a part's "DDR3", "SODIMM"...
            if any(needle in str(h).casefold() for h in hay if h):
                found.append(d)
        return found

    def find_by_serial(self, serial: str) -> list[str]:
        key = clean_serial(serial)
        if key is None:
            return []
        return self._reading(lambda s: s.index_get("serial", key))

    def find_by_identity(self, identity: str) -> list[str]:
        return self._reading(lambda s: s.index_get("identity", identity))

    def history(self, asset_id: str) -> list[Event]:
        self.machine(asset_id)
        return list(self.events(asset_id))

    def unfinished(self, asset_id: str | None = None) -> list[Event]:
        """``wipe.started`` / ``image.started`` events no end event names, oldest first:
        cut by a power cut, SIGKILL or a crash (or still running). Streams the journal;
        the byte pre-filter of ``events`` keeps it to the few lines of these types."""
        open_: dict[str, Event] = {}
        for ev in self.events(asset_id, types=[*STARTS, *STARTS.values()]):
            if ev.type in STARTS:
                open_[ev.id] = ev
            else:
                open_.pop(ev.payload.get("start_event") or "", None)
        return sorted(open_.values(), key=lambda e: e.seq)

    def wipes_for_disk(self, disk_identity: str) -> list[Event]:
        """wipe.done events of this disk identity, oldest first (from the index)."""
        refs = self._reading(lambda s: s.index_get("disk", disk_identity))
        found = []
        for offset, length, seq in sorted(refs, key=lambda r: r[2]):
            try:
                d = parse_line(self.journal.read_at(offset, length))
            except ValueError:
                d = {}
            if d.get("seq") != seq:   # index out of step: fall back to a scan
                return [ev for ev in self.events(types=[EventType.WIPE_DONE])
                        if (ev.payload.get("disk") or {}).get("identity") == disk_identity]
            found.append(event_from_dict(d))
        return found

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the journal's last event: printed on every document."""
        seq, hash_, _ = self.journal.tail()
        return seq, hash_

    def verify(self, deep: bool = False) -> "VerifyReport":
        """Hash chain + projection check; ``deep`` also refolds the whole journal in
        memory and compares every projected record."""
        from .verify import verify_home
        return verify_home(self.journal, self.projection, deep=deep)

    def rebuild_projection(self) -> None:
        """Throw the projection away and fold it again from the journal."""
        with self.journal.locked():
            self._rebuild_locked()
