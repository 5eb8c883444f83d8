"""Machine folders: a whole machine as files, for ``probe --record`` / ``--replay``.

Layout (one folder per machine, pySMART's "a new machine is data, not code")::

    <dir>/commands/     one file per command, named by runner.recording_name(argv),
                        with optional .rc (exit status or "timeout") and .stderr;
                        MISSING_TOOLS lists tools absent on that machine
    <dir>/sysfs/        the /sys and /proc files the probe read (symlinks kept)
    <dir>/python.json   facts from Python libraries (uid, psutil RAM, py-cpuinfo...)
    <dir>/SOURCES.md    (fixtures) where every file came from

``recording`` runs the probe for real and writes such a folder; ``replaying`` reads
one back with no access to the machine at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import NotFound
from ..system.runner import RealRunner, RecordRunner, ReplayRunner
from ..system.sysfs import RecordingSysfs, Sysfs
from .pyfacts import LiveFacts, RecordingFacts, ReplayFacts

COMMANDS = "commands"
SYSFS = "sysfs"


@dataclass
class Session:
    """What ``probe_machine`` needs: runner, sysfs, facts, and a ``finish`` step."""
    runner: object
    sysfs: Sysfs
    facts: object
    replay: bool = False

    def finish(self) -> None:
        if isinstance(self.facts, RecordingFacts):
            self.facts.save()
        if isinstance(self.sysfs, RecordingSysfs):
            self.sysfs.seal()


def live() -> Session:
    return Session(RealRunner(), Sysfs("/"), LiveFacts())


def recording(folder: Path | str) -> Session:
    folder = Path(folder)
    (folder / SYSFS).mkdir(parents=True, exist_ok=True)
    return Session(RecordRunner(folder / COMMANDS), RecordingSysfs(folder / SYSFS, "/"),
                   RecordingFacts(folder))


def replaying(folder: Path | str) -> Session:
    folder = Path(folder)
    if not (folder / COMMANDS).is_dir():
        raise NotFound(what=str(folder / COMMANDS))
    return Session(ReplayRunner(folder / COMMANDS), Sysfs(folder / SYSFS),
                   ReplayFacts(folder), replay=True)
