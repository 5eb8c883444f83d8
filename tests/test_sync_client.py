"""The station side of ``sync push`` on a real journal (made by the real inventory):
the lines after the server's head are found by walking back from the journal's end,
so a push costs its new lines, not the journal; a journal shorter than the server's
head, or with another line at that head, is refused."""

from __future__ import annotations

import json

import pytest

from reemploi.inventory.journal import Journal
from reemploi.inventory.store import Inventory
from reemploi.sync.client import JournalBehindServer, JournalDiffers, _pending_lines


@pytest.fixture
def journal(tmp_path) -> Journal:
    inv = Inventory.open(tmp_path, "TRI-A", "Camille")
    lot, _ = inv.receive_lot("Mairie", devices=[("laptop", 12, None)])
    for i in range(12):
        aid = inv.create_asset("machine", "laptop", lot_id=lot["id"])
        # lines of growing length (up to ~1 kB), so 97-byte blocks cut them anywhere
        inv.set_status(aid, "diagnosed", reason="é" * (40 * i))
    return Journal(tmp_path)


def _lines(journal: Journal) -> list[bytes]:
    return journal.path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("block", [97, 4096, 1 << 20])
def test_pending_lines_are_the_lines_after_the_server_head(journal, block):
    lines = _lines(journal)
    for head in range(len(lines) + 1):
        hash_ = json.loads(lines[head - 1])["hash"] if head else ""
        assert _pending_lines(journal, head, hash_, block=block) == lines[head:], head


def test_a_cut_or_rewritten_journal_is_refused(journal):
    lines = _lines(journal)
    with pytest.raises(JournalBehindServer):
        _pending_lines(journal, len(lines) + 5, "0" * 64)
    with pytest.raises(JournalDiffers):
        _pending_lines(journal, 7, "f" * 64, block=97)
