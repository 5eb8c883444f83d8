"""Every external command goes through a Runner (the only module importing subprocess).

Three runners share one protocol:

* ``RealRunner``   runs argv lists (never a shell) with ``LC_ALL=C`` so tool output is
  parseable whatever the operator's locale, a timeout, and one debug log line each.
* ``ReplayRunner`` answers from a folder of recorded outputs named after the argv
  (pySMART's test layout); a missing recording raises ``ReplayMissing`` naming the
  exact file to add, so a new machine is data, not code.
* ``RecordRunner`` wraps the real one and saves everything it ran in that layout.

A recording is ``<dir>/<name>`` (stdout bytes) with optional ``<name>.rc`` (exit
status, default 0) and ``<name>.stderr``; ``<name>`` comes from ``recording_name``.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
TYPE_CHECKING = False   # as typing.TYPE_CHECKING, without importing typing (issue 16)

if TYPE_CHECKING:
    from typing import Protocol, Sequence

    class Runner(Protocol):
        """What every stage may ask of the outside world (``RealRunner``,
        ``ReplayRunner``, ``RecordRunner``). For type hints only: importers take it
        under ``TYPE_CHECKING`` (printing.py, context.py), so that no command pays
        for importing typing at run time (~4 ms of a probe's start, issue 16)."""

        def run(self, argv: Sequence[str], *, timeout: float = 60.0, check: bool = True,
                ok_codes: Sequence[int] = (0,), input: bytes | None = None,
                needs_root: bool = False, stop=None) -> CommandResult: ...

        def has_tool(self, tool: str) -> bool: ...

        def running(self, argv: Sequence[str]) -> bool: ...

from ..errors import NeedsRoot, ReplayMissing, ToolFailed, ToolMissing, ToolTimeout
from ..lazylog import getLogger
from ..lazyre import lazy
# Starting tools early, finding them, their environment: in early.py, which the entry
# point imports before anything heavy; re-exported here, the one door to commands.
from .early import (_EARLY, _Early, end, forget_early, start_early,  # noqa: F401
                    tool_env, tool_path, which)

log = getLogger(__name__)

# Tool -> Debian package, for "install it" messages.
PACKAGES = {
    "smartctl": "smartmontools", "dmidecode": "dmidecode", "lshw": "lshw",
    "lsblk": "util-linux", "blkid": "util-linux", "partx": "util-linux", "losetup": "util-linux",
    "findmnt": "util-linux", "blockdev": "util-linux", "wipefs": "util-linux",
    "blkdiscard": "util-linux", "sfdisk": "fdisk", "sgdisk": "gdisk",
    "lspci": "pciutils", "lsusb": "usbutils", "hdparm": "hdparm", "nvme": "nvme-cli",
    "upower": "upower", "edid-decode": "edid-decode", "e2fsck": "e2fsprogs",
    "resize2fs": "e2fsprogs", "mkfs.ext4": "e2fsprogs", "debugfs": "e2fsprogs",
    "partprobe": "parted", "parted": "parted", "lp": "cups-client",
    "lpstat": "cups-client", "lpadmin": "cups-client", "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils", "zstd": "zstd", "bmaptool": "bmap-tools",
    "nwipe": "nwipe", "dd": "coreutils", "stress-ng": "stress-ng",
    "sysbench": "sysbench", "mokutil": "mokutil", "udevadm": "udev",
    "mount": "mount", "umount": "mount", "dmsetup": "dmsetup", "setfont": "kbd",
}

# Compiled at the first failed tool, not at import (lazyre): most probes never need
# it, and compiling a pattern costs a start-up a few hundred microseconds (issue 16).
_ROOT_HINTS = lazy(
    rb"permission denied|operation not permitted|must be root|you must be root|"
    rb"requires root|are you root|need(s)? to be root|superuser", re.IGNORECASE)


@dataclass(frozen=True)
class CommandResult:
    """What a tool answered: argv, exit status, output, error output, seconds."""
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes = b""
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def error_text(self) -> str:
        return self.stderr.decode("utf-8", errors="replace").strip()


def recording_name(argv: Sequence[str]) -> str:
    """File name of a recording: argv tokens joined by '__', '/' and unsafe chars -> '_'."""
    parts = [re.sub(r"[^A-Za-z0-9=.,:+@-]", "_", a) for a in argv]
    name = "__".join(parts)
    return name[:200]


def _check(result: CommandResult, check: bool, ok_codes: Sequence[int],
           needs_root: bool) -> CommandResult:
    if not check or result.returncode in ok_codes:
        return result
    cmd = " ".join(result.argv)
    if needs_root or _ROOT_HINTS.search(result.stderr):
        if os.geteuid() != 0:
            raise NeedsRoot(what=cmd)
    raise ToolFailed(cmd=cmd, status=result.returncode,
                     stderr=result.error_text[-500:] or "-")


class _Timeout(Exception):
    """A tool ran past its time (``RealRunner.run`` makes it ``ToolTimeout``)."""


def _collect_early(proc: _Early, limit: float) -> tuple[int, bytes, bytes]:
    """Exit status (negative: the signal that ended it, as Popen's ``returncode``),
    stdout and stderr of an early tool, read until both pipes close and the tool has
    exited, within ``limit`` seconds; ``_Timeout`` past it. Any other way out (Ctrl-C)
    kills and reaps the tool first, as ``subprocess.run`` does."""
    import select
    deadline = time.monotonic() + limit
    chunks: dict[int, list[bytes]] = {proc.out: [], proc.err: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    pending = set(chunks)
    try:
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout()
            for fd, _ in poller.poll(max(1, int(left * 1000))):
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    poller.unregister(fd)
                    pending.discard(fd)
        while True:              # both pipes closed: the tool is ending
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() >= deadline:
                raise _Timeout()
            time.sleep(0.001)
    except BaseException:
        end(proc)
        raise
    for fd in (proc.out, proc.err):
        os.close(fd)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, b"".join(chunks[proc.out]), b"".join(chunks[proc.err])


def _run_stoppable(subprocess, cmd: list[str], input: bytes | None, limit: float,
                   stop) -> tuple[int, bytes, bytes]:
    """``subprocess.run`` that asks ``stop`` every 50 ms (``RealRunner.run``)."""
    import signal
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if input is not None else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=tool_env(), start_new_session=True)
    deadline = time.monotonic() + limit
    first = True
    try:
        while True:
            try:
                # Input goes with the first call only (communicate keeps it after).
                out, err = proc.communicate(input if first else None, timeout=0.05)
                return proc.returncode, out, err
            except subprocess.TimeoutExpired:
                first = False
            if time.monotonic() >= deadline:
                raise _Timeout()
            stop()
    except BaseException:
        # As subprocess.run on any way out, but the whole session and gently first:
        # e2fsck or resize2fs told SIGTERM stop cleanly where SIGKILL may not.
        for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.communicate(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        raise


class RealRunner:
    """Runs commands on this machine."""

    def __init__(self, default_timeout: float = 60.0) -> None:
        self.default_timeout = default_timeout

    def has_tool(self, tool: str) -> bool:
        return which(tool) is not None

    def running(self, argv: Sequence[str]) -> bool:
        """A process ``start_early`` started for ``argv`` waits to be collected: ``run``
        will take it, no thread need start it (the probe's prefetch)."""
        return tuple(str(a) for a in argv) in _EARLY

    def run(self, argv, *, timeout=None, check=True, ok_codes=(0,), input=None,
            needs_root=False, stop=None):
        """Run ``argv``; ``stop``: called every 50 ms while the tool runs, it raises to
        stop (``StopSignals.check``): the tool is then ended (SIGTERM to its session,
        SIGKILL 2 s later) and the exception goes on. The tool runs in its own session,
        so a stop at the terminal reaches it only this way."""
        argv = tuple(str(a) for a in argv)
        exe = which(argv[0])
        if exe is None:
            raise ToolMissing(tool=argv[0], package=PACKAGES.get(argv[0], "?"))
        if needs_root and os.geteuid() != 0:
            raise NeedsRoot(what=" ".join(argv))
        limit = timeout if timeout is not None else self.default_timeout
        early = _EARLY.pop(argv, None) if input is None else None
        start = time.monotonic()
        try:
            if early is not None:
                returncode, out, err = _collect_early(early, limit)
            else:
                import subprocess   # here: a probe whose tools all started early never needs it
                # Own session: a Ctrl-C at the terminal reaches us, not the tool. A
                # drive's firmware erase (hdparm, nvme, run from a wipe thread) must not
                # be cut between "set password" and "erase"; we stop between steps
                # ourselves. In the main thread, subprocess.run still kills its child
                # when Ctrl-C lands.
                if stop is not None:
                    returncode, out, err = _run_stoppable(subprocess, [exe, *argv[1:]],
                                                          input, limit, stop)
                else:
                    try:
                        proc = subprocess.run([exe, *argv[1:]], input=input,
                                              capture_output=True, timeout=limit,
                                              env=tool_env(), check=False,
                                              start_new_session=True)
                    except subprocess.TimeoutExpired:
                        raise _Timeout() from None
                    returncode, out, err = proc.returncode, proc.stdout, proc.stderr
        except _Timeout:
            log.debug("timeout after %ss: %s", limit, argv)
            raise ToolTimeout(cmd=" ".join(argv), seconds=limit) from None
        except OSError as exc:  # e.g. exec format error, ENOEXEC
            raise ToolFailed(cmd=" ".join(argv), status=-1, stderr=str(exc)) from None
        seconds = time.monotonic() - start
        log.debug("ran %s -> %s in %.3fs%s", " ".join(argv), returncode, seconds,
                  " (started early)" if early is not None else "")
        result = CommandResult(argv, returncode, out, err, seconds)
        return _check(result, check, ok_codes, needs_root)


class ReplayRunner:
    """Answers from recorded outputs in ``folder`` (a machine fixture's commands/)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.calls: list[tuple[str, ...]] = []
        self.counts: dict[str, int] = {}

    def _missing_tools(self) -> set[str]:
        marker = self.folder / "MISSING_TOOLS"
        if marker.exists():
            return set(marker.read_text().split())
        return set()

    def has_tool(self, tool: str) -> bool:
        return tool not in self._missing_tools()

    def running(self, argv: Sequence[str]) -> bool:
        return False                      # recordings: nothing ever runs

    def run(self, argv, *, timeout=None, check=True, ok_codes=(0,), input=None,
            needs_root=False, stop=None):
        argv = tuple(str(a) for a in argv)
        if stop is not None:
            stop()                        # a recorded answer is instant: asked once
        self.calls.append(argv)
        if argv[0] in self._missing_tools():
            raise ToolMissing(tool=argv[0], package=PACKAGES.get(argv[0], "?"))
        name = recording_name(argv)
        calls = self.counts[name] = self.counts.get(name, 0) + 1
        path = self.folder / name
        # A command whose answer changes between calls (hdparm -I before and after a
        # firmware command) has ``NAME~2``, ``NAME~3``…: the n-th call gets the latest
        # ``~k`` with k <= n, the first call ``NAME``.
        for k in range(calls, 1, -1):
            if (self.folder / f"{name}~{k}").exists():
                path = self.folder / f"{name}~{k}"
                break
        if not path.exists():
            raise ReplayMissing(cmd=" ".join(argv), path=str(path))
        rc_file = path.with_name(path.name + ".rc")
        err_file = path.with_name(path.name + ".stderr")
        rc_text = rc_file.read_text().strip() if rc_file.exists() else "0"
        if rc_text == "timeout":
            raise ToolTimeout(cmd=" ".join(argv), seconds=timeout or 0)
        result = CommandResult(argv, int(rc_text), path.read_bytes(),
                               err_file.read_bytes() if err_file.exists() else b"")
        return _check(result, check, ok_codes, needs_root)


@dataclass
class RecordRunner:
    """Runs for real and saves each command's outputs for later replay."""

    folder: Path
    inner: RealRunner = field(default_factory=RealRunner)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def has_tool(self, tool: str) -> bool:
        present = self.inner.has_tool(tool)
        if not present:
            marker = self.folder / "MISSING_TOOLS"
            known = set(marker.read_text().split()) if marker.exists() else set()
            marker.write_text("\n".join(sorted(known | {tool})) + "\n")
        return present

    def running(self, argv: Sequence[str]) -> bool:
        return self.inner.running(argv)

    def run(self, argv, *, timeout=None, check=True, ok_codes=(0,), input=None,
            needs_root=False, stop=None):
        argv = tuple(str(a) for a in argv)
        path = self.folder / recording_name(argv)
        try:
            result = self.inner.run(argv, timeout=timeout, check=False, input=input,
                                    stop=stop)
        except ToolMissing:
            self.has_tool(argv[0])
            raise
        except ToolTimeout:
            path.write_bytes(b"")
            path.with_name(path.name + ".rc").write_text("timeout\n")
            raise
        path.write_bytes(result.stdout)
        if result.returncode:
            path.with_name(path.name + ".rc").write_text(f"{result.returncode}\n")
        if result.stderr:
            path.with_name(path.name + ".stderr").write_bytes(result.stderr)
        return _check(result, check, ok_codes, needs_root)
