"""The atelier's keyboard-only text screens, for a trainee at the PC they build.

One screen at a time, written for a text console: a title in capitals, short lines
(wrapped at 60 columns, readable with a 32-pixel console font), and one key to act:
Enter to go on, a number then Enter to choose, ``q`` then Enter to stop (the sitting
is recorded, nothing is lost). No mouse, no colours needed, no full-screen library:
plain lines work on the Linux console, in tmux, over a serial line and in tests.

``Flow`` runs a sitting through an ``IO`` (``show`` lines, ``ask`` a line) and the
atelier's records; the click command only builds it. The order is the issue's:
safety, motherboard, CPU and cooler, RAM, power supply, disk, first power-on,
identity card, Emmabuntüs, quiz, carnet — then the peer check and the carnet files.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ReemploiError
from ..i18n import number, tr
from ..model import Machine
from .checks import identity_card, render_check, run_check
from .content import STEPS, load_content
from .explain import explain
from .quiz import make_quiz, score
from .record import Atelier, Person, UnknownPerson, now_iso

WIDTH = 60
QUIT = ("q", "quitter", "quit")


class Stop(Exception):
    """The trainee typed q: record the sitting and leave."""


@dataclass
class IO:
    show: Callable[[list[str]], None]
    ask: Callable[[str], str]


def screen(title: str, lines: list[str], hang: int = 0) -> list[str]:
    """A screen: blank lines, the title in capitals underlined, wrapped lines
    (continued lines indented by ``hang``: the identity card's values stay aligned)."""
    out = ["", "", "  " + title.upper(), "  " + "=" * min(len(title), WIDTH), ""]
    for line in lines:
        if not line:
            out.append("")
            continue
        out += ["  " + w for w in textwrap.wrap(line, WIDTH, subsequent_indent=" " * hang)] or [""]
    out.append("")
    return out


@dataclass
class Flow:
    io: IO
    atelier: Atelier
    lang: str
    probe: Callable[[], Machine]
    carnet: Callable[[str, Person], list[str]]       # asset id, trainee → lines to show
    steps_done: list[str] = field(default_factory=list)
    machine: Machine | None = None
    asset_id: str | None = None
    trainee: Person | None = None
    trainer: Person | None = None
    started: str = field(default_factory=now_iso)

    def _ask(self, prompt: str) -> str:
        answer = self.io.ask(prompt).strip()
        if answer.lower() in QUIT:
            raise Stop()
        return answer

    def _enter(self) -> None:
        self._ask(tr("Press Enter to go on (q to stop).", self.lang))

    def _name(self, prompt: str, role: str) -> Person:
        while True:
            answer = self._ask(prompt)
            try:
                return self.atelier.person_or_new(answer, role)
            except ReemploiError as exc:      # a name with digits, empty…: say it, ask again
                self.io.show([exc.render(lambda m: tr(m, self.lang))])

    def run(self) -> str | None:
        """The whole sitting; returns the Jerry's asset id (None if none yet)."""
        lang = self.lang
        try:
            self.io.show(screen(tr("Atelier bidouille", lang), [
                tr("Welcome! You are going to build your own computer, your Jerry.", lang),
                tr("Keyboard only: type your answer, then press Enter.", lang)]))
            self.trainee = self._name(tr("Your first name (or a nickname):", lang), "trainee")
            # Every event of this sitting carries the trainee as its operator, by person
            # id: a minor's first name stays on the roster line only, so histories and
            # documents never show it once the retention period is over.
            self.atelier.inv.operator = self.trainee.id
            self.trainer = self._name(tr("Your trainer's first name:", lang), "trainer")
            self._resume()
            for key in STEPS:
                if key == "carnet":
                    break
                self._step(key)
            self._peer_check()
        except KeyboardInterrupt:
            # Ctrl-C, SIGTERM or SIGHUP (cli.main): the sitting so far is recorded, as
            # for "q", before the command ends with exit 130; nothing done is lost. A
            # second signal meanwhile (a closed terminal sends SIGHUP, then SIGTERM) is
            # only noted, so it cannot cut the record's journal line short.
            from ..system.signals import StopSignals
            with StopSignals():
                self._record_sitting()
            raise
        except Stop:
            self._record_sitting()
            self.io.show(screen(tr("See you soon", lang), [
                tr("Your work is saved. You will start again where you stopped.", lang)]))
            return self.asset_id
        self.steps_done.append("carnet")
        self._record_sitting()
        if self.asset_id and self.trainee:
            self.io.show(screen(load_content(lang).step("carnet").title,
                                self.carnet(self.asset_id, self.trainee)))
        return self.asset_id

    def _resume(self) -> None:
        """A trainee's Jerry from an earlier sitting, if there is one."""
        assert self.trainee is not None
        for doc in self.atelier.jerries():
            if doc.built is not None and doc.built.trainee_id == self.trainee.id:
                self.asset_id = doc.id

    def _record_sitting(self) -> None:
        if self.trainee is None:
            return
        self.atelier.record_sitting(self.trainee, self.trainer, self.started,
                                    self.steps_done, self.asset_id)

    def _step(self, key: str) -> None:
        text = load_content(self.lang)
        step = text.step(key)
        n = STEPS.index(key) + 1
        head = tr("Step {n} of {total}: {title}", self.lang, n=n, total=len(STEPS),
                  title=step.title)
        self.io.show(screen(head, [step.todo, "", step.why]))
        if key == "identity":
            self._identity()
        elif key == "quiz":
            self._quiz()
        elif step.check:
            self._enter()
            self._check(key)
        if key != "quiz":
            self._enter()
        self.steps_done.append(key)

    def _machine(self) -> Machine:
        if self.machine is None:
            self.io.show([tr("The Jerry is looking at its parts…", self.lang)])
            self.machine = self.probe()
        return self.machine

    def _check(self, key: str) -> None:
        r = run_check(key, self._machine())
        if r is not None:
            mark = {True: "[OK]", False: "[!!]", None: "[??]"}[r.ok]
            lines = textwrap.wrap(render_check(r, self.lang), WIDTH)
            self.io.show(["  " + mark + " " + lines[0]] + ["       " + x for x in lines[1:]])

    def _identity(self) -> None:
        m = self._machine()
        card = identity_card(m, self.lang)
        wide = max(len(a) for a, _ in card)
        self.io.show(screen(load_content(self.lang).card["title"],
                            [f"{a.ljust(wide)} : {b}" for a, b in card], hang=wide + 3))
        self._enter()
        for e in explain(m, self.lang):
            self.io.show(screen(e.title, list(e.sentences)))
            self._enter()
        if self.asset_id is None:
            self._build()

    def _build(self) -> None:
        lang = self.lang
        # Only reusable parts: one kept for destruction (a failing disk) is never
        # fitted, and choosing it would end the sitting refused (exit 8).
        stock = [p for p in self.atelier.inv.part_states(status="stock")
                 if getattr(p.destiny, "value", p.destiny) in (None, "stock")]
        from .carnet import local_units, part_label
        from .explain import explain_part
        lines = [tr("Which parts did you fit? They come from donated computers.", lang), ""]
        for i, p in enumerate(stock, 1):
            kind, facts = p.part_kind or "other", dict(p.facts or {})
            title = explain_part(kind, facts, lang).title
            label = local_units(part_label(kind, facts), lang)     # "4 Go" in French
            lines.append(f"{i:>3}. " + " ".join(x for x in (title, label, f"({p.id})") if x))
        self.io.show(screen(tr("Your parts", lang), lines))
        while True:
            answer = self._ask(tr("Type their numbers, with spaces between (e.g. 1 3 4):", lang))
            try:
                picks = [int(x) for x in answer.replace(",", " ").split()]
            except ValueError:
                picks = []
            if picks and all(1 <= x <= len(stock) for x in picks) and len(set(picks)) == len(picks):
                break
            self.io.show([tr("Numbers from the list only, please.", lang)])
        name = ""
        while not name:
            name = " ".join(self._ask(tr("Choose a name for your Jerry:", lang)).split())[:40]
        assert self.trainee is not None
        self.asset_id = self.atelier.build(name, [stock[x - 1].id for x in picks],
                                           self.trainee)
        from ..inventory.events import EventType
        self.atelier.inv.record(EventType.ASSET_PROBED, self.asset_id,
                                {"machine": self._machine().to_dict()})
        self.io.show(screen(tr("Your Jerry is born", lang), [
            tr("{name} now has its own number: {id}.", lang, name=name, id=self.asset_id)]))

    def _quiz(self) -> None:
        lang = self.lang
        qs = make_quiz(self._machine(), lang, seed=self.asset_id or "")
        answers: list[int | None] = []
        for i, q in enumerate(qs, 1):
            lines = [q.text, ""] + [f"{k}. {c}" for k, c in enumerate(q.choices, 1)]
            self.io.show(screen(tr("Question {n} of {total}", lang, n=i, total=len(qs)), lines))
            raw = self._ask(tr("Your answer (a number):", lang))
            pick = int(raw) - 1 if raw.isdigit() and 1 <= int(raw) <= len(q.choices) else None
            answers.append(pick)
            if pick == q.answer:
                self.io.show(["  " + tr("Well done!", lang)])
            else:
                self.io.show(["  " + tr("Not quite: the answer was “{answer}”.", lang,
                                         answer=q.choices[q.answer])])
        s = score(qs, answers)
        self.io.show(screen(tr("Your score", lang), [
            tr("{right} right answers out of {total}.", lang, right=number(s.right, lang),
               total=number(s.total, lang))]))
        if self.asset_id and self.trainee:
            self.atelier.record_quiz(self.asset_id, self.trainee, [q.key for q in qs],
                                     answers, s.right, s.total)
        self._enter()

    def _peer_check(self) -> None:
        """Another trainee or the trainer runs the final check and signs it off."""
        lang = self.lang
        if not self.asset_id:
            return
        self.io.show(screen(tr("Final check", lang), [
            tr("Another trainee or your trainer checks your Jerry.", lang)]))
        while True:
            answer = self._ask(tr("First name of the person checking:", lang))
            try:
                checker = self.atelier.person(answer)
            except UnknownPerson:
                checker = None
            if checker is not None and self.trainee and checker.id != self.trainee.id:
                break
            self.io.show([tr("Someone else who is known to the workshop, please.", lang)])
        results = {}
        for key in ("ram", "disk", "cpu", "emmabuntus"):
            r = run_check(key, self._machine())
            if r is not None:
                results[r.code] = r.ok
                self._check(key)
        ok_answer = self._ask(tr("Does everything work? Type y for yes or n for no:", lang))
        ok = ok_answer.lower() in ("o", "oui", "y", "yes")
        operator, self.atelier.inv.operator = self.atelier.inv.operator, checker.id
        try:
            self.atelier.record_peer_check(self.asset_id, checker, ok, results)
        finally:
            self.atelier.inv.operator = operator
