"""The command line's pieces that need no click: shared by the click commands and the
probe's click-free path (``probe_plain.py``, issue 16).

Importing click costs ~30 ms of a ~15 ms interpreter start here, a third of ``lshw
-json``'s whole run; a ``reemploi probe --json`` that only prints what it found need
not pay it. So what a command does around its work (the context, the logging set-up,
the one mapping of a failure to its message and exit code, the stop signals, printing)
lives here, and both paths call the same code: what one prints, the other prints.
"""

from __future__ import annotations

import codecs
import errno
import json
import sys
# The C half of ``signal``: the module builds its IntEnums at import (~3 M instructions,
# valgrind; issue 16) and the stop handlers need none of them. Its functions take and
# give the same numbers (``signal.SIG_IGN`` from the module is equal to this one's).
import _signal
from pathlib import Path
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

from .. import i18n
from ..context import Context, cli_operator, default_home
from ..errors import ExitCode, Interrupted, PermissionDenied, ReemploiError


def make_context(home: Path | None = None, lang: str | None = None, **kw: Any) -> Context:
    home = home or default_home()
    if cli_operator() and "operator" not in kw:
        from ..inventory.operators import check_known
        kw["operator"] = check_known(Path(home), cli_operator())
    # Every command that writes the journal keeps the figures' ledger (stats.keep:
    # reads a 48-byte header per commit, imports the fold only when a rewrite is due).
    kw.setdefault("followers", (_follow,))
    lang = lang or i18n.current()
    kw.setdefault("rebuilding", _refold_notice(lang))
    return Context(home=home, lang=lang, **kw)


def _refold_notice(lang: str):
    """The notice of a refold of the whole journal (cli/refolding.py), imported at its
    first report: a command whose projection is in step never imports it."""
    made: list = []

    def rebuilding(phase: str, done: int, total: int) -> None:
        if not made:
            from .refolding import RefoldNotice
            made.append(RefoldNotice(lang))
        made[0](phase, done, total)
    return rebuilding


def _follow(home: Path, end: int) -> None:
    """``stats.keep.follow``, imported at the first commit: a probe or a listing never
    commits, and need not import the ledger's modules (issue 16)."""
    from ..stats.keep import follow
    follow(home, end)


def dump_json(obj: Any) -> str:
    from ..jsonable import to_jsonable
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2, sort_keys=False)


def echo(text: str, err: bool = False) -> None:
    """``click.echo(text, err=err)`` for a str, without importing click when the result
    is certainly the same: the text and a newline written to the standard stream and
    flushed. click also removes ANSI escape sequences when the stream is no terminal
    and repairs a stream whose encoding is misconfigured; a text holding an ESC (a
    disk's model string may) or a stream that is not UTF-8 is therefore left to
    click.echo itself."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:                    # no stream attached: click writes nothing
        return
    if "\x1b" in text or not _utf8(stream):
        import click
        click.echo(text, err=err)
        return
    stream.write(text + "\n")
    stream.flush()


def _utf8(stream) -> bool:
    try:
        return codecs.lookup(stream.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return False


def setup_logging(debug: bool) -> None:
    """Log lines are for --debug only (lazylog.setup, which imports logging only when a
    record can go somewhere)."""
    from ..lazylog import setup
    setup(debug)


def failure(exc: BaseException) -> tuple[str, int] | None:
    """The line printed on stderr and the exit code for a command that raised ``exc``
    (the one mapping, README exit-code table); None for what is not ours to map."""
    if isinstance(exc, ReemploiError):
        return i18n._("Error: {message}").format(message=exc.render(i18n._)), int(exc.exit_code)
    if isinstance(exc, PermissionError):
        # Every known case has its own check (data directory owner, root for
        # destructive commands); this is the net under them: exit 4, no traceback.
        # No file name: "?" rather than the C library's English strerror.
        err = PermissionDenied(path=exc.filename or "?")
        return i18n._("Error: {message}").format(message=err.render(i18n._)), int(err.exit_code)
    if isinstance(exc, OSError) and exc.errno not in (None, errno.EPIPE):
        # The net under the typed errors for the rest: a medium full or read-only, an
        # I/O error (a label on a full persistence partition). EPIPE is the reader
        # gone (broken_pipe), which click ends quietly.
        from ..errors import SystemFailed
        from ..syserr import reason
        err = SystemFailed(path=exc.filename or "?", why=reason(exc))
        return i18n._("Error: {message}").format(message=err.render(i18n._)), int(err.exit_code)
    if isinstance(exc, KeyboardInterrupt):
        from ..system.signals import stop_name
        return Interrupted(what=stop_name(exc)).render(i18n._), int(ExitCode.INTERRUPTED)
    return None


def stops(handler) -> None:
    """SIGINT, SIGTERM and SIGHUP to ``handler`` (see ``cli.main.main``): a function,
    or ``SIG_IGN``/``SIG_DFL`` of either module (``_signal`` wants a plain int)."""
    handler = handler if callable(handler) else int(handler)
    for signum in (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP):
        try:
            _signal.signal(signum, handler)
        except ValueError:           # not the main thread (embedded use)
            return


def stop(signum, frame) -> None:
    from ..system.signals import Stopped
    raise Stopped(signum)


def broken_pipe(exc: OSError) -> bool:
    """The reader went away (``reemploi probe | head``): as click does, stop quietly
    with status 1, and let the interpreter's last flushes of stdout and stderr fail
    silently instead of printing "Exception ignored … BrokenPipeError"."""
    if exc.errno != errno.EPIPE:
        return False
    sys.stdout = _Quiet(sys.stdout)
    sys.stderr = _Quiet(sys.stderr)
    return True


class _Quiet:
    """A stream whose flush ignores a closed pipe; everything else is the stream's."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
