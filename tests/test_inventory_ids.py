"""Ids, serial placeholders, fingerprints and stock grouping (pure functions)."""

from __future__ import annotations

import pytest

from reemploi.identity import clean_serial
from reemploi.inventory.ids import counter_key, format_asset_id, format_donor_id, format_lot_id
from reemploi.inventory.parts import parse_facts, stock
from reemploi.model import Disk

from conftest import corpus_file, corpus_rows


def test_id_formats_and_their_counters():
    assert format_asset_id("TRI", "A", 2026, 42) == "TRI-A-26-00042"
    assert format_asset_id("TRI", "A", 2026, 42, part=True) == "TRI-A-26-P00042"
    assert format_lot_id("A", 2026, 7) == "LOT-A-26-0007"
    assert format_donor_id("B2", 3) == "DON-B2-0003"
    assert counter_key("TRI-A-26-00042") == ("machine:TRI:A:26", 42)
    assert counter_key("TRI-A-26-P00042") == ("part:TRI:A:26", 42)
    assert counter_key("LOT-A-26-0007") == ("lot:A:26", 7)
    assert counter_key("DON-B2-0003") == ("donor:B2", 3)
    assert counter_key("TRI-A-26-123456") == ("machine:TRI:A:26", 123456)   # past 99 999
    assert counter_key("some label") is None


@pytest.mark.parametrize("raw", ["", "  ", "--", "Not Specified", "None", "To Be Filled By O.E.M.",
                                 "Default string", "System Serial Number", "Chassis Serial Number",
                                 "00000000", "FFFFFFFF", "TBD by ODM", "0123456789", None])
def test_placeholder_serials_are_not_serials(raw):
    assert clean_serial(raw) is None


@pytest.mark.parametrize("raw", ["CZC6203MC5", " HLG964J ", "VMware-50 0c 23", "2K1012J"])
def test_real_serials_are_kept(raw):
    assert clean_serial(raw) == raw.strip()


def test_corpus_system_serials_placeholders_are_dropped():
    """Every 'Serial Number' value of a System Information record in the corpus is
    either dropped as a placeholder or kept verbatim (stripped)."""
    seen_placeholder = seen_real = 0
    for row in corpus_rows("dmidecode"):
        text = corpus_file(row["local_path"]).read_text(encoding="utf-8", errors="replace")
        block = text.split("System Information", 1)
        if len(block) < 2:
            continue
        for line in block[1].splitlines()[:12]:
            if line.strip().startswith("Serial Number:"):
                value = line.split(":", 1)[1]
                cleaned = clean_serial(value)
                if cleaned is None:
                    seen_placeholder += 1
                else:
                    assert cleaned == value.strip() and len(set(cleaned.lower())) > 1
                    seen_real += 1
                break
    assert seen_placeholder > 0 and seen_real > 0


def test_a_disk_read_back_from_the_journal_keeps_its_identity():
    d = {"name": "sda", "path": "/dev/sda", "model": "ST500", "serial": "Z3T1", "size_bytes": 5}
    assert Disk.from_dict(d).identity == Disk(name="sda", path="/dev/sda", serial="Z3T1").identity
    assert Disk.from_dict({"name": "sdb", "wwn": "0x5000"}).identity == "wwn:0x5000"
    assert Disk.from_dict({"name": "mmcblk0", "model": "SD", "size_bytes": 8}
                          ).identity.startswith("weak:")


def test_parse_facts():
    assert parse_facts(["type=DDR3", "size_gb=4", "volts=1,35", "Form_Factor = SODIMM"]) == \
        {"type": "DDR3", "size_gb": 4, "volts": 1.35, "form_factor": "SODIMM"}
    with pytest.raises(ValueError):
        parse_facts(["DDR3"])
    with pytest.raises(ValueError):
        parse_facts(["=4"])


def test_stock_groups_interchangeable_parts_and_skips_the_rest():
    def part(i, kind, status="stock", **facts):
        return {"id": f"P{i}", "part_kind": kind, "status": status, "facts": facts}
    parts = [part(1, "ram", type="DDR3", form_factor="SODIMM", size_gb=4, serial="A"),
             part(2, "ram", type="DDR3", form_factor="SODIMM", size_gb=4, serial="B"),
             part(3, "ram", type="DDR3", form_factor="SODIMM", size_gb=2),
             part(4, "ram", "installed", type="DDR3", form_factor="SODIMM", size_gb=4),
             part(5, "disk", media="ssd", size_gb=120),
             part(6, "battery")]
    lines = stock(parts)
    assert [(l.part_kind, l.label, l.count) for l in lines] == [
        ("battery", "", 1), ("disk", "ssd 120 GB", 1),
        ("ram", "DDR3 SODIMM 4 GB", 2), ("ram", "DDR3 SODIMM 2 GB", 1)]
    assert lines[2].ids == ("P1", "P2")


# -- machine fingerprints on real probes (tests/fixtures/machines) --------------------

MACHINES = __import__("pathlib").Path(__file__).parent / "fixtures" / "machines"


def _probed(name: str) -> dict:
    from reemploi.context import Context
    from reemploi.station.grading import open_machine, probe
    folder = MACHINES / name
    ctx, facts = open_machine(Context(home=folder), folder)
    return probe(ctx, facts).to_dict()


def test_identity_survives_the_upgrade_the_verdict_asked_for():
    from reemploi.identity import identity_is_strong, machine_identity
    # Latitude E5410: blank DMI serial (linuxhw dump), two MACs, a failing disk. The
    # verdict asks for an SSD: once it is fitted, the machine must still be found.
    e5410 = _probed("latitude-e5410-failing-disk")
    ssd = _probed("medion-usb-dock")["disks"][0]
    upgraded = dict(e5410, disks=[dict(ssd, name="sda", path="/dev/sda")])
    assert identity_is_strong(machine_identity(e5410))
    assert machine_identity(upgraded) == machine_identity(e5410)
    # A real DMI serial wins over everything else: new NIC and disk, same machine.
    serialled = dict(e5410, system=dict(e5410["system"], serial="HLG964J"))
    moved = dict(upgraded, system=serialled["system"], network=[])
    assert machine_identity(moved) == machine_identity(serialled) != machine_identity(e5410)
    # Another board of the same model (other MACs) is another machine.
    twin = dict(e5410, network=[dict(n, mac=n["mac"][:-2] + "99") for n in e5410["network"]])
    assert machine_identity(twin) != machine_identity(e5410)


def test_the_live_stick_and_a_usb_dock_are_not_the_machine():
    from reemploi.identity import machine_identity
    medion = _probed("medion-usb-dock")       # internal SSD + a donor's disk in a USB dock
    other_donor_disk = dict(medion, disks=[medion["disks"][0],
                                           dict(medion["disks"][1], serial="Z9OTHER")])
    assert machine_identity(other_donor_disk) == machine_identity(medion)


def test_the_workshops_usb_dongle_identifies_no_machine():
    """broken-tools: no DMI serial, no network on board, disks without serials (the
    linuxhw recording's is "--"), and the workshop's USB Wi-Fi dongle. The dongle's MAC
    travels from machine to machine: it must not make this machine recognisable, or
    the next one given the dongle would be filed as this one."""
    from reemploi.identity import identity_is_strong, machine_identity
    desk = _probed("broken-tools")
    assert [(n["bus"], n["kind"]) for n in desk["network"]] == [("usb", "wifi")]
    assert not identity_is_strong(machine_identity(desk))
    assert machine_identity(desk) == machine_identity(dict(desk, network=[]))
    # The same MAC on the board (PCI) is the machine's own, and identifies it.
    onboard = dict(desk, network=[dict(n, bus="pci") for n in desk["network"]])
    assert identity_is_strong(machine_identity(onboard))


@pytest.mark.parametrize("uuid", ["03000200-0400-0500-0006-000700080009", "Not Settable",
                                  "00000000-0000-0000-0000-000000000000",
                                  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "--", None])
def test_placeholder_uuids_identify_nothing(uuid):
    from reemploi.identity import clean_uuid, identity_is_strong, machine_identity
    assert clean_uuid(uuid) is None
    # D600 probed from the replay: no DMI serial, no network, no disk serial.
    d600 = _probed("latitude-d600-32bit")
    bare = dict(d600, system=dict(d600["system"], uuid=uuid))
    assert not identity_is_strong(machine_identity(bare))
    real = dict(d600, system=dict(d600["system"], uuid="44454C4C-3800-1033-8054-C3C04F35344A"))
    assert identity_is_strong(machine_identity(real))


def test_harvested_facts_are_spelled_one_way_for_the_stock():
    from reemploi.inventory.parts import normalise_facts
    a = normalise_facts("ram", {"type": "ddr3", "form_factor": "so-dimm", "size_gb": 4})
    b = normalise_facts("ram", {"type": "DDR3", "form_factor": "SODIMM", "size_gb": 4})
    assert a == b == {"type": "DDR3", "form_factor": "SODIMM", "size_gb": 4}
    assert normalise_facts("disk", {"media": "SSD", "interface": "sata"}) == \
        {"media": "ssd", "interface": "SATA"}
    assert normalise_facts("other", {"what": "Webcam"}) == {"what": "Webcam"}


@pytest.mark.parametrize("typed,meant", [
    ("TRI-A-26-00042", "TRI-A-26-00042"),
    ("  TRI-A-26-00042\n", "TRI-A-26-00042"),                       # scanner's Enter
    ("https://inventaire.example.org/m/TRI-A-26-00042", "TRI-A-26-00042"),
    ("https://x.example/?asset=TRI-B-26-P00007&from=label", "TRI-B-26-P00007"),
    ("LOT-A-26-0007", "LOT-A-26-0007"),
    ("https://x.example/m/TRI-A-26-00042/TRI-A-26-00043", "https://x.example/m/TRI-A-26-00042/TRI-A-26-00043"),
    ("https://x.example/m/nothing", "https://x.example/m/nothing"),
    ("XTRI-A-26-000421", "XTRI-A-26-000421"),
])
def test_id_from_scan(typed, meant):
    from reemploi.inventory.ids import id_from_scan
    assert id_from_scan(typed) == meant
