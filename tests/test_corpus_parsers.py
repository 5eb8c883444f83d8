"""Every corpus file through its parser, and the manifest's markers checked generically.

The manifest (``../shared/corpus/manifest.csv``) was written by whoever gathered the
corpus, independently of our parsers: its ``failing:*``, ``worn:*``, ``poh=``,
``exit_status=`` and ``chassis=`` notes are read here and compared with what the
parsers return. Where a note is wrong (it was made from a raw JSON field that
smartctl itself prints differently) the exception is listed with the reason.
"""

from __future__ import annotations

import re

import pytest

from conftest import corpus_file, corpus_rows
from reemploi.model import Chassis, Health
from reemploi.probe.battery import parse_battery
from reemploi.probe.dmidecode import parse_dmidecode
from reemploi.probe.edid import parse_edid_full
from reemploi.probe.lshw import parse_lshw
from reemploi.probe.smartctl import parse_smartctl, parse_smartctl_all
from reemploi.probe.smartctl_common import decode_exit_status


def _notes(row: dict) -> list[str]:
    return [n.strip() for n in row["notes"].split(";") if n.strip()]


def _ids(rows):
    return [r["local_path"].split("/", 1)[1][:70] for r in rows]


SMART_ROWS = corpus_rows("smartctl/")
DMI_ROWS = corpus_rows("dmidecode/")
LSHW_ROWS = corpus_rows("lshw")
EDID_ROWS = corpus_rows("edid")
BATTERY_ROWS = corpus_rows("battery")

# Notes made from smartctl JSON ``raw.value`` (the whole 48-bit raw field) rather than
# the value smartctl prints: Fujitsu MHV2060AT packs a spare count next to the
# reallocated count ("0 (2000 0)"); its reallocated count is 0.
NOTE_EXCEPTIONS = {
    ("smartctl/usb/peracotta__tests__source_files__smartctl__mini_ide03.json", "Reallocated_Sector_Ct"): 0,
    # A de_DE build groups thousands with dots: "Power On Hours: 5.809" is 5809 h, as
    # the same file's "Data Units Read: 29.426.647 [15,0 TB]" (line 47) shows; the
    # manifest read it as 5.809 -> 5.
    ("smartctl/nvme/pysmart__tests__dataset__singletests__nvme_0___-d_nvme_--all__dev_nvme0.txt", "poh"): 5809,
}


def test_corpus_is_there_and_covers_every_kind(corpus):
    assert len(SMART_ROWS) == 184 and len(DMI_ROWS) == 127
    assert len(LSHW_ROWS) == 24 and len(EDID_ROWS) == 15 and len(BATTERY_ROWS) == 6


@pytest.mark.parametrize("row", SMART_ROWS, ids=_ids(SMART_ROWS))
def test_smartctl_corpus(row, corpus):
    data = corpus_file(row["local_path"]).read_bytes()
    notes = _notes(row)
    smart = parse_smartctl(data)
    assert smart.source in ("smartctl-text", "smartctl-json")
    versions = [n.split("=", 1)[1] for n in notes if n.startswith("smartctl=")]
    if versions and smart.smartctl_version:
        assert smart.smartctl_version == versions[0]

    if "failing:smart-status-FAILED" in notes:
        assert smart.health is Health.FAILED
    for note in notes:
        m = re.match(r"^(failing|worn):(\w+)=(\d+)$", note)
        if not m:
            continue
        attr, expected = m.group(2), int(m.group(3))
        expected = NOTE_EXCEPTIONS.get((row["local_path"], attr), expected)
        got = {
            "Reallocated_Sector_Ct": smart.reallocated_sectors,
            "Current_Pending_Sector": smart.pending_sectors,
            "Offline_Uncorrectable": smart.offline_uncorrectable,
            "media_errors": smart.nvme_media_errors,
            "percentage_used": smart.nvme_percentage_used,
            "critical_warning": smart.nvme_critical_warning,
        }[attr]
        assert got == expected, f"{attr}: parsed {got}, manifest says {expected}"

    poh = [int(n[4:]) for n in notes if n.startswith("poh=")]
    if len(poh) > 1:
        assert [s.power_on_hours for s in parse_smartctl_all(data)] == poh
    elif poh and "bogus-poh" in notes:
        # Half-minutes counter behind a "Power_On_Hours" name: see test_parse_smartctl.
        assert smart.power_on_hours == poh[0] // 120
        assert "poh-halfminutes" in smart.messages
    elif poh:
        assert smart.power_on_hours == NOTE_EXCEPTIONS.get((row["local_path"], "poh"), poh[0])

    status = [int(n.split("=", 1)[1]) for n in notes if n.startswith("exit_status=")]
    if status:
        assert smart.exit_status == status[0]
        assert smart.exit_bits == decode_exit_status(status[0])
    if "error-output" in notes or "no-smart-data" in notes:
        assert not smart.available
        assert smart.health is Health.UNKNOWN
    model = [n[6:] for n in notes if n.startswith("model=")]
    if model and "optical-drive" not in notes:
        assert smart.model and set(model[0].split()) & set(smart.model.split())


# linuxhw's manifest copies dmidecode's chassis string; our enum must agree with it.
_EXPECTED_CLASS = {
    "Notebook": Chassis.LAPTOP, "Laptop": Chassis.LAPTOP, "Portable": Chassis.LAPTOP,
    "Desktop": Chassis.DESKTOP, "Tower": Chassis.DESKTOP, "Mini Tower": Chassis.DESKTOP,
    "Low Profile Desktop": Chassis.DESKTOP, "All In One": Chassis.ALL_IN_ONE,
    "Main Server Chassis": Chassis.SERVER, "Rack Mount Chassis": Chassis.SERVER,
    "Detachable": Chassis.TABLET, "Tablet": Chassis.TABLET, "Other": Chassis.OTHER,
    "Unknown": Chassis.UNKNOWN,
}


@pytest.mark.parametrize("row", DMI_ROWS, ids=_ids(DMI_ROWS))
def test_dmidecode_corpus(row, corpus):
    info = parse_dmidecode(corpus_file(row["local_path"]).read_text(encoding="utf-8", errors="replace"))
    notes = _notes(row)
    chassis = [n[8:] for n in notes if n.startswith("chassis=")]
    if chassis:
        assert info.system.chassis_raw == chassis[0]
        assert info.system.chassis is _EXPECTED_CLASS[chassis[0]]
    versions = [n.split("=", 1)[1] for n in notes if n.startswith("dmidecode=")]
    if versions and versions[0] != "unknown":
        assert info.dmidecode_version == versions[0]
    smbios = [n.split("=", 1)[1] for n in notes if n.startswith("smbios=")]
    if smbios:
        assert info.smbios_version == smbios[0]
    if "partial" not in row["notes"]:
        assert info.memory.slots_total, "a full dump describes the memory slots"
        assert info.memory.slots_used <= info.memory.slots_total
        if info.memory.total_mb is None:      # linuxhw Lex CedarView: every slot "No Module Installed"
            assert info.memory.slots_used == 0
    for m in info.memory.modules:
        assert m.size_mb and m.size_mb > 0
    if "battery(type22)" in notes:
        # A type-22 record exists; firmware templates ("Battery 1 Manufacturer", all
        # "Unknown") are dropped and said so.
        assert info.batteries or "placeholder-battery-records" in info.messages


@pytest.mark.parametrize("row", LSHW_ROWS, ids=_ids(LSHW_ROWS))
def test_lshw_corpus(row, corpus):
    info = parse_lshw(corpus_file(row["local_path"]).read_bytes())
    assert info.cpu.model, "every corpus machine has a CPU"
    assert info.disks, "every corpus machine has a disk"
    assert info.memory.total_mb
    version = [n.split("lshw-", 1)[1] for n in _notes(row) if n.startswith("lshw-B")]
    if version:
        assert info.lshw_version == version[0]


@pytest.mark.parametrize("row", EDID_ROWS, ids=_ids(EDID_ROWS))
def test_edid_corpus(row, corpus):
    result = parse_edid_full(corpus_file(row["local_path"]).read_bytes())
    assert result.checksum_ok
    s = result.screen
    assert s.manufacturer and len(s.manufacturer) == 3
    assert s.native_width and s.native_height
    vendor = [n[7:] for n in _notes(row) if n.startswith("vendor=")]
    if vendor:
        # linuxhw's file path holds the PNP id: .../Digital__Apple__APPAE11__...
        assert row["local_path"].split("__")[3].startswith(s.manufacturer)


@pytest.mark.parametrize("row", BATTERY_ROWS, ids=_ids(BATTERY_ROWS))
def test_battery_corpus(row, corpus):
    batteries = parse_battery(corpus_file(row["local_path"]).read_bytes())
    notes = _notes(row)
    if "upower -e" in notes or "two-batteries(peripheral)" in notes:
        assert batteries == ()
    else:
        assert len(batteries) == 1 and batteries[0].design_wh and batteries[0].full_wh
    if "capacity<80%" in notes:
        assert batteries[0].full_wh / batteries[0].design_wh < 0.8
