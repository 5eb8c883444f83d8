"""The Context: everything a command needs from outside, passed explicitly.

Root paths are parameters (house rule 3): the runner (real / replay / record), the
sysfs root and the data directory all come from here, never from module globals, so
tests build a Context pointing at fixtures and loop devices.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from .system.runner import Runner
    from .system.sysfs import Sysfs


def default_home() -> Path:
    """``REEMPLOI_HOME``, else ``$XDG_DATA_HOME/reemploi`` (~/.local/share/reemploi)."""
    env = os.environ.get("REEMPLOI_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "reemploi"


# ``--operator NAME`` of the running command (set by the CLI's option callback, reset
# at each invocation): a name typed by a person, checked against the roster.
_cli_operator: str | None = None


def set_cli_operator(name: str | None) -> None:
    global _cli_operator
    _cli_operator = " ".join(name.split()) if name and name.strip() else None


def cli_operator() -> str | None:
    return _cli_operator


def station_code(home: Path) -> str:
    """The station as people name it: ``REEMPLOI_STATION``, else the settings' station
    code (A, B…, the letter in every asset id it hands out), else the host name when
    the settings cannot be read (the command that needs them says why)."""
    env = os.environ.get("REEMPLOI_STATION")
    if env:
        return env
    from .errors import BadInput
    from .settings import load_settings
    try:
        return load_settings(home).station_code
    except BadInput:
        import socket
        return socket.gethostname() or "station"


def operator_for(home: Path) -> str | None:
    """``--operator``, else ``REEMPLOI_OPERATOR``, else the station session's operator
    (``reemploi operator use``; inventory/operators.py)."""
    if _cli_operator:
        return _cli_operator
    env = os.environ.get("REEMPLOI_OPERATOR")
    if env and env.strip():
        return env.strip()
    from .inventory.operators import current
    return current(home)


@dataclass
class Context:
    """What a command works with: the data directory, language, runner, sysfs."""
    # None: the real machine's, made when first read (a command that reads the
    # inventory never runs a tool: subprocess and the runner stay unimported).
    runner: Runner | None = None
    sysfs: Sysfs | None = None
    home: Path = field(default_factory=default_home)
    lang: str = "fr"
    station: str | None = None          # None: station_code(home), when first read
    operator: str | None = None         # None: operator_for(home), when first read
    assume_yes: bool = False
    replay: bool = False
    # Called after each commit of the inventory this Context opens (``Inventory.
    # followers``): the CLI hands in stats.keep.follow, so every command that writes
    # the journal keeps the figures' ledger up to date (issue 16). Handed in from
    # above: the Context is below the stages that take it (documents, station).
    followers: tuple = ()
    # Told how far a refold of the whole journal is (``Inventory.open``'s
    # ``rebuilding``): the CLI hands in its notice (cli/refolding.py).
    rebuilding: object = None

    def inventory(self):
        """The inventory of ``home``, opened once per command (issue 16: each open
        takes the lock, reads the journal's tail and the projection's metadata; a
        label, image or wipe command used to do that several times). Safe to keep:
        every read syncs with the journal first, every write takes the lock."""
        key = (str(self.home), self.station, self.operator)
        cached = self.__dict__.get("_inventory")
        if cached is None or cached[0] != key:
            from .inventory.store import Inventory
            inv = Inventory.open(self.home, self.station, self.operator,
                                 rebuilding=self.rebuilding)
            inv.followers.extend(self.followers)
            cached = (key, inv)
            self.__dict__["_inventory"] = cached
        return cached[1]


def _resolved_on_first_read(name: str, resolve) -> property:
    """``Context.<name>``: the value given, else ``resolve(home)`` the first time it is
    read. Reading the station's settings (TOML) and the operator's session costs ~12 ms
    of CPU per command, more than a whole live probe's own work; ``probe``, ``parse``
    and ``--help`` never need them. ``dataclass`` assigns the field through the setter."""
    slot = "_" + name

    def get(self):
        value = self.__dict__.get(slot)
        if value is None:
            value = (resolve(self.home),)
            self.__dict__[slot] = value
        return value[0]

    def set(self, value) -> None:
        self.__dict__[slot] = None if value is None else (value,)

    return property(get, set, doc=f"{name} (resolved from home when not given)")


def _real_runner(home: Path):
    from .system.runner import RealRunner
    return RealRunner()


def _real_sysfs(home: Path):
    from .system.sysfs import Sysfs
    return Sysfs()


Context.runner = _resolved_on_first_read("runner", _real_runner)
Context.sysfs = _resolved_on_first_read("sysfs", _real_sysfs)
Context.station = _resolved_on_first_read("station", station_code)
Context.operator = _resolved_on_first_read("operator", operator_for)
