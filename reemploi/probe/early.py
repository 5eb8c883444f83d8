"""The live probe's tools started before the command line is parsed.

``reemploi probe`` spent ~0.2 s importing click, the model and the collector before
it started dmidecode, lspci and lsblk, then waited for them (issue 16: the probe as a
command was 1.7 x ``lshw -json``'s time). The entry point (``reemploi.entry``) asks
this module first; when the words are a live probe, the tools start at once
(``runner.start_early``) and the collector's ``runner.run`` of the same argv collects
them: same argv, environment, timeout, checks and log line, only sooner.

Only a plain live probe qualifies: ``--replay`` and ``--record`` (another runner),
``--help``, and any word not known here leave everything to click as before. The
tools only read the machine; one started for nothing is killed at exit.
"""

from __future__ import annotations

import os

from ..system.blocktext import LSBLK_ARGV
from ..system.runner import start_early

LSPCI_ARGV = ("lspci", "-vmmnnk")
DMIDECODE_ARGV = ("dmidecode",)
# Words that may come with a live probe: anything else (--replay, --record, --help,
# a typo) is click's to handle, with no tool started.
_FLAGS = {"--json", "--no-smart", "--debug"}


def is_live_probe(words: list[str]) -> bool:
    """``words`` (argv without the program) ask for a live probe and nothing else."""
    seen_probe = False
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--lang" and i + 1 < len(words):
            i += 2
            continue
        if word.startswith("--lang="):
            i += 1
            continue
        if word == "probe" and not seen_probe:
            seen_probe = True
        elif word not in _FLAGS:
            return False
        i += 1
    return seen_probe


def start(words: list[str]) -> None:
    """Start the probe's tools now when ``words`` are a live probe (see the module)."""
    if not is_live_probe(words):
        return
    if os.geteuid() == 0:        # as the collector: dmidecode only as root
        start_early(DMIDECODE_ARGV)
    start_early(LSPCI_ARGV)
    start_early(LSBLK_ARGV)
