"""The ``reemploi`` entry point: a click group and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import logging
import signal
import sys

import click

from .. import __version__, i18n
from ..context import set_cli_operator
from ..errors import Aborted, ExitCode, Interrupted, PermissionDenied, ReemploiError
from .common import _set_lang
from .click_i18n import install as _install_click_i18n, translate_params
from .help_i18n import TranslatedHelp, translate_tree

_install_click_i18n()

# (module under reemploi.cli, attribute) for every command; each module is one group.
COMMANDS = [
    ("probe_cmd", "probe"),
    ("probe_cmd", "doctor"),
    ("parse_cmd", "parse"),
    ("grade_cmd", "grade"),
    ("inventory_cmd", "intake"),
    ("inventory_cmd", "inventory"),
    ("parts_cmd", "parts"),
    ("parts_cmd", "checkout"),
    ("wipe_cmd", "wipe"),
    ("certificate_cmd", "certificate"),
    ("image_cmd", "image"),
    ("documents_cmd", "label"),
    ("documents_cmd", "sheet"),
    ("documents_cmd", "printers"),
    ("stats_cmd", "stats"),
    ("atelier_cmd", "atelier"),
    ("operator_cmd", "operator"),
    ("operator_cmd", "validate"),
    ("station_cmd", "station"),
    ("server_cmd", "server"),
    ("sync_cmd", "sync"),
    ("stick_cmd", "stick"),
    ("lot_cmd", "lot"),
    ("receipt_cmd", "receipt"),
]


class ReemploiGroup(TranslatedHelp, click.Group):
    """Maps typed errors to their exit codes (the only place that does), so the
    installed command and click's CliRunner in tests behave the same.

    ``--help`` is rendered in the user's language: each command is given translated
    help as it is loaded (``help_i18n.translate_tree``), and the language is read from
    the environment at each invocation, before click parses anything.

    Commands are imported lazily: ``reemploi inventory show`` imports only
    ``inventory_cmd``, not reportlab/openpyxl for the others (1.2 s → a few hundred ms
    on a live-USB netbook). Reading ``commands`` (help, tests) loads them all."""

    def __init__(self, *args, **kwargs):
        self._lazy: dict[str, str] = {}           # command name → module under reemploi.cli
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict:
        for name in list(self._lazy):
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict) -> None:
        self._commands = value

    def add_lazy(self, module_name: str, name: str) -> None:
        self._lazy[name] = module_name

    def _load(self, name: str) -> None:
        module_name = self._lazy.pop(name, None)
        if module_name is None:
            return
        module = importlib.import_module(f"reemploi.cli.{module_name}")
        self._commands[name] = translate_tree(getattr(module, name))

    def get_command(self, ctx, cmd_name):
        self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx):
        return sorted(self.commands)

    def main(self, *args, **kwargs):
        # In-process callers (tests' CliRunner with env=…) get the language their
        # environment asks for, as the installed command does through ``main()``.
        i18n.set_language(None)
        set_cli_operator(None)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReemploiError as exc:
            click.echo(i18n._("Error: {message}").format(message=exc.render(i18n._)), err=True)
            ctx.exit(int(exc.exit_code))
        except PermissionError as exc:
            # Every known case has its own check (data directory owner, root for
            # destructive commands); this is the net under them: exit 4, no traceback.
            err = PermissionDenied(path=exc.filename or exc.strerror or "?")
            click.echo(i18n._("Error: {message}").format(message=err.render(i18n._)), err=True)
            ctx.exit(int(err.exit_code))
        except (click.exceptions.Abort, EOFError):
            # "no" by Ctrl-D (or Ctrl-C) at a question: the operator's "no", exit 13
            # as for any refused confirmation, not click's exit 1 (README: a bug).
            click.echo("", err=True)
            click.echo(i18n._("Error: {message}").format(message=Aborted().render(i18n._)), err=True)
            ctx.exit(int(ExitCode.ABORTED))
        except KeyboardInterrupt as exc:
            from ..system.signals import stop_name
            click.echo(Interrupted(what=stop_name(exc)).render(i18n._), err=True)
            ctx.exit(int(ExitCode.INTERRUPTED))


@click.group(cls=ReemploiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reemploi")
@click.option("--debug", is_flag=True, help="Log every external command and sysfs read to stderr.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default=None, expose_value=False,
              is_eager=True, callback=lambda ctx, param, value: _set_lang(ctx, param, value),
              help="Language of every command's output: fr or en (default: from the "
                   "environment, else French).")
def cli(debug: bool) -> None:
    """reemploi: probe, grade, wipe, install, label and report on donated computers."""
    # Log lines are for --debug: a person reads sentences in their language (typed
    # errors, reports), never "WARNING reemploi.inventory.store: …". Records are still
    # made at WARNING (for a debugging session or a test's caplog), just not printed.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.CRITICAL + 1)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", handlers=[handler])


def _register() -> None:
    for module_name, attr in COMMANDS:
        cli.add_lazy(module_name, attr)     # imported on first use (see ReemploiGroup)


_register()
translate_params(cli)      # the root's own --lang, --debug: errors in the reader's words


def _stops(handler) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(signum, handler)
        except ValueError:           # not the main thread (embedded use)
            return


def _stop(signum, frame) -> None:
    from ..system.signals import Stopped
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    """The installed command. SIGTERM and SIGHUP end it like Ctrl-C for its whole
    life (exit 130), not only while a wipe or an image write runs (their
    ``StopSignals`` takes over then, and gives these back): one arriving just after
    the work was recorded used to kill the process with status 143 or 129, which the
    README's table does not explain. Once the command has its exit status, further
    stop signals are ignored: the work is done and recorded, the status stands."""
    i18n.set_language(None)
    _stops(_stop)
    try:
        cli.main(args=argv, prog_name="reemploi", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        _stops(signal.SIG_IGN)
    return code


def run() -> None:
    try:
        code = main()
    except KeyboardInterrupt:        # a stop in the few instructions around main's end
        code = int(ExitCode.INTERRUPTED)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
