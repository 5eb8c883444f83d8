"""The Inventory API: ids, lifecycle, projection fold, rebuild and catch-up."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from reemploi.errors import BadInput, Conflict, ExitCode, NotFound
from reemploi.inventory.events import EventType
from reemploi.identity import machine_identity
from reemploi.inventory.journal import build_line
from reemploi.inventory.projection import shard_of
from reemploi.inventory.store import Inventory

YY = f"{datetime.now(timezone.utc).year % 100:02d}"


@pytest.fixture
def inv(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text('[workshop]\nprefix = "TRI"\n[station]\ncode = "B"\n')
    return Inventory.open(home, "poste-2", "Camille")


# A journal the real stages wrote (tests/fixtures/journals/v1, see its SOURCES.md):
# intake, grading of recorded machines, a wipe of a loop device, its certificate, an
# image, a part, checkouts. Payloads below are taken from it, never typed by hand.
V1 = Path(__file__).parent / "fixtures" / "journals" / "v1"
V1_IDS = json.loads((V1 / "ids.json").read_text())
V1_EVENTS = [json.loads(line) for line in (V1 / "journal.jsonl").read_text().splitlines()]


def _recorded(etype: str, asset_id: str | None = None) -> dict:
    """The payload the real stage wrote for this event type (and asset)."""
    return copy.deepcopy(next(e["payload"] for e in V1_EVENTS if e["type"] == etype
                              and asset_id in (None, e["asset_id"])))


def _machine_dict(serial=None, uuid=None, mac=None):
    """The probe of the Dell Latitude E5410 recording (tests/fixtures/machines/
    latitude-e5410-failing-disk) as the grading stage recorded it. Its publisher
    redacted the DMI serial and UUID: a test that needs a machine whose serial or UUID
    the probe read sets them (the only change), and ``mac`` replaces the wired NIC's."""
    machine = _recorded("asset.probed", V1_IDS["machines"][1])["machine"]
    machine["system"].update({k: v for k, v in (("serial", serial), ("uuid", uuid)) if v})
    if mac:
        machine["network"][0]["mac"] = mac
    return machine


def _wipe(identity: str | None = None, result: str = "success") -> dict:
    """The wipe stage's record of a wiped loop device; for the disk-index tests, another
    disk identity or result (interrupted) in the same record."""
    payload = _recorded("wipe.done")
    payload["result"] = result
    if identity:
        payload["disk"]["identity"] = identity
    return payload


def test_asset_ids_follow_settings_and_count_per_station_year_kind(inv):
    assert inv.new_asset_id() == f"TRI-B-{YY}-00001"
    assert inv.new_asset_id("part") == f"TRI-B-{YY}-P00001"
    a = inv.create_asset("machine", "laptop")
    b = inv.create_asset("machine", "desktop")
    p = inv.harvest_part(a, "ram", {"type": "DDR3"})
    assert (a, b, p) == (f"TRI-B-{YY}-00001", f"TRI-B-{YY}-00002", f"TRI-B-{YY}-P00001")
    # A hand-given id from another station's numbering does not disturb ours.
    inv.create_asset("machine", "laptop", asset_id=f"TRI-C-{YY}-00077")
    assert inv.new_asset_id() == f"TRI-B-{YY}-00003"
    with pytest.raises(Conflict):
        inv.create_asset("machine", "laptop", asset_id=a)


def test_counters_survive_a_rebuild(inv):
    inv.create_asset("machine", "laptop")
    inv.create_asset("machine", "laptop")
    shutil.rmtree(inv.home / "projection")
    again = Inventory.open(inv.home, "poste-2")
    assert again.create_asset("machine", "laptop") == f"TRI-B-{YY}-00003"


def test_receive_lot_registers_donor_once_and_creates_ids(inv):
    lot, ids = inv.receive_lot("Mairie de Lyon", "public", date="2026-03-02",
                               devices=[("laptop", 2, 5.0), ("desktop", 1, None)],
                               weight_kg=17.5, notes="cartons", create_ids=True)
    assert lot["id"] == f"LOT-B-{YY}-0001" and lot["date"] == "2026-03-02"
    assert lot["assets"] == ids and len(ids) == 3
    assert inv.machine(ids[0])["weight_kg"] == 2.5 and inv.machine(ids[2])["weight_kg"] is None
    assert inv.machine(ids[0])["donor_id"] == lot["donor_id"]
    lot2, none = inv.receive_lot("  mairie  de LYON ", "public", devices=[("screen", 4, None)])
    assert none == [] and lot2["donor_id"] == lot["donor_id"]
    assert len(inv.donors()) == 1 and inv.donors()[0]["lots"] == [lot["id"], lot2["id"]]
    assert [l["id"] for l in inv.lots()] == [lot["id"], lot2["id"]]


@pytest.mark.parametrize("kwargs", [
    {"devices": [("laptop", 0, None)]}, {"devices": [("laptop", 2, -1.0)]},
    {"date": "22/11/2026"}, {"weight_kg": -3.0},
])
def test_receive_lot_bad_input_writes_nothing(inv, kwargs):
    before = inv.journal.path.read_bytes()
    with pytest.raises(BadInput):
        inv.receive_lot("Donateur", **kwargs)
    assert inv.journal.path.read_bytes() == before


def _probed_disk_removed(inv, aid: str) -> None:
    """A probe on record whose only disk was taken out (the donor kept it): custody
    then lets the machine go ready without a wipe."""
    inv.record(EventType.ASSET_PROBED, aid, {"machine": _machine_dict()})
    inv.remove_disk(aid, None, "kept by the donor")


def test_full_lifecycle_is_folded_into_the_machine(tmp_path):
    """The fold of what the real stages wrote (the v1 journal: written before typed
    events, so its payloads are migrated on read too): the first laptop was graded from
    its recording, wiped, certified, imaged, given a RAM module from the second, given."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(V1 / "journal.jsonl", home / "journal.jsonl")
    inv = Inventory.open(home, "x")                # the projection folded from the journal
    aid, second = V1_IDS["machines"][:2]
    m = inv.machine(aid)
    assert m["status"] == "out" and m["lot_id"] == V1_IDS["lot"] and m["origin"] == "received"
    # The probe of aspire-es1-non-root (its dmidecode, lshw and smartctl recordings).
    assert (m["probe"]["vendor"], m["probe"]["product"]) == ("Acer", "Aspire ES1-512")
    assert m["probe"]["cpu_model"] == "Intel(R) Celeron(R) CPU N2840 @ 2.16GHz"
    probed = _recorded("asset.probed", aid)["machine"]
    assert m["probe"]["ram_total_mb"] == probed["memory"]["total_mb"]
    assert [d["model"] for d in m["probe"]["disks"]] == \
        [d["model"] for d in probed["disks"] if not d.get("is_live_medium")]
    assert m["identity"] == machine_identity(probed)
    verdict = _recorded("asset.graded", aid)["verdict"]
    assert (m["grade"]["grade"], m["grade"]["outcome"]) == (verdict["grade"], verdict["outcome"])
    assert m["grade"]["rules_version"] == "2026.11-2"
    # The wipe of the 64 MiB loop device, and the certificate that names it.
    cert = _recorded("certificate.issued", aid)
    [wipe] = m["wipes"]
    assert (wipe["event_id"], wipe["result"], wipe["method"], wipe["nist"]) == \
        (V1_IDS["wipe_event"], "success", "prng", "clear")     # v1 said "auto": migrated
    assert wipe["disk_identity"] == "weak:?:67108864:loop0"
    assert wipe["certificate"] == cert["certificate_id"] and m["certificates"] == [cert["certificate_id"]]
    assert m["image"] == {"name": "master", "version": None, "result": "success",
                          "disk_identity": "weak:?:67108864:loop0", "time": m["image"]["time"]}
    [part] = m["parts_installed"]
    assert (part["part_id"], part["from_asset"]) == (V1_IDS["part"], second)
    assert inv.machine(V1_IDS["part"])["installed_in"] == aid
    assert m["checkout"] == {"destination_kind": "given", "organisation": "Emmaus Connect",
                             "date": "2026-12-06", "price_eur": None}
    assert m["history"] == len(inv.history(aid))
    statuses = [e.payload["to"] for e in inv.events(aid, types=["status.changed"])]
    assert statuses == ["diagnosed", "wiped", "imaged", "ready", "out"]
    assert inv.machine(V1_IDS["machines"][2])["checkout"]["destination_kind"] == "recycled"


def test_illegal_transition_is_a_conflict_and_writes_nothing(inv):
    aid = inv.create_asset("machine", "laptop")
    before = inv.journal.path.read_bytes()
    with pytest.raises(Conflict) as exc:
        inv.set_status(aid, "imaged")
    assert exc.value.exit_code == ExitCode.CONFLICT
    with pytest.raises(Conflict):
        inv.checkout(aid, "given", "Association")      # given needs ready
    with pytest.raises(Conflict):
        inv.set_status(aid, "out")                     # out needs a destination
    with pytest.raises(Conflict):
        inv.record("status.changed", aid, {"to": "ready"})
    assert inv.journal.path.read_bytes() == before
    assert inv.machine(aid)["status"] == "received"


def test_unknown_asset_is_not_found_and_writes_nothing(inv):
    before = inv.journal.path.read_bytes()
    for call in (lambda: inv.machine("TRI-B-26-99999"),
                 lambda: inv.set_status("nope", "diagnosed"),
                 lambda: inv.record(EventType.ASSET_GRADED, "nope", {}),
                 lambda: inv.checkout("nope", "recycled", "Envie"),
                 lambda: inv.harvest_part("nope", "ram"),
                 lambda: inv.create_asset("machine", "laptop", lot_id="LOT-X-26-0001"),
                 lambda: inv.history("nope")):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.exit_code == ExitCode.NOT_FOUND
    assert inv.journal.path.read_bytes() == before


def test_unknown_event_type_is_refused(inv):
    with pytest.raises(BadInput):
        inv.record("asset.teleported", None, {})


def test_received_machine_can_be_recycled_directly_and_returns_only_if_given(inv):
    dead = inv.create_asset("machine", "desktop")
    inv.checkout(dead, "recycled", "Ecosystem")
    assert inv.machine(dead)["status"] == "out"
    with pytest.raises(Conflict):
        inv.set_status(dead, "received")               # recycled machines do not come back
    with pytest.raises(Conflict):
        inv.checkout(dead, "recycled", "Ecosystem")    # already out
    good = inv.create_asset("machine", "laptop")
    _probed_disk_removed(inv, good)
    for s in ("diagnosed", "ready"):                    # diagnosed → ready: disk removed
        inv.set_status(good, s)
    inv.checkout(good, "given", "Emmaüs Connect")
    inv.set_status(good, "received", reason="warranty return")
    assert inv.machine(good)["status"] == "received"


def test_rewipe_after_failed_image(inv):
    aid = inv.create_asset("machine", "laptop")
    _probed_disk_removed(inv, aid)
    for s in ("diagnosed", "wiped", "imaged", "wiped", "wiped", "imaged", "ready"):
        inv.set_status(aid, s)
    assert inv.machine(aid)["status"] == "ready"


def test_find_by_serial_ignores_placeholders_and_allows_duplicates(inv):
    a = inv.create_asset("machine", "laptop", serial="CZC6203MC5")
    b = inv.create_asset("machine", "laptop", serial="CZC6203MC5")
    c = inv.create_asset("machine", "desktop", serial="To Be Filled By O.E.M.")
    assert inv.find_by_serial("CZC6203MC5") == [a, b]
    assert inv.find_by_serial(" CZC6203MC5 ") == [a, b]
    assert inv.find_by_serial("To Be Filled By O.E.M.") == []
    assert inv.find_by_serial("00000000") == []
    # A probe fills the serial of a machine registered before (label first).
    inv.record(EventType.ASSET_PROBED, c, {"machine": _machine_dict(serial="HLG964J")})
    assert inv.find_by_serial("HLG964J") == [c]
    assert inv.machine(c)["serial"] == "HLG964J"


def test_find_by_identity_rematches_machines_with_blank_serials(inv):
    blank = _machine_dict(serial="Default string", uuid="03000200-0400-0500-0006-000700080009")
    other_mac = _machine_dict(serial="Default string", uuid="03000200-0400-0500-0006-000700080009",
                              mac="00:1a:2b:3c:4d:ff")
    assert machine_identity(blank) != machine_identity(other_mac)
    # Same machine probed again with devices listed in another order: same identity.
    shuffled = dict(blank, disks=list(reversed(blank["disks"])))
    assert machine_identity(shuffled) == machine_identity(blank)
    a = inv.create_asset("machine", "desktop", identity=machine_identity(blank))
    b = inv.create_asset("machine", "desktop")
    inv.record(EventType.ASSET_PROBED, b, {"machine": other_mac})
    assert inv.find_by_identity(machine_identity(blank)) == [a]
    assert inv.find_by_identity(machine_identity(other_mac)) == [b]
    assert inv.find_by_identity("fp:nothing") == []


def test_wipes_for_disk_oldest_first_including_loose_disks(inv):
    aid = inv.create_asset("machine", "laptop")
    disk = {"identity": "serial:S3Z9NB0K"}
    inv.record(EventType.WIPE_DONE, aid, _wipe(disk["identity"], "interrupted"))
    inv.record(EventType.WIPE_DONE, None, _wipe("serial:OTHER"))
    inv.record(EventType.WIPE_DONE, None, _wipe(disk["identity"]))
    wipes = inv.wipes_for_disk("serial:S3Z9NB0K")
    assert [w.payload["result"] for w in wipes] == ["interrupted", "success"]
    assert wipes[0].seq < wipes[1].seq and wipes[0].asset_id == aid
    assert inv.wipes_for_disk("serial:NEVER") == []
    # Without the index (projection lost), the same answer from a rebuild.
    shutil.rmtree(inv.home / "projection")
    again = Inventory.open(inv.home, "x")
    assert [w.id for w in again.wipes_for_disk("serial:S3Z9NB0K")] == [w.id for w in wipes]


def test_parts_harvest_install_and_provenance(inv):
    donor_machine = inv.create_asset("machine", "laptop")
    target = inv.create_asset("machine", "laptop")
    part = inv.harvest_part(donor_machine, "ram", {"type": "DDR3", "form_factor": "SODIMM",
                                                   "size_gb": 4}, grade="A")
    p = inv.machine(part)
    assert p["kind"] == "part" and p["status"] == "stock" and p["from_asset"] == donor_machine
    assert inv.machine(donor_machine)["parts_harvested"][0]["part_id"] == part
    inv.install_part(part, target)
    assert inv.machine(part)["status"] == "installed"
    assert inv.machine(part)["installed_in"] == target
    installed = inv.machine(target)["parts_installed"]
    assert installed[0]["part_id"] == part and installed[0]["from_asset"] == donor_machine
    assert [e.type for e in inv.history(part)] == ["asset.created", "part.harvested",
                                                   "part.installed"]
    with pytest.raises(Conflict):
        inv.install_part(part, donor_machine)          # already installed
    with pytest.raises(Conflict):
        inv.install_part(target, donor_machine)        # a machine is not a part
    with pytest.raises(Conflict):
        inv.set_status(part, "diagnosed")              # parts have no machine lifecycle
    assert [x["id"] for x in inv.parts()] == [part]
    assert inv.machines() == [inv.machine(donor_machine), inv.machine(target)]


def test_search_by_serial_model_id_and_donor(inv):
    _, (aid,) = inv.receive_lot("Banque Alimentaire", devices=[("laptop", 1, None)],
                                create_ids=True)
    inv.record(EventType.ASSET_PROBED, aid, {"machine": _machine_dict()})
    other = inv.create_asset("machine", "desktop")
    # The E5410 recording: its product, its disk's serial (as smartctl read it).
    for text in ("latitude", "e5410", "alimentaire", aid.lower(), "msk423y20s3hbc"):
        assert [d["id"] for d in inv.search(text)] == [aid], text
    assert [d["id"] for d in inv.search("desktop")] == [other]
    assert inv.search("   ") == []


def test_projection_rebuilt_when_missing_or_damaged(inv):
    aid = inv.create_asset("machine", "laptop", serial="ABC123")
    inv.set_status(aid, "diagnosed")
    state = inv.machine(aid)
    shard = inv.projection.asset_path(shard_of(aid))
    shard.write_text("{ half a file")
    assert Inventory.open(inv.home, "x").machine(aid) == state
    # Damaged after open: the reading path rebuilds too.
    shard.write_text("[]]")
    assert inv.machine(aid) == state
    (inv.home / "projection" / "meta.json").write_text("garbage")
    assert Inventory.open(inv.home, "x").machine(aid) == state
    assert inv.verify().ok


def test_projection_catches_up_after_a_crash_between_journal_and_projection(inv):
    """Events in the journal that the projection never saw (crash after fsync)."""
    aid = inv.create_asset("machine", "laptop")
    last = json.loads(inv.journal.path.read_bytes().splitlines()[-1])
    _, line = build_line(last["seq"] + 1, last["hash"], station="other", operator=None,
                         asset_id=aid, type="status.changed",
                         payload={"from": "received", "to": "diagnosed"})
    with open(inv.journal.path, "ab") as fh:
        fh.write(line)
    assert inv.machine(aid)["status"] == "diagnosed"      # caught up on read
    assert inv.verify().projection.value == "current"


def test_reapplying_events_is_idempotent(inv):
    """Shards written but meta not (crash between the two): replay must not double."""
    aid = inv.create_asset("machine", "laptop")
    meta_before = (inv.home / "projection" / "meta.json").read_bytes()
    inv.record(EventType.WIPE_DONE, aid, _wipe("serial:D1"))
    state = inv.machine(aid)
    (inv.home / "projection" / "meta.json").write_bytes(meta_before)
    again = Inventory.open(inv.home, "x")
    assert again.machine(aid) == state
    assert len(again.machine(aid)["wipes"]) == 1
    assert len(again.wipes_for_disk("serial:D1")) == 1


def test_another_process_appended_since_open(inv, tmp_path):
    aid = inv.create_asset("machine", "laptop")
    other = Inventory.open(inv.home, "poste-3")
    other.set_status(aid, "diagnosed")
    # ``inv`` validates against the journal's latest state, not its own memory.
    inv.set_status(aid, "wiped")
    with pytest.raises(Conflict):
        other.checkout(aid, "given", "X")              # wiped, not ready
    assert inv.machine(aid)["status"] == "wiped"
    assert other.machine(aid)["history"] == 3



def test_events_filter_by_non_ascii_asset_id(inv):
    aid = inv.create_asset("machine", "laptop", asset_id="ÉCRAN-001")
    inv.record(EventType.NOTE, aid, {"text": "rayure"})
    assert [e.type for e in inv.events(aid)] == ["asset.created", "note"]
    assert [e.type for e in inv.events(aid, types=[EventType.NOTE])] == ["note"]


def test_loose_disk_wipe_and_certificate_need_no_asset_but_grades_do(inv):
    wipe = inv.record(EventType.WIPE_DONE, None, _wipe("serial:LOOSE"))
    cert = inv.record(EventType.CERTIFICATE_ISSUED, None,
                      dict(_recorded("certificate.issued"), wipes=[wipe.id]))
    assert cert.asset_id is None and cert.seq == wipe.seq + 1
    with pytest.raises(NotFound):
        inv.record(EventType.ASSET_GRADED, None, {"verdict": {}})


def test_parts_leave_from_stock_only(inv):
    machine = inv.create_asset("machine", "desktop")
    sold = inv.harvest_part(machine, "psu", {"watts": 300})
    kept = inv.harvest_part(machine, "disk", {"media": "ssd", "size_gb": 120})
    inv.checkout(sold, "sold", "Repair café", price_eur=5)
    assert inv.machine(sold)["status"] == "out"
    assert inv.machine(sold)["checkout"]["price_eur"] == 5
    inv.record(EventType.WIPE_DONE, kept, _wipe("serial:S21NX0AG"))
    inv.install_part(kept, machine)
    with pytest.raises(Conflict):
        inv.checkout(kept, "recycled", "Envie")         # installed: it leaves with its machine
    with pytest.raises(Conflict):
        inv.install_part(sold, machine)                  # gone


def test_rebuild_replaces_shards_in_place_and_prunes_strays(inv):
    aid = inv.create_asset("machine", "laptop")
    stray = inv.projection.assets_dir / "zz.json"
    stray.write_text('{"assets": {"1": {"id": "GHOST", "kind": "machine"}}}')
    # A shard meta.json never wrote (no CRC-32 of it) is not trusted, even by the
    # listing of every record: the projection is refolded and the stray removed.
    assert [d["id"] for d in inv.machines()] == [aid]
    assert not stray.exists()
    stray.write_text('{"assets": {"1": {"id": "GHOST", "kind": "machine"}}}')
    inv.rebuild_projection()
    assert not stray.exists()
    assert [d["id"] for d in inv.machines()] == [aid]
    assert inv.verify(deep=True).projection.value == "current"
