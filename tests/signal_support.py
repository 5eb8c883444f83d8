"""Run the real ``reemploi`` command in a subprocess and signal it mid-act.

(No tests in this file: helpers for tests/test_wipe_signals.py, test_image_signals.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
                   settle: float = 0.05) -> tuple[int, str, str]:
    """Start ``reemploi ARGS``, send ``sig`` once it holds ``device`` open, has recorded
    its start (the device is opened and re-checked first, system/seal.py) and has been
    writing for ``settle`` seconds; return (exit status, stdout, stderr)."""
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
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err
