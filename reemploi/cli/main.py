"""The ``reemploi`` entry point: a click group and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import signal
import sys

import click

from .. import __version__, i18n
from ..i18n import N_
from ..context import set_cli_operator
from ..errors import Aborted, BadInput, ExitCode, ReemploiError
from .common import _set_lang
from .plain import failure, setup_logging, stop, stops
from .click_i18n import install as _install_click_i18n, translate_params
from .help_i18n import TranslatedHelp, translate_tree

_install_click_i18n()

# Every command: (module under reemploi.cli, attribute, one-line summary). The summary
# is what ``reemploi --help`` lists; it lives here so that listing needs no command
# module (importing all of them, with reportlab, cryptography and openpyxl behind,
# cost ~0.6 s of a 0.7 s ``--help``). A loaded command gets it as its ``short_help``
# too, so the list reads the same either way (tests/test_cli_help_i18n.py checks).
# French in locale/fr/LC_MESSAGES/commands.po.
COMMANDS = [
    ("probe_cmd", "probe", N_("Describe this machine: hardware, disks, SMART")),
    ("probe_cmd", "doctor", N_("Check this station: tools, rights, leftovers")),
    ("parse_cmd", "parse", N_("Parse a saved output of smartctl, lshw…")),
    ("grade_cmd", "grade", N_("Probe and grade this machine, and record it")),
    ("inventory_cmd", "intake", N_("Register a donation lot and its donor")),
    ("inventory_cmd", "inventory", N_("List, show, search and verify the inventory")),
    ("parts_cmd", "parts", N_("Spare parts: harvest, stock, install")),
    ("parts_cmd", "checkout", N_("Record a machine or part leaving the workshop")),
    ("wipe_cmd", "wipe", N_("Erase whole disks (NIST SP 800-88) and record it")),
    ("certificate_cmd", "certificate", N_("Erasure certificates: issue, verify, show")),
    ("image_cmd", "image", N_("Emmabuntüs images: catalogue, choose, write, make")),
    ("documents_cmd", "label", N_("Print QR labels for machines and parts")),
    ("documents_cmd", "sheet", N_("Write a machine's A4 traceability sheet")),
    ("documents_cmd", "printers", N_("List the CUPS print queues")),
    ("stats_cmd", "stats", N_("Figures for coordinators, and their exports")),
    ("atelier_cmd", "atelier", N_("The atelier bidouille: a guided sitting")),
    ("operator_cmd", "operator", N_("The workshop's people and their roles")),
    ("operator_cmd", "validate", N_("A validator signs a machine off as ready")),
    ("station_cmd", "station", N_("Guided run on this PC, from asset id to ready")),
    ("server_cmd", "server", N_("Central server of the workshop's stations")),
    ("sync_cmd", "sync", N_("Sync this station's journal with the server")),
    ("stick_cmd", "stick", N_("The live USB stick: write it, boot it")),
    ("lot_cmd", "lot", N_("A donation lot's documents for its donor")),
    ("receipt_cmd", "receipt", N_("The recipient's papers for a machine leaving")),
]


class ReemploiGroup(TranslatedHelp, click.Group):
    """Maps typed errors to their exit codes (the only place that does), so the
    installed command and click's CliRunner in tests behave the same.

    ``--help`` is rendered in the user's language: each command is given translated
    help as it is loaded (``help_i18n.translate_tree``), and the language is read from
    the environment at each invocation, before click parses anything.

    Commands are imported lazily: ``reemploi inventory show`` imports only
    ``inventory_cmd``, not reportlab/openpyxl for the others (1.2 s → a few hundred ms
    on a live-USB netbook), and ``reemploi --help`` lists them from their summaries
    without importing any. Reading ``commands`` (tests, help_i18n.walk) loads them all."""

    def __init__(self, *args, **kwargs):
        self._lazy: dict[str, str] = {}           # command name → module under reemploi.cli
        self._summaries: dict[str, str] = {}      # command name → one-line summary (msgid)
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict:
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict) -> None:
        self._commands = value

    def add_lazy(self, module_name: str, name: str, summary: str) -> None:
        self._lazy[name] = module_name
        self._summaries[name] = summary

    def _load(self, name: str) -> None:
        module_name = self._lazy.pop(name, None)
        if module_name is None:
            return
        module = importlib.import_module(f"reemploi.cli.{module_name}")
        command = translate_tree(getattr(module, name))
        if not command.short_help:
            command.short_help = self._summaries[name]
        self._commands[name] = command

    def get_command(self, ctx, cmd_name):
        self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx):
        return sorted({*self._commands, *self._lazy})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of sub-commands, without importing those not loaded yet: their
        summary is the ``short_help`` they get when loaded (``_load``)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)   # as click
        rows = []
        for name in names:
            command = self._commands.get(name)
            if command is None:
                rows.append((name, i18n._(self._summaries[name])))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):    # translated by the formatter
                formatter.write_dl(rows)

    def main(self, args=None, *rest, **kwargs):
        # In-process callers (tests' CliRunner with env=…) get the language their
        # environment asks for, as the installed command does through ``main()``.
        i18n.set_language(None)
        set_cli_operator(None)
        _refuse_undecodable(sys.argv[1:] if args is None else args)
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (ReemploiError, OSError, KeyboardInterrupt) as exc:
            # One mapping to the message and exit code (plain.failure), which the
            # probe's click-free path (probe_plain.py) uses too. What it does not map
            # (a closed stdout: EPIPE) goes on to click.
            mapped = failure(exc)
            if mapped is None:
                raise
            message, code = mapped
            click.echo(message, err=True)
            ctx.exit(code)
        except (click.exceptions.Abort, EOFError):
            # "no" by Ctrl-D (or Ctrl-C) at a question: the operator's "no", exit 13
            # as for any refused confirmation, not click's exit 1 (README: a bug).
            click.echo("", err=True)
            click.echo(i18n._("Error: {message}").format(message=Aborted().render(i18n._)), err=True)
            ctx.exit(int(ExitCode.ABORTED))


def _refuse_undecodable(words) -> None:
    """A word of the command line that is not UTF-8 (an old Latin-1 console: "Soci\xe9t\xe9"
    arrives as lone surrogates) is refused here, exit 7 in words: a donor's name so
    typed would otherwise reach the journal's encoder (a codec error) or an id's index
    (a traceback)."""
    for word in words:
        if isinstance(word, str) and any("\udc80" <= c <= "\udcff" for c in word):
            shown = word.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            err = BadInput(N_("'{word}' is not UTF-8 text: set the terminal to UTF-8 "
                              "(LANG=fr_FR.UTF-8) and type it again"), word=shown)
            click.echo(i18n._("Error: {message}").format(message=err.render(i18n._)), err=True)
            sys.exit(int(err.exit_code))


@click.group(cls=ReemploiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reemploi")
@click.option("--debug", is_flag=True, help="Log every external command and sysfs read to stderr.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, expose_value=False,
              is_eager=True, callback=lambda ctx, param, value: _set_lang(ctx, param, value),
              help="Language of every command's output: fr or en (default: from the "
                   "environment, else French).")
def cli(debug: bool) -> None:
    """reemploi: probe, grade, wipe, install, label and report on donated computers."""
    setup_logging(debug)


def _register() -> None:
    for module_name, attr, summary in COMMANDS:
        cli.add_lazy(module_name, attr, summary)    # imported on first use (ReemploiGroup)


_register()
translate_params(cli)      # the root's own --lang, --debug: errors in the reader's words


def main(argv: list[str] | None = None) -> int:
    """The installed command. SIGTERM and SIGHUP end it like Ctrl-C for its whole
    life (exit 130), not only while a wipe or an image write runs (their
    ``StopSignals`` takes over then, and gives these back): one arriving just after
    the work was recorded used to kill the process with status 143 or 129, which the
    README's table does not explain. Once the command has its exit status, further
    stop signals are ignored: the work is done and recorded, the status stands."""
    i18n.set_language(None)
    stops(stop)
    try:
        cli.main(args=argv, prog_name="reemploi", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        stops(signal.SIG_IGN)
    return code


def run() -> None:
    try:
        code = main()
    except KeyboardInterrupt:        # a stop in the few instructions around main's end
        code = int(ExitCode.INTERRUPTED)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
