"""``reemploi atelier``: the atelier bidouille (a trainee builds a Jerry), and its records.

    reemploi atelier                       the guided sitting, keyboard only
    reemploi atelier people                trainees and trainers (pseudonyms after retention)
    reemploi atelier add NAME --role R     register a trainee or trainer
    reemploi atelier show ASSET            a Jerry's story: parts, provenance, time, quiz
    reemploi atelier carnet ASSET          (re)issue its signed carnet (JSON + PDF + HTML)
    reemploi atelier verify FILE           check a carnet's signature (.json or .html)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..i18n import plural, tr
from .common import ASSET_ID, emit, home_option, json_option, lang_option, make_context
from .words import ROLE_NAMES, WordChoice

# Lat15 covers French and English; 32×16 pixels makes about 64 × 24 characters on a
# 1024×768 screen: large enough to read from a workbench (console-setup-linux).
CONSOLE_FONT = "/usr/share/consolefonts/Lat15-TerminusBold32x16.psf.gz"


def _open(home: Path | None, lang: str):
    from ..atelier.record import Atelier
    ctx = make_context(home=home, lang=lang)
    inv = ctx.inventory()
    return ctx, inv, Atelier(inv, ctx.home)


def _large_console(ctx, environ=os.environ, font: str = CONSOLE_FONT) -> None:
    """On the Linux text console (TERM=linux), switch to a big font; else nothing."""
    if environ.get("TERM") != "linux" or not Path(font).exists():
        return
    from ..errors import ReemploiError
    try:
        ctx.runner.run(["setfont", font], check=False, timeout=10)
    except ReemploiError:
        pass      # no setfont: the text stays small but everything works


def _issue(ctx, atelier, asset_id: str, out: Path, lang: str):
    from ..atelier.carnet import carnet_data, issue_carnet
    from ..atelier.checks import identity_card
    from ..atelier.record import now_iso
    story = atelier.story(asset_id)
    card = None
    if story.probe:
        card = identity_card(story.probe, lang)
    checker = None
    if story.peer_check:
        people = {p.id: p for p in atelier.people()}
        checker = atelier.shown(people.get(story.peer_check.get("checker_id") or ""))
    settings = atelier.inv.settings
    data = carnet_data(story, lang=lang, workshop=settings.workshop.name,
                       station=settings.station_code, qr_payload=settings.qr_payload(asset_id),
                       trainee=atelier.shown(story.trainee), trainer=atelier.shown(story.trainer),
                       checker=checker, issued=now_iso(), card=card)
    files = issue_carnet(ctx.home, data, out)
    atelier.record_carnet(asset_id, files.carnet_id, files.sha256,
                          story.trainee.id if story.trainee else None)
    return files


@click.group("atelier", invoke_without_command=True)
@lang_option
@home_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("carnets"),
              help="Folder for the carnets (PDF, HTML, signed JSON). Default: ./carnets")
@click.option("--replay", type=click.Path(path_type=Path), default=None,
              help="Use a recorded machine folder instead of probing this machine (training, demos).")
@click.option("--no-smart", is_flag=True, help="Skip SMART (the disk check then cannot tell).")
@click.pass_context
def atelier(cctx, lang: str, home: Path | None, out: Path, replay: Path | None,
            no_smart: bool) -> None:
    """The atelier bidouille: a guided, keyboard-only sitting for a trainee building a
    PC from donated parts, with every part explained, a quiz and a signed carnet."""
    if cctx.invoked_subcommand is not None:
        cctx.obj = {"lang": lang, "home": home}
        return
    from ..atelier.screens import IO, Flow
    from ..probe import folder as machine_folder
    from ..probe.collector import probe_machine

    ctx, inv, at = _open(home, lang)
    _large_console(ctx)

    def probe():
        session = machine_folder.replaying(replay) if replay else machine_folder.live()
        pctx = make_context(home=ctx.home, lang=lang, runner=session.runner,
                            sysfs=session.sysfs, replay=session.replay)
        return probe_machine(pctx, smart=not no_smart, facts=session.facts)

    def carnet(asset_id, trainee):
        files = _issue(ctx, at, asset_id, out, lang)
        return [tr("Your booklet is ready:", lang), str(files.pdf), str(files.html), "",
                tr("Well done, {name}!", lang, name=at.shown(trainee))]

    def show(lines):
        click.echo("\n".join(lines))

    def ask(prompt):
        click.echo(prompt + " ", nl=False)
        line = sys.stdin.readline()
        if not line:                    # end of input: stop as if q was typed
            return "q"
        return line.rstrip("\n")

    Flow(IO(show, ask), at, lang, probe, carnet).run()


@atelier.command("people")
@json_option
@click.pass_obj
def people(obj, as_json: bool) -> None:
    """Trainees and trainers, as they may be shown (pseudonyms after the retention period)."""
    _, _, at = _open(obj["home"], obj["lang"])
    rows = [{"id": p.id, "shown": at.shown(p), "role": p.role, "last_seen": p.last_seen}
            for p in at.people()]
    emit(rows, as_json, lambda rs: "\n".join(
        f"{r['id']}  {r['shown']}  {tr(r['role'], obj['lang'])}  {r['last_seen'][:10]}"
        for r in rs) or tr("Nobody yet.", obj["lang"]))


@atelier.command("add")
@click.argument("name")
@click.option("--role", type=WordChoice({r: ROLE_NAMES[r] for r in ("trainee", "trainer")}),
              default="trainee",
              help="trainee (default) or trainer.")
@json_option
@click.pass_obj
def add(obj, name: str, role: str, as_json: bool) -> None:
    """Register a trainee or trainer: a first name or pseudonym only (no surname, no
    birth date: trainees are minors)."""
    _, _, at = _open(obj["home"], obj["lang"])
    p = at.add_person(name, role)
    emit({"id": p.id, "name": p.name, "role": p.role, "pseudonym": p.pseudonym}, as_json,
         lambda d: tr("{name} registered ({id}).", obj["lang"], name=d["name"], id=d["id"]))


@atelier.command("show")
@click.argument("asset_id", type=ASSET_ID)
@json_option
@click.pass_obj
def show_cmd(obj, asset_id: str, as_json: bool) -> None:
    """A Jerry's story: who built it, its parts and where they came from, time, quiz, check."""
    lang = obj["lang"]
    _, _, at = _open(obj["home"], lang)
    story = at.story(asset_id)
    from ..atelier.carnet_view import duration, kg, provenance
    from ..atelier.explain import explain_part
    data = {"asset_id": story.asset_id, "name": story.name, "trainee": at.shown(story.trainee),
            "trainer": at.shown(story.trainer), "minutes": story.minutes,
            "sittings": len(story.sittings), "steps": list(story.steps),
            "quiz": list(story.quiz) if story.quiz else None,
            "peer_check_ok": (story.peer_check or {}).get("ok"),
            "ewaste_kg": story.ewaste_kg,
            "parts": [{"part_id": p.part_id, "kind": p.part_kind, "from_asset": p.from_asset,
                       "donor": p.donor, "weight_kg": p.weight_kg, "weighed": p.weighed}
                      for p in story.parts]}

    def render(d):
        lines = [tr("{trainee} built the Jerry “{jerry}”", lang, trainee=d["trainee"] or "?",
                    jerry=d["name"]) + f" ({d['asset_id']})",
                 plural(d["sittings"], "Time spent: {time}, in {n} sitting.",
                        "Time spent: {time}, in {n} sittings.", lang,
                        time=duration(d["minutes"], lang))]
        for p in d["parts"]:
            title = explain_part(p["kind"], {}, lang).title
            lines.append(f"  {p['part_id']}  {title}: " + provenance(p, lang))
        lines.append(tr("Electronic waste kept out of the bin: {kg}.", lang,
                        kg=kg(d["ewaste_kg"], lang)))
        return "\n".join(lines)
    emit(data, as_json, render)


@atelier.command("carnet")
@click.argument("asset_id", type=ASSET_ID)
@click.option("--out", type=click.Path(path_type=Path), default=Path("carnets"),
              help="Folder for the carnet files. Default: ./carnets")
@json_option
@click.pass_obj
def carnet_cmd(obj, asset_id: str, out: Path, as_json: bool) -> None:
    """Issue the signed carnet de montage of a Jerry: signed JSON, PDF and one offline HTML page."""
    lang = obj["lang"]
    ctx, _, at = _open(obj["home"], lang)
    files = _issue(ctx, at, asset_id, out, lang)
    emit({"carnet_id": files.carnet_id, "json": str(files.json), "pdf": str(files.pdf),
          "html": str(files.html), "sha256": files.sha256, "fingerprint": files.fingerprint},
         as_json, lambda d: "\n".join([d["pdf"], d["html"], d["json"]]))


@atelier.command("verify")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@json_option
@click.pass_obj
def verify_cmd(obj, file: Path, as_json: bool) -> None:
    """Check a carnet's signature (its .json file or its .html page). Exit 12 if altered."""
    from ..atelier.carnet import verify_carnet
    carnet, fp = verify_carnet(file)
    lang = obj["lang"]
    emit({"ok": True, "carnet_id": carnet["carnet_id"], "fingerprint": fp,
          "asset_id": carnet["jerry"]["asset_id"]}, as_json,
         lambda d: tr("Signature valid: carnet {id} of {asset}, key {fp}.", lang,
                      id=d["carnet_id"], asset=d["asset_id"], fp=d["fingerprint"]))
