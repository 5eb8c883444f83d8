"""The words of a ``reemploi probe`` command line, read once, before any import (issue 16).

The entry point asks two things of the words, and this module answers both in one
reading, importing nothing, so that a live probe's tools start while the interpreter
is still near its first instruction (``system/early.py``):

* **live**: the words ask for a live probe and nothing else, so its tools (dmidecode
  as root, lspci, lsblk) can start now. ``--replay``, ``--record``, ``--help`` or any
  word not known here leave everything to click, with no tool started.
* **plain**: the options of a command line ``probe_plain.py`` runs exactly as click
  would, without click:

      reemploi [--debug] [--lang fr|en] probe [--json] [--no-smart] [--lang fr|en]

  each option at most once, on its own side of ``probe``, ``--lang X`` or
  ``--lang=X``. A live probe click must judge (a repeated option, ``--debug`` after
  ``probe``, a language click refuses, shell completion) is live but not plain: its
  tools start, and click then reads the line as before. (``--json`` before
  ``probe`` reads as live here, but the entry point asks only when the command word
  is ``probe``, and its ``command_word`` stops at an option the root lacks.)
"""

from __future__ import annotations

LANGUAGES = ("fr", "en")          # click.Choice of both --lang options
# The root group's options before "probe", and the probe command's after it.
ROOT_FLAGS = {"--debug": "debug"}
PROBE_FLAGS = {"--json": "as_json", "--no-smart": "no_smart"}
# click's shell completion: when this is set, click answers instead of running.
COMPLETE_VAR = "_REEMPLOI_COMPLETE"


def read(words: list[str], environ) -> tuple[bool, dict | None]:
    """``(live, plain)`` for ``words`` (argv without the program): see the module.
    ``plain`` is the options found, as ``probe_plain.Form``'s fields, or None."""
    found: dict[str, object] = {}
    plain = COMPLETE_VAR not in environ
    flags, lang_key = ROOT_FLAGS, "root_lang"
    seen_probe = False
    i = 0
    while i < len(words):
        word = words[i]
        if word == "probe" and not seen_probe:
            seen_probe, flags, lang_key = True, PROBE_FLAGS, "lang"
        elif word in ROOT_FLAGS or word in PROBE_FLAGS:
            key = ROOT_FLAGS.get(word) or PROBE_FLAGS[word]
            if word not in flags or key in found:
                plain = False                    # on the wrong side, or repeated
            found[key] = True
        elif word == "--lang" or word.startswith("--lang="):
            if word == "--lang":
                if i + 1 >= len(words):
                    return False, None           # click's usage error
                i += 1
                value = words[i]
            else:
                value = word[len("--lang="):]
            if value not in LANGUAGES or lang_key in found:
                plain = False
            found[lang_key] = value
        else:
            return False, None
        i += 1
    if not seen_probe:
        return False, None
    return True, (found if plain else None)


def start_tools() -> None:
    """Start a live probe's tools now; the collector's ``runner.run`` of the same argv
    collects them (same environment, timeout, checks and log line, only sooner). They
    only read the machine: one started for nothing is killed at exit."""
    import os
    from ..system.early import DMIDECODE_ARGV, LSBLK_ARGV, LSPCI_ARGV, start_early
    # The longest first: lspci reads all of pci.ids (~20 ms), lsblk ~12 ms, dmidecode
    # ~1 ms; each start holds this process until the tool has exec'd (posix_spawn).
    start_early(LSPCI_ARGV)
    start_early(LSBLK_ARGV)
    if os.geteuid() == 0:        # as the collector: dmidecode only as root
        start_early(DMIDECODE_ARGV)
