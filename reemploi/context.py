"""The Context: everything a command needs from outside, passed explicitly.

Root paths are parameters (house rule 3): the runner (real / replay / record), the
sysfs root and the data directory all come from here, never from module globals, so
tests build a Context pointing at fixtures and loop devices.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .system.runner import RealRunner, Runner
from .system.sysfs import Sysfs


def default_home() -> Path:
    """``REEMPLOI_HOME``, else ``$XDG_DATA_HOME/reemploi`` (~/.local/share/reemploi)."""
    env = os.environ.get("REEMPLOI_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "reemploi"


@dataclass
class Context:
    runner: Runner = field(default_factory=RealRunner)
    sysfs: Sysfs = field(default_factory=Sysfs)
    home: Path = field(default_factory=default_home)
    lang: str = "fr"
    station: str = field(default_factory=lambda: os.environ.get("REEMPLOI_STATION")
                         or socket.gethostname() or "station")
    operator: str | None = field(default_factory=lambda: os.environ.get("REEMPLOI_OPERATOR"))
    assume_yes: bool = False
    replay: bool = False
