"""smartctl parser: exit bits, hand-checked corpus values, odd inputs.

Every expected value below was read by hand in the corpus file (the line is named
in the comment), not produced by the parser.
"""

from __future__ import annotations

import json

import pytest

from conftest import corpus_file
from reemploi.errors import BadInput
from reemploi.model import Health
from reemploi.probe.smartctl import parse_smartctl, parse_smartctl_all
from reemploi.probe.smartctl_common import AtaAttribute, decode_exit_status, poh_from_attribute, raw_int


def smart(path: str):
    return parse_smartctl(corpus_file("smartctl/" + path).read_bytes())


# --- exit status (smartctl(8) "EXIT STATUS") -------------------------------------


@pytest.mark.parametrize("code, bits", [
    (0, ()),
    (2, ("open-failed",)),
    (4, ("smart-command-failed",)),
    (8, ("disk-failing",)),
    (64, ("error-log",)),
    (216, ("disk-failing", "prefail-threshold", "error-log", "selftest-errors")),   # 8+16+64+128
    (255, ("cmdline-parse", "open-failed", "smart-command-failed", "disk-failing",
           "prefail-threshold", "past-threshold", "error-log", "selftest-errors")),
    (None, ()),
])
def test_decode_exit_status(code, bits):
    assert decode_exit_status(code) == bits


def test_exit_status_argument_is_used_for_text_output():
    s = parse_smartctl(corpus_file("smartctl/hdd/linuxhw-ED__HDD__Seagate__ST3100__ST31000524AS__C5945938460A.txt")
                       .read_text(), exit_status=24)
    assert s.exit_bits == ("disk-failing", "prefail-threshold")


# --- hand-checked ATA text ----------------------------------------------------------


def test_seagate_failed_reallocated():
    s = smart("hdd/linuxhw-ED__HDD__Seagate__ST3100__ST31000524AS__C5945938460A.txt")
    assert s.health is Health.FAILED            # line 24 "...test result: FAILED!"
    assert s.power_on_hours == 40022            # line 69 "9 Power_On_Hours ... 40022"
    assert s.reallocated_sectors == 3990        # line 67
    assert s.pending_sectors == 0               # line 80
    assert s.reported_uncorrectable == 982      # "187 Reported_Uncorrect ... 982"
    assert s.temperature_c == 33                # "194 Temperature_Celsius ... 33 (0 21 0 0 0)"
    assert s.rotation_rpm == 7200               # line 12
    assert s.capacity_bytes == 1_000_204_886_016
    assert (s.protocol, s.model, s.firmware, s.smartctl_version) == ("ATA", "ST31000524AS", "JC4B", "7.0")


def test_toshiba_pending_and_offline():
    s = smart("hdd/linuxhw-ED__HDD__Toshiba__MG04__MG04ACA600E__DEEA73E8CFB6.txt")
    assert s.health is Health.PASSED            # line 24
    assert s.power_on_hours == 15400            # line 68
    assert s.reallocated_sectors == 64          # line 65
    assert s.pending_sectors == 176             # line 76
    assert s.offline_uncorrectable == 22        # line 77


def test_wd_red():
    s = smart("hdd/linuxhw-ED__HDD__WDC__WD40__WD40EFRX-68WT0N0__647FB4F3F688.txt")
    assert (s.power_on_hours, s.reallocated_sectors, s.pending_sectors) == (37192, 763, 1)  # lines 66, 64, 74
    assert s.rotation_rpm == 5400               # line 12


def test_samsung_old_hdd_high_poh():
    s = smart("hdd/linuxhw-ED__HDD__Samsung__HD502__HD502HI__90F317EB2C79.txt")
    assert s.power_on_hours == 96025            # line 67
    assert s.capacity_bytes == 500_107_862_016  # line 10


def test_crucial_mx300_end_of_life():
    s = smart("ssd/linuxhw-ED__SSD__Crucial__CT525__CT525MX300SSD1__8F49C8530463.txt")
    assert s.health is Health.FAILED            # line 20
    assert s.rotation_rpm == 0                  # line 12 "Solid State Device"
    assert s.power_on_hours == 10088            # line 28
    # line 42 "202 Percent_Lifetime_Used ----CK 000 000 001 NOW 100": VALUE 0 = 0 % left.
    assert s.ssd_life_left_pct == 0
    assert s.reallocated_sectors == 0           # line 27 "5 Reallocate_NAND_Blk_Cnt ... 0"


def test_intel_media_wearout():
    s = smart("ssd/linuxhw-ED__SSD__Intel__SSDSC2__SSDSC2BB160G4__65E092C3D422.txt")
    assert s.power_on_hours == 54863            # line 63
    assert s.ssd_life_left_pct == 92            # line 83 "233 Media_Wearout_Indicator ... 092"


def test_sandforce_hours_and_msec_and_life_left():
    s = smart("ssd/linuxhw-ED__SSD__Kingston__SV300__SV300S37A120G__23516333E60E.txt")
    assert s.power_on_hours == 38681            # line 63 "38681h+41m+08.580s"
    assert s.ssd_life_left_pct == 10           # line 79 "231 SSD_Life_Left ... 010 010 011 NOW"
    assert s.health is Health.FAILED            # line 23
    s = smart("ssd/linuxhw-ED__SSD__Corsair__Force_3__Force_3_SSD_120GB__6D83106EB5F6.txt")
    assert s.power_on_hours == 6388             # line 26 "6388h+50m+38.020s"


def test_dell_intel_prefers_percent_life_remaining_over_end_of_life_flag():
    s = smart("ssd/linuxhw-ED__SSD__Dell__SSDSCKJB120__SSDSCKJB120G7R__D58E14A07CB9.txt")
    # "202 End_of_Life ... 100" is a flag; "245 Percent_Life_Remaining ... 095 ... 95" is the figure.
    assert s.ssd_life_left_pct == 95
    assert s.reallocated_sectors == 4


def test_windows_build_with_no_break_space_grouping():
    s = smart("ssd/pysmart__tests__dataset__singletests__sata_ssd_1_issue_72___-d_ata_--all__dev_sda.txt")
    assert s.capacity_bytes == 240_057_409_536  # line 11, digits grouped with U+00A0 (Latin-1)
    assert s.power_on_hours == 3519             # line 59, classic attribute layout (0x0033 Pre-fail ...)


# --- NVMe ---------------------------------------------------------------------------


def test_nvme_media_errors():
    s = smart("nvme/linuxhw-ED__NVMe__ADATA__SX6000__SX6000NP_128GB__12D632E07035.txt")
    assert s.protocol == "NVMe" and s.rotation_rpm == 0
    assert s.power_on_hours == 14776            # line 31 "14,776"
    assert s.nvme_percentage_used == 18         # line 24
    assert s.nvme_media_errors == 142           # line 33
    assert s.nvme_available_spare_pct == 98     # line 22
    assert s.nvme_critical_warning == 0         # line 20 "0x00"
    assert s.ssd_life_left_pct == 82


def test_nvme_worn_out_and_failed():
    s = smart("nvme/linuxhw-ED__NVMe__Crucial__CT500__CT500P1SSD8__1AA37AE5B55C.txt")
    assert s.health is Health.FAILED
    assert s.nvme_percentage_used == 114        # "Percentage Used: 114%"
    assert s.nvme_critical_warning == 4         # "Critical Warning: 0x04"
    assert s.ssd_life_left_pct == 0
    s = smart("nvme/linuxhw-ED__NVMe__WDC__CL_SN720__CL_SN720_SDAQNTW-1T00-2000__2F38F6B4024B.txt")
    assert (s.nvme_percentage_used, s.power_on_hours) == (101, 15232)   # lines 27, 34


def test_nvme_other_values():
    s = smart("nvme/linuxhw-ED__NVMe__XPG__SPECTRIX_S__SPECTRIX_S40G__57541D4E7080.txt")
    assert (s.power_on_hours, s.nvme_percentage_used, s.nvme_media_errors) == (3988, 0, 15)  # 31, 24, 33
    s = smart("nvme/linuxhw-ED__NVMe__Smartbuy__m.2__m.2_PS5013-2280T_512GB__AE4B90296E1C.txt")
    assert (s.power_on_hours, s.nvme_percentage_used) == (5363, 40)     # lines 35, 28


def test_nvme_dot_grouped_hours():
    s = smart("nvme/pysmart__tests__dataset__singletests__nvme_0___-d_nvme_--all__dev_nvme0.txt")
    assert s.power_on_hours == 5809             # line 53 "5.809" (de_DE grouping, see line 47)
    assert s.nvme_percentage_used == 28         # line 46


def test_nvme_behind_usb_bridge():
    s = smart("usb/pysmart__tests__dataset__singletests__nvme_usb_asmedia_issue_97___-d_sntasmedia_--all__dev_sda.txt")
    assert (s.protocol, s.power_on_hours, s.nvme_percentage_used) == ("NVMe", 9, 0)  # lines 54, 47


def test_nvme_total_capacity_zero_falls_back_to_namespace():
    s = smart("nvme/pysmart__tests__dataset__singletests__nvme_10_issue_73___-d_nvme_--all__dev_sda.txt")
    # "Total NVM Capacity: 0" then "Namespace 1 Size/Capacity: 2,000,398,934,016 [2.00 TB]"
    assert s.capacity_bytes == 2_000_398_934_016


# --- JSON ---------------------------------------------------------------------------


def test_json_nvme():
    s = smart("nvme/scrutiny__webapp__backend__pkg__models__testdata__smart-nvme.json")
    assert s.source == "smartctl-json"
    assert (s.power_on_hours, s.nvme_percentage_used, s.nvme_media_errors) == (2401, 0, 0)  # 95, 76, 85
    s = smart("nvme/smartctl_exporter__testdata__KXG60ZNV512G_TOSHIBA_2.json")
    assert (s.power_on_hours, s.nvme_percentage_used) == (12173, 1)     # lines 78, 60


def test_json_nvme_critical_warning_and_exit_status():
    s = smart("nvme/smartctl_exporter__testdata__nvme-null-SAMSUNG_MZWLL3T2HAJQ-00005-nvme0.json")
    assert s.nvme_critical_warning == 16        # line 30
    assert s.health is Health.FAILED            # line 71 "passed": false
    assert s.exit_status == 8 and s.exit_bits == ("disk-failing",)     # line 91


def test_json_peracotta_array_failed_hitachi():
    s = smart("usb/peracotta__tests__source_files__smartctl__test0.txt")
    assert s.exit_status == 216                 # line 20
    assert s.health is Health.FAILED            # line 74
    assert s.power_on_hours == 1065             # line 541
    assert s.pending_sectors == 13              # line 468, raw value of 197


def test_json_peracotta_three_disks():
    data = corpus_file("smartctl/hdd/peracotta__tests__source_files__smartctl__three.txt").read_bytes()
    all_ = parse_smartctl_all(data)
    assert [s.power_on_hours for s in all_] == [11397, 358, 33635]      # lines 427, 1152, ...
    first = parse_smartctl(data)
    assert first.power_on_hours == 11397 and "json-array-of-3:first-taken" in first.messages


def test_json_sas():
    s = smart("hdd/scrutiny__webapp__backend__pkg__models__testdata__smart-scsi2.json")
    assert (s.protocol, s.power_on_hours, s.reallocated_sectors) == ("SCSI", 5675, 0)   # lines 65, 63


def test_json_silicon_motion_life_in_raw():
    s = smart("ssd/smartctl_exporter__testdata__sat-Silicon_Motion_based_SSDs-TS32GMTS400-sda.json")
    assert s.ssd_life_left_pct == 96            # lines 280-284: 169 Remaining_Lifetime_Perc raw 96
    assert s.power_on_hours == 796              # line 714


def test_half_minutes_poh_recognised_from_error_log():
    s = smart("usb/peracotta__tests__source_files__smartctl__ide01.json")
    # line 358 "hours": 4661094 (532 years); line 369 error log "lifetime_hours": 38842 = 4661094 / 120
    assert s.power_on_hours == 38842
    assert "poh-halfminutes" in s.messages


def test_packed_raw_uses_printed_value():
    s = smart("usb/peracotta__tests__source_files__smartctl__mini_ide03.json")
    # 5 Reallocated_Sector_Ct raw.value 8589934592000, raw.string "0 (2000 0)"
    assert s.reallocated_sectors == 0
    assert s.power_on_hours == 9387             # 9 Power_On_Seconds "9387h+39m+25s"


# --- SCSI / SAS text ------------------------------------------------------------------


def test_sas_text_without_header():
    s = smart("hdd/pve-storage__src__test__disk_tests__sas__sda_smart.txt")
    assert s.protocol == "SCSI" and s.health is Health.PASSED   # line 2 "SMART Health Status: OK"
    assert s.power_on_hours == 7127             # line 19 "number of hours powered up = 7127.12"
    assert s.reallocated_sectors == 0           # line 13 grown defect list
    assert s.ssd_life_left_pct == 100           # "Percentage used endurance indicator: 0%"


def test_smartctl_538_sas():
    s = smart("hdd/glpi-agent__resources__linux__smartctl__sample3.txt")
    assert s.smartctl_version == "5.38"         # line 1 "smartctl version 5.38"
    assert s.model == "IBM-ESXS ST3300655SS" and s.firmware == "BA23"
    assert s.health is Health.UNKNOWN and not s.available


# --- error and odd cases ----------------------------------------------------------


def test_error_output_json_is_a_model_not_an_exception():
    s = smart("other/scrutiny__webapp__backend__pkg__models__testdata__smart-fail.json")
    assert not s.available and s.exit_bits == ("open-failed",)
    assert any(m.startswith("smartctl-error:") for m in s.messages)


def test_optical_drive():
    s = smart("other/glpi-agent__resources__linux__smartctl__sample9.txt")
    assert "not-a-disk:CD/DVD" in s.messages and "smart-command-failed" in s.messages


def test_health_only_output():
    s = smart("hdd/pve-storage__src__test__disk_tests__hdd_smart__sda_health.txt")
    assert s.health is Health.PASSED and s.power_on_hours is None and s.model is None


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02garbage", "hello world", "[1, 2, 3]", "{}"])
def test_not_smartctl(data):
    with pytest.raises(BadInput):
        parse_smartctl(data)


def test_truncated_json_is_bad_input():
    data = corpus_file("smartctl/nvme/smartctl_exporter__testdata__KXG60ZNV512G_TOSHIBA_2.json").read_bytes()
    with pytest.raises(BadInput):
        parse_smartctl(data[: len(data) // 2])


def test_truncated_text_keeps_what_it_has():
    text = corpus_file("smartctl/hdd/linuxhw-ED__HDD__Toshiba__MG04__MG04ACA600E__DEEA73E8CFB6.txt").read_text()
    lines = text.splitlines()
    s = parse_smartctl("\n".join(lines[:67]))   # stops just before "9 Power_On_Hours"
    assert s.reallocated_sectors == 64 and s.power_on_hours is None


def test_json_nulls_do_not_crash():
    doc = {"smartctl": {"version": [7, 3], "exit_status": 0}, "device": {"protocol": "NVMe"},
           "model_name": "X", "nvme_smart_health_information_log": {"percentage_used": None,
                                                                     "media_errors": None}}
    s = parse_smartctl(json.dumps(doc))
    assert s.nvme_percentage_used is None and s.model == "X"


@pytest.mark.parametrize("name, raw_text, log, expected", [
    ("Power_On_Hours", "1234", None, 1234),
    ("Power_On_Minutes", "6000", None, 100),
    ("Power_On_Half_Minutes", "1200", None, 10),
    ("Power_On_Seconds", "9387h+39m+25s", None, 9387),
    ("Power_On_Hours", "4661094", 38842, 38842),   # half-minutes, confirmed by the log
    ("Power_On_Hours", "4661094", None, None),     # implausible, nothing to confirm a unit
])
def test_poh_units(name, raw_text, log, expected):
    attr = AtaAttribute(9, name, 100, 100, 0, raw_int(raw_text), raw_text)
    assert poh_from_attribute(attr, log)[0] == expected


def test_packed_raw_counters_are_unknown_not_huge():
    s = smart("ssd/linuxhw-ED__SSD__MARVELL__SD88__SD88SA024SA0_SUN24G__E235012ABD1D.txt")
    # "12 Power_Cycle_Count -OSRCK+ 000 048 --- - 281474959933440" (7-char flags with '+')
    assert s.power_cycles is None and "packed-raw:12" in s.messages
    assert s.health is Health.PASSED and s.power_on_hours is None   # no attribute 9 at all
