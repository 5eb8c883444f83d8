"""Run the real ``reemploi`` command in a subprocess and signal it mid-act.

(No tests in this file: helpers for tests/test_wipe_signals.py, test_image_signals.py,
and, below, the line-level sweeps of test_wipe_signal_sweep.py and
test_image_signal_sweep.py.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def cli_env(home: Path) -> dict:
    """The environment of a station: its home, its code, English messages, no auto-yes."""
    env = dict(os.environ, REEMPLOI_HOME=str(home), REEMPLOI_STATION="T", LANG="en_US.UTF-8")
    env.pop("REEMPLOI_YES", None)
    return env


def run_cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                          env=cli_env(home), capture_output=True, text=True, timeout=120)


def holds_open(pid: int, path: str) -> bool:
    """True once process ``pid`` has ``path`` open (the worker opened the disk)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            continue
    return False


def _starts(home: Path) -> int:
    """``*.started`` events in the journal (the act's intent, fsynced before a byte)."""
    try:
        return (Path(home) / "journal.jsonl").read_bytes().count(b'.started"')
    except FileNotFoundError:
        return 0


def signal_mid_act(args: list[str], home: Path, device: str, sig: int,
                   settle: float = 0.05, then: tuple[int, ...] = ()) -> tuple[int, str, str]:
    """Start ``reemploi ARGS``, send ``sig`` once it holds ``device`` open, has recorded
    its start (the device is opened and re-checked first, system/seal.py) and has been
    writing for ``settle`` seconds, then each of ``then`` 10 ms apart (an operator
    pressing Ctrl-C again, systemd repeating SIGTERM); return (exit status, stdout,
    stderr)."""
    starts = _starts(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT, env=cli_env(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Start with every signal at its default, as a shell's foreground job would.
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL)
                            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)])
    try:
        deadline = time.monotonic() + 60
        while not holds_open(proc.pid, device) or _starts(home) <= starts:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.002)
        time.sleep(settle)
        proc.send_signal(sig)
        for more in then:
            time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(more)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


# ------------------------------------------------------------ line-level sweeps
# tests/test_wipe_signal_sweep.py and tests/test_image_signal_sweep.py: a real stop
# signal raised from a trace function at the N-th line the main thread runs in the
# act's own code, for every N, in this process (timing a signal from outside hits a
# window only by luck).

# SIGINT, SIGTERM, and a second signal a few lines after the first (a second Ctrl-C
# while the records are written; the SIGINT a terminal sends after its SIGHUP).
SWEEP_VARIANTS = (((0, signal.SIGINT),),
                  ((0, signal.SIGTERM),),
                  ((0, signal.SIGINT), (3, signal.SIGINT)),
                  ((0, signal.SIGHUP), (25, signal.SIGINT)))


# An act takes well under a second; one still running after this has deadlocked (the
# image writer's old raising handler once left a queue's lock held, and the main thread
# then waited on it for ever): the watchdog breaks it, the sweep reports it, goes on.
HUNG_AFTER = 15.0


class Hung(Exception):
    """Raised by the watchdog in an act that deadlocked."""


def _hung(signum, frame):
    raise Hung()


def traced_act(act, swept: tuple[str, ...], sigs, *, at: int | None = None,
               skip: set | None = None) -> tuple[int, BaseException | None, list, tuple | None]:
    """Run ``act()`` with ``sigs`` ((line offset, signal), ...) raised from a trace
    function at a line the calling thread runs in a file whose path ends with one of
    ``swept``: the first signal at the ``at``-th such line, or (``skip``) at the first
    line whose stack (file and line of every swept frame up to here) is not in
    ``skip``; the others ``offset`` lines after it. Returns (lines run, what escaped,
    [(signal, "file:line")], that stack or None)."""
    count, sent, first, fresh = [0], [], [at], [None]
    here = sys._getframe()              # a stack's key stops here: the same for every act

    def tracer(frame, event, arg):
        if not frame.f_code.co_filename.endswith(swept):
            return None
        if event != "line":
            return tracer
        count[0] += 1
        if first[0] is None and skip is not None:
            key, f = [], frame
            while f is not here:
                if f.f_code.co_filename.endswith(swept):
                    key.append((f.f_code.co_filename, f.f_lineno))
                f = f.f_back
            key = tuple(key)
            if key in skip:
                return tracer
            fresh[0], first[0] = key, count[0]
        for offset, sig in sigs:
            if first[0] is not None and count[0] == first[0] + offset:
                sent.append((sig, f"{os.path.basename(frame.f_code.co_filename)}:"
                                  f"{frame.f_lineno}"))
                signal.raise_signal(sig)     # delivered now, in this thread
        return tracer

    escaped = None
    # The watchdog: SIGALRM (not a stop signal: StopSignals leaves it alone) breaks a
    # lock wait that never ends, then again every 2 s while the act unwinds (its
    # clean-up may wait on the same lock).
    old = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, HUNG_AFTER, 2.0)
    try:
        sys.settrace(tracer)
        try:
            act()
        finally:
            sys.settrace(None)
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:                 # noqa: BLE001 - what escaped is the point
        escaped = exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return count[0], escaped, sent, fresh[0]


class JournalTail:
    """The events appended to a journal since the last ``new()``, as written (no fold:
    what a reader of the file finds). A sweep's journal grows by thousands of events:
    reading it whole after each act made the sweep quadratic."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / "journal.jsonl"
        self.offset = 0

    def new(self) -> list[dict]:
        import json
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1         # a line being written is read next time
        self.offset += end
        return [json.loads(line) for line in data[:end].splitlines()]


def close_left_open(paths) -> list[str]:
    """Close (and name) this process's descriptors still open on ``paths``."""
    left = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target in paths:
            os.close(int(fd))
            left.append(target)
    return left


def _raise_stop(signum, frame):                  # what cli.main installs around commands
    from reemploi.system.signals import Stopped
    raise Stopped(signum)


def handlers_given_back() -> bool:
    """Whether the stop signals have ``command_handlers``' handler again (the act's
    ``StopSignals`` gave them back); if not, they get it back, for the next act."""
    back = True
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(s) is not _raise_stop:
            back = False
            signal.signal(s, _raise_stop)
    return back


@contextlib.contextmanager
def command_handlers() -> Iterator[None]:
    """The raising stop handlers ``cli.main`` installs around every command (the act's
    own ``StopSignals`` takes over inside it and gives these back)."""
    old = {s: signal.signal(s, _raise_stop)
           for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def ram_home(fallback: Path) -> Iterator[Path]:
    """A scratch folder on tmpfs when there is one: a sweep runs the act hundreds of
    times, and the journal's fsyncs on this VM's disk made it minutes long."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        yield fallback
        return
    home = Path(tempfile.mkdtemp(dir=shm))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
