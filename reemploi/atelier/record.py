"""The atelier in the journal: people, sittings, the built Jerry, quiz, peer check.

Trainees and trainers are the workshop's operators (inventory/operators.py, roles
trainee and trainer): a trainee is a first name or a pseudonym only (one word, no
digits, so no birth date — they are minors). The atelier's events never carry a name:
they name a person id derived from the roster entry (``person_id``), and every reader
here and every document shows the name only while the workshop keeps it. Once the
retention period is over (``[atelier] retention_days`` in settings.toml, default 365
days after the person's last sitting) the pseudonym shown instead is the id's
("Stagiaire 3F7K"). The journal itself is append-only evidence and is never
rewritten; a workshop that must erase names archives it and starts a new one (GDPR
art. 5(1)(e), storage limitation, is met for what is shown and printed).

Everything is read back from the journal (the inventory's projection knows the
Jerry and its parts; the atelier's own events are few and read directly).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import BadInput, NotFound
from ..i18n import N_
from ..inventory import operators
from ..events.atelier import CARNET, PEER_CHECK, QUIZ, SESSION
from ..inventory.events import EventType
from ..inventory.state import AssetState
from ..model import Machine
from .content import part_weight

ROLES = (operators.Role.TRAINEE.value, operators.Role.TRAINER.value)
NOT_A_JERRY = N_("Not found: {id} is not a machine built in the atelier")
PSEUDONYM_WORD = {"trainee": "Stagiaire", "trainer": "Formateur"}


class UnknownPerson(NotFound):
    msg = "No trainee or trainer called '{name}' in this workshop"


def person_id(name: str, since: str) -> str:
    """A stable id for a roster entry: no name in it, the same on every station."""
    digest = hashlib.sha256(f"{' '.join(name.casefold().split())}|{since}".encode()).digest()
    return "T-" + base64.b32encode(digest).decode()[:8]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str                 # trainee or trainer (a trainer who is also a trainee: trainer)
    last_seen: str

    @property
    def pseudonym(self) -> str:
        return f"{PSEUDONYM_WORD[self.role]} {self.id[2:6]}"

    def shown(self, now: datetime, retention_days: int) -> str:
        """The name while kept, the pseudonym after the retention period."""
        last = _parse_time(self.last_seen)
        if last is not None and now - last > timedelta(days=retention_days):
            return self.pseudonym
        return self.name


@dataclass(frozen=True)
class Sitting:
    session_id: str
    trainee_id: str
    trainer_id: str | None
    started: str
    ended: str
    minutes: int
    steps: tuple[str, ...]


def _sitting(p) -> Sitting:
    """A sitting from its typed ``atelier.session`` event."""
    return Sitting(p.session_id, p.trainee_id, p.trainer_id, p.started, p.ended, p.minutes,
                   tuple(p.steps))


@dataclass(frozen=True)
class PartOrigin:
    part_id: str
    part_kind: str
    facts: dict
    from_asset: str | None
    donor: str | None
    lot_id: str | None
    weight_kg: float
    weighed: bool            # False: the facts.toml estimate for its kind


@dataclass(frozen=True)
class JerryStory:
    asset_id: str
    name: str
    built: str
    trainee: Person | None
    trainer: Person | None
    sittings: tuple[Sitting, ...]
    parts: tuple[PartOrigin, ...]
    quiz: tuple[int, int] | None              # (right, total), the last quiz taken
    peer_check: dict | None                   # {checker_id, role, ok, checks, time}
    probe: Machine | None = None              # the Jerry's latest probe

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.sittings)

    @property
    def steps(self) -> tuple[str, ...]:
        seen: list[str] = []
        for s in self.sittings:
            seen += [k for k in s.steps if k not in seen]
        return tuple(seen)

    @property
    def ewaste_kg(self) -> float:
        return round(sum(p.weight_kg for p in self.parts), 3)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def retention_days(home: Path) -> int:
    """``[atelier] retention_days`` of settings.toml (the workshop's choice, checked at load)."""
    from ..settings import load_settings
    return load_settings(home).atelier_retention_days


class Atelier:
    """The atelier's records over one open ``Inventory``."""

    def __init__(self, inv, home: Path) -> None:
        self.inv = inv
        self.retention = retention_days(home)

    # -- people --------------------------------------------------------------------

    def people(self) -> list[Person]:
        """Roster entries with a trainee or trainer role, with their last sitting."""
        found: dict[str, Person] = {}
        for op in operators.roster(self.inv).values():
            role = next((r for r in ("trainer", "trainee") if op.has(r)), None)
            if role is not None:
                pid = person_id(op.name, op.since)
                found[pid] = Person(pid, op.name, role, op.since)
        # Each person's sittings by the ``lines`` index (issue 16: every sitting of the
        # workshop was read for this): the last readable one in journal order is theirs.
        for pid, sittings in self._sittings(found).items():
            for ev in reversed(sittings):
                s = ev.data
                if s is not None and pid in (s.trainee_id, s.trainer_id):
                    p = found[pid]
                    found[pid] = Person(p.id, p.name, p.role, s.ended or ev.time)
                    break
        return list(found.values())

    def _sittings(self, person_ids) -> dict[str, list]:
        """{person id: the atelier.session events naming them (trainee or trainer), in
        journal order}, read at the offsets of the ``lines`` index."""
        keys = {pid: f"person:{pid}" for pid in person_ids}
        lines = self.inv.lines_of(keys.values(), types=[SESSION])
        return {pid: lines[key] for pid, key in keys.items()}

    def add_person(self, name: str, role: str) -> Person:
        """Put a trainee or trainer on the workshop's roster (operator.added)."""
        if role not in ROLES:
            raise BadInput(what="role", why=role)
        op = operators.add(self.inv, name, (role,))
        return self.person(op.name)

    def person(self, name_or_id: str, role: str | None = None) -> Person:
        """Someone on the roster by name or person id (with ``role``, if given)."""
        key = " ".join((name_or_id or "").split()).casefold()
        for p in self.people():
            if p.id.casefold() == key or p.name.casefold() == key:
                op = operators.find(self.inv, p.name)
                if role is None or (op is not None and op.has(role)):
                    return p
        raise UnknownPerson(name=name_or_id)

    def person_or_new(self, name: str, role: str) -> Person:
        """Find someone by name, or put them on the roster with ``role``."""
        try:
            return self.person(name, role)
        except UnknownPerson:
            known = operators.find(self.inv, name)
            if known is not None and not known.has(role):
                operators.add(self.inv, known.name, (role,))
                return self.person(known.name)
            return self.add_person(name, role)

    def shown(self, person: Person | None, now: datetime | None = None) -> str | None:
        if person is None:
            return None
        return person.shown(now or datetime.now(timezone.utc), self.retention)

    # -- what happens in a sitting -------------------------------------------------

    def record_sitting(self, trainee: Person, trainer: Person | None, started: str,
                       steps: list[str], asset_id: str | None, ended: str | None = None,
                       session_id: str | None = None) -> Sitting:
        ended = ended or now_iso()
        t0, t1 = _parse_time(started), _parse_time(ended)
        minutes = max(int(round((t1 - t0).total_seconds() / 60)), 0) if t0 and t1 else 0
        sid = session_id or "S-" + uuid.uuid4().hex[:8]
        payload = {"session_id": sid, "trainee_id": trainee.id,
                   "trainer_id": trainer.id if trainer else None, "started": started,
                   "ended": ended, "minutes": minutes, "steps": list(steps)}
        self.inv.record(SESSION, asset_id, payload)
        return Sitting(sid, trainee.id, payload["trainer_id"], started, ended, minutes,
                       tuple(steps))

    def build(self, name: str, part_ids: list[str], trainee: Person,
              session_id: str | None = None, device_kind: str = "desktop") -> str:
        """The Jerry: one ``built`` event (parts in stock, moved to installed), named."""
        name = " ".join((name or "").split())
        if not name:
            raise BadInput(what="name", why=N_("empty"))
        if len(set(part_ids)) != len(part_ids):
            raise BadInput(what="parts", why=N_("a part is listed twice"))
        ev = self.inv.build_machine(device_kind, part_ids, name=name, trainee_id=trainee.id,
                                    session_id=session_id)
        return ev.asset_id

    def record_quiz(self, asset_id: str, trainee: Person, keys: list[str],
                    answers: list[int | None], right: int, total: int) -> None:
        self.inv.record(QUIZ, asset_id,
                        {"trainee_id": trainee.id, "right": right, "total": total,
                         "questions": keys, "answers": answers})

    def record_peer_check(self, asset_id: str, checker: Person, ok: bool,
                          checks: dict) -> None:
        self.inv.record(PEER_CHECK, asset_id,
                        {"checker_id": checker.id, "role": checker.role, "ok": ok,
                         "checks": checks})

    def record_carnet(self, asset_id: str, carnet_id: str, sha256: str,
                      trainee_id: str | None) -> None:
        self.inv.record(CARNET, asset_id,
                        {"carnet_id": carnet_id, "sha256": sha256, "trainee_id": trainee_id})

    # -- reading one Jerry back ----------------------------------------------------

    def jerries(self) -> list[AssetState]:
        return [d for d in self.inv.machine_states() if d.built is not None]

    def story(self, asset_id: str) -> JerryStory:
        doc = self.inv.state(asset_id)
        built = doc.built
        if built is None:
            raise NotFound(NOT_A_JERRY, id=asset_id)
        people = {p.id: p for p in self.people()}
        sittings, quiz, peer, probe = [], None, None, None
        for ev in self.inv.events(asset_id, types=[SESSION,
                                                   QUIZ,
                                                   PEER_CHECK,
                                                   EventType.ASSET_PROBED]):
            p = ev.data
            if p is None:
                continue
            if ev.type == SESSION:
                sittings.append(_sitting(p))
            elif ev.type == QUIZ:
                quiz = (p.right, p.total)
            elif ev.type == PEER_CHECK:
                peer = {"checker_id": p.checker_id, "role": p.role, "ok": p.ok,
                        "checks": p.checks, "time": ev.time}
            else:
                probe = Machine.from_dict(p.machine)     # the probe stage's typed machine
        trainee = people.get(built.trainee_id or "")
        # Sittings before the Jerry existed (no asset yet) belong to it too: the
        # trainee's, read by the ``lines`` index of people's sittings.
        if trainee is not None:
            known = {s.session_id for s in sittings}
            for ev in self._sittings([trainee.id])[trainee.id]:
                p = ev.data
                if p is not None and ev.asset_id is None and p.trainee_id == trainee.id \
                        and p.session_id not in known:
                    sittings.append(_sitting(p))
        sittings.sort(key=lambda s: s.started)
        trainer = next((people.get(s.trainer_id or "") for s in reversed(sittings)
                        if s.trainer_id in people), None)
        return JerryStory(asset_id, built.name or "", built.time or doc.created or "",
                          trainee, trainer, tuple(sittings), self._origins(doc), quiz, peer,
                          probe)

    def _origins(self, doc: AssetState) -> tuple[PartOrigin, ...]:
        # The source machines and their donors, read by their slices (issue 16: the
        # whole donor catalogue, 2 MB at 50 000 machines, was read for two names).
        sources = self.inv.states([p.from_asset for p in doc.parts_installed if p.from_asset],
                                  missing_ok=True)
        donors: dict[str, str | None] = {}
        for donor_id in {s.donor_id for s in sources.values() if s.donor_id}:
            try:
                donors[donor_id] = self.inv.donor_state(donor_id).name
            except NotFound:
                pass
        out = []
        for installed in doc.parts_installed:
            facts = dict(installed.facts or {})
            source_id = installed.from_asset
            donor = lot = None
            if source_id:
                source = sources.get(source_id)
                if source is not None:
                    lot = source.lot_id
                    donor = donors.get(source.donor_id or "")
            kind = installed.part_kind or "other"
            weight, weighed = part_weight(kind, facts)
            out.append(PartOrigin(installed.part_id or "", kind, facts, source_id, donor, lot,
                                  weight, weighed))
        return tuple(out)
