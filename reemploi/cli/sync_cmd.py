"""``reemploi sync``: push this station's journal to the central server, pull it back."""

from __future__ import annotations

import click

from .. import i18n
from .common import emit, home_option, json_option, lang_option, make_context

_ = i18n._


@click.group()
def sync() -> None:
    """Sync this station's journal with the workshop network's central server."""


@sync.command()
@home_option
@lang_option
@click.option("--server", required=True, help="The server's URL, e.g. https://inventaire.example.org")
@click.option("--restore", is_flag=True,
              help="A new stick for a station the server knows: replace its key, then "
                   "'sync pull --restore'.")
@json_option
def enrol(home, lang, server, restore, as_json) -> None:
    """Ask to enrol this station; give the code shown to a coordinator."""
    from ..sync import client
    ctx = make_context(home)
    out = client.enrol(ctx.home, server, restore=restore)
    emit(out, as_json, _render_enrol)


def _render_enrol(r: dict) -> str:
    if r.get("state") == "active":
        return i18n.tr("Station {station} is enrolled (key {fingerprint})", **r)
    return i18n.tr("Enrolment of {station} requested. One-time code to give the coordinator: "
                   "{code}", station=r["station"], code=r.get("code"))


@sync.command()
@home_option
@lang_option
@json_option
def status(home, lang, as_json) -> None:
    """Is this station enrolled, and how far has the server got?"""
    from ..sync import client
    out = client.status(make_context(home).home)
    emit(out, as_json, lambda r: i18n.tr(
        "Station {station}: {state}; the server holds {n} lines", station=r["station"],
        state=_(r["state"]), n=r["head_seq"]))


@sync.command()
@home_option
@lang_option
@click.option("--if-configured", is_flag=True,
              help="For station flows: do nothing unless [sync] auto_push is set, and never "
                   "fail when the server is unreachable.")
@click.option("--budget", type=float, default=30.0, show_default=True,
              help="Seconds to keep retrying an unreachable server.")
@json_option
def push(home, lang, if_configured, budget, as_json) -> None:
    """Send the journal lines the server does not have; record its signed receipt."""
    from ..sync import client
    ctx = make_context(home)
    if if_configured:
        out, why = client.push_if_configured(ctx.home, ctx.station, ctx.operator,
                                             budget=min(budget, 10.0))
        if why:
            click.echo(why, err=True)
        if out is None:
            return
    else:
        out = client.push(ctx.home, ctx.station, ctx.operator, budget=budget)
    emit(out, as_json, lambda r: i18n.tr(
        "{sent} lines sent, {stored} stored; the server holds {station} up to line {seq}",
        sent=r.sent, stored=r.stored, station=r.station, seq=r.head_seq))


@sync.command()
@home_option
@lang_option
@click.option("--restore", is_flag=True, required=True,
              help="Rebuild this (empty) data directory's journal from the server.")
@json_option
def pull(home, lang, restore, as_json) -> None:
    """Restore a lost or re-flashed stick's journal from the server."""
    from ..inventory.store import Inventory
    from ..sync import client
    ctx = make_context(home)
    n = client.restore(ctx.home)
    Inventory.open(ctx.home, station=ctx.station, operator=ctx.operator,   # rebuilds state
                   rebuilding=ctx.rebuilding)
    emit({"restored": n}, as_json, lambda r: i18n.tr("{n} journal lines restored", n=r["restored"]))
