"""No traceback when the terminal cannot hold French text.

A station's console left at ``LANG=C`` or a pipe opened as Latin-1 cannot encode the
narrow no-break space French typography puts before ":" (U+202F) or "œ"; the
interpreter's default is then to raise UnicodeEncodeError on the first print. The
commands run here as whole processes (``python -m reemploi``) on recorded machines
(tests/fixtures/machines) and a journal written by the real ``intake``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MACHINES

ROOT = Path(__file__).resolve().parent.parent


def _run(args, encoding: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "LC_ALL": "C"}
    return subprocess.run([sys.executable, "-m", "reemploi", "--lang", "fr", *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_french_output_on_a_stream_that_is_not_utf8(encoding, tmp_path: Path):
    home = tmp_path / "home"
    made = _run(["intake", "--home", home, "--donor", "Mairie", "--device", "laptop:2:4.5",
                 "--create-ids"], encoding)
    assert made.returncode == 0, made.stderr
    for args, code in ((["probe", "--replay", MACHINES / "aspire-es1-non-root"], 0),
                       (["stats", "--home", home], 0),
                       (["inventory", "show", "NOPE", "--home", home], 10)):
        done = _run(args, encoding)
        assert done.returncode == code, (args, done.stderr)
        assert b"Traceback" not in done.stderr and b"UnicodeEncodeError" not in done.stderr
        assert done.stdout or done.stderr
        # What could be said is said: the French words survive around the replaced marks.
        text = (done.stdout + done.stderr).decode(encoding, "replace")
        assert "NOPE" in text if code else len(text) > 40
