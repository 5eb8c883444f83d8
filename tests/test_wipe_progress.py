"""The per-disk progress lines: redrawn in place on a terminal, silent elsewhere."""

import io

from reemploi.wipe.progress import MultiProgress


def test_lines_are_redrawn_in_place_with_speed_and_eta():
    out = io.StringIO()
    board = MultiProgress(["sda", "sdb"], stream=out, enabled=True)
    a, b = board.callback("sda"), board.callback("sdb")
    a("pass 1", 0, 100 << 20)
    b("pass 1", 0, 100 << 20)
    a("pass 1", 50 << 20, 100 << 20)
    text = out.getvalue()
    assert text.count("\x1b[2A") == 2            # cursor up over both lines, twice
    last = text.split("\x1b[2A")[-1]
    assert "sda" in last and "50.0%" in last and "left" in last and "sdb" in last   # time left


def test_nothing_is_drawn_without_a_terminal():
    out = io.StringIO()
    board = MultiProgress(["sda"], stream=out, enabled=False)
    board.callback("sda")("verify", 10, 100)
    assert out.getvalue() == ""
    assert "10.0%" in board.lines["sda"]
