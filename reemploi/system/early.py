"""Tools started before the command line is parsed, and what finds and starts them.

A live ``probe`` and a ``wipe`` start the tools they will first need (lspci, lsblk,
dmidecode) as soon as the interpreter runs ``reemploi.entry``, so that the tools run
while the interpreter imports the rest (issue 16). This module is what that needs and
nothing more: it imports only modules the interpreter has loaded before any script
runs (``os``, ``_signal``), never the package's dataclasses, enums, regexes or
pathlib, which cost a probe ~40 M instructions (valgrind) before its first tool
started. ``runner.RealRunner.run`` collects a tool started here (same argv, same
environment, its usual timeout, checks and log line); it is also where every other
command runs (the only module importing subprocess).
"""

from __future__ import annotations

import os
# The C half of ``signal``: the module ``signal`` builds its IntEnums at import, i.e.
# imports ``enum`` (~18 M instructions), for the two numbers posix_spawn needs.
import _signal

# The argv of the tools a live probe and a wipe start early; the collector and
# blockdev run these very tuples, which is how they claim the early processes.
LSPCI_ARGV = ("lspci", "-vmmnnk")
DMIDECODE_ARGV = ("dmidecode",)
# MOUNTPOINTS (all mount points of a device) appeared in util-linux 2.37; older lsblk
# only knows MOUNTPOINT (the first one): blocktext.py keeps the fallback.
LSBLK_COLUMNS = ("NAME,KNAME,PATH,TYPE,SIZE,MODEL,SERIAL,WWN,ROTA,TRAN,RM,RO,"
                 "MOUNTPOINTS,FSTYPE,LABEL,PKNAME,HOTPLUG")
LSBLK_ARGV = ("lsblk", "--json", "--bytes", "--output", LSBLK_COLUMNS)

# Tools started before the command line was parsed (``start_early``), by argv; the
# first ``RealRunner.run`` of the same argv collects the process instead of starting
# it again.
_EARLY: dict[tuple[str, ...], _Early] = {}


class _Early:
    """A tool ``start_early`` started: its process id, the read ends of its stdout
    and stderr pipes, and its exit status once reaped (None before, as Popen's)."""
    __slots__ = ("pid", "out", "err", "returncode")

    def __init__(self, pid: int, out: int, err: int) -> None:
        self.pid, self.out, self.err = pid, out, err
        self.returncode: int | None = None


def tool_env() -> dict:
    return dict(os.environ, LC_ALL="C", LANG="C", PATH=tool_path())


def start_early(argv) -> None:
    """Start a tool that only reads the machine now, so that its run overlaps the
    interpreter's imports; ``RealRunner.run`` with the same argv (no input) then
    waits for it, with its usual timeout, checks and log line.

    For the probe's tools and a wipe's planning listing (entry.py):
    they waited for ~0.2 s of imports before they started, then the command waited
    for them (issue 16). Never for a tool that
    changes anything: an early process may end up unclaimed (a usage error, --help),
    and is then killed when the interpreter exits.

    Started with ``os.posix_spawn`` as ``subprocess.Popen`` would start it here (own
    session, SIGPIPE and SIGXFSZ back to their defaults, the tools' environment, both
    outputs piped), without importing subprocess: a live probe on a machine without
    SMART disks then never needs it (~3 ms of its start)."""
    argv = tuple(str(a) for a in argv)
    exe = which(argv[0])
    if exe is None or argv in _EARLY:
        return                   # run() reports the missing tool as usual
    try:
        out_r, out_w = os.pipe()
    except OSError:
        return                   # run() tries again and reports it
    try:
        err_r, err_w = os.pipe()
    except OSError:
        os.close(out_r)
        os.close(out_w)
        return
    try:
        pid = os.posix_spawn(exe, [exe, *argv[1:]], tool_env(), setsid=True,
                             setsigdef=(_signal.SIGPIPE, _signal.SIGXFSZ),
                             file_actions=[(os.POSIX_SPAWN_DUP2, out_w, 1),
                                           (os.POSIX_SPAWN_DUP2, err_w, 2)])
    except (OSError, NotImplementedError):   # NotImplementedError: a libc without setsid
        for fd in (out_r, err_r):
            os.close(fd)
        return                   # run() tries again and reports it
    finally:
        os.close(out_w)
        os.close(err_w)
    _EARLY[argv] = _Early(pid, out_r, err_r)
    if len(_EARLY) == 1:
        import atexit
        atexit.register(_drop_early)


def forget_early(argv) -> None:
    """Drop what ``start_early`` started for ``argv``: a reading that must describe
    the machine as it is now (the check after a wipe's "yes") never takes an answer
    started before."""
    proc = _EARLY.pop(tuple(str(a) for a in argv), None)
    if proc is not None:
        end(proc)


def _drop_early() -> None:
    while _EARLY:
        _, proc = _EARLY.popitem()
        end(proc)


def end(proc: _Early) -> None:
    """Kill the tool if it still runs, close its pipes and reap it."""
    if proc.returncode is None:
        try:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if not pid:
                os.kill(proc.pid, 9)                 # SIGKILL, as Popen.kill
                pid, status = os.waitpid(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            pass
    for fd in (proc.out, proc.err):
        try:
            os.close(fd)
        except OSError:
            pass



def which(tool: str) -> str | None:
    """The executable ``tool`` on the tools' PATH (``tool_path``), or None: what
    ``shutil.which(tool, path=tool_path())`` answers on Linux (a name with a slash is
    checked as given; else the first PATH entry holding an executable non-directory
    of that name), without importing shutil and its compression modules, ~3 ms of
    every probe's start (issue 16)."""
    def usable(name: str) -> bool:
        return os.path.exists(name) and os.access(name, os.F_OK | os.X_OK) \
            and not os.path.isdir(name)
    if os.path.dirname(tool):
        return tool if usable(tool) else None
    seen: set[str] = set()
    for folder in tool_path().split(os.pathsep):
        if folder in seen:
            continue
        seen.add(folder)
        name = os.path.join(folder, tool)
        if usable(name):
            return name
    return None


def tool_path() -> str:
    # Tools such as dmidecode live in /usr/sbin, which a non-root PATH may lack.
    extra = "/usr/local/sbin:/usr/sbin:/sbin"
    return os.environ.get("PATH", "/usr/bin:/bin") + ":" + extra
