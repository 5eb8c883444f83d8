"""The wiping station: ``reemploi station --disks`` wipes every loose disk at once.

Harvested disks and disks in USB docks are parts, not machines. Each disk is found in
the inventory by its serial number (a part already registered, e.g. by ``parts
harvest --serial``), else registered as a new ``disk`` part; all are wiped in one
``wipe.run.run_and_record`` (one thread per disk, one progress line each), each wipe
recorded under its own part id; then one certificate per disk (``wipe.certificate
.issue`` on that disk's wipe event) and, if the profile's documents step runs, one
label per part. Which disks: those named with ``--disk``, else the machine's own
disks (``system.owndisks.own_disks``: never the stick, its persistence or the data
directory's disk), minus the profile's exclusions.
"""

from __future__ import annotations

from dataclasses import replace

from ..context import Context
from ..errors import Aborted
from ..i18n import tr
from ..model import Disk
from ..system.privileges import require_root
from .flow import StationReport, _inventory, check_persistence, wipe_targets
from .profile import Profile, Step
from .ui import LineUi


def part_for(inv, disk: Disk) -> tuple[str, bool]:
    """(part id, created) for a loose disk: the registered part with its serial, else new."""
    if disk.serial:
        for asset_id in reversed(inv.find_by_serial(disk.serial)):
            doc = inv.state(asset_id)
            if doc.is_part and doc.status != "out":
                return asset_id, False
    return inv.create_asset("part", "disk", serial=disk.serial, identity=disk.identity), True


def run_loose(ctx: Context, profile: Profile, ui: LineUi, *,
              disks: tuple[str, ...] = ()) -> StationReport:
    from ..wipe.render import plan_text
    from ..documents.certificate import render_certificate_pdf
    from ..wipe import run as wiperun
    from ..wipe.certificate import CertificateRequest, issue
    from ..wipe.errors import raise_for

    check_persistence(ctx, not profile.require_persistence)
    require_root("reemploi station --disks")
    report = StationReport()
    ui.step(Step.WIPE, tr("loose disks", ctx.lang))
    paths = wipe_targets(ctx, profile, tuple(disks or profile.disks))
    if not paths:
        ui.lines([tr("No disk to wipe.", ctx.lang)])
        report.steps["wipe"] = {"status": "nothing", "disks": []}
        return report
    options = wiperun.WipeOptions(method=profile.wipe_method, verify=profile.wipe_verify)
    jobs = wiperun.prepare(ctx, paths, options)          # every refusal before any id
    plan = [line for j in jobs for line in plan_text(j, ctx.lang).splitlines()]
    if not profile.unattended and not ui.confirm(
            tr("ERASE {count} disk(s) above? Everything on them will be lost.", ctx.lang,
               count=len(jobs)), plan):
        raise Aborted()
    ui.lines(plan)
    inv = _inventory(ctx)
    parts = []
    for job in jobs:
        pid, created = part_for(inv, job.disk)
        parts.append({"disk": job.disk.path, "part_id": pid, "created": created})
    jobs = [replace(j, asset_id=p["part_id"]) for j, p in zip(jobs, parts)]
    runnable = [j for j in jobs if not j.plan.blocker]
    blocked = [j for j in jobs if j.plan.blocker]
    records, ids = wiperun.run_and_record(ctx, runnable, options,
                                          progress_for=lambda j: ui.progress(j.disk.name))
    by_path = {p["disk"]: p for p in parts}
    for rec, event_id in zip(records, ids):
        entry = by_path[rec.disk["path"]]
        entry.update(result=str(getattr(rec.result, "value", rec.result)), event_id=event_id,
                     verification=rec.verification.get("result"))
        if entry["result"] == "success" and profile.runs(Step.CERTIFICATE):
            issued, doc = issue(ctx, CertificateRequest(asset_id=entry["part_id"],
                                                        event_ids=(event_id,)))
            pdf = render_certificate_pdf(doc, issued.sha256,
                                         issued.json_path.with_suffix(".pdf"), ctx.lang)
            entry["certificate"] = {"id": issued.id, "result": issued.result,
                                    "json": str(issued.json_path), "pdf": str(pdf)}
        ui.lines([tr("{disk} ({part}): {result}, verification {verification}", ctx.lang,
                     disk=entry["disk"], part=entry["part_id"],
                     result=tr(entry["result"], ctx.lang),
                     verification=tr(entry["verification"] or "-", ctx.lang))])
    if profile.runs(Step.DOCUMENTS):
        from ..documents.labels import label_contents, make_labels
        done = [p["part_id"] for p in parts if p.get("result") == "success"]
        if done:
            _doc, out = make_labels(ctx, label_contents(ctx, done), template=profile.template,
                                    send=bool(profile.printer), printer=profile.printer)
            report.steps["documents"] = {"status": "done", "labels": str(out.pdf)}
    report.steps["wipe"] = {"status": "done", "disks": parts,
                            "blocked": [j.disk.path for j in blocked]}
    raise_for(records, blocked)
    return report
