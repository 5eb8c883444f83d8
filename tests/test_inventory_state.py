"""The typed state (inventory/state.py, issue 10 deliverable 2): one fold, one state.

The journal here is the stats story (tests/stats_support.py: written by the real stages
on machines recorded in tests/fixtures/machines and on loop devices), plus a lot
correction and a voided asset made through the real CLI. Every asset, lot and donor's
typed state must say, field by field, what the dict fold says; ``to_record`` must give
the record back exactly (``inventory show --json`` prints it).
"""

from __future__ import annotations

import dataclasses
import enum
import json

import pytest

from stats_support import copy_story, run, story  # noqa: F401


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "to_record"):
        return value.to_record()
    return value


def _fresh_fold(home):
    """The dict fold of the whole journal, in memory (as ``verify --deep`` does)."""
    from reemploi.inventory import fold
    from reemploi.inventory.journal import Journal
    from reemploi.inventory.projection import Projection, Session

    journal, proj = Journal(home), Projection(home)
    fresh = Session(proj, {"counters": {}}, fresh=True)
    for offset, line in journal.iter_lines():
        fold.apply(fresh, json.loads(line), offset, len(line))
    assets = {k: d for shard in fresh.asset_shards.values() for k, d in shard.items()}
    catalog = fresh._catalog()
    return assets, catalog["lots"], catalog["donors"]


@pytest.fixture()
def shop(story, tmp_path):  # noqa: F811
    home = tmp_path / "shop"
    ids = copy_story(story, home)
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T", "Camille")
    lot = inv.state(ids["L1"]).lot_id
    run(home, "inventory", "correct", lot, "--set", "weight_kg=8.0", "--reason", "reweighed")
    run(home, "inventory", "correct", ids["N1"], "--set", "weight_kg=2.5", "--reason", "reweighed")
    extra = inv.create_asset("machine", "laptop")
    run(home, "inventory", "void", extra, "--reason", "typo at intake")
    return home, ids, extra


def test_every_state_says_what_the_dict_fold_says(shop):
    from reemploi.inventory.custody import present_disks
    from reemploi.inventory.listing import row_of
    from reemploi.inventory.state import AssetState, DonorState, LotState
    from reemploi.inventory.store import Inventory

    home, ids, extra = shop
    assets, lots, donors = _fresh_fold(home)
    inv = Inventory.open(home, "T")
    assert set(ids.values()) | {extra} <= set(assets)
    for aid, record in assets.items():
        state = inv.state(aid)
        assert state == AssetState.from_record(record)
        # Field by field: every key the fold wrote is a field with the same value.
        for key, value in record.items():
            assert _plain(getattr(state, key)) == value, (aid, key)
        assert json.dumps(state.to_record()) == json.dumps(record)
        assert list(state.row()) == row_of(record)      # what inventory list shows
        # Custody's disks still in the machine, by the one rule on either form.
        assert [x.to_record() for x in state.present_disks()] == present_disks(record)
    # What the story made shows through the types.
    l1, l3, j1 = inv.state(ids["L1"]), inv.state(ids["L3"]), inv.state(ids["J1"])
    assert l1.status == "out" and l1.checkout.destination_kind == "given"
    assert l1.last_wipe is not None and l1.last_wipe.certificate in l1.certificates
    assert l1.image is not None and l1.image.result == "success"
    assert l1.probe.disks and {d.identity for d in l1.probe.disks} == \
        {r.identity for r in l1.removed_disks}
    assert l1.present_disks() == ()                     # its donor disks all harvested
    assert l3.grade.outcome == "parts-only" and len(l3.parts_harvested) == 2
    assert j1.origin == "built" and j1.built.name == "Bidule" and j1.parts_installed
    assert inv.state(extra).is_voided and inv.state(extra).voided.reason == "typo at intake"
    assert inv.state(ids["N1"]).weight_kg == 2.5 and inv.state(ids["N1"]).corrections
    ram = next(p.part_id for p in l3.parts_harvested if p.part_kind == "ram")
    assert inv.state(ram).is_part and inv.state(ram).installed_in == ids["D1"]
    for lid, record in lots.items():
        state = inv.lot_state(lid)
        assert state == LotState.from_record(record)
        assert json.dumps(state.to_record()) == json.dumps(record)
    assert inv.lot_state(l1.lot_id).weight_kg == 8.0
    for did, record in donors.items():
        assert json.dumps(DonorState.from_record(record).to_record()) == json.dumps(record)
    assert {d.id for d in inv.donor_states()} == set(donors)


def test_show_json_is_the_record_byte_for_byte(shop, cli):
    """``inventory show --json`` prints the typed state's record: what it printed when
    it dumped the projection's dict (common.dump_json of the record)."""
    from reemploi.cli.common import dump_json
    from reemploi.inventory.store import Inventory

    home, ids, extra = shop
    inv = Inventory.open(home, "T")
    for aid in [*ids.values(), extra]:
        shown = cli(["inventory", "show", aid, "--json", "--home", home])
        assert shown.exit_code == 0, shown.output
        assert shown.output == dump_json(inv.machine(aid)) + "\n"


def test_a_record_of_an_older_format_reads():
    """A record without the keys later formats added (origin, unfinished, custody's
    entered_seq/probe_seq/removed_disks, a wipe's ``verified``) reads with defaults."""
    from reemploi.inventory.events import Status
    from reemploi.inventory.state import AssetState, Origin

    old = {"id": "EMM-T-26-0001", "kind": "machine", "device_kind": "laptop",
           "status": "wiped", "lot_id": None, "history": 3,
           "wipes": [{"event_id": "e1", "time": "2026-01-02T10:00:00Z", "result": "success",
                      "disk_identity": "serial:ST:1"}]}
    state = AssetState.from_record(old)
    assert state.status is Status.WIPED and state.origin is Origin.RECEIVED
    assert state.unfinished == () and state.removed_disks == () and state.probe is None
    assert state.wipes[0].verified is None and state.last_wipe.disk_identity == "serial:ST:1"
    record = state.to_record()
    assert record["origin"] == "received" and record["unfinished"] == []
    assert "validation" not in record and "part_kind" not in record


def test_an_older_lot_and_donor_read():
    """Lots and donors written before corrections (no ``voided``/``corrections``) and
    before a lot kept its assets' ids."""
    from reemploi.inventory.state import DonorState, LotState
    lot = LotState.from_record({"id": "LOT-T-26-0001", "donor_id": "DON-T-0001",
                                "devices": [{"kind": "laptop", "count": 3}]})
    assert lot.assets == () and lot.devices[0].weight_kg is None and not lot.is_voided
    assert lot.to_record()["devices"] == [{"kind": "laptop", "count": 3, "weight_kg": None}]
    donor = DonorState.from_record({"id": "DON-T-0001", "name": "Mairie"})
    assert donor.lots == () and donor.corrections is None
    assert "corrections" not in donor.to_record()


def test_a_code_outside_the_closed_sets_is_kept():
    from reemploi.inventory.state import AssetState
    state = AssetState.from_record({"id": "X", "status": "quarantine"})
    assert state.status == "quarantine" and state.to_record()["status"] == "quarantine"


def test_states_are_frozen():
    from reemploi.inventory.state import AssetState
    state = AssetState.from_record({"id": "X"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.status = "ready"  # type: ignore[misc]
