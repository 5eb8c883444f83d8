"""``reemploi grade``: probe, grade and record the machine's verdict."""

from __future__ import annotations

from pathlib import Path

import click

from .. import i18n
from ..errors import BadInput
from ..grade.bench import DEFAULT_SECONDS
from ..grade.checks import ITEMS, LAPTOP_ONLY, Checks, CheckState, parse_check_args, parse_state
from ..grade.engine import is_laptop
from ..grade.render import ITEM_TEXT, render_verdict
from ..grade.rules import load_rules
from ..station.grading import grade_machine_step, open_machine, probe
from ..i18n import tr
from .common import ASSET_ID, dump_json, home_option, json_option, lang_option, make_context, \
    operator_option


def _ask_checks(base: Checks, laptop: bool, lang: str) -> Checks:
    """Ask each item not given on the command line (ok / fail / na, or oui / non)."""
    values: dict = {}
    for item in ITEMS:
        if getattr(base, item) is not None:
            continue
        if item in LAPTOP_ONLY and not laptop:
            values[item] = CheckState.NA.value
            continue
        question = tr("{item}: ok, fail or na?", lang, item=tr(ITEM_TEXT[item], lang))
        answer = click.prompt(question, default="ok", err=True,
                              value_proc=lambda text, item=item: _state(text, item, lang))
        values[item] = answer
    cosmetic = base.cosmetic or click.prompt(
        tr("Cosmetic state (A, B or C)?", lang), default="B", err=True,
        type=click.Choice(["A", "B", "C"], case_sensitive=False))
    notes = base.notes or click.prompt(tr("Notes (empty for none)", lang), default="",
                                       show_default=False, err=True)
    return parse_check_args([f"{k}={v}" for k, v in values.items()], cosmetic, notes, base)


def _state(text: str, item: str, lang: str) -> str:
    """One checklist answer; a typo asks again (click re-prompts on UsageError) instead
    of ending the command and losing the probe just made."""
    try:
        return parse_state(text, item).value
    except BadInput as exc:
        raise click.UsageError(exc.render(lambda m: tr(m, lang))) from None


@click.command("grade")
@click.option("--replay", "replay_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Grade a recorded machine folder instead of this machine.")
@click.option("--asset", "asset_id", default=None, type=ASSET_ID,
              help="Asset id to record the verdict under (default: found by the machine's identity, or a new one).")
@click.option("--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Grading rules file (default: <home>/grading.toml, else the packaged rules).")
@click.option("--bench/--no-bench", default=False,
              help="Run the benchmark step (sysbench CPU and RAM, disk read; about 25 s).")
@click.option("--bench-seconds", type=click.IntRange(1, 10), default=DEFAULT_SECONDS,
              show_default=True, help="Seconds per benchmark test.")
@click.option("--check", "check_pairs", multiple=True, metavar="ITEM=ok|fail|na",
              help="A checklist result, e.g. --check keyboard=ok --check wifi=fail (repeatable).")
@click.option("--cosmetic", type=click.Choice(["A", "B", "C"], case_sensitive=False),
              default=None, help="Cosmetic state: A (like new), B (marks), C (visible damage).")
@click.option("--notes", default=None, help="Free notes from the operator.")
@click.option("--interactive", "-i", is_flag=True,
              help="Ask the checklist items not given with --check.")
@click.option("--no-save", is_flag=True, help="Print the verdict without recording it in the inventory.")
@json_option
@operator_option
@lang_option
@home_option
def grade(replay_dir, asset_id, rules_file, bench, bench_seconds, check_pairs, cosmetic,
          notes, interactive, no_save, as_json, lang, home):
    """Probe this machine (or a recorded one), grade it and record the verdict."""
    ctx = make_context(home, lang)
    rules = load_rules(rules_file, home=ctx.home)      # bad rules: exit 7 before probing
    checks = parse_check_args(_item_codes(check_pairs, ctx.lang), cosmetic, notes)
    ctx, facts = open_machine(ctx, replay_dir)
    machine = probe(ctx, facts)
    if interactive:
        checks = _ask_checks(checks, is_laptop(machine), ctx.lang)
    result = grade_machine_step(ctx, rules, checks=None if checks.empty else checks,
                                bench=bench, bench_seconds=bench_seconds,
                                asset_id=asset_id, save=not no_save, machine=machine)
    if as_json:
        click.echo(dump_json(result.to_dict()))
        return
    if result.asset_id:
        key = "New asset: {id}" if result.created else "Asset: {id}"
        click.echo(tr(key, ctx.lang, id=result.asset_id))
        if result.created and result.unrecognisable:
            click.echo(tr("Note: nothing identifies this machine (no serial number, network "
                          "card or disk serial readable): to grade it again, give "
                          "--asset {id}.", ctx.lang, id=result.asset_id), err=True)
    if result.bench is not None:
        b = result.bench
        click.echo(tr("Benchmark: CPU {cpu}, RAM {ram} MiB/s, disk {disk} MB/s", ctx.lang,
                      cpu=_fmt(b.cpu), ram=_fmt(b.ram), disk=_fmt(b.disk)))
    click.echo(render_verdict(result.verdict, ctx.lang))


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.0f}"


# i18n keys used through a variable above (marked for the catalogue check)
i18n.N_("New asset: {id}")
i18n.N_("Asset: {id}")


def _item_codes(pairs, lang: str) -> list[str]:
    """``clavier=ok`` as ``keyboard=ok``: an item typed as the screens and the sheet
    name it, in either language, without minding case or accents (cli/words.fold), or
    as its code. An unknown item is refused naming the items in the reader's words."""
    from ..i18n import LANGUAGES
    from .words import fold
    names = {}
    for code in ITEMS:
        for form in (code, code.replace("_", " "), ITEM_TEXT.get(code, code),
                     *(tr(ITEM_TEXT.get(code, code), other) for other in LANGUAGES)):
            names[fold(form.replace("-", " ").replace("_", " "))] = code
    out = []
    for pair in pairs:
        item, sep, state = pair.partition("=")
        code = names.get(fold(item.replace("-", " ").replace("_", " ")))
        if sep and code is None:
            raise BadInput("Cannot read --check {pair}: unknown item; known: {known}", pair=pair,
                           known=", ".join(tr(ITEM_TEXT.get(c, c), lang) for c in ITEMS))
        out.append(f"{code}={state}" if sep else pair)
    return out
