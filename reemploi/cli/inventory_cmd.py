"""``reemploi intake`` and ``inventory``: the inventory commands (``parts`` and
``checkout`` are in parts_cmd.py).

Thin: each builds the context, opens the inventory, calls one method, renders.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import BadInput
from ..i18n import N_, number, tr, when
from ..inventory.describe import (MEDIA_WORDS, METHOD_NAMES, NIST_NAMES, PART_KIND_NAMES,
                                  STATUS_NAMES, disk_words, kind_word, word)
from ..inventory.lifecycle import MANUAL_STATUSES
from ..inventory.listing import Row
from ..inventory.state import AssetState, Checkout, GradeSummary
from ..inventory.lots import DONOR_KINDS
from ..inventory.store import Inventory
from . import integrity_cmd
from .device_spec import device
from .words import DONOR_KIND_NAMES, KIND_NAMES, WordChoice, statuses
from .common import (ASSET_ID, emit, home_option, json_option, lang_option, make_context,
                     operator_option)

# Capitalised msgids: the lower-case words are the stats stage's (plural forms).
# Shared with the history lines and the traceability sheet.
STATUS_TEXT = STATUS_NAMES
DESTINATION_TEXT = {"given": N_("given to {org} on {date}"), "sold": N_("sold to {org} on {date}"),
                    "recycled": N_("recycled by {org} on {date}"),
                    "dismantled": N_("dismantled by {org} on {date}")}
STATUS_CHOICES = ("received", "diagnosed", "wiped", "imaged", "ready", "out")
# verify.ProjectionState values in words (the JSON keeps the codes).
PROJECTION_TEXT = {"current": N_("up to date"), "behind": N_("behind (caught up at the next use)"),
                   "missing": N_("missing (rebuilt at the next use)"),
                   "damaged": N_("damaged (rebuilt at the next use)"),
                   "mismatch": N_("does not match the journal")}


def _open(home: Path | None, lang: str | None) -> tuple[Inventory, str]:
    ctx = make_context(home, lang)
    return ctx.inventory(), ctx.lang


def _status(value: str | None, lang: str) -> str:
    return tr(STATUS_TEXT.get(value or "", value or "?"), lang)


def _destination(checkout: Checkout, lang: str) -> str:
    """Where it went; ``checkout``: the state's, or a checkout event's typed payload
    (the same fields)."""
    kind = getattr(checkout.destination_kind, "value", checkout.destination_kind)
    msgid = DESTINATION_TEXT.get(kind or "", "{org} {date}")
    text = tr(msgid, lang, org=checkout.organisation or "?", date=when(checkout.date, lang))
    if checkout.price_eur is not None:
        text += f" ({number(checkout.price_eur, lang, 2)} €)"
    return text


def _line(r: Row, lang: str, words: dict) -> str:
    """One line of the list. ``words``: the status and kind words already translated
    (50 000 lines, a handful of distinct words)."""
    status = words.get(("s", r.status))
    if status is None:
        status = words[("s", r.status)] = _status(r.status, lang).ljust(12)
    kind = words.get(("k", r.device_kind))
    if kind is None:
        kind = words[("k", r.device_kind)] = (
            kind_word(r.device_kind, lang) if r.device_kind else "").ljust(20)
    model = " ".join(x for x in (r.vendor, r.product) if x)
    return "  ".join([r.id.ljust(16), status, kind, (r.grade or "").ljust(2),
                      (model or "-")[:40], r.lot_id or ""])


def _rows(states: list[AssetState], lang: str) -> str:
    if not states:
        return tr("Nothing found.", lang)
    words: dict = {}
    return "\n".join(_line(s.row(), lang, words) for s in states) + "\n" + \
        tr("{n} asset(s)", lang, n=len(states))


# -- intake ---------------------------------------------------------------------------

@click.command("intake")
@click.option("--donor", required=True, help="Donor's name (an existing donor of that name is reused).")
@click.option("--donor-kind", type=WordChoice({k: DONOR_KIND_NAMES[k] for k in DONOR_KINDS}), default="company", show_default=True,
              help="Kind of donor.")
@click.option("--donor-siret", default=None, help="The donor's SIRET (a company or public body), shown on its documents.")
@click.option("--donor-contact", default=None, help="The donor's contact (e.g. its data protection officer), shown on its documents.")
@click.option("--date", "when", default=None, help="Reception date, YYYY-MM-DD (default: today).")
@click.option("--device", "devices", multiple=True, metavar="KIND:COUNT[:KG]",
              help="Devices received, e.g. laptop:5:12.5 (count, optional total weight in kg). Repeatable.")
@click.option("--weight", type=float, default=None, help="Total weight of the lot in kg.")
@click.option("--notes", default=None, help="Free notes about the lot.")
@click.option("--create-ids", is_flag=True,
              help="Create an asset id for every device now, before any probe (label first, inventory later).")
@click.option("--labels", is_flag=True,
              help="Also make the PDF of intake labels for the new ids (implies --create-ids).")
@click.option("--yes", "confirmed", is_flag=True,
              help="Confirm an unusually large lot (over 2000 devices or 50 t).")
@operator_option
@json_option
@lang_option
@home_option
def intake(donor, donor_kind, donor_siret, donor_contact, when, devices, weight, notes, create_ids,
           labels, confirmed, as_json, lang, home):
    """Register a donation lot and its donor; optionally create asset ids to label."""
    inv, lang = _open(home, lang)
    parsed = [device(d) for d in devices]
    lot, ids = inv.receive_lot(donor, donor_kind, date=when, devices=parsed, weight_kg=weight,
                               notes=notes, create_ids=create_ids or labels,
                               donor_contact=donor_contact, donor_siret=donor_siret,
                               confirmed=confirmed)
    result = {"lot": lot, "ids": ids, "labels_pdf": None}
    if labels and ids:
        from ..documents.labels import label_contents, make_labels
        ctx = make_context(home, lang)
        _, output = make_labels(ctx, label_contents(ctx, ids))
        result["labels_pdf"] = output.pdf

    def render(r: dict) -> str:
        lines = [tr("Lot {lot} registered (donor {donor}), {n} device(s).", lang,
                    lot=r["lot"]["id"], donor=r["lot"]["donor_id"],
                    n=sum(d["count"] for d in r["lot"]["devices"]))]
        lines += r["ids"]
        if r["labels_pdf"]:
            lines.append(tr("Labels: {path}", lang, path=r["labels_pdf"]))
        return "\n".join(lines)
    emit(result, as_json, render)


# -- inventory --------------------------------------------------------------------------

@click.group("inventory")
def inventory():
    """List, show, search and verify the inventory (machines, lots, journal)."""


@inventory.command("list")
@click.option("--status", type=statuses(STATUS_CHOICES), default=None, help="Only this status.")
@click.option("--kind", type=WordChoice(KIND_NAMES, open_ended=True), default=None,
              help="Only this device kind (laptop, desktop...).")
@click.option("--lot", "lot_id", default=None, help="Only machines of this lot.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most this many machines (a page; default: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many machines first (the next page: --offset 100 --limit 100).")
@json_option
@lang_option
@home_option
def list_cmd(status, kind, lot_id, limit, offset, as_json, lang, home):
    """List machines with their status, grade and model."""
    inv, lang = _open(home, lang)
    rows = inv.listing(status=status, device_kind=kind, lot_id=lot_id)
    page = rows[offset:None if limit is None else offset + limit]
    # Streamed a thousand rows at a time: 50 000 rows are written as they are
    # formatted, never built into one string (issue 16).
    if as_json:
        encode = json.JSONEncoder(ensure_ascii=False).encode
        click.echo("[", nl=False)
        for start in range(0, len(page), 1000):
            click.echo(("," if start else "") + "\n" + ",\n".join(
                encode(r._asdict()) for r in page[start:start + 1000]), nl=False)
        click.echo("\n]" if page else "]")
        return
    if not rows:
        click.echo(tr("Nothing found.", lang))
        return
    words: dict = {}
    for start in range(0, len(page), 1000):
        click.echo("\n".join(_line(r, lang, words) for r in page[start:start + 1000]))
    if len(page) == len(rows):
        click.echo(tr("{n} asset(s)", lang, n=len(rows)))
    else:
        click.echo(tr("{first}–{last} of {n} asset(s)", lang, first=offset + 1 if page else 0,
                      last=offset + len(page), n=len(rows)))


@inventory.command("show")
@click.argument("asset_id", type=ASSET_ID)
@json_option
@lang_option
@home_option
def show(asset_id, as_json, lang, home):
    """Show one machine or part: status, probe, grade, wipes, image, parts, checkout."""
    inv, lang = _open(home, lang)
    state = inv.state(asset_id)
    # --json: the fold's record, as it always printed (state.to_record, key order kept).
    emit(state.to_record() if as_json else state, as_json, lambda s: _render_asset(s, lang))


def _outcome(code: str | None, lang: str) -> str:
    """The grade's outcome code in words, with the grade stage's own msgids."""
    from ..grade.render import OUTCOME_TEXT
    from ..grade.verdict import Outcome
    try:
        return tr(OUTCOME_TEXT[Outcome(code)], lang)
    except (KeyError, ValueError):
        return code or "?"


def _verdict_lines(grade: GradeSummary, lang: str) -> list[str]:
    """What the last verdict asks for, in the grade stage's words: the edition, what to
    fit before the machine goes out, the parts to keep from a parts-only machine."""
    from ..grade.render import edition_text, render_harvest, render_upgrade
    lines = []
    if grade.emmabuntus:
        lines.append(tr("Emmabuntüs: {edition}", lang, edition=edition_text(
            grade.emmabuntus, grade.emmabuntus_arch)))
    for title, items, render in (("To do before it goes out:", grade.upgrades,
                                  render_upgrade),
                                 ("Parts to keep:", grade.harvest, render_harvest)):
        if items:
            lines.append(tr(title, lang))
            lines.extend("  - " + render(item, lang) for item in items)
    return lines


def _code(code: str | None, lang: str) -> str:
    """A wipe or image result code (success, failed, interrupted): the stages' msgids."""
    return tr(code, lang) if code else "?"


UNFINISHED_TEXT = {
    "wipe": N_("Wipe started {time} on {disk}: interrupted, no end recorded (power cut? "
               "unless it is still running). Not wiped: wipe it again."),
    "image": N_("Image write started {time} on {disk}: interrupted, no end recorded (power "
                "cut? unless it is still running). Not installed: write it again."),
}


def _unfinished_line(kind: str | None, time: str | None, disk: str | None, lang: str) -> str:
    """A wipe or image write whose start is recorded and its end is not."""
    return "! " + tr(UNFINISHED_TEXT.get(kind or "", UNFINISHED_TEXT["wipe"]), lang,
                     time=time or "?", disk=disk or "?")


def _render_asset(d: AssetState, lang: str) -> str:
    kind = d.shown_kind
    kinds = PART_KIND_NAMES if d.is_part else {}
    out = [f"{d.id}  {_status(_code_of(d.status), lang)}  "
           + (word(kinds, kind, lang) if kinds else kind_word(kind, lang) if kind else "")]
    if d.lot_id:
        out.append(tr("Lot: {lot} (donor {donor})", lang, lot=d.lot_id,
                      donor=d.donor_id or "?"))
    if d.serial:
        out.append(tr("Serial: {serial}", lang, serial=d.serial))
    probe = d.probe
    if probe:
        out.append(tr("Model: {vendor} {product}", lang, vendor=probe.vendor or "?",
                      product=probe.product or ""))
        out.append(tr("CPU: {cpu}; RAM: {ram} MB", lang, cpu=probe.cpu_model or "?",
                      ram=number(probe.ram_total_mb, lang)))
        for disk in probe.disks:
            out.append(tr("Disk: {model} {size} GB ({media})", lang,
                          model=disk_words(disk.model, disk.serial, lang),
                          size=number(round((disk.size_bytes or 0) / 1e9), lang),
                          media=word(MEDIA_WORDS, disk.media, lang)))
    grade = d.grade
    if grade:
        out.append(tr("Grade: {grade} ({outcome})", lang, grade=grade.grade or "-",
                      outcome=_outcome(grade.outcome, lang)))
        out.extend(_verdict_lines(grade, lang))
    for w in d.wipes:
        out.append(tr("Wipe {time}: {disk} {result} ({method}, {nist})", lang,
                      time=when(w.time, lang),
                      disk=disk_words(w.disk_model, w.disk_serial, lang),
                      result=_code(w.result, lang),
                      method=word(METHOD_NAMES, w.method, lang),
                      nist=word(NIST_NAMES, w.nist, lang)))
    image = d.image
    if image:
        out.append(tr("Image: {name} {version} ({result})", lang, name=image.name or "?",
                      version=image.version or "", result=_code(image.result, lang)))
    for u in d.unfinished:
        out.append(_unfinished_line(u.kind, when(u.time, lang),
                                    disk_words(u.disk_model, u.disk_serial, lang)
                                    if u.disk_model or u.disk_serial else u.disk_path, lang))
    if d.validation:
        v = d.validation
        out.append(tr("Validated by {name} on {date}", lang, name=v.by or "?",
                      date=when(v.time, lang)))
    for p in d.parts_installed:
        out.append(tr("Part installed: {part} ({kind}) from {source}", lang, part=p.part_id,
                      kind=word(PART_KIND_NAMES, p.part_kind, lang),
                      source=p.from_asset or "?"))
    if d.is_part:
        out.append(tr("Part {kind} from {source}", lang,
                      kind=word(PART_KIND_NAMES, d.part_kind, lang),
                      source=d.from_asset or "?"))
    if d.checkout:
        out.append(_destination(d.checkout, lang))
    out.append(tr("{n} event(s), last on {time}", lang, n=d.history,
                  time=when(d.updated, lang)))
    return "\n".join(out)


def _code_of(value) -> str:
    """An enum's code (a status kept as a string when outside the closed set)."""
    return getattr(value, "value", value)


@inventory.command("search")
@click.argument("text")
@json_option
@lang_option
@home_option
def search(text, as_json, lang, home):
    """Find assets by id, serial, model, CPU, lot or donor name."""
    inv, lang = _open(home, lang)
    found = inv.search_states(text)
    emit([s.to_record() for s in found] if as_json else found, as_json,
         lambda states: _rows(states, lang))


@inventory.command("history")
@click.argument("asset_id", type=ASSET_ID)
@json_option
@lang_option
@home_option
def history(asset_id, as_json, lang, home):
    """Every journal event about one asset, oldest first, each saying what happened."""
    from ..inventory.describe import describe_event
    inv, lang = _open(home, lang)
    open_ids = {e.id for e in inv.unfinished(asset_id)}
    events = inv.history(asset_id)
    # The same words as the traceability sheet's history (inventory/describe.py).
    texts = [describe_event(e.type, e.payload, e.asset_id, lang) for e in events]

    def render(_) -> str:
        return "\n".join(f"{e.seq:>7}  {when(e.time, lang, seconds=True)}  "
                         f"{e.station + (' (' + e.operator + ')' if e.operator else ''):<12} "
                         f"{text}"
                         + (f"  ! {tr(NO_END, lang)}" if e.id in open_ids else "")
                         for e, text in zip(events, texts))
    # --json: the events as recorded, plus "text", the line above in the reader's words.
    from ..model import to_jsonable
    emit([{**to_jsonable(e), "text": text} for e, text in zip(events, texts)] if as_json
         else events, as_json, render)


NO_END = N_("interrupted, no end recorded (power cut?)")


@inventory.command("status")
@click.argument("asset_id", type=ASSET_ID)
@click.argument("status", type=statuses(MANUAL_STATUSES))
@click.option("--note", default=None, help="Why, recorded with the status change (e.g. final check done).")
@click.option("--validate", "sign_off", is_flag=True,
              help="With ready: the operator (a validator) signs the machine off, as 'reemploi validate'.")
@operator_option
@json_option
@lang_option
@home_option
def status_cmd(asset_id, status, note, sign_off, as_json, lang, home):
    """Move a machine to STATUS by hand, e.g. ready after the final check (exit 11 if the lifecycle forbids it)."""
    inv, lang = _open(home, lang)
    if sign_off:
        from ..inventory.operators import sign_off as validate
        if status != "ready":
            raise click.UsageError(tr("--validate goes with the status ready.", lang))
        before = inv.state(asset_id).status
        validate(inv, asset_id, inv.operator, note)
        ev = next(e for e in reversed(inv.history(asset_id)) if e.type == "status.changed") \
            if before != "ready" else None
        if ev is None:
            emit({"id": asset_id, "status": "ready", "validated": True}, as_json,
                 lambda _: tr("{id} validated by {name}: ready to leave.", lang, id=asset_id,
                              name=inv.operator))
            return
    else:
        ev = inv.set_status(asset_id, status, **({"note": note} if note else {}))
    emit(ev, as_json, lambda e: tr("{id}: {before} → {after}", lang, id=asset_id,
                                   before=_status(e.data.source, lang),
                                   after=_status(e.data.to, lang)))


@inventory.command("verify")
@click.option("--deep", is_flag=True,
              help="Also refold the whole journal and compare every projected record (slower).")
@click.option("--repair", is_flag=True,
              help="Rebuild the projection from the journal when it differs (the journal is never changed).")
@click.option("--against", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Check that the journal still holds the head printed on this certificate (JSON).")
@json_option
@lang_option
@home_option
def verify(deep, repair, against, as_json, lang, home):
    """Check the journal's hash chain and the projection; exit 12 naming the first bad event."""
    from ..inventory.errors import JournalCorrupt, JournalCut, ProjectionMismatch
    from ..inventory.journal import Journal
    from ..inventory.projection import Projection
    from ..inventory.verify import ProjectionState, verify_home

    from ..system.files import check_private_dir
    ctx = make_context(home, lang)
    journal = Journal(ctx.home)
    if ctx.home.is_dir():
        check_private_dir(ctx.home)       # another user's: exit 4/8, not a traceback
    if not journal.path.exists():
        raise BadInput(what=str(journal.path), why=tr("no journal here", ctx.lang))
    if against is not None:
        return integrity_cmd.check_against(journal, against, as_json, ctx.lang)
    report = verify_home(journal, Projection(ctx.home), deep=deep)
    if report.ok and repair and report.projection is not ProjectionState.CURRENT:
        # Opening catches a projection that is only behind up (the journal's new lines
        # folded over it, an interrupted save finished): at 50 000 machines 0.2 s,
        # where a rebuild refolds the whole journal (~1 min). Rebuilt only if that
        # did not make it current (damaged, or differing from the journal).
        inventory = ctx.inventory()
        report = verify_home(journal, Projection(ctx.home), deep=deep)
        if report.ok and report.projection is not ProjectionState.CURRENT:
            inventory.rebuild_projection()
            report = verify_home(journal, Projection(ctx.home), deep=deep)

    def render(r) -> str:
        lines = [tr("Journal: {n} event(s) checked in {s} s.", ctx.lang, n=r.events,
                    s=number(r.seconds, ctx.lang, 3))]
        if r.ok:
            lines.append(tr("Hash chain intact.", ctx.lang))
        if r.torn_tail_bytes:
            lines.append(tr("An unfinished last line ({n} bytes) was never recorded; it will be "
                            "set aside at the next use.", ctx.lang, n=r.torn_tail_bytes))
        for name in r.torn_files:
            lines.append(tr("Set-aside unfinished line: {name}", ctx.lang, name=name))
        for name in r.mismatch_files:
            lines.append(tr("Kept trace of a journal cut or replaced: {name}", ctx.lang, name=name))
        for u in r.unfinished:
            disk = u["disk"].get("identity") or u["disk"].get("path")
            line = _unfinished_line("image" if u["type"] == "image.started" else "wipe",
                                    u["time"], disk, ctx.lang)
            lines.append(line + (f" [{u['asset_id']}]" if u.get("asset_id") else ""))
        state = r.projection.value
        lines.append(tr("Projection: {state}", ctx.lang,
                        state=tr(PROJECTION_TEXT[state], ctx.lang) if state in PROJECTION_TEXT
                        else state))
        if anchor.anchored:
            lines.append(integrity_cmd.anchor_line(anchor, ctx.lang))
        lines += integrity_cmd.incident_lines(r, ctx.lang)
        return "\n".join(lines)
    # The server's last signed receipt (docs/central.md): a journal cut or rewritten
    # after a push no longer holds the line the server signed, even if its own chain
    # was recomputed to look whole.
    from ..sync.anchor import AnchorBroken, check_anchor
    anchor = check_anchor(ctx.home)
    from ..model import to_jsonable
    emit({**to_jsonable(report), "anchor": to_jsonable(anchor)} if as_json else report,
         as_json, render)
    if not report.ok:
        raise JournalCorrupt(seq=report.first_bad_seq, why=report.problem.value)
    if not anchor.ok:
        raise AnchorBroken(seq=anchor.seq, network=anchor.network, why=anchor.problem)
    integrity_cmd.raise_if_broken(report)
    found = report.projection_detail
    if report.projection is ProjectionState.MISMATCH and "journal_seq" in found:
        if (found.get("projection_seq") or 0) > found["journal_seq"]:
            raise JournalCut(**found)
        raise ProjectionMismatch(where=tr("the last event", ctx.lang))
    if report.projection is ProjectionState.MISMATCH:
        raise ProjectionMismatch(where=found.get("record") or found.get("index")
                                 or found.get("rows") or "?")
    if report.projection is ProjectionState.DAMAGED:
        # A file edited by hand, or one a power cut left older or newer than meta.json
        # says (nothing but the journal is fsynced): never trusted (the next command
        # refolds it; --repair does it now).
        raise ProjectionMismatch(where=tr("a projection file", ctx.lang))


# The explicit repair of a broken data directory (journal cut or replaced), and the
# append-only corrections of what was recorded wrong.
for _cmd in (integrity_cmd.repair, integrity_cmd.correct, integrity_cmd.void):
    inventory.add_command(_cmd)
