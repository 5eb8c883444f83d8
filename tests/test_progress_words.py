"""Progress lines (wipe board, image bar, station) in the reader's words."""

from __future__ import annotations

import io
import time

import pytest

from reemploi.image.render import ProgressBar
from reemploi.progress_words import progress_line
from reemploi.wipe.progress import MultiProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_line_in_french_and_english():
    fr = progress_line("pass 2", 452_000_000, 1_000_000_000, 4.0, "fr")
    assert fr.startswith("passe 2 [")
    assert "45,2\u00a0%" in fr and "113,0 Mo/s" in fr and "reste 0:04" in fr
    en = progress_line("pass 2", 452_000_000, 1_000_000_000, 4.0, "en")
    assert "pass 2 [" in en and "45.2%" in en and "113.0 MB/s" in en and "0:04 left" in en
    assert progress_line("verify", 0, 10, 0.0, "fr").endswith("reste --:--")


@pytest.mark.parametrize("lang, words, english", [
    ("fr", ("passe 1", "vérification", "Mo/s", "reste"), ("ETA", "MB/s", "pass 1", "verify")),
    ("en", ("pass 1", "verifying", "MB/s", "left"), ("reste", "Mo/s", "passe")),
])
def test_wipe_board_and_image_bar_speak_the_readers_language(lang, words, english):
    term = _Terminal()
    board = MultiProgress(["sdb"], stream=term, enabled=True, lang=lang)
    report = board.callback("sdb")
    bar = ProgressBar(lang, stream=_Terminal())
    for phase in ("pass 1", "verify"):
        report(phase, 0, 40_000_000)
        time.sleep(0.05)
        report(phase, 20_000_000, 40_000_000)          # a speed in MB/s, a time left
    bar("write", 0, 40_000_000)
    time.sleep(0.05)
    bar("write", 40_000_000, 40_000_000)               # the last report always draws
    text = term.getvalue() + bar.stream.getvalue()
    for word in words:
        assert word in text, (word, text)
    for word in english:
        assert word not in text, (word, text)
