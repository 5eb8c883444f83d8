"""``reemploi wipe``: a thin command over reemploi.wipe (certificates: certificate_cmd.py)."""

from __future__ import annotations

import sys

import click

from ..i18n import N_, number, tr
from ..system.privileges import require_root
from ..wipe import run as wiperun
from ..wipe.errors import raise_for
from ..wipe.render import odds_text, plan_text
from ..wipe.plan import METHODS, VERIFY_MODES
from ..wipe.progress import MultiProgress
from ..wipe.record import check_asset
from ..wipe.terms import CATEGORY, RESULT, VERIFY, error_text, label
from ..inventory.describe import METHOD_NAMES
from .common import ASSET_ID, confirm, dump_json, home_option, json_option, lang_option, make_context, \
    operator_option, yes_option
from .words import WordChoice

RESULT_TEXT = {"success": N_("success"), "failed": N_("failed"), "interrupted": N_("interrupted")}


def _plan_json(job) -> dict:
    p = job.plan
    return {"disk": {"path": job.disk.path, "model": job.disk.model, "serial": job.disk.serial,
                     "size_bytes": job.disk.size_bytes, "media": job.disk.media.value,
                     "identity": job.disk.identity,
                     "seal": job.seal.as_dict() if job.seal else None},
            "technique": p.technique.value if p.technique else None,
            "nist": p.nist.value if p.nist else None, "passes": list(p.passes),
            "verify": p.verify, "steps": [s.describe() for s in p.steps],
            "commands": p.commands(),
            "on_failure": [s.command_line() for s in p.on_failure],
            "caveats": [c.value for c in p.caveats],
            "blocker": p.blocker.value if p.blocker else None,
            "estimate_seconds": p.estimate_seconds, "hpa": p.hpa, "dco": p.dco}


@click.command("wipe")
@click.argument("devices", nargs=-1, required=True)
@click.option("--method", type=WordChoice({m: METHOD_NAMES[m] for m in METHODS}, show_codes=True), default="auto", show_default=True,
              help="auto follows NIST SP 800-88 per media; zero/prng/dod3/hmgis5 overwrite; "
                   "firmware uses the drive's own erase.")
@click.option("--verify", "verify_mode", type=WordChoice({m: VERIFY[m] for m in VERIFY_MODES}, show_codes=True), default="full",
              show_default=True,
              help="Read-back of the last pass: full (every byte; the default, as nwipe's), "
                   "sample (NIST sampling; its odds of missing a hole are reported), or none. "
                   "A firmware erase is always checked by sampling.")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID,
              help="Asset id of the machine these disks belong to (recorded; moves it to 'wiped').")
@click.option("--remove-hpa", is_flag=True,
              help="Remove a Host Protected Area / DCO before erasing so hidden sectors are erased too.")
@click.option("--final-blank", is_flag=True, help="Add a last pass of zeros after the other passes.")
@click.option("--dry-run", is_flag=True, help="Print the plan and the exact commands; change nothing.")
@yes_option
@json_option
@operator_option
@lang_option
@home_option
def wipe(devices, method, verify_mode, asset_id, remove_hpa, final_blank, dry_run,
         assume_yes, as_json, lang, home):
    """Erase whole disks (NIST SP 800-88), verify, and record each wipe."""
    require_root("reemploi wipe")          # before any plan or record (exit 4)
    ctx = make_context(home, lang, assume_yes=assume_yes)
    if asset_id:
        check_asset(ctx, asset_id)
    options = wiperun.WipeOptions(method=method, verify=verify_mode, asset_id=asset_id,
                                  remove_hpa=remove_hpa, final_blank=final_blank)
    jobs = wiperun.prepare(ctx, list(devices), options)
    if as_json and dry_run:
        click.echo(dump_json({"dry_run": True, "plans": [_plan_json(j) for j in jobs]}))
        return
    # The operator must see model, serial and size before saying yes, --json or not
    # (before: --json on a terminal asked "ERASE 1 disk(s)?" without naming it). With
    # --json the plan goes to stderr, so stdout stays one JSON document.
    asks = not ctx.assume_yes and sys.stdin is not None and sys.stdin.isatty()
    if not as_json or asks:
        for job in jobs:
            click.echo(plan_text(job, ctx.lang), err=as_json)
    if dry_run:
        return
    runnable = [j for j in jobs if not j.plan.blocker]
    blocked = [j for j in jobs if j.plan.blocker]
    records = []
    if runnable:
        question = tr("ERASE {count} disk(s) above? Everything on them will be lost.", ctx.lang,
                      count=len(runnable))
        confirm(question, ctx.assume_yes)
        board = MultiProgress([j.disk.name for j in runnable],
                              enabled=None if not as_json else False, lang=ctx.lang)
        records, ids = wiperun.run_and_record(
            ctx, runnable, options, progress_for=lambda j: board.callback(j.disk.name))
        if as_json:
            click.echo(dump_json({"records": [dict(r.payload(), event_id=i)
                                              for r, i in zip(records, ids)],
                                  "blocked": [_plan_json(j) for j in blocked]}))
        else:
            click.echo(tr("Summary:", ctx.lang))
            for r in records:
                d = r.disk
                click.echo("  " + tr("{path} ({model}, {serial}): {result}, {nist}, {percent} % erased, "
                                     "{speed} MB/s, verification {verification}", ctx.lang,
                                     path=d["path"], model=d["model"] or tr("unknown model", ctx.lang),
                                     serial=d["serial"] or tr("no serial number", ctx.lang),
                                     result=tr(RESULT_TEXT[r.result], ctx.lang),
                                     nist=label(CATEGORY.get(r.nist or ""), ctx.lang),
                                     percent=number(r.percent_erased, ctx.lang, 1),
                                     speed=number(r.throughput_mb_s, ctx.lang, 1),
                                     verification=label(RESULT.get(r.verification.get("result") or ""),
                                                     ctx.lang)))
                if r.verification.get("detection"):
                    click.echo("    " + odds_text(r.verification["detection"], ctx.lang))
                for e in r.errors:
                    click.echo("    " + error_text(e, ctx.lang))
    elif as_json:
        click.echo(dump_json({"records": [], "blocked": [_plan_json(j) for j in blocked]}))
    raise_for(records, blocked)
