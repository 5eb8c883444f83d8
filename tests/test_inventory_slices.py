"""Per-asset reads by slice (inventory/slices.py, issue 16): a label, a sheet or a
certificate reads its records at the offsets the projection keeps, never a whole shard,
and gets exactly what a refold of the whole journal gives; a slice file or a shard that
disagrees with its CRC-32 is never believed (the state is refolded from the journal).

The shop is made by the real stages: intake through the CLI, grading by replaying the
recorded machines of tests/fixtures/machines (real dmidecode/smartctl/lshw outputs), a
part harvested and installed, a correction, a wipe record, a checkout."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from reemploi.documents.sources import assets_facts
from reemploi.inventory import fold, projection
from reemploi.inventory.journal import Journal
from reemploi.inventory.reading import StatesMixin
from reemploi.inventory.projection import Session, shard_of
from reemploi.inventory.store import Inventory

ROOT = Path(__file__).resolve().parent.parent
MACHINES = ROOT / "tests" / "fixtures" / "machines"
RECORDED = ("aspire-es1-non-root", "latitude-e5410-failing-disk", "aspire-m3920-desktop",
            "latitude-d600-32bit")


def _ok(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if result.stdout.strip().startswith(("{", "[")) else None


@pytest.fixture
def shop(cli, tmp_path):
    home = tmp_path / "shop"
    ids = []
    for donor, n in (("Mairie de Lyon", 3), ("Ressourcerie Été", 2)):
        ids += _ok(cli(["intake", "--donor", donor, "--device", f"laptop:{n}", "--create-ids",
                        "--json", "--home", home]))["ids"]
    for i, aid in enumerate(ids[:4]):
        _ok(cli(["grade", "--replay", MACHINES / RECORDED[i], "--asset", aid, "--json",
                 "--home", home]))
    inv = Inventory.open(home, "poste-2", "Camille")
    part = inv.harvest_part(ids[0], "ram", {"type": "DDR3", "size_gb": 4})
    inv.install_part(part, ids[1])
    inv.correct(ids[2], {"weight_kg": 2.4}, "pesée refaite")
    inv.record("note", ids[3], {"text": "rayure sur le capot"})
    disk = {"identity": "serial:WD-WX11A", "model": "WDC WD2500BEVT", "serial": "WD-WX11A"}
    inv.record("wipe.done", ids[1], {"disk": disk, "result": "success", "method": "zero"})
    return inv, ids + [part]


class Refolded(StatesMixin):
    """The reads ``assets_facts`` makes, answered from a fold of the whole journal in
    memory and a scan of it: no projection file is read (the typed reads,
    ``StatesMixin``, are made of ``records`` and ``catalog_of`` below)."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.s = Session(inv.projection, {"counters": {}}, fresh=True)
        for offset, line in inv.journal.iter_lines():
            fold.apply(self.s, json.loads(line), offset, len(line))

    def records(self, ids, missing_ok=False):
        return {a: d for a in ids if (d := self.s.asset(a)) is not None}

    def events_of(self, ids, types=None):
        return {a: list(self.inv._scan(a, types)) for a in ids}

    def catalog_of(self, lot_ids, donor_ids=()):
        lots = {k: self.s.lot(k) for k in lot_ids if k and self.s.lot(k)}
        wanted = [*donor_ids, *(d.get("donor_id") for d in lots.values())]
        return lots, {k: self.s.donor(k) for k in wanted if k and self.s.donor(k)}

    def head(self):
        return self.inv.head()


def test_label_facts_equal_a_refold_and_no_shard_is_read_whole(shop, monkeypatch):
    inv, ids = shop
    refold = Refolded(inv)
    expected = assets_facts(refold, ids)
    assert {f.lot_id for f in expected} != {None} and any(f.parts for f in expected)

    def whole(*a, **k):
        raise AssertionError("a shard was read whole")
    monkeypatch.setattr(projection, "load_table", whole)
    monkeypatch.setattr(Session, "_index", whole)
    monkeypatch.setattr(Journal, "iter_lines", whole)
    fresh = Inventory.open(inv.home, "poste-2")
    assert assets_facts(fresh, ids) == expected
    assert fresh.records(ids) == {a: refold.s.asset(a) for a in ids}


def _record_in_shard(inv, aid: str) -> tuple[Path, int, int]:
    """(shard path, offset, length) of an asset's record, from its slice file."""
    shard = shard_of(aid)
    side = inv.projection.slices_path("assets-" + shard).read_bytes()
    table = json.loads(side.split(b" ", 1)[1])
    offset, length, _ = table[aid]
    return inv.projection.asset_path(shard), offset, length


def test_a_record_edited_in_its_shard_is_never_believed(shop):
    """Same length, shard CRC left stale: the slice's own CRC-32 catches it."""
    inv, ids = shop
    aid = ids[4]                                            # received, never graded
    truth = inv.machine(aid)
    path, offset, length = _record_in_shard(inv, aid)
    data = bytearray(path.read_bytes())
    record = bytes(data[offset:offset + length])
    edited = record.replace(b'"status":"received"', b'"status":"diagnosd"', 1)
    assert edited != record and len(edited) == len(record)
    data[offset:offset + length] = edited
    path.write_bytes(bytes(data))
    assert Inventory.open(inv.home, "x").machine(aid) == truth
    assert inv.verify().ok


def test_a_stale_or_forged_slice_file_is_never_believed(shop):
    inv, ids = shop
    # Two machines in one shard (ids are sequential, so this is the same pair each run).
    while len({shard_of(x) for x in ids}) == len(ids):
        ids.append(inv.create_asset("machine", "desktop"))
    a = next(x for x in ids if sum(shard_of(y) == shard_of(x) for y in ids) > 1)
    inv.rebuild_projection()                # every record in its base shard, none in a tail
    truth = {x: inv.machine(x) for x in ids}
    name = "assets-" + shard_of(a)
    side_path = inv.projection.slices_path(name)
    old_side = side_path.read_bytes()
    # Stale: a slice file from before the last whole write of its shard (a writer
    # killed between the shard and meta.json, then a later one that moved meta.json).
    inv.record("note", a, {"text": "une de plus"})
    inv.rebuild_projection()
    truth[a] = inv.machine(a)
    side_path.write_bytes(old_side)
    assert Inventory.open(inv.home, "x").machine(a) == truth[a]
    # Forged with its CRC-32 in meta.json: the slice of ``a`` points at another record.
    table = json.loads(side_path.read_bytes().split(b" ", 1)[1])
    table[a] = table[next(k for k in table if k != a)]   # bytes of another record
    forged = b'"assets" ' + json.dumps(table, separators=(",", ":")).encode() + b"\n"
    side_path.write_bytes(forged)
    meta = json.loads(inv.projection.meta_path.read_text())
    meta["crc"]["slices/" + name] = zlib.crc32(forged)
    inv.projection.meta_path.write_text(json.dumps(meta))
    assert Inventory.open(inv.home, "x").machine(a) == truth[a]
    assert {x: inv.machine(x) for x in ids} == truth
    assert inv.verify(deep=True).projection.value == "current"


def test_deep_verify_finds_a_slice_that_lies(shop):
    """A slice file and meta.json forged together, shards untouched: the quick check
    cannot see it (every CRC-32 agrees); the deep check compares every slice with the
    record it should point at."""
    inv, ids = shop
    name = "index-" + shard_of(ids[1])
    path = inv.projection.slices_path(name)
    lines = path.read_bytes().split(b"\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(b'"events" '))
    table = json.loads(lines[i].split(b" ", 1)[1])
    table.pop(ids[1])
    lines[i] = b'"events" ' + json.dumps(table, separators=(",", ":")).encode()
    path.write_bytes(b"\n".join(lines))
    meta = json.loads(inv.projection.meta_path.read_text())
    meta["crc"]["slices/" + name] = zlib.crc32(path.read_bytes())
    inv.projection.meta_path.write_text(json.dumps(meta))
    assert inv.verify().projection.value == "current"
    report = inv.verify(deep=True)
    assert report.projection.value != "current"
    assert report.projection_detail == {"slices": f"{name}/events"}


def test_slices_follow_every_write_and_the_rebuild(shop):
    """After writes, a kill between files (simulated: meta.json put back) and a
    rebuild, every slice points at its record: the deep check holds each time."""
    inv, ids = shop
    meta_before = inv.projection.meta_path.read_bytes()
    inv.set_status(ids[4], "diagnosed")
    state = inv.machine(ids[4])
    inv.projection.meta_path.write_bytes(meta_before)       # shards and slices ahead
    again = Inventory.open(inv.home, "x")
    assert again.machine(ids[4]) == state
    assert again.verify(deep=True).projection.value == "current"
    again.rebuild_projection()
    assert again.machine(ids[4]) == state
    assert again.verify(deep=True).projection.value == "current"
