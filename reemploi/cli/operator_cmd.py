"""``reemploi operator`` (the roster, the station's current operator) and ``reemploi
validate`` (a validator's sign-off). Thin: the rules are in inventory/operators.py."""

from __future__ import annotations

import click

from ..i18n import tr
from ..inventory import operators
from .common import (ASSET_ID, emit, home_option, json_option, lang_option, make_context,
                     operator_option)
from .words import ROLE_NAMES, WordChoice



def role_names(roles, lang) -> str:
    return ", ".join(tr(ROLE_NAMES.get(r, r), lang) for r in roles)


def _open(home, lang):
    ctx = make_context(home, lang)
    return ctx.inventory(), ctx


def _person(p: operators.Operator | None) -> dict | None:
    return None if p is None else {"name": p.name, "roles": list(p.roles), "since": p.since}


@click.group("operator")
def operator():
    """The workshop's people: add them with their roles, list them, say who is at this station."""


@operator.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, type=WordChoice({r: ROLE_NAMES[r] for r in operators.ROLES}),
              help="technician, validator, trainer or trainee (repeatable; default technician).")
@json_option
@lang_option
@home_option
def add_cmd(name, roles, as_json, lang, home):
    """Put a person on the roster (a trainee: first name or pseudonym only)."""
    inv, ctx = _open(home, lang)
    person = operators.add(inv, name, tuple(roles))
    emit(_person(person), as_json, lambda p: tr("{name}: {roles}", ctx.lang, name=p["name"],
                                                roles=role_names(p["roles"], ctx.lang)))


@operator.command("list")
@json_option
@lang_option
@home_option
def list_cmd(as_json, lang, home):
    """Everyone on the roster with their roles; * marks this station's current operator."""
    ctx = make_context(home, lang)
    people = sorted(operators.roster(ctx.home).values(), key=lambda p: p.name.casefold())
    here = operators.current(ctx.home)

    def render(rows) -> str:
        if not rows:
            return tr("Nobody on the roster yet: reemploi operator add NAME --role technician",
                      ctx.lang)
        return "\n".join(f"{'*' if r['name'] == here else ' '} {r['name']:<24} "
                         f"{role_names(r['roles'], ctx.lang)}" for r in rows)
    emit([_person(p) for p in people], as_json, render)


@operator.command("use")
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Nobody is named any more at this station.")
@json_option
@lang_option
@home_option
def use_cmd(name, clear, as_json, lang, home):
    """Set the operator of this station session: every later command records this name."""
    inv, ctx = _open(home, lang)
    if not clear and not name:
        raise click.UsageError(tr("Give a NAME, or --clear.", ctx.lang))
    person = operators.use(inv, None if clear else name)
    emit(_person(person), as_json, lambda p: (
        tr("Station {station}: operator {name}", ctx.lang, station=ctx.station, name=p["name"])
        if p else tr("Station {station}: no operator named", ctx.lang, station=ctx.station)))


@operator.command("who")
@json_option
@lang_option
@home_option
def who_cmd(as_json, lang, home):
    """Who this station's commands are recorded under now, and from where."""
    ctx = make_context(home, lang)
    emit({"station": ctx.station, "operator": ctx.operator}, as_json, lambda r: (
        tr("Station {station}: operator {name}", ctx.lang, station=r["station"],
           name=r["operator"]) if r["operator"]
        else tr("Station {station}: no operator named", ctx.lang, station=r["station"])))


@click.command("validate")
@click.argument("asset_id", type=ASSET_ID)
@click.option("--note", default=None, help="What was checked, recorded with the sign-off.")
@operator_option
@json_option
@lang_option
@home_option
def validate(asset_id, note, as_json, lang, home):
    """A validator signs a machine off: it is ready to leave (NIST SP 800-88 validation)."""
    inv, ctx = _open(home, lang)
    ev = operators.sign_off(inv, asset_id, ctx.operator, note)
    emit(ev, as_json, lambda e: tr("{id} validated by {name}: ready to leave.", ctx.lang,
                                   id=asset_id, name=e.data.validator))
