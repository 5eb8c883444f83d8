"""Typed events (issue 10, deliverable 1): one frozen dataclass per event type,
validated on append (a bad payload is refused, exit 7, nothing written) and on read
(old payloads migrated, unreadable ones skipped and reported, never a crash)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import FIXTURES
from reemploi import events as typed
from reemploi.errors import ExitCode
from reemploi.inventory.journal import Journal, build_line
from reemploi.inventory.store import Inventory

V1 = FIXTURES / "journals" / "v1"


def _v1_home(tmp_path: Path) -> tuple[Path, dict]:
    home = tmp_path / "shop"
    home.mkdir()
    shutil.copy(V1 / "journal.jsonl", home / "journal.jsonl")
    return home, json.loads((V1 / "ids.json").read_text())


def test_every_event_type_is_one_frozen_dataclass_with_a_version():
    known = typed.known_types()
    assert {"built", "correct", "void", "integrity.incident", "wipe.done", "part.harvested",
            "asset.probed", "checkout", "status.changed"} <= set(known)
    for name, cls in known.items():
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name
        assert cls.TYPE == name and cls.VERSION >= 1


def test_a_module_adds_an_event_type_with_one_dataclass(tmp_path):
    @typed.event("test.sample", needs_asset=False)
    @dataclass(frozen=True)
    class Sample(typed.Payload):
        count: int
        label: str | None = None

    inv = Inventory.open(tmp_path / "shop", "A")
    ev = inv.record("test.sample", None, Sample(count=3))
    assert ev.payload == {"count": 3, "v": 1}
    assert typed.read("test.sample", ev.payload) == Sample(count=3)


@pytest.mark.parametrize("etype,payload,field", [
    ("note", {"text": 5}, "text"),
    ("note", {"text": "x", "extra": 1}, "extra"),
    ("asset.graded", {"verdict": {"grade": "A"}}, "payload"),
    ("lot.received", {"lot_id": "L", "donor_id": "D",
                      "devices": [{"kind": "laptop", "count": 10 ** 400}]}, "devices.0.count"),
    ("lot.received", {"lot_id": "L", "donor_id": "D", "weight_kg": float("inf")}, "weight_kg"),
])
def test_a_bad_payload_is_refused_and_nothing_is_written(tmp_path, etype, payload, field):
    inv = Inventory.open(tmp_path / "shop", "A")
    aid = inv.create_asset("machine", "laptop")
    before = inv.journal.path.read_bytes()
    with pytest.raises(typed.BadPayload) as exc:
        inv.record(etype, aid, payload)
    assert exc.value.exit_code == ExitCode.BAD_INPUT
    assert exc.value.params["field"] == field
    assert inv.journal.path.read_bytes() == before


def test_cli_refuses_an_impossible_weight_with_exit_7(cli, tmp_path):
    home = tmp_path / "shop"
    out = cli(["intake", "--donor", "X", "--device", "laptop:1:inf", "--home", home])
    assert out.exit_code == ExitCode.BAD_INPUT, out.output
    assert "Traceback" not in out.output and "laptop:1:inf" in out.output
    assert not (home / "journal.jsonl").exists() or (home / "journal.jsonl").read_bytes() == b""


def test_a_journal_of_the_previous_version_still_reads(tmp_path, cli):
    """tests/fixtures/journals/v1: written by the real CLI before typed events."""
    home, ids = _v1_home(tmp_path)
    lines = [json.loads(l) for l in (home / "journal.jsonl").read_bytes().splitlines()]
    assert all("v" not in d["payload"] for d in lines)         # schema 1, no version
    for d in lines:
        assert not isinstance(typed.read(d["type"], d["payload"]), typed.Unreadable), d["seq"]
    inv = Inventory.open(home, "A")
    first, second, third = ids["machines"]
    assert inv.machine(first)["status"] == "out"
    assert inv.machine(third)["status"] == "out"
    assert inv.machine(second)["identity"].startswith("fp:")
    # part.harvested schema 1 -> 2: a part harvested then went to stock.
    harvested = [d for d in lines if d["type"] == "part.harvested"][0]
    assert typed.read("part.harvested", harvested["payload"]).destiny == "stock"
    assert inv.machine(ids["part"])["installed_in"] == first
    assert [w["event_id"] for w in inv.machine(first)["wipes"]] == [ids["wipe_event"]]
    # wipe.* schema 1 -> 2: the v1 CLI recorded the method asked ("auto"), read back as
    # the method that ran (its technique: an overwrite, so random data).
    for etype in ("wipe.started", "wipe.done"):
        [old] = [d["payload"] for d in lines if d["type"] == etype]
        assert old["method"] == "auto" and typed.read(etype, old).method == "prng"
    assert inv.machine(first)["wipes"][0]["method"] == "prng"
    assert inv.lot(ids["lot"])["devices"] == [{"kind": "laptop", "count": 3, "weight_kg": 7.2}]
    # The chain continues on the old journal, new payloads carry their version.
    ev = inv.record("note", first, {"text": "after the upgrade"})
    assert ev.seq == len(lines) + 1 and ev.payload["v"] == 1
    report = cli(["inventory", "verify", "--deep", "--json", "--home", home])
    assert report.exit_code == 0, report.output
    assert json.loads(report.output)["projection"] == "current"


def test_an_old_auto_wipe_reads_as_the_method_its_technique_shows():
    """Schema-1 wipes said ``auto``; a firmware technique means the firmware erase ran;
    with no technique recorded nothing tells, and ``auto`` stays. (The v1 journal's own
    wipe, its technique changed to the firmware erase plan.py picks for an SSD.)"""
    lines = [json.loads(l) for l in (V1 / "journal.jsonl").read_bytes().splitlines()]
    [old] = [d["payload"] for d in lines if d["type"] == "wipe.done"]
    firmware = {**old, "technique": "ata-security-erase-enhanced", "nist": "purge"}
    assert typed.read("wipe.done", firmware).method == "firmware"
    assert typed.read("wipe.started", firmware).method == "firmware"
    bare = {k: v for k, v in old.items() if k != "technique"}
    assert typed.read("wipe.done", bare).method == "auto"
    # A current payload is not migrated: what it says is what ran.
    assert typed.read("wipe.done", {**firmware, "v": 2, "method": "zero"}).method == "zero"


def test_the_wipe_of_a_disk_over_a_terabyte_is_recorded(tmp_path):
    """A byte count is a whole number too: the sanity bound on numbers refused every
    wipe of a disk over 10^12 bytes (exit 7: the wipe never started). The biggest disk
    of the corpus's smartctl recordings, in the v1 journal's own wipe records."""
    from conftest import CORPUS
    from reemploi.probe.smartctl import parse_smartctl
    biggest = max(parse_smartctl(f.read_bytes()).capacity_bytes or 0
                  for f in (CORPUS / "smartctl" / "hdd").glob("*.txt"))
    assert biggest > 10 ** 13
    lines = [json.loads(l) for l in (V1 / "journal.jsonl").read_bytes().splitlines()]
    inv = Inventory.open(tmp_path / "shop", "A")
    aid = inv.create_asset("machine", "desktop")
    for etype in ("wipe.started", "wipe.done"):
        [old] = [d["payload"] for d in lines if d["type"] == etype]
        old.pop("start_event", None)
        ev = inv.record(etype, aid, {**old, "disk": {**old["disk"], "size_bytes": biggest}})
        assert typed.read(etype, ev.payload).disk.size_bytes == biggest


def test_an_unreadable_payload_in_the_journal_is_skipped_not_fatal(tmp_path):
    """An old version wrote a count of 400 digits: the journal keeps it (evidence), the
    fold skips it, every reader still works."""
    home = tmp_path / "shop"
    inv = Inventory.open(home, "A")
    seq, prev, _ = inv.journal.tail()
    _, line = build_line(seq + 1, prev, station="A", operator=None, asset_id=None,
                         type="lot.received",
                         payload={"lot_id": "LOT-A-26-0099", "donor_id": None,
                                  "devices": [{"kind": "laptop", "count": 10 ** 400}]})
    with inv.journal.locked():
        Journal(home).append_lines(line)
    again = Inventory.open(home, "A")
    assert again.lots() == []
    assert again.create_asset("machine", "laptop")


def test_every_event_type_named_by_the_enum_has_its_dataclass():
    """A stage that adds an EventType value must add its payload dataclass too
    (reemploi/events/<family>.py), or its first append would be refused."""
    from reemploi.inventory.events import EventType
    missing = [t.value for t in EventType if typed.lookup(t.value) is None]
    assert not missing, missing
