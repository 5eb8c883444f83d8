"""``reemploi probe`` without click, for the command lines it exactly recognises (issue 16).

The goal was a ``probe --json`` in ≤ 0.7 × ``lshw -json``'s time, as a command. Here
lshw takes ~100 ms, the interpreter ~15 ms and ``import click`` with the CLI's root
~30 ms more: the click command could not get there. So the installed command
(``reemploi.entry``) hands the few command lines of a plain live probe to ``main``
below, which never imports click, and leaves every other command line to click:

    reemploi [--debug] [--lang fr|en] probe [--json] [--no-smart] [--lang fr|en]

each option at most once, in any order on its side of ``probe``, ``--lang X`` or
``--lang=X`` (``probe_words.py`` reads the words). Anything else (``--help``, ``--replay``, ``--record``, an unknown or
repeated option, a language click would refuse, shell completion) is click's, as
before. What runs is the click command's own code, in the same order: the language
(``ReemploiGroup.main``, then the root's ``--lang``, then the probe's), the logging
(``plain.setup_logging``), the probe (``describe``, which the click command calls
too), the printing (``plain.echo``) and the one mapping of a failure to its message
and exit code (``plain.failure``). tests/test_probe_plain.py runs both paths on the
same command lines and compares their bytes and exit codes.
"""

from __future__ import annotations

import _signal                   # as plain.py: the stop handlers need no IntEnum
import os
import sys
from dataclasses import dataclass
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Callable

from .. import i18n
from ..context import set_cli_operator
from ..errors import ExitCode, ReemploiError
from . import plain, probe_words


@dataclass(frozen=True)
class Form:
    """A recognised ``probe`` command line."""
    as_json: bool = False
    no_smart: bool = False
    debug: bool = False
    root_lang: str | None = None
    lang: str | None = None


def recognise(words: list[str], environ) -> Form | None:
    """The ``Form`` of ``words`` (argv without the program) when they are one of the
    command lines this module runs exactly as click would; else None. The entry point
    reads the words once (``probe_words.read``) and builds the form itself."""
    _live, found = probe_words.read(words, environ)
    return None if found is None else Form(**found)


def describe(*, as_json: bool, lang: str, no_smart: bool, session,
             echo: Callable[[str], None] = plain.echo) -> None:
    """The probe command's work, for both paths: probe through ``session`` (live,
    recording or replaying: probe/folder.py), then print JSON or the text view."""
    from ..probe.collector import probe_machine
    ctx = plain.make_context(lang=lang, runner=session.runner, sysfs=session.sysfs,
                             replay=session.replay)
    machine = probe_machine(ctx, smart=not no_smart, facts=session.facts)
    session.finish()
    if as_json:
        echo(plain.dump_json(machine))
    else:
        from ..probe.render import render_machine     # imported for the text view only
        echo(render_machine(machine, lang))


def run(form: Form) -> None:
    """The installed command's end for a recognised probe (as ``cli.main.run``)."""
    try:
        code = main(form)
    except KeyboardInterrupt:        # a stop in the few instructions around main's end
        code = int(ExitCode.INTERRUPTED)
    leave(code)


def leave(code: int) -> None:
    """End the process with ``code`` as ``sys.exit`` would, minus the interpreter's
    teardown: the exit handlers run (logging's flush, the early tools' reaping, the
    dataclass cache), the standard streams are flushed, then ``os._exit``. Freeing
    every module and object one by one is ~8 ms of CPU here (27 M instructions,
    valgrind), a tenth of ``lshw -json``'s whole run, for memory the kernel takes
    back anyway. Only when no other thread is left; otherwise ``sys.exit``."""
    import atexit
    # No threading module, no other thread (the probe imports it only to run a tool
    # in a pool): the check then costs no import (~4 M instructions, issue 16).
    threading = sys.modules.get("threading")
    if threading is None or threading.active_count() == 1:
        try:
            atexit._run_exitfuncs()
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except Exception:               # a closed pipe, a full disk: the slow way
            pass
        else:
            os._exit(code)
    sys.exit(code)


def main(form: Form, session=None) -> int:
    """Run the live probe of ``form`` (``session``: a probe/folder.py session, the live
    machine when None) as ``cli.main.main`` would run its command line; the exit code."""
    i18n.set_language(None)                       # as cli.main.main, ReemploiGroup.main
    set_cli_operator(None)
    plain.stops(plain.stop)
    try:
        return _run(form, session)
    finally:
        plain.stops(_signal.SIG_IGN)


def _run(form: Form, session) -> int:
    try:
        if form.root_lang:                        # the root's eager --lang, then the probe's
            i18n.set_language(form.root_lang)
        if form.lang:
            i18n.set_language(form.lang)
        lang = i18n.current()
        plain.setup_logging(form.debug)
        if session is None:
            from ..probe.folder import live
            session = live()
        describe(as_json=form.as_json, lang=lang, no_smart=form.no_smart, session=session)
        return 0
    except (ReemploiError, PermissionError, KeyboardInterrupt) as exc:
        message, code = plain.failure(exc)
        plain.echo(message, err=True)
        return code
    except OSError as exc:
        if not plain.broken_pipe(exc):
            raise
        return 1
