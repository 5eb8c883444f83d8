"""Loggers that import ``logging`` only once a record can go somewhere (issue 16).

``import logging`` took ~7 ms of every command's start on this 2-vCPU machine (it
brings traceback, linecache, tokenize, textwrap and string: ``python -X importtime``
on the station-style install), for log lines that a command without ``--debug`` never
shows (``setup``). Until some code imports ``logging``, no level, handler or filter
can exist but the defaults: the root logger at WARNING. A debug or info call made
before then is therefore dropped exactly as ``logging`` itself would drop it. So is a
warning or worse once the command has asked for the quiet set-up (no ``--debug``):
its only handler prints nothing, so nobody could see the record. Otherwise (no
set-up asked, as in a library) a warning imports ``logging`` and goes through it. Once ``logging`` is in ``sys.modules`` (``--debug``, a
test's caplog, a library that imported it), every call goes through the real logger.
"""

from __future__ import annotations

import sys

_WARNING = 30                      # logging.WARNING, the root logger's default level
_pending: list[bool] = []          # set-up asked for before logging was imported


def setup(debug: bool) -> None:
    """Log lines are for --debug: a person reads sentences in their language (typed
    errors, reports), never "WARNING reemploi.inventory.store: …". Records are still
    made at WARNING (for a debugging session or a test's caplog), just not printed."""
    _pending.clear()
    if debug or "logging" in sys.modules:
        _apply(debug)
    else:
        _pending.append(debug)


def _apply(debug: bool) -> None:
    import logging
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.CRITICAL + 1)
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", handlers=[handler])


def _real(name: str):
    import logging
    if _pending:
        _apply(_pending.pop())
    return logging.getLogger(name)


def _logger(lazy: "Logger"):
    """The real logger, resolved once per lazy one (logging.getLogger takes a lock)."""
    real = lazy._logger
    if real is None:
        real = lazy._logger = _real(lazy.name)
    elif _pending:
        _apply(_pending.pop())
    return real


def _heard() -> bool:
    """Whether a warning or worse can reach anyone: not while the quiet set-up waits
    for ``logging`` to be imported (its handler would print nothing)."""
    return "logging" in sys.modules or _pending != [False]


def _caller(kwargs: dict) -> dict:
    """The record names the line that logged, not this module's (%(funcName)s, caplog)."""
    return {**kwargs, "stacklevel": kwargs.get("stacklevel", 1) + 1}


class Logger:
    """The part of ``logging.Logger`` reemploi uses, imported on first need."""

    __slots__ = ("name", "_logger")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger = None

    def debug(self, msg, *args, **kwargs) -> None:
        if "logging" in sys.modules:
            _logger(self).debug(msg, *args, **_caller(kwargs))

    def info(self, msg, *args, **kwargs) -> None:
        if "logging" in sys.modules:
            _logger(self).info(msg, *args, **_caller(kwargs))

    def warning(self, msg, *args, **kwargs) -> None:
        if _heard():
            _logger(self).warning(msg, *args, **_caller(kwargs))

    def error(self, msg, *args, **kwargs) -> None:
        if _heard():
            _logger(self).error(msg, *args, **_caller(kwargs))

    def exception(self, msg, *args, exc_info=True, **kwargs) -> None:
        if _heard():
            _logger(self).exception(msg, *args, exc_info=exc_info, **_caller(kwargs))

    def isEnabledFor(self, level: int) -> bool:
        if "logging" in sys.modules:
            return _logger(self).isEnabledFor(level)
        return level >= _WARNING and _heard()


def getLogger(name: str) -> Logger:  # noqa: N802  (logging's own name, on purpose)
    return Logger(name)
