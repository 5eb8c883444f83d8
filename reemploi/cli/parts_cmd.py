"""``reemploi parts`` (harvest, remove, list, stock, install) and ``reemploi checkout``:
parts kept from machines, and what leaves the workshop (with the recipient's papers).

A storage device taken out (harvest, remove) is matched to a disk of the machine's
latest probe, so the chain of custody knows the machine no longer holds it
(inventory/custody.py).

Thin: each builds the context, opens the inventory, calls one method, renders.
"""

from __future__ import annotations

import click

from ..errors import BadInput
from ..i18n import N_, number, tr
from ..inventory.describe import PART_KIND_NAMES, word
from ..inventory.lifecycle import DESTINATIONS
from ..inventory.parts import PART_KINDS, parse_facts, stock
from ..model import to_jsonable
from .common import (ASSET_ID, emit, home_option, json_option, lang_option, make_context,
                     operator_option)
from .inventory_cmd import _destination, _open, _status
from .receipt_cmd import issue_receipt, receipt_out_option, render_receipt
from .words import DESTINATION_NAMES, DESTINY_NAMES, WordChoice

DESTINIES = ("stock", "destruction", "recycling")


def stock_label(label: str | None, lang: str) -> str | None:
    """A stock line's label ("DDR3 SODIMM 4 GB") with the unit in the reader's words."""
    if not label:
        return label
    import re
    units = {"GB": N_("{n} GB"), "TB": N_("{n} TB")}
    return re.sub(r"\b(\d+(?:\.\d+)?) (GB|TB)\b",
                  lambda m: tr(units[m.group(2)], lang,
                               n=number(float(m.group(1)), lang,
                                        0 if float(m.group(1)).is_integer() else 1)), label)



# -- parts ------------------------------------------------------------------------------

@click.group("parts")
def parts():
    """Spare parts: harvest from a machine, list the stock, install into a machine."""


@parts.command("harvest")
@click.argument("from_id", type=ASSET_ID)
@click.option("--kind", "part_kind", type=WordChoice({k: PART_KIND_NAMES.get(k, k) for k in PART_KINDS}), required=True, help="Kind of part.")
@click.option("--facts", "facts", multiple=True, metavar="KEY=VALUE",
              help="A fact about the part, e.g. type=DDR3 form_factor=SODIMM size_gb=4. Repeatable.")
@click.option("--grade", default=None, help="The part's grade or state (e.g. A, B, tested).")
@click.option("--serial", default=None, help="The part's serial number, if any.")
@click.option("--disk", default=None,
              help="For a disk: its serial or identity in the machine's probe (default: its only disk).")
@click.option("--for", "destiny", type=WordChoice(DESTINY_NAMES), default="stock", show_default=True,
              help="Where the part goes: reusable stock, or kept for destruction or recycling.")
@click.option("--reason", default=None, help="Why, for destruction or recycling.")
@operator_option
@json_option
@lang_option
@home_option
def harvest(from_id, part_kind, facts, grade, serial, disk, destiny, reason, as_json, lang, home):
    """Take a part out of a machine: creates a part asset id recording where it came from."""
    inv, lang = _open(home, lang)
    try:
        parsed = parse_facts(facts)
    except ValueError as exc:
        raise BadInput(what="--facts", why=str(exc)) from None
    part_id = inv.harvest_part(from_id, part_kind, parsed, grade, serial, disk=disk,
                               destiny=destiny, reason=reason)
    part = inv.state(part_id)
    emit(part.to_record() if as_json else part, as_json,
         lambda d: tr("Part {part} ({kind}) harvested from {source}.", lang, part=d.id,
                      kind=word(PART_KIND_NAMES, d.part_kind, lang), source=from_id))


@parts.command("remove")
@click.argument("machine_id", type=ASSET_ID)
@click.option("--disk", default=None,
              help="The disk's serial or identity in the machine's probe (default: its only disk).")
@click.option("--reason", required=True,
              help="What became of it, e.g. destroyed, recycled, kept by the donor.")
@operator_option
@json_option
@lang_option
@home_option
def remove(machine_id, disk, reason, as_json, lang, home):
    """Record a disk taken out of a machine and destroyed, recycled or kept by the donor."""
    inv, lang = _open(home, lang)
    ev = inv.remove_disk(machine_id, disk, reason)
    emit(ev, as_json, lambda e: tr("Disk {disk} removed from {id}: {reason}", lang,
                                   disk=e.data.disk_identity, id=machine_id,
                                   reason=reason))


def _part_state(d, lang: str) -> str:
    """Its status, or what it is kept for when that is not reuse: a failing disk kept
    for destruction waits in the workshop but is not "in stock" for anyone."""
    status = getattr(d.status, "value", d.status)
    destiny = getattr(d.destiny, "value", d.destiny)
    if status == "stock" and destiny not in (None, "stock"):
        return word(DESTINY_NAMES, destiny, lang).capitalize()
    return _status(status, lang)


@parts.command("list")
@click.option("--kind", "part_kind", type=WordChoice({k: PART_KIND_NAMES.get(k, k) for k in PART_KINDS}), default=None, help="Only this kind of part.")
@json_option
@lang_option
@home_option
def parts_list(part_kind, as_json, lang, home):
    """List parts with their state and facts."""
    inv, lang = _open(home, lang)

    def render(states) -> str:
        if not states:
            return tr("Nothing found.", lang)
        return "\n".join(
            f"{d.id:<18} {_part_state(d, lang):<12} "
            f"{word(PART_KIND_NAMES, d.part_kind, lang):<16} "
            + " ".join(f"{k}={v}" for k, v in sorted((d.facts or {}).items()))
            for d in states)
    found = inv.part_states(part_kind=part_kind)
    emit([d.to_record() for d in found] if as_json else found, as_json, render)


@parts.command("stock")
@json_option
@lang_option
@home_option
def parts_stock(as_json, lang, home):
    """Parts in stock, grouped: "DDR3 SODIMM 4 GB × 12"."""
    inv, lang = _open(home, lang)
    lines = stock(inv.parts())

    def render(rows) -> str:
        if not rows:
            return tr("No parts in stock.", lang)
        return "\n".join(f"{word(PART_KIND_NAMES, r.part_kind, lang):<16} "
                         f"{stock_label(r.label, lang) or '-'} × {number(r.count, lang)}"
                         for r in rows)
    emit([{"part_kind": r.part_kind, "label": r.label, "facts": dict(r.facts),
           "count": r.count, "ids": list(r.ids)} for r in lines] if as_json else lines,
         as_json, render)


@parts.command("install")
@click.argument("part_id", type=ASSET_ID)
@click.argument("into_id", type=ASSET_ID)
@operator_option
@json_option
@lang_option
@home_option
def install(part_id, into_id, as_json, lang, home):
    """Install a part from stock into a machine (the machine keeps where it came from)."""
    inv, lang = _open(home, lang)
    ev = inv.install_part(part_id, into_id)
    emit(ev, as_json, lambda e: tr("Part {part} installed in {into}.", lang, part=part_id,
                                   into=into_id))


# -- checkout ---------------------------------------------------------------------------

@click.command("checkout")
@click.argument("asset_id", type=ASSET_ID)
@click.option("--to", "destination", type=WordChoice({d: DESTINATION_NAMES[d] for d in DESTINATIONS}),
              required=True,
              help="Where it goes: given, sold, recycled or dismantled.")
@click.option("--org", "organisation", required=True, help="Receiving organisation or person.")
@click.option("--date", "when", default=None, help="Date it left, YYYY-MM-DD (default: today).")
@click.option("--price", type=click.FloatRange(min=0), default=None, help="Price in euros, if sold.")
@click.option("--backdated", default=None, metavar="REASON",
              help="A departure entered after the fact, dated before the machine was marked ready (e.g. from the paper register); recorded.")
@click.option("--receipt", "with_receipt", is_flag=True,
              help="Also make the recipient's papers (as 'reemploi receipt'): given or sold machines.")
@receipt_out_option
@operator_option
@json_option
@lang_option
@home_option
def checkout(asset_id, destination, organisation, when, price, backdated, with_receipt, out_dir,
             as_json, lang, home):
    """Record that a machine or part leaves the workshop (status becomes out)."""
    ctx = make_context(home, lang)
    inv = ctx.inventory()
    lang = ctx.lang
    if with_receipt and destination not in ("given", "sold"):
        # Checked before anything is recorded: a receipt needs a recipient.
        raise click.UsageError(tr("--receipt goes with --to given or --to sold.", lang))
    ev = inv.checkout(asset_id, destination, organisation, when, price, backdated=backdated)
    papers = issue_receipt(ctx, inv, asset_id, out_dir) if with_receipt else None
    result = {**to_jsonable(ev), "receipt": papers} if as_json else ev
    emit(result, as_json, lambda e: tr("{id}: {what}", lang, id=asset_id,
                                       what=_destination(e.data, lang))
         + ("\n" + render_receipt(papers, lang) if papers else ""))
