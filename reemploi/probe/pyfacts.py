"""Facts the probe takes from Python libraries rather than from tools or /sys.

A few values come from inside our own process: the effective uid (are we root?), the
kernel's machine name, total RAM as psutil sees it, py-cpuinfo's CPU description
(only needed where /proc/cpuinfo says little, e.g. ARM boards), the probe's clock
and the paths of the running program. They go through one small provider so that a
machine folder can hold them too (``python.json``) and ``--replay`` is fully offline:

* ``LiveFacts``      asks the libraries;
* ``RecordingFacts`` asks them and remembers every answer, then ``save()``s them;
* ``ReplayFacts``    answers from ``python.json``; a missing key raises
  ``ReplayMissing`` naming the file, like a missing command recording.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Any

from ..errors import BadInput, ReplayMissing
from ..system.blockdev import program_paths
from ..i18n import N_
from ..lazylog import getLogger

log = getLogger(__name__)

PYTHON_JSON = "python.json"


class LiveFacts:
    """Answers from this process and the libraries (psutil, py-cpuinfo)."""

    def euid(self) -> int:
        return os.geteuid()

    def machine(self) -> str:
        # What platform.machine() returns on Linux (uname's machine field), without
        # importing platform: ~3 ms of every probe's start (issue 16).
        return os.uname().machine

    def now(self) -> str:
        # datetime.now(timezone.utc).isoformat(timespec="seconds"), the same text
        # ("2026-12-06T18:49:51+00:00"), without importing datetime (issue 16).
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())

    def memory_total(self) -> int | None:
        # The kernel's total RAM (sysinfo totalram, what /proc/meminfo calls MemTotal
        # and psutil.virtual_memory().total returns on Linux: the same 25 276 194 816
        # bytes on the 24 GiB VM this was measured on), without importing psutil:
        # 10-30 ms of every ``reemploi probe``. psutil stays the fallback.
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError) as exc:
            log.debug("sysconf has no memory size: %s", exc)
        try:
            import psutil
            return int(psutil.virtual_memory().total)
        except Exception as exc:  # psutil absent or /proc unreadable: RAM "unknown"
            log.debug("psutil failed: %s", exc)
            return None

    def cpuinfo(self) -> dict:
        # py-cpuinfo re-runs itself in a child process (about a second): only called
        # when /proc/cpuinfo lacks a model name or flags.
        try:
            import cpuinfo
            info = cpuinfo.get_cpu_info()
        except Exception as exc:
            log.debug("py-cpuinfo failed: %s", exc)
            return {}
        keep = ("vendor_id_raw", "brand_raw", "arch", "bits", "count", "hz_advertised",
                "hz_actual", "flags")
        return {k: _plain(info.get(k)) for k in keep if k in info}

    def program_paths(self) -> tuple[str, ...]:
        return program_paths()


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class RecordingFacts(LiveFacts):
    """Live answers, remembered for ``python.json``."""

    def __init__(self, folder: Path | str) -> None:
        self.path = Path(folder) / PYTHON_JSON
        self.values: dict[str, Any] = {}

    def _keep(self, key: str, value: Any) -> Any:
        self.values[key] = _plain(value)
        return value

    def euid(self) -> int:
        return self._keep("euid", super().euid())

    def machine(self) -> str:
        return self._keep("machine", super().machine())

    def now(self) -> str:
        return self._keep("now", super().now())

    def memory_total(self) -> int | None:
        return self._keep("memory_total", super().memory_total())

    def cpuinfo(self) -> dict:
        return self._keep("cpuinfo", super().cpuinfo())

    def program_paths(self) -> tuple[str, ...]:
        return tuple(self._keep("program_paths", list(super().program_paths())))

    def save(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.values, indent=2, sort_keys=True) + "\n",
                             encoding="utf-8")
        return self.path


class ReplayFacts:
    """Answers from a machine folder's ``python.json``."""

    def __init__(self, folder: Path | str) -> None:
        self.path = Path(folder) / PYTHON_JSON
        if not self.path.exists():
            raise ReplayMissing(cmd="python facts", path=str(self.path))
        try:
            self.values = json.loads(self.path.read_text(encoding="utf-8"))
        except ValueError as exc:
            from ..syserr import reason      # late: only a damaged recording needs it
            raise BadInput(what=str(self.path), why=reason(exc)) from None
        if not isinstance(self.values, dict):
            raise BadInput(what=str(self.path), why=N_("not a JSON object"))

    def _get(self, key: str) -> Any:
        if key not in self.values:
            raise ReplayMissing(cmd=f"python fact '{key}'", path=str(self.path))
        return self.values[key]

    def euid(self) -> int:
        return int(self._get("euid"))

    def machine(self) -> str:
        return str(self._get("machine"))

    def now(self) -> str:
        return str(self._get("now"))

    def memory_total(self) -> int | None:
        value = self._get("memory_total")
        return int(value) if value is not None else None

    def cpuinfo(self) -> dict:
        return dict(self._get("cpuinfo") or {})

    def program_paths(self) -> tuple[str, ...]:
        return tuple(self.values.get("program_paths") or ())
