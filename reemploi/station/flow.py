"""The station's steps, each one the library call behind the matching command.

``run_station`` probes the machine, finds its asset (typed or scanned id, else the
machine's identity, else a new id), reads from the journal which steps are done
(``progress``), and runs the others in order: checklist and grade
(``grading.grade_machine_step``), wipe (``wipe.run.prepare`` +
``run_and_record``), certificate (``wipe.certificate.issue``), image
(``image.service.plan_write`` + ``execute``), labels and sheet
(``documents.labels.make_labels`` / ``make_sheet``), ready (the inventory's status
change). Destructive steps keep the stages' own guard → plan → confirm → act →
verify → record; with a profile the confirmation is the profile itself.

Two contexts: ``mctx`` reads the machine (live, or a recorded folder for tests and
demos), ``ctx`` acts on this station (its disks, its printer, its data directory).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..context import Context
from ..errors import Aborted, BadInput, Interrupted, NotFound, ReemploiError, Refused
from ..i18n import N_, number, tr
from ..model import Disk, Machine, Media
from ..system import blockdev
from ..system.privileges import require_root
from .profile import Profile, Step
from .progress import Progress, progress_of
from .ui import STEP_TEXT, LineUi

DOCUMENTS_NOTE = "station: documents"    # the note that says labels and sheet were made

# What the station does next, and what is left to the technician, by grade outcome.
NEXT_TEXT = {
    "ready": N_("Next: wipe every disk, certificate, install {edition}, labels, ready."),
    "ready-after-upgrade": N_("Next: wipe every disk, certificate, install {edition}; "
                              "fit the upgrades above before it leaves."),
    "parts-only": N_("Next: wipe every disk and certificate; then take out the parts "
                     "listed above (reemploi parts harvest)."),
    "recycling": N_("Next: wipe every disk and certificate; then the machine goes to "
                    "WEEE recycling."),
}


class NoTargets(BadInput):
    msg = "A recorded machine's disks are not this station's: name the disks to wipe"


class NoPersistence(Refused):
    msg = ("The data directory {home} is not on a persistent disk: everything recorded "
           "would be lost at power-off. Boot the stick with its persistence partition, "
           "or give --no-persistence")


class NoImage(NotFound):
    msg = "No image to write for {asset}: {why}"


@dataclass
class StationReport:
    asset_id: str | None = None
    created: bool = False
    outcome: str | None = None
    grade: str | None = None
    steps: dict = field(default_factory=dict)     # step value -> {status, ...}
    resumed_at: str | None = None

    def to_dict(self) -> dict:
        return {"asset_id": self.asset_id, "created": self.created, "outcome": self.outcome,
                "grade": self.grade, "resumed_at": self.resumed_at, "steps": self.steps}


def _inventory(ctx: Context):
    return ctx.inventory()


# ------------------------------------------------------------------------ the run

class Station:
    def __init__(self, ctx: Context, profile: Profile, ui: LineUi, *,
                 disks: tuple[str, ...] = (), asset: str | None = None) -> None:
        self.ctx, self.profile, self.ui = ctx, profile, ui
        self.explicit = tuple(disks) or profile.disks
        self.asset_hint = asset
        self.report = StationReport()
        self.mctx: Context = ctx
        self.rules = None

    @property
    def lang(self) -> str:
        return self.ctx.lang

    def mark(self, step: Step, status: str, **details) -> None:
        self.report.steps[step.value] = {"status": status, **details}

    # -- asset and probe
    def ask_asset(self) -> str | None:
        self.ui.step(Step.ASSET)
        if self.asset_hint:
            return self.asset_hint
        if self.profile.unattended:
            wanted = self.profile.asset
            return None if wanted in ("identity", "new") else wanted
        while True:
            typed = self.ui.ask_asset()
            if typed is None:
                return None
            try:
                _inventory(self.ctx).state(typed)
                return typed
            except NotFound as exc:          # a mistyped id: say so and ask again
                self.ui.lines(["", exc.render(lambda m: tr(m, self.lang))])

    def probe(self) -> Machine:
        from .grading import open_machine, probe
        self.ui.step(Step.PROBE)
        self.mctx, facts = open_machine(self.ctx, self.profile.replay)
        machine = probe(self.mctx, facts)
        self.ui.lines([_machine_line(machine, self.lang)])
        return machine

    def find_asset(self, typed: str | None, machine: Machine) -> str | None:
        from ..identity import identity_is_strong, machine_identity
        inv = _inventory(self.ctx)
        if typed:
            inv.state(typed)               # unknown id: exit 10 before anything else
            return typed
        if self.profile.unattended and self.profile.asset == "new":
            return None
        identity = machine_identity(machine.to_dict())
        known = inv.find_by_identity(identity)
        if identity_is_strong(identity):
            return known[-1] if known else None
        # Nothing tells this machine from its twins (no serial, MAC or disk serial): a
        # restart still resumes the unfinished run on this station, but a finished twin
        # is never taken for it.
        for asset_id in reversed(known):
            doc = inv.state(asset_id)
            if doc.status not in ("ready", "out") and self.ctx.station in (
                    e.station for e in inv.history(asset_id)):
                return asset_id
        return None

    def read_progress(self, asset_id: str | None) -> Progress:
        if asset_id is None:
            return progress_of((), None, self.profile)
        inv = _inventory(self.ctx)
        status = inv.state(asset_id).status
        events = inv.history(asset_id)
        prog = progress_of(events, getattr(status, "value", status), self.profile)
        if any(e.type == "note" and e.data is not None and e.data.text.startswith(DOCUMENTS_NOTE)
               for e in events[_last_graded(events):]):
            prog = replace(prog, done=prog.done | {Step.DOCUMENTS})
        return prog

    # -- checklist and grade
    def checklist(self, machine: Machine):
        from ..grade.checks import ITEMS, LAPTOP_ONLY, parse_check_args
        from ..grade.engine import is_laptop
        self.ui.step(Step.CHECKLIST)
        if not self.profile.runs(Step.CHECKLIST):
            self.mark(Step.CHECKLIST, "skipped")
            return None
        answers = dict(self.profile.checks)
        cosmetic, notes = self.profile.cosmetic, self.profile.notes
        if not self.profile.unattended:
            asked = self.ui.ask_checklist(list(ITEMS), set() if is_laptop(machine)
                                          else set(LAPTOP_ONLY))
            if asked:
                cosmetic = asked.pop("cosmetic", cosmetic)
                notes = asked.pop("notes", notes)
                answers.update(asked)
        checks = parse_check_args([f"{k}={v}" for k, v in answers.items()], cosmetic, notes)
        self.mark(Step.CHECKLIST, "done", checks=checks.to_dict())
        return None if checks.empty else checks

    def grade(self, machine: Machine, checks, asset_id: str | None) -> str:
        from ..grade.render import render_verdict
        from ..grade.rules import load_rules
        from .grading import grade_machine_step
        self.ui.step(Step.GRADE)
        if asset_id is None and self.profile.unattended and self.profile.asset == "new":
            kind = machine.system.chassis.value
            asset_id = _inventory(self.ctx).create_asset(
                "machine", "computer" if kind == "unknown" else kind)
            self.report.created = True
        rules = self.rules or load_rules(None, home=self.ctx.home)
        result = grade_machine_step(self.mctx, rules, checks=checks, asset_id=asset_id,
                                    machine=machine)
        self.report.created = self.report.created or result.created
        verdict = result.verdict
        self.ui.pause([tr("Asset: {id}", self.lang, id=result.asset_id)]
                      + render_verdict(verdict, self.lang).splitlines()
                      + [tr(NEXT_TEXT[verdict.outcome.value], self.lang,
                            edition=verdict.emmabuntus or "-")])
        self.mark(Step.GRADE, "done", grade=result.verdict.grade,
                  outcome=result.verdict.outcome.value)
        return result.asset_id

    # -- wipe
    def targets(self) -> list[str]:
        if not self.explicit and self.mctx.replay:
            raise NoTargets()
        return wipe_targets(self.ctx, self.profile, self.explicit)

    def _replayed_disks_replaced(self, asset_id: str, paths: list[str]) -> None:
        """A recorded machine (tests, demos) wipes the named disks, never the recording's
        own: record those as removed, or the chain of custody would rightly refuse
        "ready" for disks nobody wiped (inventory/custody.py)."""
        inv = _inventory(self.ctx)
        for disk in inv.state(asset_id).present_disks():
            inv.remove_disk(asset_id, disk.identity,
                            "replay: stands for " + ", ".join(paths))

    def wipe(self, asset_id: str) -> None:
        from ..wipe import run as wiperun
        from ..wipe.record import check_asset
        from ..wipe.errors import raise_for
        from ..wipe.render import plan_text
        self.ui.step(Step.WIPE)
        require_root("reemploi station (wipe)")     # as reemploi wipe: before any plan
        options = wiperun.WipeOptions(method=self.profile.wipe_method,
                                      verify=self.profile.wipe_verify, asset_id=asset_id)
        # One lsblk for the whole planning (the targets, then every guard check); the
        # checks after "yes" (guard.open_sealed) read the devices again.
        with blockdev.one_listing(self.ctx):
            paths = self.targets()
            if not paths:
                self.mark(Step.WIPE, "nothing", disks=[])
                return
            check_asset(self.ctx, asset_id)
            if self.mctx.replay and self.explicit:
                self._replayed_disks_replaced(asset_id, paths)
            jobs = wiperun.prepare(self.ctx, paths, options)
        plan = [line for j in jobs for line in plan_text(j, self.lang).splitlines()]
        if not self.profile.unattended and not self.ui.confirm(
                tr("ERASE {count} disk(s) above? Everything on them will be lost.",
                   self.lang, count=len(jobs)), plan):
            raise Aborted()
        self.ui.lines(plan)
        runnable = [j for j in jobs if not j.plan.blocker]
        blocked = [j for j in jobs if j.plan.blocker]
        records, ids = wiperun.run_and_record(
            self.ctx, runnable, options, progress_for=lambda j: self.ui.progress(j.disk.name))
        details = [{"disk": r.disk["path"], "result": str(r.result.value if hasattr(r.result, "value")
                                                          else r.result),
                    "event_id": i, "verification": r.verification.get("result")}
                   for r, i in zip(records, ids)]
        for d in details:
            self.ui.lines([tr("{disk}: {result}, verification {verification}", self.lang,
                              disk=d["disk"], result=tr(d["result"], self.lang),
                              verification=tr(d["verification"] or "-", self.lang))])
        self.mark(Step.WIPE, "done", disks=details,
                  blocked=[j.disk.path for j in blocked])
        try:
            raise_for(records, blocked)
        except Interrupted:
            raise
        except ReemploiError as exc:
            message = exc.render(lambda m: tr(m, self.lang))
            if self.profile.unattended:
                go_on = self.profile.on_failure == "continue"
            else:
                go_on = self.ui.confirm(tr("Go on with the disks that were wiped? The "
                                           "certificate will say which one failed.",
                                           self.lang), [message])
            if not go_on:
                raise
            self.ui.lines([message])
            self.report.steps[Step.WIPE.value]["continued"] = True

    # -- certificate
    def certificate(self, asset_id: str) -> None:
        from ..documents.certificate import render_certificate_pdf
        from ..wipe.certificate import CertificateRequest, issue
        self.ui.step(Step.CERTIFICATE)
        wiped = self.read_progress(asset_id).wipe_events
        if not wiped:                  # a machine without a disk: nothing to certify
            self.mark(Step.CERTIFICATE, "nothing")
            return
        events = wiped if self.explicit else ()
        issued, doc = issue(self.ctx, CertificateRequest(asset_id=asset_id,
                                                         event_ids=tuple(events)))
        pdf = render_certificate_pdf(doc, issued.sha256, issued.json_path.with_suffix(".pdf"),
                                     self.lang)
        self.ui.lines([tr("Certificate {id}: {result}", self.lang, id=issued.id,
                          result=tr(issued.result, self.lang)), str(pdf)])
        self.mark(Step.CERTIFICATE, "done", id=issued.id, result=issued.result,
                  json=str(issued.json_path), pdf=str(pdf))

    # -- image
    def image_disk(self) -> str:
        if self.profile.image_disk:
            return self.profile.image_disk
        from ..system import owndisks
        with blockdev.one_listing(self.ctx):      # the targets and the disks: one lsblk
            paths = self.targets()
            if self.explicit:
                return paths[0]
            disks = [d for d in owndisks.own_disks(self.ctx) if d.path in paths]
        return _best_disk(disks).path

    def image(self, asset_id: str) -> None:
        from ..image import service
        from ..image.render import choice_text
        self.ui.step(Step.IMAGE)
        name = self.profile.image
        if name != "none":
            require_root("reemploi station (image)")
        if name == "none":
            self.mark(Step.IMAGE, "skipped")
            return
        if name == "auto":
            choice = service.choose_for(self.ctx, asset_id=asset_id)
            self.ui.lines(choice_text(choice, self.lang).splitlines())
            if not choice.image or not choice.present:
                raise NoImage(asset=asset_id, why=choice.image or "-")
            name = choice.image
        with blockdev.one_listing(self.ctx):      # the disk chosen, then its guard check
            plan = service.plan_write(self.ctx, name, self.image_disk(), asset_id=asset_id,
                                      verify=self.profile.image_verify)
        if not self.profile.unattended and not self.ui.confirm(
                tr("Write {image} to {disk}? Everything on it will be replaced.", self.lang,
                   image=plan.image, disk=plan.disk.path), []):
            raise Aborted()
        report = service.execute(self.ctx, plan, progress=self.ui.progress(plan.disk.name))
        self.mark(Step.IMAGE, "done", image=plan.image, disk=plan.disk.path,
                  result=report.result.value, verify=report.verify, event_id=report.event_id)
        self.ui.lines([tr("{image} on {disk}: {result}, verification {verification}",
                          self.lang, image=plan.image, disk=plan.disk.path,
                          result=tr(report.result.value, self.lang),
                          verification=tr(report.verify, self.lang))])
        if report.postinstall_failed:
            from ..image.errors import PostInstallFailed
            raise PostInstallFailed(path=plan.disk.path,
                                    steps=", ".join(report.postinstall_failed))

    # -- documents and ready
    def documents(self, asset_id: str) -> None:
        from ..documents.labels import label_contents, make_labels, make_sheet
        self.ui.step(Step.DOCUMENTS)
        send = bool(self.profile.printer)
        out: dict = {}
        _doc, labels = make_labels(self.ctx, label_contents(self.ctx, [asset_id]),
                                   template=self.profile.template, send=send,
                                   printer=self.profile.printer)
        out["labels"] = str(labels.pdf)
        lines = [str(labels.pdf)]
        if self.profile.sheet:
            _sheet, sheet = make_sheet(self.ctx, asset_id, send=send, printer=self.profile.printer)
            out["sheet"] = str(sheet.pdf)
            lines.append(str(sheet.pdf))
        if send:
            out["printer"] = self.profile.printer
            lines.append(tr("Sent to printer {queue} (job {job})", self.lang,
                            queue=labels.queue, job=labels.job or "?"))
        _inventory(self.ctx).record("note", asset_id, {
            "text": f"{DOCUMENTS_NOTE}: {', '.join(Path(p).name for p in out.values() if p and '/' in p)}"})
        self.ui.lines(lines)
        self.mark(Step.DOCUMENTS, "done", **out)

    def ready(self, asset_id: str) -> None:
        self.ui.step(Step.READY)
        inv = _inventory(self.ctx)
        if inv.state(asset_id).status != "ready":
            # The inventory's intent decides (custody: every probed disk wiped or removed).
            inv.mark_ready(asset_id, note=tr("station: awaiting validation", "en"))
        self.ui.lines([tr("{id} is ready, awaiting the technician's validation.", self.lang,
                          id=asset_id)])
        self.mark(Step.READY, "done")

    # -- the whole run
    def run(self) -> StationReport:
        from ..grade.rules import load_rules
        self.rules = load_rules(None, home=self.ctx.home)     # bad rules: exit 7 first
        typed = self.ask_asset()
        machine = self.probe()
        asset_id = self.find_asset(typed, machine)
        prog = self.read_progress(asset_id)
        first = prog.first_unfinished(self.profile)
        if asset_id and prog.done:
            self.report.resumed_at = first.value if first else "done"
            if first is None:
                self.ui.lines([tr("{id}: every step is already done.", self.lang, id=asset_id)])
            else:
                self.ui.lines([tr("{id}: resuming at step {step}", self.lang, id=asset_id,
                                  step=tr(STEP_TEXT[first], self.lang))])
        self.mark(Step.PROBE, "done")
        if Step.GRADE not in prog.done:
            checks = self.checklist(machine)
            asset_id = self.grade(machine, checks, asset_id)
        else:
            self.mark(Step.CHECKLIST, "already-done")
            self.mark(Step.GRADE, "already-done")
        self.report.asset_id = asset_id
        assert asset_id is not None
        for step, act in ((Step.WIPE, self.wipe), (Step.CERTIFICATE, self.certificate),
                          (Step.IMAGE, self.image), (Step.DOCUMENTS, self.documents),
                          (Step.READY, self.ready)):
            prog = self.read_progress(asset_id)
            self.report.outcome = prog.outcome
            if not self.profile.runs(step):
                self.mark(step, "skipped")
            elif step in prog.done:
                self.mark(step, "already-done")
            elif not prog.applies(step, self.profile):
                self.mark(step, "not-applicable")
            else:
                act(asset_id)
        self.report.grade = _grade_of(_inventory(self.ctx), asset_id)
        if self.ui.interactive:
            self.ui.step(Step.READY, tr("summary", self.lang))
            self.ui.pause(summary_lines(self.report, self.lang))
        return self.report


def wipe_targets(ctx: Context, profile: Profile, explicit: tuple[str, ...] = ()) -> list[str]:
    """The disks to wipe: those named, else the machine's own disks
    (``system.owndisks.own_disks``) but the profile's exclusions (path or serial)."""
    from ..system import owndisks
    if explicit:
        return list(explicit)
    excluded = set(profile.exclude)
    return [d.path for d in owndisks.own_disks(ctx)
            if not {d.path, d.identity, f"serial:{d.serial}"} & excluded]


STATUS_TEXT = {"done": N_("done"), "already-done": N_("already done"), "skipped": N_("skipped"),
               "not-applicable": N_("not applicable"), "nothing": N_("nothing to do")}


def summary_lines(report: StationReport, lang: str) -> list[str]:
    """The last screen: the asset and what each step did."""
    lines = [tr("Asset: {id}", lang, id=report.asset_id), ""]
    for step in Step:
        entry = report.steps.get(step.value)
        if entry:
            lines.append(f"  {tr(STEP_TEXT[step], lang):<24} "
                         f"{tr(STATUS_TEXT.get(entry['status'], entry['status']), lang)}")
    return lines


def _last_graded(events: list) -> int:
    return max((i for i, e in enumerate(events) if e.type == "asset.graded"), default=0)


def _grade_of(inv, asset_id: str) -> str | None:
    grade = inv.state(asset_id).grade
    return grade.grade if grade is not None else None


_RANK = {Media.NVME: 0, Media.SSD: 1, Media.EMMC: 2, Media.HDD: 3}


def _best_disk(disks: list[Disk]) -> Disk:
    """The disk to install on: the fastest kind first, then the largest."""
    if not disks:
        raise NotFound(what="disk")
    return sorted(disks, key=lambda d: (_RANK.get(d.media, 9), -(d.size_bytes or 0)))[0]


def _machine_line(machine: Machine, lang: str) -> str:
    s = machine.system
    ram = machine.memory.total_mb
    return tr("{vendor} {product}, serial {serial}, {cpu}, {ram} MB RAM, {disks} disk(s)", lang,
              vendor=s.vendor or "?", product=s.product or "?", serial=s.serial or "?",
              cpu=machine.cpu.model or "?", ram=number(ram, lang) if ram else "?",
              disks=len(machine.disks))


def check_persistence(ctx: Context, allow_missing: bool) -> None:
    """On a live system, the data directory must be on a real disk (the stick's
    persistence partition), not on the RAM overlay that power-off throws away."""
    if allow_missing or ctx.replay:
        return
    mounts = blockdev.mount_table(ctx)
    live = any(m.mountpoint in blockdev.LIVE_MOUNTS for m in mounts)
    if not live or blockdev.disks_of_path(ctx, str(ctx.home), mounts):
        return
    # On the live root overlay: persistent only if live-boot found a persistence
    # medium, whose ``rw`` directory is the overlay's upper layer (live-boot's "/
    # union" persistence.conf), mounted under /run/live/persistence/.
    if any(m.mountpoint.startswith(p + "/") for m in mounts for p in blockdev.PERSISTENCE_MOUNTS):
        return
    raise NoPersistence(home=str(ctx.home))


def run_station(ctx: Context, profile: Profile, ui: LineUi, *, disks: tuple[str, ...] = (),
                asset: str | None = None, allow_no_persistence: bool = False) -> StationReport:
    check_persistence(ctx, allow_no_persistence or not profile.require_persistence)
    station = Station(ctx, profile, ui, disks=disks, asset=asset)
    try:
        return station.run()
    except BaseException as exc:
        # --json reports what was done before the failure (the CLI reads it back).
        station.report.asset_id = station.report.asset_id or getattr(exc, "asset_id", None)
        exc.station_report = station.report
        raise
