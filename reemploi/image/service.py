"""What the ``image`` commands call: guard -> plan -> confirm -> write -> verify ->
post-install -> record, and ``choose`` (capturing a master is ``capture.py``).

The writer is sparse: unmapped areas of the disk keep whatever was there. So, unlike
``dd``, writing over a donated disk is only safe once the disk has been wiped; we
check the inventory for a successful ``wipe.done`` of this disk's identity and
refuse otherwise (``--no-wipe-check`` overrides, and the record says so).
"""

from __future__ import annotations

import enum
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BadInput, ExitCode, ReemploiError
from ..inventory.events import EventType
from ..model import Disk
from ..inventory.refusals import record_refusal
from ..system import blockdev, guard, seal
from ..system.seal import Seal
from ..system.signals import StopSignals, stop_name
from . import catalogue, postinstall, writer
from .choose import Choice, choose, facts_from_machine
from .errors import (EmptyImage, ImageTooLarge, IsoNotAnInstall, NoProbe, NoWipeRecord,
                     WipedBeforeCheckout,
                     WipeUnfinished, WriteFailed)
from .sources import ImageInfo, is_iso9660
from ..i18n import N_
from ..lazylog import getLogger

log = getLogger(__name__)


class Result(str, enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    DRY_RUN = "dry-run"


@dataclass(frozen=True)
class Plan:
    image: str
    image_path: str
    image_kind: str
    version: str | None
    image_sha256: str | None
    image_size: int
    mapped_bytes: int
    has_map: bool
    disk: Disk
    asset_id: str | None
    hostname: str | None
    verify: bool
    steps: tuple[postinstall.Step, ...]
    wipe_checked: bool
    wipe_event: str | None
    iso: bool = False                     # an ISO 9660 image: no post-install
    fill_holes: bool = False              # zero the unmapped ranges (disk not known zero)
    holes_reason: str = "no-map"          # wipe-wrote-zeros | wipe-not-zeros | imaged-since-wipe
                                          # | no-wipe-check | no-map
    info: ImageInfo | None = field(default=None, repr=False, compare=False)
    seal: Seal | None = None              # the disk's identity as the plan showed it
    override: str | None = None           # why an image not suiting the verdict is written

    def summary(self) -> dict:
        """The plan as JSON (without the block map itself)."""
        d = self.disk
        return {"image": self.image, "image_path": self.image_path, "kind": self.image_kind,
                "version": self.version, "sha256": self.image_sha256,
                "image_size": self.image_size, "mapped_bytes": self.mapped_bytes,
                "has_map": self.has_map,
                "disk": {"path": d.path, "model": d.model, "serial": d.serial,
                         "size_bytes": d.size_bytes, "identity": d.identity},
                "asset_id": self.asset_id, "hostname": self.hostname, "verify": self.verify,
                "postinstall": [s.value for s in self.steps],
                "wipe_checked": self.wipe_checked, "wipe_event": self.wipe_event,
                "iso": self.iso, "fill_holes": self.fill_holes,
                "holes_reason": self.holes_reason,
                "seal": self.seal.as_dict() if self.seal else None}


@dataclass(frozen=True)
class Report:
    plan: Plan
    result: Result
    bytes_written: int = 0
    seconds: float = 0.0
    throughput_mb_s: float = 0.0
    verify: str = "skipped"               # passed | failed | skipped
    verify_seconds: float = 0.0
    postinstall: tuple[postinstall.StepResult, ...] = ()
    event_id: str | None = None
    error: str | None = None
    zeroed_bytes: int = 0

    @property
    def postinstall_failed(self) -> list[str]:
        """The post-install steps that failed (the machine is then not "imaged")."""
        return [s.step.value for s in self.postinstall if s.status is postinstall.Status.FAILED]


def _inventory(ctx):
    return ctx.inventory()          # opened once per command


def _last_wipe(ctx, disk: Disk, asset_id: str | None):
    """The wipe that may stand for this disk under this asset (inventory custody rules:
    never another asset's, a weak identity only within the same physical session)."""
    return _inventory(ctx).wipe_for(disk.identity, asset_id)


def _check_asset(ctx, asset_id: str, wipe_event: str | None) -> None:
    """The machine exists (UnknownAsset, exit 10) and may become "imaged" once written
    (IllegalTransition, exit 11): checked before the first byte, not after the write.

    A machine still "received" or "diagnosed" whose disk has its own successful wipe
    record (a disk wiped loose at a wipe station, then fitted) may go on: the record step
    moves it through "wiped", citing that wipe event."""
    _inventory(ctx).may_image(asset_id, wipe_event)   # the inventory's lifecycle decides


def plan_write(ctx, image: str, device: str, *, asset_id: str | None = None,
               hostname: str | None = None, verify: bool = True,
               steps: tuple[postinstall.Step, ...] = postinstall.DEFAULT_STEPS,
               wipe_check: bool = True, override: str | None = None) -> Plan:
    """Everything checked before the first byte: image, guard, size, wipe, hostname,
    and that the image suits the machine's verdict (``override``: a recorded reason)."""
    resolved = catalogue.resolve(ctx.home, image)
    info = resolved.info
    if info.mapped_bytes <= 0:
        raise EmptyImage(image=resolved.name)
    iso = is_iso9660(info)
    if iso and asset_id:
        # A live ISO on a machine's disk is not an installed system: never "imaged".
        raise IsoNotAnInstall(image=resolved.name)
    disk = guard.guard_target(ctx, device)
    if disk.size_bytes is not None and info.image_size > disk.size_bytes:
        raise ImageTooLarge(image_size=info.image_size, path=disk.path,
                            disk_size=disk.size_bytes)
    if asset_id:
        _inventory(ctx).state(asset_id)           # UnknownAsset (exit 10) first
    wipe_event = None
    zeros_known = imaged_since = left_since = False
    if wipe_check:
        last = _last_wipe(ctx, disk, asset_id)
        if last is None:
            raise NoWipeRecord(path=disk.path, identity=disk.identity)
        wipe_event = last.id
        patterns = last.data.patterns if last.data is not None else ()
        zeros_known = bool(patterns) and patterns[-1] == "0x00"
        inv = _inventory(ctx)
        # A machine given, then returned: its disk holds the last owner's files,
        # written after that wipe. The old record does not cover them.
        left_since = bool(asset_id) and any(
            ev.seq > last.seq for ev in inv.events(asset_id, types=[EventType.CHECKOUT]))
        # An image write cut by a power cut or SIGKILL (a start with no image.written)
        # wrote data as surely as a failed one.
        # (Read at the offsets the inventory indexes per disk: planning stays flat
        # in the journal's length, issue 16.)
        since = [ev for ev in inv.disk_events(disk.identity, [EventType.IMAGE_WRITTEN,
                                                              EventType.IMAGE_STARTED,
                                                              EventType.WIPE_STARTED])
                 if ev.seq > last.seq
                 and ev.data is not None and ev.data.disk.identity == disk.identity]
        imaged_since = any(ev.type != EventType.WIPE_STARTED.value for ev in since)
        # A wipe started after the last recorded one and never ended: its record is
        # missing, its result unknown (a start that ended has a later wipe.done).
        cut = [ev for ev in since if ev.type == EventType.WIPE_STARTED.value]
        if cut:
            raise WipeUnfinished(path=disk.path, time=cut[-1].time)
    if asset_id:
        _check_asset(ctx, asset_id, wipe_event)   # exit 10 / 11 before writing
        entry = resolved.entry
        _inventory(ctx).check_image_fits(asset_id, resolved.name,
                                         entry.arch if entry else None,
                                         entry.min_ram_mb if entry else None, override)
        if left_since:
            raise WipedBeforeCheckout(path=disk.path, asset=asset_id, time=last.time)
    # Unmapped = zeros in our maps: skip them only on a disk known to read zeros. An
    # image written since the wipe (even a failed one) put data where this image may
    # have zeros: a re-install must zero the holes, or files keep the old bytes.
    if not info.has_map:
        fill, holes_reason = False, "no-map"
    elif zeros_known and imaged_since:
        fill, holes_reason = True, "imaged-since-wipe"
    elif zeros_known:
        fill, holes_reason = False, "wipe-wrote-zeros"
    else:
        fill, holes_reason = True, "wipe-not-zeros" if wipe_check else "no-wipe-check"
    if hostname is None and asset_id:
        hostname = postinstall.hostname_for(asset_id)
    if hostname is not None and not postinstall.valid_hostname(hostname):
        raise BadInput(what=f"--hostname {hostname}",
                       why=N_("RFC 1123: lower-case letters, digits and '-', 1-63 characters"))
    return Plan(resolved.name, info.path, info.kind.value, resolved.version, resolved.sha256,
                info.image_size, info.mapped_bytes, info.has_map, disk, asset_id, hostname,
                verify, tuple(steps), wipe_check, wipe_event, iso, fill,
                holes_reason, info, seal.take(ctx, disk), override=override)


def _failed(ctx, plan: Plan, exc: BaseException, record: bool, default_code: ExitCode,
            stopped: str, written: int, seconds: float, start_event: str | None = None,
            **report: object) -> WriteFailed:
    """Record a failed or interrupted write (never a success) and the error to raise.

    The error carries the recorded report (``report``, with its ``event_id``) so that
    ``image write --json`` prints it even though the command fails."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    why = (stopped.format(signal=stop_name(exc)) if interrupted else
           exc.render() if isinstance(exc, ReemploiError) else str(exc))
    result = Result.INTERRUPTED if interrupted else Result.FAILED
    rep = Report(plan, result, written, seconds, error=why, **report)
    event = _record(ctx, rep, start_event) if record else None
    err = WriteFailed(path=plan.disk.path, why=why)
    err.exit_code = (ExitCode.INTERRUPTED if interrupted else
                     getattr(exc, "exit_code", default_code))
    err.event_id = event
    err.report = replace(rep, event_id=event)
    return err


def execute(ctx, plan: Plan, *, progress: writer.Progress | None = None,
            record: bool = True) -> Report:
    """Write, verify, post-install, record. A failed or interrupted write (or an
    interrupted post-install) is recorded, then raises WriteFailed; a post-install step
    that failed gives a recorded FAILED report (the caller shows its steps, then fails).

    Ctrl-C, SIGTERM and SIGHUP take the same path for the whole act (system/signals.py):
    from here to the record no signal raises anywhere; each is noted, and the act
    stops at its next safe point: before the disk is opened (nothing written, nothing
    recorded), between two pieces written, zeroed or read back, between two
    post-install steps, or at the end of the post-install (a signal that came during
    its last tool). It is then recorded *interrupted* and raises WriteFailed (exit
    130); a second signal changes nothing. One that comes while the final record is
    written is too late to stop anything: the record says what was done. With
    ``record``, an ``image.started`` event is appended (fsynced) before the first byte,
    so a power cut or SIGKILL mid-write leaves a start that no ``image.written`` names."""
    with StopSignals() as signals:
        return _execute(ctx, plan, progress, record, signals)


def _execute(ctx, plan: Plan, progress: writer.Progress | None, record: bool,
             signals: StopSignals) -> Report:
    info = plan.info or catalogue.resolve(ctx.home, plan.image_path).info
    start = time.monotonic()
    stats = None
    verify_state, verify_seconds = "skipped", 0.0
    zeroed = 0
    done = {"write": 0}

    def track(phase: str, count: int, total: int) -> None:
        done[phase] = count                 # what reached the disk, for a failed record
        if progress:
            progress(phase, count, total)

    # The last guard check, after the confirmation (which may have waited minutes), on
    # the exclusively opened descriptor: still allowed, still the very device the plan
    # showed (kernel name, major:minor, diskseq, size, model, serial, WWN, a loop's
    # backing file: not another disk plugged in under the same /dev name, nor a loop
    # re-attached to another file), and big enough, before the first byte.
    try:
        # Every event type loaded now, not between the open and the intent record:
        # that window stays as short as it can be (a kill there leaves no trace).
        from .. import events as typed
        typed.known_types()
        signals.check()                     # stopped before anything is opened: exit 130
        fd = guard.open_sealed(ctx, plan.seal or seal.take(ctx, plan.disk))
    except guard.TargetRefused as exc:
        if record:
            record_refusal(ctx, "image", _disk_payload(plan.disk), exc, plan.asset_id)
        raise
    try:
        real_size = os.lseek(fd, 0, os.SEEK_END)
    except OSError:
        real_size = None
    if real_size is not None and info.image_size > real_size:
        os.close(fd)
        raise ImageTooLarge(image_size=info.image_size, path=plan.disk.path,
                            disk_size=real_size)
    if signals.received:                    # stopped while the disk was opened: nothing
        os.close(fd)                        # written, nothing recorded (a start record
        signals.check()                     # would demote a ready machine), exit 130
    start_event = None
    if record:
        try:
            start_event = _record_start(ctx, plan)
        except BaseException:
            os.close(fd)                    # JournalWriteFailed: nothing written, exit 15
            raise
    phase = "write"
    stop = signals.check                    # raises Stopped between two pieces
    try:
        try:
            stop()                          # one that arrived while the start was written
            if plan.fill_holes:
                zeroed = writer.fill_zeros(fd, writer.holes(info), plan.disk.path,
                                           progress=progress, stop=stop)
            stats = writer.write(info, fd, plan.disk.path, progress=track,
                                 verify_later=plan.verify, stop=stop)
            if plan.verify:
                verify_state = "failed"
                v = writer.verify(fd, stats.pieces, plan.disk.path, progress=track,
                                  stop=stop)
                verify_state, verify_seconds = "passed", v.seconds
            stop()                          # one during the last piece or its read-back
        finally:
            os.close(fd)
        phase = "post-install"
        steps: list[postinstall.StepResult] = []
        if plan.iso:
            # A hybrid ISO on a USB stick must stay byte for byte what was published.
            steps = [postinstall.StepResult(s, postinstall.Status.SKIPPED, "iso-image")
                     for s in plan.steps]
        elif plan.steps:
            steps = postinstall.run_steps(ctx, plan.disk.path, hostname=plan.hostname,
                                          steps=plan.steps, asset_id=plan.asset_id,
                                          stop=stop)
            stop()                          # one during the last step's tool
        phase = "record"
        return _record_success(ctx, plan, record, start, start_event, stats, steps,
                               verify_state, verify_seconds, zeroed)
    except (ReemploiError, KeyboardInterrupt, OSError) as exc:
        if phase == "record" and not isinstance(exc, KeyboardInterrupt):
            raise                           # the journal refused the record (exit 15)
        if phase == "write":
            err = _failed(ctx, plan, exc, record, ExitCode.DEVICE_ERROR, "{signal}",
                          stats.bytes_written if stats else done["write"],
                          time.monotonic() - start, start_event, verify=verify_state)
        else:
            # Ctrl-C while the partition table or the filesystem was being changed:
            # the disk is in an unknown state, so it is not installed.
            err = _failed(ctx, plan, exc, record, ExitCode.TOOL_FAILED,
                          "{signal} (post-install)", stats.bytes_written,
                          time.monotonic() - start, start_event, verify=verify_state,
                          verify_seconds=round(verify_seconds, 3), zeroed_bytes=zeroed)
        raise err from (None if isinstance(exc, KeyboardInterrupt) else exc)


def _record_success(ctx, plan: Plan, record: bool, start: float, start_event: str | None,
                    stats: writer.WriteStats, steps: list[postinstall.StepResult],
                    verify_state: str, verify_seconds: float, zeroed: int) -> Report:
    seconds = time.monotonic() - start
    # A failed step (machine-id not emptied, filesystem not grown...) leaves a system
    # that is not what the workshop promises: the record says failed, not installed.
    broken = [s.step.value for s in steps if s.status is postinstall.Status.FAILED]
    report = Report(plan, Result.FAILED if broken else Result.SUCCESS, stats.bytes_written,
                    seconds,
                    round(stats.bytes_written / 1e6 / stats.seconds, 1) if stats.seconds else 0.0,
                    verify_state, round(verify_seconds, 3), tuple(steps),
                    error=f"post-install failed: {', '.join(broken)}" if broken else None,
                    zeroed_bytes=zeroed)
    if record:
        event = _record(ctx, report, start_event)
        report = replace(report, event_id=event)
    return report


def _disk_payload(d: Disk) -> dict:
    return {"identity": d.identity, "model": d.model, "serial": d.serial,
            "size_bytes": d.size_bytes, "media": d.media.value, "path": d.path}


def _image_payload(plan: Plan) -> dict:
    return {"name": plan.image, "version": plan.version, "sha256": plan.image_sha256,
            "kind": plan.image_kind, "path": plan.image_path,
            "image_size": plan.image_size, "mapped_bytes": plan.mapped_bytes}


def _record_start(ctx, plan: Plan) -> str:
    """The intent, fsynced before the first byte (see inventory/events.py).

    An imaged or ready machine being re-installed goes back to "wiped" in the same
    write: from the first byte its old system is gone, so a power cut can never leave
    it "ready" with half an image. (With --no-wipe-check: to the bench, "diagnosed",
    since "wiped" would be a claim we cannot make.)"""
    return _inventory(ctx).start_image(plan.asset_id, {
        "image": _image_payload(plan), "disk": _disk_payload(plan.disk),
        "hostname": plan.hostname, "fill_holes": plan.fill_holes,
        "wipe_event": plan.wipe_event,
        **({"override": plan.override} if plan.override else {})}, plan.wipe_event).id


def _record(ctx, report: Report, start_event: str | None = None) -> str:
    plan = report.plan
    payload = {
        "image": _image_payload(plan),
        "disk": _disk_payload(plan.disk),
        "start_event": start_event,
        "result": report.result.value,
        "installed": report.result is Result.SUCCESS,
        "error": report.error,
        "duration_s": round(report.seconds, 3),
        "bytes_written": report.bytes_written,
        "throughput_mb_s": report.throughput_mb_s,
        "verify": report.verify,
        "verify_s": report.verify_seconds,
        "postinstall": [{"step": s.step.value, "status": s.status.value, "reason": s.reason,
                         "params": s.params} for s in report.postinstall],
        "hostname": plan.hostname,
        "wipe_checked": plan.wipe_checked,
        "wipe_event": plan.wipe_event,
        "holes": "zeroed" if plan.fill_holes else ("left" if plan.has_map else "none"),
        "holes_reason": plan.holes_reason,
        "zeroed_bytes": report.zeroed_bytes,
        "postinstall_failed": report.postinstall_failed,
    }
    # The record and the status it implies, in one write (inventory intents decide:
    # imaged after a success; after a failed re-install, no longer imaged/ready).
    return _inventory(ctx).finish_image(plan.asset_id, payload, plan.wipe_event).id


def choose_for(ctx, *, asset_id: str | None = None, machine: dict | None = None,
               verdict: dict | None = None) -> Choice:
    """The image for an asset (its last probe and grade) or for a probe JSON."""
    if asset_id:
        # Through the inventory's typed reads (its latest probe and verdict), not the
        # journal's dicts.
        inv = _inventory(ctx)
        inv.state(asset_id)                       # UnknownAsset (exit 10) first
        probed = inv.latest(asset_id, EventType.ASSET_PROBED)
        graded = inv.latest(asset_id, EventType.ASSET_GRADED)
        machine = probed.machine if probed is not None else machine
        verdict = graded.verdict if graded is not None else verdict
        if machine is None:
            raise NoProbe(asset=asset_id)
    if machine is None:
        raise BadInput(what="machine", why=N_("give --asset or --probe"))
    entries = catalogue.load_catalogue(ctx.home)
    registry = catalogue.load_registry(ctx.home)
    present = {r.entry or r.name for r in registry.values() if Path(r.path).is_file()}
    return choose(facts_from_machine(machine, verdict), entries, present)
