"""Real processes killed with SIGKILL at every step of a compaction (inventory/saving.py:
files staged, meta.json, staged files moved in place, tails dropped): nothing is lost,
and the next open repairs locally: it rewrites only files of the groups that write
touched, and never refolds the whole journal."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess  # tests may drive processes directly; the package may not
import sys
from pathlib import Path

import pytest

from reemploi.inventory.journal import Journal
from reemploi.inventory.projection import Projection
from reemploi.inventory.store import Inventory
from reemploi.inventory.verify import verify_home

ROOT = Path(__file__).resolve().parent.parent

# One note on a machine whose groups all have tails, every group it touches compacted
# (tails.needs_compaction forced, as in test_journal_crash.py), and the process kills
# itself with SIGKILL just before its ``step``-th rename or unlink (0: never). Those
# are the points between which a save leaves its files: each staged file's rename
# (write_atomic), meta.json's, each staged file moved in place, each tail file
# dropped. Prints how many there were and the note's id if it lived.
KILLED = r"""
import os, signal, sys
from pathlib import Path
from reemploi.inventory import tails
from reemploi.inventory.journal import Journal
from reemploi.inventory.projection import Projection
from reemploi.inventory.store import Inventory
from reemploi.inventory.verify import verify_home
home, aid, step = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
inv = Inventory.open(home, "K")
tails.needs_compaction = lambda base, state, adding: True
count = 0
def counted(real):
    def call(*args, **kwargs):
        global count
        count += 1
        if count == step:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
os.replace, os.unlink = counted(os.replace), counted(os.unlink)
ev = inv.record("note", aid, {"text": "the compacting write"})
print(count, ev.id, flush=True)
"""


def _files(home: Path) -> dict[str, tuple[int, int]]:
    proj = home / "projection"
    return {str(p.relative_to(proj)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in proj.rglob("*") if p.is_file()}


def _killed(home: Path, aid: str, step: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLED, str(home), aid, str(step)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, str]:
    """A small inventory whose machine ``aid`` has a tail in each group a note on it
    touches (its asset shard, its ``events`` index shard)."""
    home = tmp_path_factory.mktemp("compaction") / "home"
    inv = Inventory.open(home, "K")
    _, ids = inv.receive_lot("Mairie", devices=[("laptop", 8, 2.5)], create_ids=True)
    for aid in ids:
        inv.record("note", aid, {"text": "first"})
    for aid in ids:
        inv.record("note", aid, {"text": "second: appended to the tails"})
    assert any((home / "projection" / "tails").iterdir())
    return home, ids[3]


def test_every_kill_point_of_a_compaction_is_repaired_locally(prepared, tmp_path, caplog):
    base, aid = prepared
    # The whole write, not killed: its steps, and the files a compaction changes.
    whole = tmp_path / "whole"
    shutil.copytree(base, whole)
    before = _files(whole)
    done = _killed(whole, aid, 0)
    assert done.returncode == 0, done.stderr
    steps = int(done.stdout.split()[0])
    changed = {k for k, v in _files(whole).items() if before.get(k) != v}
    assert any(k.startswith("assets/") for k in changed), changed     # it compacted
    assert not any(k.endswith(".next") for k in changed)
    # Files a full refold would rewrite but this write leaves alone: the repair must
    # leave them alone too.
    untouched = {k for k in before if k not in changed and not k.startswith("tails/")}
    assert untouched, before

    caplog.set_level(logging.DEBUG, logger="reemploi")
    for step in range(1, steps + 1):
        home = tmp_path / f"killed-{step}"
        shutil.copytree(base, home)
        killed = _killed(home, aid, step)
        assert killed.returncode == -9, (step, killed.returncode, killed.stderr)
        at_kill = _files(home)
        # ``inventory verify`` (read-only) before any open: a state the next open
        # accepts, never "damaged"; and it changes nothing.
        seen = verify_home(Journal(home), Projection(home))
        assert seen.projection.value in ("behind", "current"), (step, seen.projection)
        assert _files(home) == at_kill
        caplog.clear()
        inv = Inventory.open(home, "after")
        # Nothing lost: the note is in the journal (it was fsynced before any step),
        # and the machine's state has it.
        history = inv.history(aid)
        assert [e.payload.get("text") for e in history if e.type == "note"][-1] == \
            "the compacting write", step
        assert inv.machine(aid)["history"] == len(history)
        report = inv.verify(deep=True)
        assert report.ok and report.projection.value == "current", (step, report)
        assert report.projection_detail == {}, (step, report.projection_detail)
        # Local: no full refold, and no file outside the write's groups rewritten.
        assert not [r for r in caplog.records if "rebuil" in r.getMessage()], step
        after = _files(home)
        rewritten = {k for k, v in after.items() if at_kill.get(k) != v}
        assert not rewritten & untouched, (step, sorted(rewritten & untouched))
        assert not [k for k in after if k.endswith(".next")], (step, sorted(after))
        # No tail file meta.json does not name (one a compaction took in, left by a
        # writer killed before it removed it).
        vouched = json.loads((home / "projection" / "meta.json").read_bytes())["tails"]
        assert {k.split("/")[1].rsplit(".", 1)[0] for k in after if k.startswith("tails/")} \
            <= set(vouched), step


def test_a_staged_file_of_an_unfinished_save_is_never_moved_in(prepared, tmp_path):
    """meta.json names a staged file (a save cut after it), but the file there is not
    the one it vouches for (another save's, cut before its meta.json): it disagrees
    with meta.json's CRC-32, so it is removed, never moved in place; the file in place
    then disagrees too, and the state is refolded from the journal: right, not fast."""
    base, aid = prepared
    for step in range(1, 40):
        home = tmp_path / f"cut-{step}"
        shutil.copytree(base, home)
        assert _killed(home, aid, step).returncode == -9
        staged = sorted((home / "projection").rglob("*.next"))
        if staged and '"staged"' in (home / "projection" / "meta.json").read_text():
            break
        shutil.rmtree(home)
    else:
        pytest.fail("no kill point between meta.json and the staged files' moves")
    victim = staged[-1]
    final = victim.with_name(victim.name[:-len(".next")])
    spoilt = victim.read_bytes() + b" "
    victim.write_bytes(spoilt)
    inv = Inventory.open(home, "after")
    notes = [e.payload.get("text") for e in inv.history(aid) if e.type == "note"]
    assert notes[-1] == "the compacting write"
    assert not victim.exists() and final.read_bytes() != spoilt
    assert not list((home / "projection").rglob("*.next"))
    report = inv.verify(deep=True)
    assert report.ok and report.projection.value == "current", report
    assert report.projection_detail == {}


def test_a_staged_name_out_of_the_projection_is_never_followed(tmp_path):
    """meta.json edited by hand to name a staged file outside the projection (with its
    right CRC-32): the next open moves nothing there."""
    import os
    import zlib
    home = tmp_path / "home"
    Inventory.open(home, "T").create_asset("machine", "laptop")
    outside = tmp_path / "outside.json.next"
    outside.write_bytes(b"{}")
    meta_path = home / "projection" / "meta.json"
    meta = json.loads(meta_path.read_bytes())
    key = os.path.relpath(tmp_path / "outside", home / "projection")
    meta["staged"], meta["crc"][key] = [key], zlib.crc32(b"{}")
    meta_path.write_text(json.dumps(meta))
    Inventory.open(home, "T")
    assert outside.exists() and not (tmp_path / "outside.json").exists()


def test_a_later_saves_leftover_is_not_taken_for_damage(tmp_path):
    """meta.json keeps naming the files the last completed save staged; a later save
    that staged one of them again and was killed before its meta.json leaves a file
    that disagrees with meta.json. ``verify`` must not call the projection damaged
    (exit 12 is for a file edited by hand): the files meta.json vouches for are in
    place, and the next open removes the leftover."""
    home = tmp_path / "home"
    inv = Inventory.open(home, "T")
    inv.create_asset("machine", "laptop")              # a group's first write is staged
    meta = json.loads((home / "projection" / "meta.json").read_bytes())
    assert meta.get("staged"), "the save staged nothing: the case is not reached"
    key = meta["staged"][0]
    in_place = home / "projection" / f"{key}.json"
    leftover = in_place.with_name(in_place.name + ".next")
    leftover.write_bytes(in_place.read_bytes() + b" ")  # the killed save's version
    report = verify_home(Journal(home), Projection(home))
    assert report.ok and report.projection.value in ("current", "behind"), report
    Inventory.open(home, "T")
    assert not leftover.exists()
    report = verify_home(Journal(home), Projection(home), deep=True)
    assert report.ok and report.projection.value == "current", report
