"""What a killed process leaves behind, tied to that process so the next one can
tell it is dead and clean up.

``image write``'s post-install maps partitions of the written disk through offset
loop devices and edits files in a temporary folder. A ``kill -9`` (or a crash) in
the middle left loops attached over the target (they hold the disk: the next wipe of
it is refused as held) and ``/tmp/reemploi-postinstall-*`` folders, and a killed
projection write leaves ``.meta.json.PID.tmp``. So:

- a temporary folder is named ``reemploi-postinstall-<pid>-<random>``;
- every loop is listed, *before* ``losetup`` runs, in a record
  ``<run dir>/postinstall-<pid>.json`` holding the process's start time (a reused pid
  is then not mistaken for the owner) and each loop's backing device and offset; the
  record goes when the loops are detached;
- temporary files of the data directory are ``.NAME.<pid>.tmp`` (system.files).

``find`` lists the leftovers of dead processes; ``clean`` removes them: a loop is
detached only if it still maps the recorded device at the recorded offset (read
from sysfs: ``/sys/block/loopN/loop/{backing_file,offset}``). ``image write`` cleans
at start, ``reemploi doctor`` lists and ``doctor --clean`` removes.

The run directory is ``/run/reemploi`` (a tmpfs: emptied at boot, like the loops it
describes), or ``REEMPLOI_RUN_DIR``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .files import DIR_MODE, make_dirs, write_atomic
from ..syserr import reason
from ..lazylog import getLogger

log = getLogger(__name__)

FOLDER_PREFIX = "reemploi-postinstall-"
RECORD_PREFIX = "postinstall-"
_FOLDER_RE = re.compile(r"^reemploi-postinstall-(\d+)-")
_RECORD_RE = re.compile(r"^postinstall-(\d+)\.json$")
_TEMP_RE = re.compile(r"^\..+\.(\d+)\.tmp$")


def run_dir() -> Path:
    return Path(os.environ.get("REEMPLOI_RUN_DIR") or "/run/reemploi")


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field
    22, proc(5)): with the pid, it names one process for the life of the system."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def alive(pid: int, start: str | None = None) -> bool:
    """Is process ``pid`` (started at ``start``, when known) still running?"""
    now = start_time(pid)
    return now is not None and (start is None or now == start)


def make_temp_folder() -> Path:
    """A private temporary folder whose name carries this process's pid."""
    return Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))


class LoopRecord:
    """This process's record of the loop devices it attaches (see the module doc)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or run_dir()
        self.path = self.folder / f"{RECORD_PREFIX}{os.getpid()}.json"
        self.loops: list[dict] = []

    def _save(self) -> None:
        if not self.loops:
            self.path.unlink(missing_ok=True)
            return
        make_dirs(self.folder, DIR_MODE)
        doc = {"pid": os.getpid(), "start": start_time(os.getpid()), "loops": self.loops}
        write_atomic(self.path, json.dumps(doc, sort_keys=True).encode())

    def intend(self, backing: str, offset: int) -> dict:
        """Say a loop over ``backing`` at ``offset`` is about to be attached."""
        entry = {"backing": backing, "offset": offset, "loop": None}
        self.loops.append(entry)
        self._save()
        return entry

    def attached(self, entry: dict, loop: str) -> None:
        entry["loop"] = loop
        self._save()

    def detached(self, entry: dict) -> None:
        if entry in self.loops:
            self.loops.remove(entry)
        self._save()


@dataclass(frozen=True)
class Leftover:
    kind: str            # "loop" | "folder" | "temp-file" | "record"
    path: str
    pid: int
    detail: str = ""


def _loops_over(sysfs, backing: str, offset: int) -> list[str]:
    """Attached loop devices mapping ``backing`` at ``offset`` (sysfs)."""
    found = []
    for name in sysfs.listdir("sys/block"):
        if not name.startswith("loop"):
            continue
        back = (sysfs.read(f"sys/block/{name}/loop/backing_file") or "").strip()
        if back and os.path.realpath(back) == os.path.realpath(backing) \
                and sysfs.read_int(f"sys/block/{name}/loop/offset") == offset:
            found.append(f"/dev/{name}")
    return found


def find(ctx, home: Path | None = None) -> list[Leftover]:
    """Leftovers of dead processes: loops and their records, temporary folders,
    temporary files of the data directory ``home``."""
    out: list[Leftover] = []
    folder = run_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            m = _RECORD_RE.match(path.name)
            if not m:
                continue
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                pid, start, loops = int(doc["pid"]), doc.get("start"), list(doc["loops"])
            except (OSError, ValueError, KeyError, TypeError):
                pid, start, loops = int(m.group(1)), None, []
            if alive(pid, start):
                continue
            for entry in loops:
                if not isinstance(entry, dict):
                    continue
                for loop in _loops_over(ctx.sysfs, str(entry.get("backing")),
                                        entry.get("offset")):
                    out.append(Leftover("loop", loop, pid, str(entry.get("backing"))))
            out.append(Leftover("record", str(path), pid))
    tmp = Path(tempfile.gettempdir())
    for path in sorted(tmp.glob(FOLDER_PREFIX + "*")):
        m = _FOLDER_RE.match(path.name)
        if m and path.is_dir() and not path.is_symlink() and not alive(int(m.group(1))):
            out.append(Leftover("folder", str(path), int(m.group(1))))
    if home is not None and Path(home).is_dir():
        for path in sorted(_temp_files(Path(home))):
            pid = int(_TEMP_RE.match(path.name).group(1))
            if not alive(pid):
                out.append(Leftover("temp-file", str(path), pid))
    return out


def _temp_files(home: Path):
    # The data directory and the projection's folders: where write_atomic writes.
    for folder in (home, *(p for p in home.rglob("*") if p.is_dir() and not p.is_symlink())):
        for path in folder.glob(".*.tmp"):
            if _TEMP_RE.match(path.name) and not path.is_symlink():
                yield path


def clean(ctx, leftovers: list[Leftover]) -> list[tuple[Leftover, str | None]]:
    """Remove each leftover (loops first, then what records them); returns each with
    None or the reason it could not be removed."""
    done = []
    order = {"loop": 0, "folder": 1, "temp-file": 2, "record": 3}
    for item in sorted(leftovers, key=lambda lo: order.get(lo.kind, 9)):
        why = None
        try:
            if item.kind == "loop":
                res = ctx.runner.run(["losetup", "-d", item.path], check=False)
                if res.returncode != 0:
                    why = res.error_text.strip() or f"losetup exit {res.returncode}"
            elif item.kind == "folder":
                shutil.rmtree(item.path)
            else:
                os.unlink(item.path)
        except FileNotFoundError:
            pass
        except Exception as exc:     # reported per item: one failure must not stop the rest
            why = reason(exc)
        if why:
            log.warning("leftover %s %s not removed: %s", item.kind, item.path, why)
        done.append((item, why))
    return done


def clean_dead(ctx) -> list[tuple[Leftover, str | None]]:
    """At the start of a command that attaches loops: the dead ones' loops and
    folders go first (their loops would hold the very disk being written)."""
    try:
        found = [lo for lo in find(ctx) if lo.kind != "temp-file"]
    except OSError as exc:
        log.warning("leftovers not checked: %s", exc)
        return []
    return clean(ctx, found) if found else []
