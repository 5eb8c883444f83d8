"""The grading step of the pipeline: probe (live or replay) -> grade -> record.

``grade_machine_step`` is the one library call behind ``reemploi grade``: it probes
the machine (or replays a recorded folder), optionally benchmarks it, grades it with
the rules in force, and records ``asset.probed`` / ``asset.checked`` /
``asset.graded`` in the inventory, creating the asset if no asset matches the
machine's identity. The click command only parses options and renders.

Here rather than in ``grade/``: the grade stage is pure (rules, engine, verdict and
their words) and sits below the inventory, whose history names verdicts in its words;
this step sits above both, like the station's other steps, since it opens the
inventory through the ``Context`` and records into it. In ``grade/`` it made the two
packages import each other (tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..context import Context
from ..grade.bench import DEFAULT_SECONDS, run_bench
from ..grade.checks import Checks
from ..grade.engine import grade_machine, internal_disks
from ..grade.rules import Rules
from ..grade.verdict import BenchScores, Verdict
from ..model import Machine


@dataclass(frozen=True)
class GradeResult:
    machine: Machine
    verdict: Verdict
    bench: BenchScores | None
    checks: Checks | None
    asset_id: str | None          # None with --no-save
    created: bool                 # True when a new asset id was made for this machine
    # True when nothing tells this machine from its twins (no DMI serial or UUID, no
    # MAC, no disk serial): it will not be recognised next time, give --asset.
    unrecognisable: bool = False

    def to_dict(self) -> dict:
        return {"asset_id": self.asset_id, "created": self.created,
                "unrecognisable": self.unrecognisable,
                "verdict": self.verdict.to_dict(),
                "benchmark": self.bench.to_dict() if self.bench else None,
                "checks": self.checks.to_dict() if self.checks else None}


def open_machine(base: Context, replay: Path | None = None) -> tuple[Context, object]:
    """The Context (and Python-facts source) for this machine, or for a recorded
    machine folder (``commands/`` + ``sysfs/`` + ``python.json``, the layout of
    ``reemploi probe --record`` and tests/fixtures/machines)."""
    from ..probe import folder as machine_folder
    session = machine_folder.replaying(replay) if replay is not None else machine_folder.live()
    ctx = replace(base, runner=session.runner, sysfs=session.sysfs, replay=session.replay)
    return ctx, session.facts


def probe(ctx: Context, facts: object | None = None) -> Machine:
    from ..probe.collector import probe_machine   # the probe stage's collector
    return probe_machine(ctx, facts=facts)


def bench_disk(machine: Machine) -> str | None:
    """The disk to read for the benchmark: the first internal one (read-only)."""
    disks = [d for d in internal_disks(machine) if not d.is_system_disk]
    return disks[0].path if disks else None


def grade_machine_step(ctx: Context, rules: Rules, *, checks: Checks | None = None,
                       bench: bool = False, bench_seconds: int = DEFAULT_SECONDS,
                       asset_id: str | None = None, save: bool = True,
                       machine: Machine | None = None) -> GradeResult:
    if machine is None:
        machine = probe(ctx)
    scores = None
    if bench:
        scores = run_bench(ctx, seconds=bench_seconds,
                           threads=machine.cpu.threads or machine.cpu.cores,
                           disk=bench_disk(machine))
    verdict = grade_machine(machine, checks, rules, scores)
    created = False
    if save:
        asset_id, created = _record(ctx, machine, checks, verdict, scores, asset_id)
    from ..identity import identity_is_strong, machine_identity
    weak = not identity_is_strong(machine_identity(machine.to_dict()))
    return GradeResult(machine, verdict, scores, checks, asset_id, created, weak)


def _record(ctx: Context, machine: Machine, checks: Checks | None, verdict: Verdict,
            scores: BenchScores | None, asset_id: str | None) -> tuple[str, bool]:
    from ..identity import identity_is_strong, machine_identity
    inv = ctx.inventory()
    data = machine.to_dict()
    identity = machine_identity(data)
    kind = machine.system.chassis.value
    # One append for the whole grading (inventory.store.record_grading). A machine is
    # matched to an earlier asset only on an identity that can tell it apart from its
    # twins (DMI serial or UUID, MACs, disk serials): on vendor and model alone two
    # identical donated laptops would share one record, the second overwriting the first.
    return inv.record_grading(
        asset_id, machine=data, identity=identity, match=identity_is_strong(identity),
        device_kind="computer" if kind == "unknown" else kind, serial=machine.system.serial,
        checks=checks.to_dict() if checks is not None and not checks.empty else None,
        graded={"verdict": verdict.to_dict(), "rules_version": verdict.rules_version,
                "benchmark": scores.to_dict() if scores else None})
