"""What a person sees while the inventory's state is refolded from the whole journal:
one sentence in their language saying nothing is lost (stderr, so ``--json`` output
stays clean), a progress line on a terminal, and nothing at all when the projection
is in step."""

from __future__ import annotations

import io
import json
import os
import subprocess  # the whole command, as a user runs it
import sys
from pathlib import Path

import pytest

from reemploi.cli.refolding import RefoldNotice
from reemploi.inventory.store import Inventory

ROOT = Path(__file__).resolve().parent.parent


def _show(home: Path, aid: str, lang: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, REEMPLOI_HOME=str(home), REEMPLOI_STATION="T", REEMPLOI_LANG=lang)
    return subprocess.run([sys.executable, "-m", "reemploi", "inventory", "show", aid, "--json"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("lang, words", [
    ("fr", ["L'état de l'inventaire est reconstruit à partir de son journal",
            "rien n'est perdu", "reconstruit à partir du journal en"]),
    ("en", ["The inventory's state is being rebuilt from its journal",
            "nothing is lost", "rebuilt from the journal in"])])
def test_a_rebuild_says_so_and_that_nothing_is_lost(tmp_path, lang, words):
    home = tmp_path / "home"
    inv = Inventory.open(home, "T")
    aid = inv.create_asset("machine", "laptop")
    # A journal past the notice's threshold (1 MiB): smaller ones refold in a blink.
    inv.record_many([("note", aid, {"text": "kept " + "x" * (400 << 10)})] * 3)
    in_step = _show(home, aid, lang)
    assert in_step.returncode == 0 and in_step.stderr == "", in_step.stderr
    # A projection nothing vouches for (a power cut can leave meta.json empty).
    (home / "projection" / "meta.json").write_bytes(b"")
    done = _show(home, aid, lang)
    assert done.returncode == 0, done.stderr
    for w in words:
        assert w in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr   # no terminal
    assert json.loads(done.stdout)["history"] == 4
    assert _show(home, aid, lang).stderr == ""          # rebuilt once, in step since


def test_a_small_journal_refolds_without_a_word(tmp_path):
    home = tmp_path / "home"
    aid = Inventory.open(home, "T").create_asset("machine", "laptop")
    (home / "projection" / "meta.json").write_bytes(b"")
    done = _show(home, aid, "en")
    assert done.returncode == 0 and done.stderr == "", done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_line_is_redrawn_in_place():
    out = _Terminal()
    notice = RefoldNotice("fr", stream=out)
    notice("read", 0, 4_000_000)
    notice.last = -1.0                        # the next report is due (every 0.2 s)
    notice("read", 1_000_000, 4_000_000)
    notice("write", 128, 512)                 # a new phase is drawn at once
    notice("done", 4_000_000, 4_000_000)
    first, rest, end = out.getvalue().split("\n")
    assert "(4,0 Mo à relire)" in first and end == ""
    # The progress lines (each from a carriage return), then the line erased for the
    # last words.
    _, reading, writing, last = rest.split("\r")
    assert reading.startswith("lecture [") and "25,0" in reading
    assert writing.startswith("écriture de l'état [#######-") and "128/512 fragments" in writing
    assert last.startswith("\x1b[KÉtat de l'inventaire reconstruit à partir du journal en")
