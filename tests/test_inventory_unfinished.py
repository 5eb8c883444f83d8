"""Start events (``wipe.started`` / ``image.started``) and the end events that name
them: what the projection, ``unfinished``, ``verify`` and the sheet facts make of a
start with no end (a power cut mid-write), and that journals without start events
fold and verify exactly as before."""

from __future__ import annotations

import pytest

from reemploi.inventory.errors import UnknownAsset
from reemploi.inventory.store import Inventory

DISK = {"identity": "disk:S0XP", "model": "SAMSUNG SSD", "serial": "S0XP", "path": "/dev/sdb"}


def _inv(tmp_path) -> tuple[Inventory, str]:
    inv = Inventory.open(tmp_path / "home", "T", "op")
    return inv, inv.create_asset("machine", "laptop")


def test_an_old_journal_without_start_events_has_nothing_unfinished(tmp_path):
    inv, asset = _inv(tmp_path)
    inv.record("wipe.done", asset, {"disk": DISK, "result": "success"})   # no start_event
    inv.record("image.written", asset, {"disk": DISK, "result": "success", "image": {}})
    assert inv.machine(asset)["unfinished"] == [] and inv.unfinished() == []
    report = inv.verify(deep=True)
    assert report.ok and report.unfinished == () and report.projection.value == "current"


def test_a_start_without_end_is_reported_until_an_end_names_it(tmp_path):
    inv, asset = _inv(tmp_path)
    [wipe, image] = inv.record_many([
        ("wipe.started", asset, {"disk": DISK, "method": "auto"}),
        ("image.started", asset, {"disk": DISK, "image": {"name": "de6"}})])
    doc = inv.machine(asset)
    assert [(u["kind"], u["event_id"]) for u in doc["unfinished"]] == [
        ("wipe", wipe.id), ("image", image.id)]
    assert doc["unfinished"][1]["image"] == "de6" and doc["wipes"] == []
    assert [e.id for e in inv.unfinished(asset)] == [wipe.id, image.id]
    report = inv.verify(deep=True)
    assert report.projection.value == "current"
    assert [(u["id"], u["type"], u["asset_id"]) for u in report.unfinished] == [
        (wipe.id, "wipe.started", asset), (image.id, "image.started", asset)]
    assert report.unfinished[0]["disk"]["serial"] == "S0XP"

    inv.record("wipe.done", asset, {"disk": DISK, "result": "interrupted",
                                    "start_event": wipe.id})
    assert [u["event_id"] for u in inv.machine(asset)["unfinished"]] == [image.id]
    assert [u["id"] for u in inv.verify().unfinished] == [image.id]
    inv.record("image.written", asset, {"disk": DISK, "result": "failed", "image": {},
                                        "start_event": image.id})
    assert inv.machine(asset)["unfinished"] == [] and inv.verify(deep=True).unfinished == ()
    # A rebuild from the journal gives the same record.
    before = inv.machine(asset)
    inv.rebuild_projection()
    assert inv.machine(asset) == before


def test_loose_disk_starts_need_no_asset_and_show_in_verify(tmp_path):
    inv = Inventory.open(tmp_path / "home", "T", "op")
    [ev] = inv.record_many([("wipe.started", None, {"disk": DISK})])
    assert [u["id"] for u in inv.verify().unfinished] == [ev.id]


def test_record_many_is_all_or_nothing(tmp_path):
    inv, asset = _inv(tmp_path)
    size = inv.journal.size()
    with pytest.raises(UnknownAsset):
        inv.record_many([("wipe.started", asset, {"disk": DISK}),
                         ("wipe.started", "NOPE-1", {"disk": DISK})])
    assert inv.journal.size() == size


def test_sheet_facts_show_an_unfinished_wipe(tmp_path):
    from reemploi.documents.facts import facts_from_events
    inv, asset = _inv(tmp_path)
    inv.record("wipe.done", asset, {"disk": DISK, "result": "success", "method": "zero"})
    [cut] = inv.record_many([("wipe.started", asset, {"disk": DISK, "method": "prng"})])
    facts = facts_from_events(asset, inv.history(asset), inv.machine(asset))
    assert [w.result for w in facts.wipes] == ["success", "unfinished"]
    inv.record("wipe.done", asset, {"disk": DISK, "result": "success", "method": "prng",
                                    "start_event": cut.id})
    facts = facts_from_events(asset, inv.history(asset), inv.machine(asset))
    assert [w.result for w in facts.wipes] == ["success", "success"]


def test_a_machine_certificate_fails_when_a_later_wipe_never_ended(tmp_path):
    from reemploi.context import Context
    from reemploi.wipe.certificate import CertificateRequest, build_certificate
    inv, asset = _inv(tmp_path)
    inv.record("wipe.done", asset, {"disk": DISK, "result": "success", "nist": "purge"})
    ctx = Context(home=tmp_path / "home", station="T")
    body, _ = build_certificate(ctx, CertificateRequest(asset_id=asset))
    assert body["result"] == "success"
    inv.record_many([("wipe.started", asset, {"disk": DISK})])
    body, _ = build_certificate(ctx, CertificateRequest(asset_id=asset))
    assert body["result"] == "failed" and body["category"] is None
    assert [f["result"] for f in body["failures"]] == ["unfinished"]
