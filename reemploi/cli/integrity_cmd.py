"""``reemploi inventory repair``: leave the broken state by recording the loss, and the
lines ``inventory verify`` prints about losses (inventory/integrity.py)."""

from __future__ import annotations

import click

from ..i18n import tr
from ..errors import BadInput
from ..inventory.errors import PROBLEM_WORDS, DataDirBroken, JournalRewritten
from .common import emit, home_option, json_option, lang_option, make_context, operator_option


def anchor_line(anchor, lang: str) -> str:
    if anchor.ok:
        return tr("Anchored: the server {network} signed line {seq} on {time}; the journal "
                  "still holds it.", lang, network=anchor.network, seq=anchor.seq,
                  time=anchor.time)
    return tr("The journal no longer holds line {seq} as the server {network} signed it "
              "({problem}).", lang, seq=anchor.seq, network=anchor.network,
              problem=tr(anchor.problem or "?", lang))


def _problem(code, lang: str) -> str:
    """A problem code said in words; a code from a newer version is shown as it is."""
    word = PROBLEM_WORDS.get(str(code))
    return tr(word, lang) if word else str(code)


def incident_lines(report, lang: str) -> list[str]:
    lines = []
    if report.broken:
        b = report.broken
        lines.append(tr("BROKEN: the journal lost events ({problem}: it ends at event {kept}, "
                        "event {seen} had been seen); run 'reemploi inventory repair'", lang,
                        problem=_problem(b.get("problem"), lang), kept=b.get("kept_seq"),
                        seen=b.get("seen_seq") or "?"))
    for i in report.incidents:
        lines.append(tr("Incident recorded at event {seq} ({time}): {problem}, the journal "
                        "ended at event {kept}, event {seen} had been seen", lang,
                        seq=i["seq"], time=i["time"], problem=_problem(i["problem"], lang),
                        kept=i["kept_seq"], seen=i["seen_seq"] or "?"))
    return lines


def raise_if_broken(report) -> None:
    if report.broken:
        b = report.broken
        raise DataDirBroken(problem=b.get("problem"), kept=b.get("kept_seq"),
                            seen=b.get("seen_seq") or "?")


@click.command("repair")
@click.option("--note", default=None, help="What is known about the loss (recorded).")
@operator_option
@json_option
@lang_option
@home_option
def repair(note, as_json, lang, home):
    """Record a loss of journal events (integrity.incident) so the workshop can go on."""
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    ev = inv.repair(note)
    emit(ev if ev is not None else {"repaired": False}, as_json,
         lambda e: tr("Nothing to repair.", ctx.lang) if ev is None else
         tr("Loss recorded as event {seq}: writes are allowed again.", ctx.lang, seq=ev.seq))


def check_against(journal, path, as_json: bool, lang: str) -> None:
    """``inventory verify --against CERT.json``: the journal head printed on a
    certificate (or any document carrying ``journal: {seq, hash}``) is still there."""
    import json
    from ..inventory.verify import holds
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        head = (doc.get("certificate") or doc).get("journal") or {}
        seq, hash_ = int(head["seq"]), str(head["hash"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise BadInput(what=str(path), why=tr("no journal head in it", lang)) from None
    with journal.locked(shared=True):
        ok = holds(journal, seq, hash_)
    if not ok:
        raise JournalRewritten(seq=seq, hash=hash_[:16], document=path.name)
    emit({"ok": True, "seq": seq, "hash": hash_, "document": str(path)}, as_json,
         lambda _: tr("The journal holds event {seq} with the hash printed on {document}.",
                      lang, seq=seq, document=path.name))


@click.command("correct")
@click.argument("target")
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE",
              help="A corrected value, e.g. weight_kg=12.5 or donor_id=DON-A-0002. Repeatable.")
@click.option("--device", "devices", multiple=True, metavar="KIND:COUNT[:KG]",
              help="For a lot: its devices, corrected (replaces the list). Repeatable.")
@click.option("--reason", required=True, help="Why the record was wrong (recorded).")
@operator_option
@json_option
@lang_option
@home_option
def correct(target, pairs, devices, reason, as_json, lang, home):
    """Correct a lot, donor or asset recorded wrong at intake (the original stays in the history)."""
    from ..inventory.parts import parse_facts
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    try:
        fields = parse_facts(pairs)
    except ValueError as exc:
        raise BadInput(what="--set", why=str(exc)) from None
    if devices:
        fields["devices"] = [_device(d) for d in devices]
    if not fields:
        raise click.UsageError(tr("Give --set FIELD=VALUE or --device.", ctx.lang))
    ev = inv.correct(target, fields, reason)
    emit(ev, as_json, lambda e: tr("{id} corrected: {fields}.", ctx.lang, id=target,
                                   fields=", ".join(sorted(fields))))


@click.command("void")
@click.argument("target")
@click.option("--reason", required=True, help="Why it was created by mistake (recorded).")
@operator_option
@json_option
@lang_option
@home_option
def void(target, reason, as_json, lang, home):
    """Void an asset or lot created by mistake: it leaves every list and figure, the journal keeps it."""
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    ev = inv.void(target, reason)
    emit(ev, as_json, lambda e: tr("{id} voided.", ctx.lang, id=target))


def _device(spec: str) -> dict:
    """A lot's line as intake reads it (device_spec.py), as the event records it."""
    from .device_spec import device
    kind, count, kg = device(spec)
    return {"kind": kind, "count": count, "weight_kg": kg}
