"""One asset's events are read at the offsets the projection indexes (issue 16): the
same events, in the same order, as a scan of the whole journal, without that scan."""

from __future__ import annotations

import json

import pytest

from reemploi.documents.sources import asset_facts, assets_facts
from reemploi.errors import NotFound
from reemploi.inventory.projection import shard_of
from reemploi.inventory.store import Inventory


@pytest.fixture
def inv(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text('[workshop]\nprefix = "TRI"\n[station]\ncode = "B"\n')
    inv = Inventory.open(home, "poste-2", "Camille")
    _, ids = inv.receive_lot("Ressourcerie Été", "association",
                             devices=[("laptop", 3, None)], create_ids=True)
    donor, target, other = ids
    part = inv.harvest_part(donor, "ram", {"type": "DDR3"})
    inv.install_part(part, target)
    inv.set_status(other, "diagnosed")
    return inv


def _all_ids(inv):
    return [d["id"] for d in inv.machines()] + [d["id"] for d in inv.parts()]


def test_indexed_events_are_the_scanned_events(inv):
    for aid in _all_ids(inv):
        indexed = [e.id for e in inv.events(aid)]
        assert indexed and indexed == [e.id for e in inv._scan(aid, None)]
        assert [e.id for e in inv.events(aid, types=["part.installed"])] == \
            [e.id for e in inv._scan(aid, ["part.installed"])]
    part = inv.parts()[0]["id"]
    # A part's history names it as part_id in events filed under machines.
    assert [e.type for e in inv.history(part)] == ["asset.created", "part.harvested",
                                                   "part.installed"]


def test_one_asset_does_not_scan_the_journal(inv, monkeypatch):
    ids = _all_ids(inv)
    expected = {aid: [e.id for e in inv._scan(aid, None)] for aid in ids}

    def no_scan(*a, **k):
        raise AssertionError("the whole journal was read")
    monkeypatch.setattr(inv.journal, "iter_lines", no_scan)
    got = inv.events_of(ids)
    assert {aid: [e.id for e in evs] for aid, evs in got.items()} == expected
    facts = assets_facts(inv, ids[:2])
    assert [f.asset_id for f in facts] == ids[:2]


def test_an_index_out_of_step_falls_back_to_the_scan(inv):
    target = inv.machines()[1]["id"]
    expected = [e.id for e in inv.events(target)]
    path = inv.projection.index_path(shard_of(target))
    data = json.loads(path.read_bytes())
    data["events"][target] = [[0, 10, refs[2]] for refs in data["events"][target]]
    path.write_bytes(json.dumps(data).encode())
    assert [e.id for e in inv.events(target)] == expected


def test_batch_facts_equal_one_by_one_and_unknown_is_not_found(inv):
    ids = _all_ids(inv)
    assert assets_facts(inv, ids + ids[:1]) == \
        [asset_facts(inv, aid) for aid in ids + ids[:1]]
    with pytest.raises(NotFound):
        assets_facts(inv, [ids[0], "TRI-B-99-99999"])


def test_disk_events_are_the_scanned_ones_without_a_scan(inv, monkeypatch):
    """Image planning asks what wrote a disk since its wipe: read at indexed offsets."""
    asset = inv.machines()[2]["id"]
    disk = {"identity": "serial:WD-WX11A", "model": "WDC WD2500BEVT", "serial": "WD-WX11A"}
    other = {"identity": "serial:OTHER", "model": "X", "serial": "OTHER"}
    inv.record("wipe.started", asset, {"disk": disk, "method": "auto"})
    inv.record("wipe.done", None, {"disk": other, "result": "success"})
    inv.record("wipe.done", asset, {"disk": disk, "result": "success"})
    inv.record("image.written", None, {"disk": disk, "result": "failed", "image": {}})
    types = ["wipe.started", "image.written", "image.started"]
    expected = [e.id for e in inv._scan(None, types)
                if (e.payload.get("disk") or {}).get("identity") == disk["identity"]]
    assert len(expected) == 2

    def no_scan(*a, **k):
        raise AssertionError("the whole journal was read")
    monkeypatch.setattr(inv.journal, "iter_lines", no_scan)
    assert [e.id for e in inv.disk_events(disk["identity"], types)] == expected
    assert [e.type for e in inv.disk_events("serial:OTHER", ["wipe.done"])] == ["wipe.done"]


def test_a_command_opens_the_inventory_once_and_still_sees_other_writers(inv, tmp_path):
    from reemploi.context import Context
    ctx = Context(home=inv.home, station="poste-2", operator="Camille")
    first = ctx.inventory()
    assert ctx.inventory() is first
    # Another process (here another Inventory) appends: the kept one reads it.
    aid = inv.create_asset("machine", "desktop")
    assert first.machine(aid)["device_kind"] == "desktop"
    assert [e.type for e in first.events(aid)] == ["asset.created"]
    other = tmp_path / "other"
    other.mkdir()
    ctx.home = other
    assert ctx.inventory() is not first and ctx.inventory().home == other
