"""The installed ``reemploi`` command and ``python -m reemploi``.

Before importing the CLI (click, the model, the command's modules: ~0.2 s), two
commands start the tools they will first need, which then run meanwhile (issue 16):
a live ``probe`` its collectors (cli/probe_words.py), a ``wipe`` the planning's listing of
the block devices (the check after "yes" always lists anew: ``blockdev.lsblk_tree``
with ``fresh`` drops an early one). Every command line is then parsed by click
exactly as before; a tool started for nothing is killed at exit. The command lines of
a plain live probe (``cli/probe_plain.py`` says which) never import click: the probe
command's own code runs without it.
"""

from __future__ import annotations

import gc
import os
import sys

# The root group's flags, one list with the probe's reading of the words (a light
# module: it imports nothing).
from .cli.probe_words import ROOT_FLAGS


def command_word(words: list[str]) -> str | None:
    """The sub-command of ``words`` (argv without the program), past the root's own
    options; None when there is none or an option the root does not have."""
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--lang":
            i += 2
        elif word.startswith("--lang=") or word in ROOT_FLAGS:
            i += 1
        elif word.startswith("-"):
            return None
        else:
            return word
    return None


def _never_unencodable() -> None:
    """A terminal or pipe that is not UTF-8 (LANG=C on an old console, PYTHONIOENCODING
    =latin-1) cannot hold French typography's U+202F or an accent-less encoding's "é":
    the text is shown with a replacement character rather than ending in a traceback."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding and encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def run() -> None:
    _never_unencodable()
    words = sys.argv[1:]
    command = command_word(words)
    if command == "probe":
        # No garbage collection while a probe imports and runs: the collector walked
        # the ~100 000 objects of the imports 19 times, 8 M instructions (4 % of the
        # command, issue 16), to free next to nothing in a process that lives a tenth
        # of a second and ends with os._exit. Back on if click takes the line.
        gc.disable()
        from .cli import probe_words
        live, plain = probe_words.read(words, os.environ)
        if live:                      # before any other import: the tools run meanwhile
            probe_words.start_tools()
        if plain is not None:         # a plain live probe: no click (cli/probe_plain.py)
            from .cli import probe_plain
            probe_plain.run(probe_plain.Form(**plain))
        gc.enable()
    elif command == "wipe" and not {"-h", "--help"} & set(words):
        from .system.early import LSBLK_ARGV, start_early
        start_early(LSBLK_ARGV)
    from .cli.main import run as cli_run
    if command == "wipe":
        _wipe_end(cli_run)
    else:
        cli_run()


def _wipe_end(cli_run) -> None:
    """A wipe's end without the interpreter's teardown (cli/probe_plain.py ``leave``:
    exit handlers, flushed streams, ``os._exit``): freeing ~240 modules one by one
    took 15-80 ms of every wipe command here, after its records were fsynced and its
    report written (strace: the last write to the exit, 2 vCPUs, issue 16). The
    keystream's idle fill workers are let go first, so that only this thread is left;
    otherwise ``leave`` takes the usual way."""
    try:
        cli_run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        patterns = sys.modules.get("reemploi.wipe.patterns")
        if patterns is not None:
            patterns.close_pool()
        from .cli.probe_plain import leave
        leave(code)
