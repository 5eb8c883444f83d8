"""Tails (inventory/tails.py, issue 16): a write appends what it changed beside the
shards it touches instead of rewriting them, so its cost does not grow with the
inventory; a tail is compacted into its base once it passes the base's size; a tail
that disagrees with meta.json, or a value with its CRC-32, is never believed; a writer
killed between its tail and meta.json loses nothing, and its leftovers are cut off.

The inventory is made through the library's own intents (intake, creation, notes,
status changes): nothing here is invented beyond the notes' text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reemploi.inventory import tails
from reemploi.inventory.integrity import SyncMixin
from reemploi.inventory.projection import Projection, shard_of
from reemploi.inventory.store import Inventory


@pytest.fixture
def shop(tmp_path):
    inv = Inventory.open(tmp_path / "shop", "poste-2", "Camille")
    _, ids = inv.receive_lot("Mairie de Lyon", "public", devices=[("laptop", 40, 80.0)],
                             create_ids=True)
    inv.rebuild_projection()            # every record in its base: no tail to start with
    return inv, ids


def _files(proj: Projection) -> dict[str, bytes]:
    return {str(p.relative_to(proj.root)): p.read_bytes()
            for p in proj.root.rglob("*.json") if p.name != "meta.json"}


def _meta(inv: Inventory) -> dict:
    return json.loads(inv.projection.meta_path.read_bytes())


def _refolded(inv: Inventory, ids: list[str]) -> dict[str, dict]:
    """Every asset as a rebuild from the journal alone gives it."""
    fresh = Inventory.open(inv.home, "x")
    fresh.rebuild_projection()
    return {a: fresh.machine(a) for a in ids}


def test_a_write_appends_and_rewrites_no_shard(shop):
    inv, ids = shop
    before = _files(inv.projection)
    inv.record("note", ids[3], {"text": "rayure sur le capot"})
    inv.set_status(ids[3], "diagnosed")
    assert _files(inv.projection) == before             # no base, slice or rows file moved
    group = "assets-" + shard_of(ids[3])
    assert group in _meta(inv)["tails"]
    state = inv.machine(ids[3])
    assert state["status"] == "diagnosed" and state["history"] == 3
    assert [r.status for r in inv.listing() if r.id == ids[3]] == ["diagnosed"]
    assert Inventory.open(inv.home, "x").records(ids) == _refolded(inv, ids)
    assert inv.verify(deep=True).projection.value == "current"


def test_a_tail_is_compacted_once_it_passes_its_base(shop, monkeypatch):
    inv, ids = shop
    group = "assets-" + shard_of(ids[0])
    base = inv.projection.asset_path(shard_of(ids[0]))
    # A shard of eight such records (40 machines spread over 256 shards hold one each).
    record = len(json.dumps(inv.machine(ids[0]), separators=(",", ":")))
    monkeypatch.setattr(tails, "MIN_COMPACT", 8 * record)
    rewrites, writes = 0, 40
    for n in range(writes):
        was = base.read_bytes()
        inv.set_status(ids[0], "diagnosed")     # the record's size stays the same
        if base.read_bytes() != was:
            rewrites += 1
            # Compacted: the base holds the tail's values, the tail is gone.
            assert group not in _meta(inv)["tails"]
            assert not any(p.exists() for p in tails.paths(inv.projection, group))
    # One whole rewrite per eight records' worth of appended values, not one per write.
    assert 1 <= rewrites <= writes // 4
    assert inv.machine(ids[0])["history"] == writes + 1
    assert Inventory.open(inv.home, "x").records(ids) == _refolded(inv, ids)
    assert inv.verify(deep=True).projection.value == "current"


@pytest.mark.parametrize("where", ["log", "bin"])
def test_a_tail_edited_by_hand_is_never_believed(shop, where):
    inv, ids = shop
    inv.set_status(ids[5], "diagnosed")
    truth = inv.machine(ids[5])
    group = "assets-" + shard_of(ids[5])
    bin_path, log_path = tails.paths(inv.projection, group)
    path = log_path if where == "log" else bin_path
    data = path.read_bytes()
    edited = data.replace(b'"diagnosed"', b'"ready"' + b" " * 4, 1)   # still JSON
    assert edited != data and len(edited) == len(data)
    path.write_bytes(edited)
    assert inv.verify().projection.value == "damaged"
    again = Inventory.open(inv.home, "x")
    assert again.machine(ids[5]) == truth
    assert [r.status for r in again.listing() if r.id == ids[5]] == ["diagnosed"]
    assert again.verify(deep=True).projection.value == "current"


def test_a_writer_killed_before_meta_moved_loses_nothing(shop):
    """Its tail bytes past meta.json's lengths are never read, then cut off by the
    next writer; the journal line, durable, is folded again by the catch-up."""
    inv, ids = shop
    inv.set_status(ids[7], "diagnosed")
    meta_before = inv.projection.meta_path.read_bytes()
    inv.record("note", ids[7], {"text": "avant la coupure"})
    group = "assets-" + shard_of(ids[7])
    bin_path, log_path = tails.paths(inv.projection, group)
    left = (bin_path.stat().st_size, log_path.stat().st_size)
    inv.projection.meta_path.write_bytes(meta_before)    # killed before meta.json moved
    state = json.loads(meta_before)["tails"][group]
    assert left[0] > state[0] and left[1] > state[2]
    again = Inventory.open(inv.home, "x")                # catches up from the journal
    assert again.machine(ids[7])["history"] == 3
    assert again.verify(deep=True).projection.value == "current"
    # The leftovers were cut before the catch-up appended: one copy of the note's record.
    now = _meta(again)["tails"][group]
    assert (bin_path.stat().st_size, log_path.stat().st_size) == (now[0], now[2]) == left


def test_a_format_11_projection_is_read_without_a_rebuild(shop, monkeypatch):
    """A format-11 projection is a format-12 one without tails: an upgrade reads it and
    appends to it, never refolds 50 000 machines for the new format."""
    inv, ids = shop
    meta = _meta(inv)
    meta["format"] = 11
    meta.pop("tails", None)
    inv.projection.meta_path.write_text(json.dumps(meta))

    def refused(self):
        raise AssertionError("rebuilt")
    monkeypatch.setattr(SyncMixin, "_rebuild_locked", refused)
    old = Inventory.open(inv.home, "x")
    assert old.machine(ids[1])["status"] == "received"
    old.set_status(ids[1], "diagnosed")
    assert _meta(old)["format"] == 12 and _meta(old)["tails"]
    assert old.machine(ids[1])["status"] == "diagnosed"
    monkeypatch.undo()
    assert old.verify(deep=True).projection.value == "current"


def test_a_donor_found_by_name_reads_no_lot(shop, monkeypatch):
    """``intake`` of a known donor: the donors are read by their slices, not the whole
    catalogue (one lot per ten machines); its new lot is appended."""
    inv, ids = shop
    from reemploi.inventory import projection

    def whole(*a, **k):
        raise AssertionError("the catalogue was read whole")
    monkeypatch.setattr(projection, "load_table", whole)
    lot, new = inv.receive_lot("mairie  de LYON", "public", devices=[("laptop", 1, 2.0)],
                               create_ids=True)
    monkeypatch.undo()
    assert lot["donor_id"] == inv.lot(inv.machine(ids[0])["lot_id"])["donor_id"]
    assert inv.machine(new[0])["lot_id"] == lot["id"]
    assert inv.verify(deep=True).projection.value == "current"


def test_tail_files_are_private(shop):
    inv, ids = shop
    inv.set_status(ids[2], "diagnosed")
    for path in tails.paths(inv.projection, "assets-" + shard_of(ids[2])):
        assert path.stat().st_mode & 0o777 == 0o600
    assert Path(inv.projection.tails_dir).stat().st_mode & 0o777 == 0o700


def test_a_key_found_by_search_is_its_latest_line(shop):
    """A few keys are found by a byte search from the log's end; many by parsing it:
    both give every key's latest line."""
    inv, ids = shop
    same = [a for a in ids if shard_of(a) == shard_of(ids[0])][:2] or ids[:1]
    for _ in range(3):
        for aid in same:
            inv.set_status(aid, "diagnosed")
    group = "assets-" + shard_of(ids[0])
    meta = _meta(inv)
    searched = tails.read_tail(inv.projection, group, meta["tails"][group])
    found = searched.find("assets", [*same, "REE-NONE"])
    parsed = tails.read_tail(inv.projection, group, meta["tails"][group])
    assert found == {a: parsed.refs["assets"][a] for a in same}
    assert len(searched.raw.splitlines()) == 3 * len(same)          # three lines a key
    assert tails.tail_values(parsed, "assets") == {a: inv.machine(a) for a in same}
