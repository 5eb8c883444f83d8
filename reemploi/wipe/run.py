"""Running wipes: guard → plan → (confirm, in the CLI) → act → verify → record.

``prepare`` guards every target and builds its plan before anything is written, so
one refused disk stops the whole command before the first byte (the operator may
have mistyped a path). ``run_all`` runs one thread per disk (each disk is its own
bottleneck; Python threads are enough because the work is in ``pwrite``/``pread``
and OpenSSL), and the main thread only waits: it is the one that receives Ctrl-C,
and it then sets the shared ``stop`` event that every engine loop checks.
``record_all`` writes one ``wipe.done`` per disk, success or not.
"""

from __future__ import annotations

import fcntl
import math
import os
import random
import struct
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable

from .. import __version__
from ..errors import ReemploiError, ToolFailed
from ..model import Disk
from ..probe.smartargs import NO_SMART, smartctl_argv
from ..system import blockdev, guard
from ..system.seal import Seal
from ..system.seal import take as take_seal
from ..system.signals import SIGNAL_NAMES, StopSignals, stop_name
from . import engine, firmware, verify
from .engine import Device, Outcome
from .odds import detection_table
from .patterns import Pattern, byte_pattern, prng_pattern, warm_up
from .plan import Step, WipePlan, plan_wipe
from .recheck import open_jobs
from .record import (CommandLog, WipeRecord, disk_dict, mask,
                     record_all, smart_summary)
from ..syserr import reason
from ..lazylog import getLogger

log = getLogger(__name__)

BLKDISCARD = 0x1277          # linux/fs.h _IO(0x12, 119)
POLL_SECONDS = 10.0
STOP_POLL_SECONDS = 0.05     # how soon a deferred stop signal reaches the disks


@dataclass(frozen=True)
class WipeOptions:
    method: str = "auto"
    verify: str = "full"
    asset_id: str | None = None
    remove_hpa: bool = False
    final_blank: bool = False
    skip_block: int | None = None      # fault injection for tests: never from the CLI
    poll_seconds: float = POLL_SECONDS


@dataclass(frozen=True)
class Job:
    disk: Disk
    plan: WipePlan
    start_event: str | None = None      # set by record_starts, before the first byte
    seal: Seal | None = None            # the device's identity as the plan showed it
    fd: int | None = None               # opened exclusively and re-checked (open_jobs)
    asset_id: str | None = None         # this disk's own asset (a loose disk's part id);
                                        # default: the options' asset (the machine)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def smart_of(ctx, disk: Disk):
    """The drive's SMART summary for the record and certificate (None if unavailable)."""
    if disk.smart is not None or disk.media in NO_SMART:
        return disk.smart
    from ..probe.smartctl import parse_smartctl      # only when there is SMART to read
    try:
        res = ctx.runner.run(smartctl_argv(disk), check=False, timeout=60)
        return parse_smartctl(res.stdout, res.returncode)
    except ReemploiError as exc:
        log.debug("no SMART for %s: %s", disk.path, exc)
        return None


def make_job(ctx, disk: Disk, options: WipeOptions) -> Job:
    """Ask the drive what it can do, read its SMART summary, plan its wipe."""
    ata, nvme, hpa, dco = firmware.probe_capabilities(ctx, disk)
    disk = replace(disk, smart=smart_of(ctx, disk))
    plan = plan_wipe(disk, method=options.method, verify=options.verify, ata=ata, nvme=nvme,
                     hpa=hpa, dco=dco, remove_hpa=options.remove_hpa,
                     final_blank=options.final_blank)
    return Job(disk, plan, seal=take_seal(ctx, disk))


def prepare(ctx, paths: list[str], options: WipeOptions, *,
            program: tuple[str, ...] | None = None) -> list[Job]:
    """Guard and plan every target; raises the first refusal before any write."""
    jobs: list[Job] = []
    seen: set[str] = set()
    with blockdev.one_listing(ctx):          # one lsblk for every target's guard check
        for path in paths:
            disk = guard.guard_target(ctx, path, program=program)
            if disk.path in seen:
                continue
            seen.add(disk.path)
            jobs.append(make_job(ctx, disk, options))
    if any("prng" in j.plan.passes for j in jobs):
        warm_up()
    return jobs


# ------------------------------------------------------------------------- execute

class _Run:
    """State of one disk's wipe while it runs (one thread)."""

    def __init__(self, ctx, job: Job, options: WipeOptions, stop: threading.Event,
                 progress: engine.Progress | None) -> None:
        self.ctx, self.job, self.options, self.stop = ctx, job, options, stop
        self.progress = progress
        self.passes: list[dict] = []
        self.commands: list[CommandLog] = []
        self.errors: list[str] = []
        self.verification: dict = {"mode": "none", "result": "not-done"}
        self.prng: dict | None = None
        self.bytes_written = 0
        self.result = Outcome.SUCCESS
        self.discard: str | None = None
        self.dev: Device | None = None
        self.fingerprints: tuple[list, list, int] | None = None
        self.last_pattern: Pattern | None = None
        self.char = random.SystemRandom().randrange(256)
        self.tool_versions: dict[str, str | None] = {}

    # -- helpers
    def fail(self, outcome: str, why: str) -> None:
        if self.result == Outcome.SUCCESS or outcome == Outcome.INTERRUPTED:
            self.result = outcome
        self.errors.append(why)

    def open(self, write: bool) -> Device:
        if self.dev is None:
            # The descriptor opened and re-checked after the confirmation (open_jobs);
            # its owner closes it. Opened here only when called without it (tests).
            fd = self.job.fd if self.job.fd is not None else \
                guard.open_exclusive(self.job.disk.path, write=write, direct=True)
            # Geometry now, not at the re-check: a removed HPA (rescan) grows the disk.
            size, sector = engine.device_geometry(fd)
            self.dev = Device(fd, size, sector, self.job.disk.path, self.stop)
        return self.dev

    def close(self) -> None:
        if self.dev is not None:
            if self.dev.fd != self.job.fd:
                os.close(self.dev.fd)
            self.dev = None

    def pattern(self, name: str) -> Pattern:
        if name == "prng":
            p = prng_pattern()
            self.prng = {"algorithm": "AES-128-CTR", "library": "cryptography (OpenSSL)",
                         "seed_id": p.seed_id, "key_recorded": False}
            return p
        if name == "char":
            return byte_pattern(self.char)
        if name == "~char":
            return byte_pattern(~self.char & 0xFF)
        return byte_pattern(int(name, 16))

    def command(self, step: Step, check: bool = True) -> str | None:
        start = time.monotonic()
        try:
            res = self.ctx.runner.run(list(step.argv), timeout=step.timeout or 600.0,
                                      check=check)
        except ReemploiError as exc:
            rc = getattr(exc, "params", {}).get("status", -1)
            self.commands.append(CommandLog(mask(step.argv), int(rc) if isinstance(rc, int) else -1,
                                            time.monotonic() - start, exc.render()))
            raise
        self.commands.append(CommandLog(mask(step.argv), res.returncode,
                                        time.monotonic() - start))
        return res.text

    # -- steps
    def do(self, step: Step) -> None:
        kind = step.kind
        if kind == "overwrite":
            dev = self.open(write=True)
            pat = self.pattern(step.pattern or "prng")
            self.last_pattern = pat
            res = engine.overwrite(dev, pat, index=len(self.passes) + 1,
                                   progress=self.progress, skip_block=self.options.skip_block)
            self.passes.append({"index": res.index, **res.pattern,
                                "bytes_written": res.bytes_written,
                                "seconds": round(res.seconds, 3),
                                "throughput_mb_s": res.throughput_mb_s, "result": res.outcome,
                                "error": res.error, "error_offset": res.error_offset})
            self.bytes_written = max(self.bytes_written, res.bytes_written)
            if res.outcome != Outcome.SUCCESS:
                self.fail(res.outcome, res.error or res.outcome)
        elif kind == "verify":
            dev = self.open(write=True)
            assert self.last_pattern is not None
            res = verify.verify(dev, self.last_pattern, step.mode or "full",
                                progress=self.progress)
            self._verification(res)
        elif kind == "fingerprint":
            dev = self.open(write=False)
            seed = int.from_bytes(os.urandom(8), "big")
            ranges = verify.sample_locations(dev.size, dev.sector, seed)
            self.fingerprints = (ranges, verify.read_fingerprints(dev, ranges), seed)
        elif kind == "verify-changed":
            assert self.fingerprints is not None and self.dev is not None
            ranges, before, seed = self.fingerprints
            self._verification(verify.verify_changed(self.dev, ranges, before, seed))
        elif kind == "discard":
            self._discard()
        elif kind == "command":
            self.command(step)
        elif kind == "rescan":
            rescan = self.ctx.sysfs.path(f"sys/class/block/{self.job.disk.name}/device/rescan")
            try:
                rescan.write_text("1\n")
            except OSError as exc:
                self.errors.append(f"rescan: {reason(exc)}")
        elif kind == "poll":
            self._poll(step)
        elif kind == "check-security":
            self._check_security(step)
        else:  # pragma: no cover - plan and engine are written together
            raise ValueError(kind)

    def _check_security(self, step: Step) -> None:
        """Never trust hdparm's exit status alone: it is 0 when the drive aborted the
        command (seen on QEMU's ide-hd, sense key ABORTED COMMAND printed as "SG_IO:
        bad/missing sense data"). The drive's IDENTIFY says what really happened."""
        from ..probe.hdparm import parse_hdparm_identify   # ATA erases only (~6 ms)
        ident = parse_hdparm_identify(self.command(step) or "")
        if step.expect == "enabled" and not ident.security_enabled:
            raise ToolFailed(cmd=step.command_line(), status=0,
                             stderr="the drive did not take the password (SECURITY SET "
                                    "PASSWORD aborted): security is still not enabled")
        if step.expect != "enabled" and ident.security_enabled:
            # A completed SECURITY ERASE UNIT clears the user password (ATA8-ACS §7.43):
            # still enabled means the erase did not run to its end. run() clears our
            # password on the way out (plan.on_failure).
            raise ToolFailed(cmd=step.command_line(), status=0,
                             stderr="security is still enabled after SECURITY ERASE UNIT: "
                                    "the drive did not complete the erase")

    def _verification(self, res: engine.VerifyResult) -> None:
        self.verification = {
            "mode": res.mode, "result": "passed" if res.ok else res.outcome,
            "bytes_checked": res.bytes_checked, "seconds": round(res.seconds, 3),
            "locations": res.locations, "seed": res.seed,
            "mismatch_count": res.mismatch_count,
            "mismatches": [{"offset": m.offset, "length": m.length} for m in res.mismatches],
            "error": res.error}
        size = self.dev.size if self.dev is not None else 0
        if size and res.mode != "none":
            # NIST SP 800-88 r1 §4.7.3: a sample must cover at least 10 % of the media;
            # the record shows what this one read.
            self.verification["coverage_percent"] = round(100 * res.bytes_checked / size, 2)
        if size and res.mode == "sample":
            # What a sampled check could have missed (issue 11): its odds of finding one
            # unwritten area of 4 KiB, 1 MiB, 64 MiB on this disk (wipe/odds.py).
            self.verification["detection"] = detection_table(size, self.dev.sector)
        if size and res.mode == "sample-changed":
            # Only sampled areas that held data before a firmware erase can show it.
            self.verification["compared_percent"] = round(100 * res.compared_bytes / size, 2)
        if res.outcome == Outcome.INCONCLUSIVE:
            # The drive's erase completed; our check could not observe it (every sampled
            # area blank before). The wipe stands, its verification says "inconclusive",
            # never "passed" (the certificate and the summary show it so).
            return
        if res.outcome == Outcome.INTERRUPTED:
            self.fail(Outcome.INTERRUPTED, "verification interrupted")
        elif not res.ok:
            self.fail(Outcome.FAILED, res.error or f"verification: {res.mismatch_count} "
                      f"mismatching sectors, first at {res.mismatches[0].offset if res.mismatches else '?'}")

    def _discard(self) -> None:
        dev = self.open(write=True)
        rng = struct.pack("QQ", 0, dev.size)
        try:
            fcntl.ioctl(dev.fd, BLKDISCARD, rng)
            self.discard = "done"
        except OSError as exc:
            # Not every device discards (EOPNOTSUPP): the overwrite stands on its own.
            self.discard = f"unsupported: {reason(exc)}"

    def _poll(self, step: Step) -> None:
        deadline = time.monotonic() + (step.timeout or 3600)
        while True:
            text = self.command(step) or ""
            state = firmware.poll_state(step.argv, text)
            if state == firmware.DONE:
                return
            if state == firmware.FAILED:
                raise ToolFailed(cmd=step.command_line(), status=0, stderr="sanitize failed")
            if time.monotonic() > deadline:
                raise ToolFailed(cmd=step.command_line(), status=0, stderr="still in progress")
            if self.stop.wait(self.options.poll_seconds):
                # A sanitize cannot be stopped once started (ACS-3 §4.20.2): the drive
                # resumes it after a power cycle. We stop waiting and say so.
                self.fail(Outcome.INTERRUPTED, "stopped while the drive was sanitizing")
                return

    def run(self) -> WipeRecord:
        started, t0 = now_iso(), time.monotonic()
        plan = self.job.plan
        try:
            tools = sorted({s.argv[0] for s in plan.steps if s.argv and s.argv[0] in
                            firmware.VERSION_ARGV})
            self.tool_versions = {t: firmware.tool_version(self.ctx, t) for t in tools}
            for step in plan.steps:
                if self.stop.is_set() and self.result == Outcome.SUCCESS:
                    self.fail(Outcome.INTERRUPTED, "stopped")
                if self.result != Outcome.SUCCESS:
                    break
                self.do(step)
        except KeyboardInterrupt as exc:    # Ctrl-C, or SIGTERM/SIGHUP (system.signals)
            self.fail(Outcome.INTERRUPTED, stop_name(exc))
        except ReemploiError as exc:
            self.fail(Outcome.FAILED, exc.render())
        except OSError as exc:
            self.fail(Outcome.FAILED, reason(exc))
        except Exception as exc:   # a bug must still leave a (failed) record, never none
            log.exception("wipe of %s", self.job.disk.path)
            self.fail(Outcome.FAILED, f"internal error: {exc!r}")
        finally:
            if self.result != Outcome.SUCCESS and plan.on_failure and any(
                    c.argv and "--security-set-pass" in c.argv for c in self.commands):
                # We set a password: clear it even though the erase failed.
                for step in plan.on_failure:
                    try:
                        self.command(step, check=False)
                    except ReemploiError as exc:
                        self.errors.append(exc.render())
            self.close()
        return self._record(started, time.monotonic() - t0)

    def _record(self, started: str, seconds: float) -> WipeRecord:
        plan, disk = self.job.plan, self.job.disk
        size = disk.size_bytes or 0
        hidden = 0
        if plan.hpa and plan.hpa.get("enabled") and not self.options.remove_hpa:
            hidden += plan.hpa["hidden_sectors"] * 512
        if plan.dco and plan.dco.get("active") and not self.options.remove_hpa:
            hidden += (plan.dco.get("hidden_sectors") or 0) * 512
        full = size + hidden
        if self.options.remove_hpa:
            # The hidden area was opened up: the overwrite must have reached the native
            # size, not the size the probe saw. If the kernel did not pick up the new
            # capacity (rescan refused), the pass stopped short and this shows it.
            native = max([(plan.hpa or {}).get("native_sectors") or 0,
                          (plan.dco or {}).get("real_max_sectors") or 0]) * 512
            full = max(full, native)
        if plan.firmware:
            # The drive erases its whole (now native, with --remove-hpa) user area.
            reach = full if self.options.remove_hpa else size
            covered = reach if self.result == Outcome.SUCCESS else 0
        else:
            covered = self.bytes_written
        # Rounded down: a disk with even one hidden or unwritten sector never shows 100 %.
        pct = min(100.0, math.floor(10000 * covered / full) / 100) if size else 0.0
        write_seconds = sum(p["seconds"] for p in self.passes) or 0.0
        written_total = sum(p["bytes_written"] for p in self.passes)
        return WipeRecord(
            disk=disk_dict(disk), result=self.result, method=plan.method,
            technique=plan.technique.value if plan.technique else None,
            nist=plan.nist.value if plan.nist else None, patterns=plan.passes,
            passes=tuple(self.passes), prng=self.prng, verification=self.verification,
            hpa=plan.hpa, dco=plan.dco, caveats=tuple(c.value for c in plan.caveats),
            commands=tuple(self.commands), started=started, ended=now_iso(),
            seconds=round(seconds, 3), bytes_written=self.bytes_written, percent_erased=pct,
            throughput_mb_s=round(written_total / write_seconds / 1e6, 1) if write_seconds else 0.0,
            errors=tuple(self.errors),
            tool={"name": "reemploi", "version": __version__, "external": self.tool_versions},
            operator=self.ctx.operator, station=self.ctx.station,
            asset_id=self.job.asset_id or self.options.asset_id, smart=smart_summary(disk), discard=self.discard,
            start_event=self.job.start_event)


def execute(ctx, job: Job, options: WipeOptions, *, stop: threading.Event | None = None,
            progress: engine.Progress | None = None) -> WipeRecord:
    """Run one disk's plan; never raises for the wipe itself: the record says what happened."""
    return _Run(ctx, job, options, stop or threading.Event(), progress).run()


def run_all(ctx, jobs: list[Job], options: WipeOptions, *, stop: threading.Event | None = None,
            progress_for: Callable[[Job], engine.Progress | None] = lambda job: None,
            signals=None) -> list[WipeRecord]:
    """One thread per disk; Ctrl-C (or SIGTERM/SIGHUP under ``system.signals``) in the
    main thread stops them all cleanly. ``signals`` (a StopSignals) names the signal
    in the records of the disks it stopped."""
    stop = stop or threading.Event()
    results: dict[int, WipeRecord] = {}
    # One "finished" event per disk, set by the worker itself. Not Thread.join/is_alive:
    # on CPython 3.9.8-3.11 a join() interrupted by Ctrl-C marks the running thread as
    # stopped (bpo-45274's fix), so we returned with no record at all (seen on 3.11.7).
    finished = [threading.Event() for _ in jobs]

    def work(i: int, job: Job) -> None:
        try:
            results[i] = execute(ctx, job, options, stop=stop, progress=progress_for(job))
        finally:
            finished[i].set()

    threads = [threading.Thread(target=work, args=(i, j), name=f"wipe-{j.disk.name}", daemon=True)
               for i, j in enumerate(jobs)]
    # Under run_and_record signals are deferred: none raises here, the flag is read
    # between two short waits (one that came while the starts were written stops the
    # disks before their first byte). Under a raising handler (library use, tests)
    # KeyboardInterrupt comes in the wait; a second one keeps waiting.
    deferring = signals is not None
    interrupted = bool(deferring and signals.received)
    if interrupted:
        stop.set()
    for t in threads:
        t.start()
    while not all(f.is_set() for f in finished):
        try:
            if deferring and signals.received and not stop.is_set():
                interrupted = True
                stop.set()
            for f in finished:      # not next(…): a disk done meanwhile raised StopIteration
                if not f.is_set():
                    f.wait(STOP_POLL_SECONDS)
                    break
        except KeyboardInterrupt:
            interrupted = True
            stop.set()
    if interrupted or stop.is_set():
        log.info("stopped by a signal; every unfinished wipe is recorded as interrupted")
        first = signals.first if signals is not None else None
        name = SIGNAL_NAMES.get(first, "Ctrl-C") if first else "Ctrl-C"
        # The workers saw only ``stop``: the record says which signal it was.
        for i, rec in results.items():
            if rec.result == Outcome.INTERRUPTED:
                results[i] = replace(rec, errors=rec.errors + (f"stopped by {name}",))
    return [results[i] for i in range(len(jobs)) if i in results]


def record_starts(ctx, jobs: list[Job], asset_id: str | None) -> list[Job]:
    """Append one ``wipe.started`` per disk, in one fsynced write, before any byte is
    written; returns the jobs carrying their start event id. If the journal cannot be
    written, this raises (exit 15) and nothing is erased: an erase we could not trace
    is not started. A power cut or SIGKILL after this leaves a start that no
    ``wipe.done`` names: ``inventory show``/``verify`` report it, and it never counts
    as a wipe."""
    inv = ctx.inventory()
    events = inv.start_wipe([
        (j.asset_id or asset_id,
         {"disk": disk_dict(j.disk), "method": j.plan.method,
          "technique": j.plan.technique.value if j.plan.technique else None,
          "nist": j.plan.nist.value if j.plan.nist else None,
          "patterns": list(j.plan.passes), "verify": j.plan.verify,
          "tool": {"name": "reemploi", "version": __version__}})
        for j in jobs])
    return [replace(j, start_event=ev.id) for j, ev in zip(jobs, events)]


def run_and_record(ctx, jobs: list[Job], options: WipeOptions,
                   progress_for: Callable[[Job], engine.Progress | None] = lambda job: None
                   ) -> tuple[list[WipeRecord], list[str]]:
    """The act and its records: the starts, the wipes, the ``wipe.done`` events.

    From the disks' opening to the last ``wipe.done``, Ctrl-C, SIGTERM and SIGHUP
    (first, second or any) stop the disks between two blocks and are recorded as
    interrupted (exit 130); none raises, so none can cut the records short
    (system/signals.py, deferring). A signal that arrives while the starts are
    written is seen by ``run_all``, which then starts the threads stopped, so each
    disk is still recorded."""
    # Deferring (system/signals.py): from here to the last record no signal raises;
    # run_all reads them between two waits. Before this, nothing is open or written
    # and a signal ends the command as before (exit 130, nothing to record).
    with StopSignals() as signals:
        # The types this command appends loaded first, so the intent follows the
        # opens at once; not all types (~30 ms of each start, issue 16).
        from .. import events as typed
        typed.load("wipe", "lifecycle", "trust")
        # Opened exclusively and re-checked first (a refusal raises, exit 8,
        # nothing started); the descriptors are closed below, whatever happens.
        jobs = open_jobs(ctx, jobs, options.asset_id)
        try:
            jobs = record_starts(ctx, jobs, options.asset_id)
            records = run_all(ctx, jobs, options, signals=signals, progress_for=progress_for)
            ids = record_all(ctx, records)
        finally:
            for job in jobs:
                if job.fd is not None:
                    os.close(job.fd)
    return records, ids
