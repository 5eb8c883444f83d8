"""The workshop's people: who may be named as operator, in which role, and who is at
this station now.

Every journal event names its operator (``Event.operator``). The roster is the
``operator.added`` events of the journal (so every station that shares the journal
knows the same people, and adding someone is itself on record). Roles:

* technician: probes, grades, wipes, installs;
* validator: signs off a machine before it leaves (NIST SP 800-88 r1 Appendix G asks
  for the name of the person who validated the sanitization, beside the one who did it);
* trainer / trainee: the workshop's training path (an insertion workshop's trainees
  work under a trainer). A trainee is recorded by a first name or a pseudonym only:
  the journal is kept for years and read by donors' auditors, and a trainee's full name
  is personal data it does not need (GDPR art. 5(1)(c), data minimisation).

The current operator of a station session lives in ``<home>/operator.session``: set by
``reemploi operator use NAME`` when someone sits down, read by every command after.
Which name an event gets, first found: ``--operator``, ``REEMPLOI_OPERATOR``, the
session file. A name given on the command line must be on the roster once the roster
has anyone on it (a typo must not become a new person on a legal record).
"""

from __future__ import annotations

import enum
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BadInput, Conflict, NotFound, Refused
from ..i18n import N_
from .errors import NotAMachine
from .events import EventType

if TYPE_CHECKING:
    from .store import Inventory

SESSION_NAME = "operator.session"
MAX_NAME = 60


class Role(str, enum.Enum):
    TECHNICIAN = "technician"
    VALIDATOR = "validator"
    TRAINER = "trainer"
    TRAINEE = "trainee"


ROLES = tuple(r.value for r in Role)


class UnknownOperator(NotFound):
    """Exit 10: a name that is not on the roster."""
    msg = "Unknown operator: {name} (add them with 'reemploi operator add {name} --role technician')"


# The roles in words (the msgids the roster shows), for the messages below.
ROLE_WORDS = {"technician": N_("technician"), "validator": N_("validator"),
              "trainer": N_("trainer"), "trainee": N_("trainee")}


class OperatorExists(Conflict):
    """Exit 11: the person already has these roles."""
    msg = "{name} is already on the roster with the role(s) {roles}"

    def render(self, translate=None) -> str:
        # ``roles`` is a list of codes ("technician, validator"): each one in words.
        roles = str(self.params.get("roles") or "")
        if translate is not None and roles:
            words = ", ".join(translate(ROLE_WORDS.get(r, r)) for r in roles.split(", "))
            return translate(self.msg).format(name=self.params.get("name"), roles=words)
        return super().render(translate)


class TraineeName(BadInput):
    """Exit 7: a trainee's record holds a first name or pseudonym, nothing more."""
    msg = "A trainee is recorded by a first name or a pseudonym only (one word, no digits): '{name}'"


class NotAValidator(Refused):
    """Exit 8: only a validator signs a machine off."""
    msg = "{name} is not a validator: only a validator signs a machine off (reemploi operator add NAME --role validator)"


class NoOperator(Refused):
    """Exit 8: a sign-off needs a named person."""
    msg = "Nobody is named: give --operator NAME or set the station's operator with 'reemploi operator use NAME'"


@dataclass(frozen=True)
class Operator:
    name: str
    roles: tuple[str, ...]
    since: str                 # time of the first operator.added event
    station: str | None = None

    def has(self, role: Role | str) -> bool:
        return (role.value if isinstance(role, Role) else role) in self.roles


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def check_name(name: str, roles: tuple[str, ...]) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BadInput("The person's name is empty")
    if len(name) > MAX_NAME:
        raise BadInput(what="operator", why=name[:MAX_NAME] + "…")
    for role in roles:
        if role not in ROLES:
            raise BadInput(what="--role", why=role)
    if Role.TRAINEE.value in roles and (" " in name or any(c.isdigit() for c in name)):
        raise TraineeName(name=name)
    return name


def _added(inv: "Inventory | Path"):
    """``operator.added`` events, in journal order. Read at the offsets the projection's
    ``lines`` index keeps (issue 16: the roster is read by every command given
    ``--operator`` and by the atelier; scanning the journal grew with the inventory).
    Given only the data directory (``--operator``, before the command opens the
    inventory), the index is used when the projection is in step with the journal,
    without taking the lock; else the journal is scanned, as the open will refold."""
    from .journal import Journal, event_from_dict, parse_line
    if not isinstance(inv, Path):
        from .fold import ROSTER_KEY
        yield from inv.lines_of([ROSTER_KEY])[ROSTER_KEY]
        return
    journal = Journal(inv)
    if not journal.path.exists():
        return
    from .projection import Projection
    meta = Projection(inv).read_meta()
    if meta is not None and meta.get("offset") == journal.size():
        from .fold import ROSTER_KEY
        from .store import Inventory
        try:
            reader = Inventory(inv, station="")
        except BadInput:
            reader = None     # settings the command itself will refuse: read as before
        if reader is not None:
            yield from reader.lines_of([ROSTER_KEY])[ROSTER_KEY]
            return
    needle = b'"type":"' + EventType.OPERATOR_ADDED.value.encode() + b'"'
    for _, line in journal.iter_lines():
        if needle in line:
            try:
                yield event_from_dict(parse_line(line))
            except ValueError:
                continue      # a damaged line is for ``inventory verify`` to report


def roster(inv: "Inventory | Path") -> dict[str, Operator]:
    """Everyone on the roster, by case-folded name; roles added later are merged."""
    people: dict[str, Operator] = {}
    for ev in _added(inv):
        name = str(ev.payload.get("name") or "")
        if not name:
            continue
        key = _key(name)
        roles = tuple(ev.payload.get("roles") or ())
        old = people.get(key)
        if old is None:
            people[key] = Operator(name, tuple(r for r in ROLES if r in roles), ev.time, ev.station)
        else:
            merged = set(old.roles) | set(roles)
            people[key] = Operator(old.name, tuple(r for r in ROLES if r in merged),
                                   old.since, old.station)
    return people


def find(inv: "Inventory | Path", name: str) -> Operator | None:
    return roster(inv).get(_key(name))


def add(inv: "Inventory", name: str, roles: tuple[str, ...]) -> Operator:
    """Put a person on the roster (or give them more roles); recorded in the journal."""
    roles = tuple(dict.fromkeys(roles or (Role.TECHNICIAN.value,)))
    name = check_name(name, roles)
    known = find(inv, name)
    if known is not None:
        if Role.TRAINEE.value in roles:
            check_name(known.name, roles)
        new = tuple(r for r in roles if r not in known.roles)
        if not new:
            raise OperatorExists(name=known.name, roles=", ".join(known.roles))
        inv.record(EventType.OPERATOR_ADDED, None, {"name": known.name, "roles": list(new)})
    else:
        inv.record(EventType.OPERATOR_ADDED, None, {"name": name, "roles": list(roles)})
    found = find(inv, name)
    assert found is not None
    return found


def session_path(home: Path) -> Path:
    return Path(home) / SESSION_NAME


def current(home: Path) -> str | None:
    """The station session's operator, if one was set (``operator use``)."""
    try:
        data = json.loads(session_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else None


def use(inv: "Inventory", name: str | None) -> Operator | None:
    """Set (or with None, clear) the station session's operator."""
    path = session_path(inv.home)
    if name is None:
        path.unlink(missing_ok=True)
        return None
    person = find(inv, name)
    if person is None:
        raise UnknownOperator(name=name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"name": person.name}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return person


def check_known(inv: "Inventory | Path", name: str) -> str:
    """``name`` as spelled on the roster; any name while the roster is empty."""
    people = roster(inv)
    if not people:
        return name
    person = people.get(_key(name))
    if person is None:
        raise UnknownOperator(name=name)
    return person.name


def validator(inv: "Inventory", name: str | None) -> Operator:
    """The person signing off: named, on the roster, with the validator role."""
    if not name:
        raise NoOperator()
    person = find(inv, name)
    if person is None:
        raise UnknownOperator(name=name)
    if not person.has(Role.VALIDATOR):
        raise NotAValidator(name=person.name)
    return person


def sign_off(inv: "Inventory", asset_id: str, name: str | None, note: str | None = None):
    """The validator's sign-off: ``asset.validated`` and, unless it already is, the move
    to ready, in one append (a machine is never ready without its sign-off on record,
    nor signed off without being ready). Returns the validation event."""
    from .events import Status
    person = validator(inv, name)
    body = {"validator": person.name, **({"note": note} if note else {})}

    def build(s) -> list:
        doc = inv._asset(s, asset_id)
        if doc.get("kind") != "machine":
            raise NotAMachine(id=asset_id, current=doc.get("status"), to=Status.READY.value)
        specs = [(EventType.ASSET_VALIDATED.value, asset_id, body)]
        if doc.get("status") != Status.READY.value:
            specs.append(inv._status_spec(s, asset_id, Status.READY.value,
                                          {"note": note} if note else {}))
        return specs
    return inv._commit(build)[0]
