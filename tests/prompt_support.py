"""Run the real ``reemploi`` command on a pseudo-terminal and act while it asks.

The confirmation prompt only appears on a terminal (cli/common.confirm refuses to ask
a pipe), so the command runs with a pty as stdin and stdout; ``before_answer`` runs
when the prompt is on screen, as an attacker (or an unlucky colleague at the next
USB port) would act between the plan and the operator's "yes".

(No tests in this file: a helper for test_wipe_recheck.py.)
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from signal_support import ROOT, cli_env

PROMPT = "[type 'yes' to continue]"


def _read_until(fd: int, marker: str, deadline: float, sink: list[str]) -> bool:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:          # EIO: the child closed its side
            return marker in "".join(sink)
        if not chunk:
            return marker in "".join(sink)
        sink.append(chunk.decode("utf-8", "replace"))
        if marker in "".join(sink):
            return True
    return False


def answer_prompt(args: list[str], home: Path, before_answer: Callable[[], None],
                  answer: str = "yes", timeout: float = 120) -> tuple[int, str]:
    """Run ``reemploi ARGS`` on a pty; when it asks, call ``before_answer`` then type
    ``answer``. Returns (exit status, everything the terminal showed). The prompt, like
    every message for the operator, goes to stderr, which is the terminal too."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                            env=cli_env(home), stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True)
    os.close(slave)
    out: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        asked = _read_until(master, PROMPT, deadline, out)
        assert asked, "no confirmation prompt:\n" + "".join(out)
        before_answer()
        os.write(master, (answer + "\n").encode())
        _read_until(master, "\0never\0", deadline, out)     # everything until it exits
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return proc.returncode, "".join(out)
