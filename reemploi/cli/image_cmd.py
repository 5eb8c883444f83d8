"""``reemploi image``: catalogue, choose, write (sparse, verified) and make master images."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import BadInput, ReemploiError
from ..i18n import number, tr
from ..image import capture, catalogue, render, service
from ..image.errors import PostInstallFailed
from ..image.postinstall import DEFAULT_STEPS, Step
from ..system.blockdev import format_size
from ..system.guard import confirm_text
from ..system import leftovers
from ..system.privileges import require_root
from ..syserr import reason
from .common import ASSET_ID, confirm, dump_json, emit, home_option, json_option, lang_option, \
    make_context, operator_option, yes_option
from ..i18n import N_


@click.group("image")
def image() -> None:
    """Emmabuntüs images: catalogue, choice per machine, verified writing, master capture."""


@image.command("add")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--name", default=None,
              help="Name to register the image under (default: the catalogue entry whose file name matches, else the file's stem).")
@json_option
@lang_option
@home_option
def add_cmd(file, name, as_json, lang, home):
    """Register a local image (.img, .iso, .img.zst/.xz/.gz): sha256 and block map."""
    ctx = make_context(home, lang)
    bar = render.ProgressBar(ctx.lang)
    try:
        rec = catalogue.add(ctx.home, file, name,
                            progress=lambda phase, done, total: bar(phase, done, total or done))
    finally:
        bar.close()
    emit(rec, as_json, lambda r: tr(
        "Registered {name}: {kind}, {size}, {mapped} mapped, sha256 {sha}", ctx.lang,
        name=r.name, kind=r.kind, size=format_size(r.image_size, ctx.lang),
        mapped=format_size(r.mapped_bytes, ctx.lang), sha=r.sha256))


@image.command("list")
@json_option
@lang_option
@home_option
def list_cmd(as_json, lang, home):
    """Show the catalogue and which image files are present on this station."""
    ctx = make_context(home, lang)
    rows = catalogue.listing(ctx.home)
    emit(rows, as_json, lambda r: render.list_text(r, ctx.lang))


def _steps(no_postinstall: bool, skip: tuple[str, ...], first_boot: bool) -> tuple[Step, ...]:
    if no_postinstall:
        return ()
    steps = [s for s in DEFAULT_STEPS if s.value not in skip]
    if first_boot:
        steps.append(Step.FIRST_BOOT)
    return tuple(steps)


@image.command("write")
@click.argument("image_name", metavar="IMAGE")
@click.argument("device")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID,
              help="Asset id of the machine: hostname, record and status 'imaged'.")
@click.option("--no-verify", is_flag=True, help="Skip the read-back verification.")
@click.option("--no-postinstall", is_flag=True, help="Skip every post-install step.")
@click.option("--skip", "skip", multiple=True,
              type=click.Choice([s.value for s in DEFAULT_STEPS]),
              help="Skip one post-install step (repeatable).")
@click.option("--first-boot-user", is_flag=True,
              help="Prepare first-boot user creation (/etc/reemploi-first-boot).")
@click.option("--override", default=None, metavar="REASON",
              help="Write an image that does not suit the machine's verdict (parts only, 32-bit, too little RAM), giving the reason; recorded.")
@click.option("--no-wipe-check", is_flag=True,
              help="Write even without a successful wipe record (old data may remain; recorded).")
@click.option("--hostname", default=None, help="Hostname to set (default: the asset id).")
@click.option("--dry-run", is_flag=True, help="Check and show the plan; write nothing.")
@yes_option
@json_option
@operator_option
@lang_option
@home_option
def write_cmd(image_name, device, asset_id, no_verify, no_postinstall, skip, first_boot_user,
              override, no_wipe_check, hostname, dry_run, assume_yes, as_json, lang, home):
    """Write IMAGE (catalogue name or file) to DEVICE: only mapped ranges, verified."""
    require_root("reemploi image write")   # before any plan or record (exit 4)
    ctx = make_context(home, lang, assume_yes=assume_yes)
    if not dry_run:
        # A killed write's partition loops hold the disk: detach them first (only a
        # dead process's, tied to it by pid and start time: system/leftovers.py).
        leftovers.clean_dead(ctx)
    plan = service.plan_write(ctx, image_name, device, asset_id=asset_id, hostname=hostname,
                              verify=not no_verify,
                              steps=_steps(no_postinstall, skip, first_boot_user),
                              wipe_check=not no_wipe_check, override=override)
    if dry_run:
        if as_json:
            click.echo(dump_json({"result": "dry-run", "plan": plan.summary()}))
        else:
            click.echo(render.plan_text(plan, ctx.lang))
            click.echo(tr("Dry run: nothing was written.", ctx.lang))
        return
    if not as_json:
        click.echo(render.plan_text(plan, ctx.lang))
    confirm(tr("Write {image} to {disk}? Everything on it will be replaced.", ctx.lang,
               image=plan.image, disk=confirm_text(plan.disk, ctx.lang)), assume_yes)
    bar = render.ProgressBar(ctx.lang)
    try:
        report = service.execute(ctx, plan, progress=None if as_json else bar)
    except ReemploiError as exc:
        # A batch script reads stdout: it gets one JSON document on failure too, with
        # the id of the event that recorded it (null when nothing was written or
        # recorded, e.g. the disk changed after the plan). The error goes to stderr.
        if as_json:
            click.echo(dump_json(_failure_json(exc, plan)))
        raise
    finally:
        bar.close()
    if as_json:
        click.echo(dump_json(_report_json(report, plan)))
    else:
        click.echo(render.report_text(report, ctx.lang))
    if report.postinstall_failed:
        raise PostInstallFailed(path=plan.disk.path, steps=", ".join(report.postinstall_failed))


def _report_json(report: service.Report, plan: service.Plan) -> dict:
    doc = {k: v for k, v in report.__dict__.items() if k != "plan"}
    return {**doc, "postinstall_failed": report.postinstall_failed, "plan": plan.summary()}


def _failure_json(exc: ReemploiError, plan: service.Plan) -> dict:
    """The failed write as JSON: the recorded report's shape when there is one."""
    report = getattr(exc, "report", None)
    doc = _report_json(report, plan) if report is not None else {
        "result": "failed", "event_id": None, "error": None, "plan": plan.summary()}
    return {**doc, "error": exc.render(), "exit_code": int(exc.exit_code)}


@image.command("make")
@click.argument("device")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--level", type=click.IntRange(1, 19), default=3, show_default=True,
              help="zstd compression level.")
@click.option("--fs-map/--no-fs-map", "fs_maps", default=True, show_default=True,
              help="Leave out the blocks the disk's file systems (ext2/3/4, FAT) mark free.")
@json_option
@lang_option
@home_option
def make_cmd(device, out, level, fs_maps, as_json, lang, home):
    """Capture a master image OUT.img.zst (sparse zstd + .bmap) from a prepared disk."""
    ctx = make_context(home, lang)
    if not str(out).endswith(".zst"):
        raise BadInput(what=str(out), why=N_("the output name must end in .zst"))
    bar = render.ProgressBar(ctx.lang)
    try:
        rep = capture.make(ctx, device, out, level=level, fs_maps=fs_maps,
                           progress=None if as_json else (lambda d, t: bar("read", d, t)))
    finally:
        bar.close()
    emit(rep, as_json, lambda r: "\n".join([tr(
        "Master image {out}: {size}, {mapped} mapped, {comp} compressed, in {seconds} s; "
        "block map {bmap}", ctx.lang, out=r.out, size=format_size(r.image_size, ctx.lang),
        mapped=format_size(r.mapped_bytes, ctx.lang),
        comp=format_size(r.compressed_bytes, ctx.lang), seconds=number(r.seconds, ctx.lang, 1),
        bmap=r.bmap)] + [tr(
            "File system {kind} at {start}: {used} in use of {length}; its free blocks "
            "were not read", ctx.lang, kind=f["kind"], start=format_size(f["start"], ctx.lang),
            used=format_size(f["used_bytes"], ctx.lang),
            length=format_size(f["length"], ctx.lang)) for f in r.filesystems]))


@image.command("choose")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID,
              help="Asset id: use its last recorded probe and grade.")
@click.option("--probe", "probe_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="A probe JSON file ('reemploi probe --json').")
@click.option("--verdict", "verdict_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="A grade verdict JSON file to follow (optional with --probe).")
@json_option
@lang_option
@home_option
def choose_cmd(asset_id, probe_file, verdict_file, as_json, lang, home):
    """Say which image suits a machine (DE6 for amd64+SSE2, DE5 i386 otherwise) and why."""
    ctx = make_context(home, lang)
    if not asset_id and not probe_file:
        raise click.UsageError(tr("Give --asset ID or --probe FILE.", ctx.lang))
    machine = _load_json(probe_file) if probe_file else None
    verdict = _load_json(verdict_file) if verdict_file else None
    if machine is not None and "machine" in machine and "cpu" not in machine:
        machine = machine["machine"]
    if verdict is not None and "verdict" in verdict and "emmabuntus" not in verdict:
        verdict = verdict["verdict"]
    choice = service.choose_for(ctx, asset_id=asset_id, machine=machine, verdict=verdict)
    emit(choice, as_json, lambda c: render.choice_text(c, ctx.lang))


def _load_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
