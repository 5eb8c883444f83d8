"""The atelier bidouille's events (reemploi/atelier/record.py).

Trainees and trainers are on the operators' roster (``operator.added``); these events
name them by a person id (``record.person_id``: "T-3F7K2Q9A"), never by name, so what
is folded, counted and printed can show a pseudonym once the workshop's retention
period is over. The Jerry itself is created by ``built`` (intake.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from .base import Payload, event

SESSION = "atelier.session"
QUIZ = "atelier.quiz"
PEER_CHECK = "atelier.peer_check"
CARNET = "atelier.carnet"
MAX_MINUTES = 24 * 60          # one sitting is a day at most: a bigger figure is a clock error


@event(SESSION, needs_asset=False)
@dataclass(frozen=True)
class AtelierSession(Payload):
    """One sitting of a trainee at the workbench. asset_id = the Jerry once it exists
    (the first sittings come before it: none)."""
    session_id: str
    trainee_id: str
    started: str
    ended: str
    minutes: int
    steps: tuple[str, ...] = ()
    trainer_id: str | None = None

    def check(self) -> str | None:
        if not 0 <= self.minutes <= MAX_MINUTES:
            return N_("is not a plausible length of sitting")
        return None


@event(QUIZ)
@dataclass(frozen=True)
class AtelierQuiz(Payload):
    """The quiz about the trainee's own Jerry (asset_id), scored offline."""
    trainee_id: str
    right: int
    total: int
    questions: tuple[str, ...] = ()
    answers: tuple[int | None, ...] = ()

    def check(self) -> str | None:
        if not 0 <= self.right <= self.total:
            return N_("is not a possible score")
        return None


@event(PEER_CHECK)
@dataclass(frozen=True)
class AtelierPeerCheck(Payload):
    """The final check of a Jerry (asset_id) by another trainee or the trainer."""
    checker_id: str
    role: str
    ok: bool
    checks: dict | None = None


@event(CARNET)
@dataclass(frozen=True)
class AtelierCarnet(Payload):
    """A carnet de montage handed out: its id and the SHA-256 of its signed JSON."""
    carnet_id: str
    sha256: str
    trainee_id: str | None = None
