"""Shared options and rendering helpers for the click commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .. import i18n
from ..context import set_cli_operator
from ..errors import Aborted
# make_context and dump_json live in plain.py (no click: the probe's fast path uses
# them too); every command imports them from here as before.
from .plain import dump_json, make_context  # noqa: F401


def lang_option(f):
    return click.option("--lang", type=click.Choice(["fr", "en"]), default=None,
                        help="Language of the output: fr or en (default: from the environment).",
                        callback=_set_lang, expose_value=True, is_eager=True)(f)


def _set_lang(ctx, param, value):
    if value:
        i18n.set_language(value)
    return i18n.current()


class ScannedId(click.ParamType):
    """An asset id as typed or scanned from a label's QR code (the bare id or the
    workshop's URL): ``inventory.ids.id_from_scan``. Named "text" like click's STRING,
    so help shows the same (translated) metavar."""
    name = "text"

    def convert(self, value, param, ctx):
        from ..inventory.ids import id_from_scan
        return id_from_scan(value) if isinstance(value, str) else value


ASSET_ID = ScannedId()


def json_option(f):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON instead of text.")(f)


def home_option(f):
    return click.option("--home", type=click.Path(path_type=Path, readable=False), default=None,
                        envvar="REEMPLOI_HOME",
                        help="Data directory (inventory, keys, settings). Default: REEMPLOI_HOME or the XDG data dir.")(f)


def yes_option(f):
    return click.option("--yes", "-y", "assume_yes", is_flag=True, envvar="REEMPLOI_YES",
                        help="Do not ask for confirmation (batch stations). Also REEMPLOI_YES=1.")(f)


def operator_option(f):
    """``--operator NAME`` on every command that records something: who did it. Not
    passed to the command: ``make_context`` reads it (context.operator_for)."""
    return click.option("--operator", default=None, expose_value=False,
                        callback=lambda ctx, param, value: set_cli_operator(value),
                        help="Who does this: a name on the roster (reemploi operator list). "
                             "Default: REEMPLOI_OPERATOR, else the station's current operator "
                             "(reemploi operator use).")(f)


def emit(obj: Any, as_json: bool, render: Callable[[Any], str]) -> None:
    """Print ``obj`` as JSON or through ``render`` (a function making translated text)."""
    if as_json:
        click.echo(dump_json(obj))
    else:
        click.echo(render(obj))


def confirm(question: str, assume_yes: bool) -> None:
    """The one confirmation helper: ``--yes`` / ``REEMPLOI_YES`` answer it for batch stations.

    Only the very word asked for goes on ("oui" in French, "yes" in English, any case):
    "o", "y" or a stray Enter before a wipe is not consent. With no terminal to ask
    (a pipe, a script), nothing happens and the message says to use ``--yes``: piping
    "oui" into a destructive command is not how a batch station confirms."""
    if assume_yes or os.environ.get("REEMPLOI_YES") in ("1", "yes", "oui", "true"):
        return
    if not sys.stdin or not sys.stdin.isatty():
        raise NoTerminal()
    word = i18n._("yes")
    try:
        answer = click.prompt(question + " " + i18n.tr("[type '{word}' to continue]", word=word),
                              default="", show_default=False)
    except click.exceptions.Abort:
        # Ctrl-C, SIGTERM or SIGHUP (cli.main makes them KeyboardInterrupt) or end of
        # input while asking: click would print "Aborted!" and exit 1, the code of a
        # bug. Nothing was done yet: the operator's cancel, exit 13.
        raise Aborted() from None
    if answer.strip().casefold() != word.casefold():
        raise Aborted()


class NoTerminal(Aborted):
    """Exit 13: a confirmation with nobody to answer it."""
    msg = ("Nobody to confirm (no terminal): nothing was changed. On a batch station, "
           "confirm with --yes (or REEMPLOI_YES=1)")
