"""dmidecode parser: hand-checked corpus values (line numbers in comments), formats, odd input."""

from __future__ import annotations

import pytest

from conftest import corpus_file
from reemploi.errors import BadInput
from reemploi.model import Chassis
from reemploi.probe.dmidecode import chassis_from, clean, parse_dmidecode, records


def dmi(path: str):
    return parse_dmidecode(corpus_file("dmidecode/" + path).read_text(encoding="utf-8", errors="replace"))


def test_latitude_e5410():
    d = dmi("laptop/linuxhw-DMI__Notebook__Dell__Latitude__Latitude_E5410__47684B1141AC.txt")
    assert d.system.chassis is Chassis.LAPTOP and d.system.chassis_raw == "Laptop"   # line 145
    m = d.memory
    assert m.slots_total == 2 and m.max_capacity_mb == 8192     # lines 419, 421 (type 16)
    assert [x.size_mb for x in m.modules] == [4096, 2048]       # lines 439, 480
    first = m.modules[0]
    assert (first.locator, first.bank, first.type, first.form_factor, first.speed_mts) == (
        "DIMM_A", "BANK 0", "DDR3", "SODIMM", 1067)             # lines 440-446
    assert first.part_number == "HMT351S6CFR8C-PB" and first.manufacturer == "80AD"
    assert first.serial is None                                  # "Serial Number: --"
    assert m.total_mb == 6144 and m.slots_free == 0
    (bat,) = d.batteries
    assert bat.design_wh == 52.0 and d.battery_design_mv == (11100,)   # lines 536-537
    assert d.dmidecode_version == "3.1" and d.smbios_version == "2.6"


def test_precision_t7400_empty_slots_are_slots_not_modules():
    d = dmi("desktop/linuxhw-DMI__Desktop__Dell__Precision__Precision_WorkStation_T7400__2916BD6A3B98.txt")
    assert d.system.chassis is Chassis.DESKTOP and d.system.chassis_raw == "Tower"   # line 106
    m = d.memory
    assert m.slots_total == 16 and len(m.modules) == 8          # line 596; lines 604-737 vs 756-889
    assert {x.size_mb for x in m.modules} == {2048}
    assert m.max_capacity_mb == 128 * 1024 and m.slots_free == 8   # line 594
    assert d.processor is None                                  # manifest: cpu=Not Specified


def test_biostar_one_module_in_four_slots():
    d = dmi("desktop/linuxhw-DMI__Desktop__Biostar__A320__A320MH__5DCFD2AB0CB8.txt")
    m = d.memory
    assert (m.slots_total, [x.size_mb for x in m.modules], m.max_capacity_mb) == (4, [8192], 128 * 1024)  # 205, 318, 203


def test_proliant_two_memory_arrays():
    d = dmi("server/linuxhw-DMI__Server__Hewlett-Packard__ProLiant__ProLiant_DL360_Gen9__361811644EFC.txt")
    assert d.system.chassis is Chassis.SERVER                   # line 909 "Rack Mount Chassis"
    m = d.memory
    assert m.slots_total == 24                                  # lines 277, 286: 12 + 12
    assert [x.size_mb for x in m.modules] == [16384, 16384]     # lines 558, 582
    assert m.max_capacity_mb == 2 * 1536 * 1024                 # lines 275, 284


def test_latitude_d610_old_dmidecode():
    d = dmi("laptop/glpi-agent__resources__generic__dmidecode__linux-2.6.txt")
    assert d.system.chassis is Chassis.LAPTOP and d.system.chassis_raw == "Portable"   # line 67
    assert [x.size_mb for x in d.memory.modules] == [1024, 1024]   # lines 294, 313
    assert d.memory.max_capacity_mb == 4096                     # line 284
    assert d.batteries[0].design_wh == 48.0                     # line 380
    assert d.dmidecode_version == "2.8"


def test_detachable_tablet_and_non_system_array():
    d = dmi("other/linuxhw-DMI__Tablet__Panasonic__CF-33__CF-33-1__41051B60660E.txt")
    assert d.system.chassis is Chassis.TABLET                   # line 59 "Type: Detachable"
    assert [b.design_wh for b in d.batteries] == [22.08, 22.08]  # lines 94, 108
    # line 329 "Size: 16 MB" belongs to a second array (line 352 "Maximum Capacity: 16 MB"),
    # not to system memory.
    assert [x.size_mb for x in d.memory.modules] == [4096, 4096]   # lines 142, 166
    assert d.memory.slots_total == 2 and d.memory.max_capacity_mb == 8192   # lines 132, 134


def test_placeholders_become_none():
    d = dmi("desktop/linuxhw-DMI__Desktop__ASRock__G31__G31M-VS2__A111D796F616.txt")
    assert d.system.vendor is None and d.system.product is None   # lines 41-42 "To Be Filled By O.E.M."
    assert d.system.board_vendor == "ASRock" and d.system.board_product == "G31M-VS2"   # 52-53
    assert d.system.chassis is Chassis.DESKTOP                  # line 68


@pytest.mark.parametrize("value", ["To Be Filled By O.E.M.", "Default string", "System Serial Number",
                                   "Not Specified", "None", "0123456789", " ", "",
                                   "00000000-0000-0000-0000-000000000000", "Not Settable"])
def test_clean_placeholders(value):
    assert clean(value) is None


@pytest.mark.parametrize("value", ["Dell Inc.", "HMT351S6CFR8C-PB", "4C4C4544-0038-1046-8054-C4C04F525931", "80AD"])
def test_clean_keeps_real_values(value):
    assert clean(value) == value


def test_ancient_rhel21_layout_uses_type_6_memory():
    d = dmi("desktop/glpi-agent__resources__generic__dmidecode__rhel-2.1.txt")
    # lines 8-66: "Handle 0x0000" then a tab-indented "DMI type 0, 20 bytes." line
    assert d.system.vendor == "IBM" and d.system.chassis_raw == "Mini Tower"
    assert d.system.chassis is Chassis.DESKTOP
    assert d.processor == "Pentium 4"                           # "Processor Version: Pentium 4"
    assert d.smbios_version == "2.3" and d.dmidecode_version is None
    # type 17 records are undecoded (lines 240-244): type 6 "Memory Bank" gives 256 MB in DIMM1,
    # DIMM2 "Not Installed" (lines 53-66).
    assert [(x.locator, x.size_mb) for x in d.memory.modules] == [("DIMM1", 256)]
    assert d.memory.slots_total == 2 and "memory-from-type-6" in d.messages


def test_header_line_replaced_by_a_hash():
    d = dmi("desktop/linuxhw-DMI__Desktop__Shuttle__FB__FB62__304342C22555.txt")
    # line 57 is a hash where "Handle 0x0003, DMI type 3" was; line 58 "Chassis Information", 60 "Type: Desktop"
    assert d.system.chassis is Chassis.DESKTOP


def test_partial_chassis_and_baseboard():
    c = dmi("partial/peracotta__tests__source_files__castes-HP-dc7600__chassis.txt")
    assert c.system.chassis_raw == "Low Profile Desktop" and c.system.chassis is Chassis.DESKTOP   # line 8
    assert c.memory.slots_total is None and c.memory.modules == ()
    b = dmi("partial/peracotta__tests__source_files__jm11__baseboard.txt")
    assert (b.system.board_vendor, b.system.board_product) == ("LENOVO", "246837G")   # lines 7-8
    assert b.system.chassis is Chassis.UNKNOWN and "no-system-record" in b.messages


def test_partial_battery_records():
    d = dmi("partial/glpi-agent__resources__generic__dmidecode__batteries__windows-10-notebook.txt")
    assert [(b.model, b.design_wh, b.technology) for b in d.batteries] == [
        ("00HW023", 23.54, "LiP"), ("01AV406", 26.06, "LiP")]    # "Design Capacity: 23540 mWh", "26060 mWh"
    assert d.battery_design_mv == (11400, 11460)


def test_firmware_template_batteries_are_dropped():
    d = dmi("laptop/linuxhw-DMI__Notebook__Intel__Jasper__Jasper_Lake_Client_Platform__53F57079093E.txt")
    # "Manufacturer: Battery 1 Manufacturer", "Design Capacity: Unknown" x4
    assert d.batteries == () and "placeholder-battery-records" in d.messages


def test_mini_pc_reports_desktop_chassis():
    d = dmi("desktop/linuxhw-DMI__Mini_Pc__Intel__NUC8__NUC8i7HNK__87B51FB6BCC2.txt")
    assert d.system.chassis_raw == "Desktop" and d.system.chassis is Chassis.DESKTOP   # line 65


@pytest.mark.parametrize("raw, expected", [
    ("Notebook", Chassis.LAPTOP), ("Sub Notebook", Chassis.LAPTOP), ("Convertible", Chassis.CONVERTIBLE),
    ("Mini PC", Chassis.MINI_PC), ("All In One", Chassis.ALL_IN_ONE), ("Space-saving", Chassis.DESKTOP),
    ("Multi-system", Chassis.SERVER), ("Tablet", Chassis.TABLET), ("Docking Station", Chassis.OTHER),
    ("Something New", Chassis.OTHER), (None, Chassis.UNKNOWN),
])
def test_chassis_mapping(raw, expected):
    assert chassis_from(raw) is expected


@pytest.mark.parametrize("text", ["", "   ", "hello\nworld\n", "# dmidecode 3.3\nNo SMBIOS nor DMI entry point found, sorry.\n"])
def test_not_dmidecode(text):
    with pytest.raises(BadInput):
        parse_dmidecode(text)


def test_truncated_dump_keeps_earlier_records():
    text = corpus_file("dmidecode/laptop/linuxhw-DMI__Notebook__Dell__Latitude__Latitude_E5410__47684B1141AC.txt").read_text()
    lines = text.splitlines()
    d = parse_dmidecode("\n".join(lines[:450]))     # cut inside the first type-17 record
    assert d.system.chassis is Chassis.LAPTOP and [x.size_mb for x in d.memory.modules] == [4096]
    assert len(records("\n".join(lines[:450]))) > 10
