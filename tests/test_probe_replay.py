"""``reemploi probe --replay`` on every machine folder, through the CLI.

The expected values are read from the corpus source files themselves (simple text or
JSON look-ups, independent of our parsers), so a test fails if the collector routes
a recording to the wrong place or drops a field.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import CORPUS, MACHINES

import importlib.util

_spec = importlib.util.spec_from_file_location("machine_fixtures_build", MACHINES / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

ALL = sorted(p.name for p in MACHINES.iterdir() if (p / "commands").is_dir())


def probe_json(cli, name: str, *extra: str) -> dict:
    result = cli(["probe", "--replay", MACHINES / name, "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def dmi_value(path, section: str, key: str) -> str:
    """First ``key:`` value inside the dmidecode record titled ``section``."""
    text = (CORPUS / path).read_text(errors="replace")
    block = text.split(section, 1)[1].split("\nHandle ", 1)[0]
    return re.search(rf"^\s*{re.escape(key)}:\s*(.*)$", block, re.M).group(1).strip()


def corpus_json(path) -> dict:
    return json.loads((CORPUS / path).read_text())


def test_at_least_six_machines():
    assert len(ALL) >= 6
    for name in ALL:
        assert (MACHINES / name / "SOURCES.md").is_file(), name
        assert (MACHINES / name / "python.json").is_file(), name


@pytest.mark.parametrize("name", ALL)
def test_every_machine_replays_to_valid_json(cli, name):
    data = probe_json(cli, name)
    assert data["schema_version"] == 1
    assert data["probed_at"] == "2026-11-20T10:00:00+00:00"
    assert data["disks"], "every fixture machine has a disk"
    assert data["cpu"]["model"] and data["cpu"]["flags"]
    text = cli(["probe", "--replay", MACHINES / name, "--lang", "fr"])
    assert text.exit_code == 0 and "Processeur" in text.output


def test_old_32bit_laptop(cli):
    D600, EDID_COMPAQ, SMART_PALIT = build.D600, build.EDID_COMPAQ, build.SMART_PALIT
    data = probe_json(cli, "latitude-d600-32bit")
    assert data["system"]["product"] == dmi_value(D600, "System Information", "Product Name")
    assert data["system"]["chassis"] == "laptop"
    assert "lm" not in data["cpu"]["flags"] and "sse2" in data["cpu"]["flags"]
    assert data["cpu"]["arch"] == "i686" and data["cpu"]["cores"] == 1
    assert data["memory"]["slots_total"] == 2 and len(data["memory"]["modules"]) == 1
    # smartctl 6.6 rejected --json: the text recording was used.
    smart = data["disks"][0]["smart"]
    text = (CORPUS / SMART_PALIT).read_text()
    assert smart["source"] == "smartctl-text"
    assert smart["smartctl_version"].startswith("6.6")
    poh = re.search(r"Power_On_Hours.*?(\d+)\s*$", text, re.M).group(1)
    assert smart["power_on_hours"] == int(poh)
    # The panel EDID: manufacturer id from bytes 8-9 (EDID 1.3 section 3.4).
    edid = (CORPUS / EDID_COMPAQ).read_bytes()
    word = int.from_bytes(edid[8:10], "big")
    pnp = "".join(chr(64 + ((word >> s) & 31)) for s in (10, 5, 0))
    screen = data["screens"][0]
    assert screen["manufacturer"] == pnp and screen["connector"] == "LVDS-1"
    assert (screen["width_cm"], screen["height_cm"]) == (edid[21], edid[22])
    assert len(data["screens"]) == 1          # the empty VGA edid is "nothing plugged"
    assert data["batteries"] == []            # AC only
    assert data["sound"][0]["model"] == "Intel 82801DB-ICH4"
    assert {"field": "gpus.names", "reason": "tool-missing", "detail": "lspci"} in data["missing"]
    text_out = cli(["probe", "--replay", MACHINES / "latitude-d600-32bit", "--lang", "fr"]).output
    assert "64 bits\u00a0: non" in text_out and "SSE2\u00a0: oui" in text_out


def test_failing_disk_laptop_with_battery_and_edid(cli):
    BATTERY_E5530, E5410, SMART_FAILING = build.BATTERY_E5530, build.E5410, build.SMART_FAILING
    data = probe_json(cli, "latitude-e5410-failing-disk")
    assert data["system"]["vendor"] == dmi_value(E5410, "System Information", "Manufacturer")
    assert "lm" in data["cpu"]["flags"] and data["cpu"]["threads"] == 4
    assert data["cpu"]["cores"] == 2 and data["cpu"]["max_mhz"] == 2667.0
    src = corpus_json(SMART_FAILING)
    disk = data["disks"][0]
    assert disk["smart"]["health"] == "failed"
    assert disk["smart"]["model"] == src["model_name"]
    assert disk["serial"] == src["serial_number"]          # filled from SMART
    assert disk["smart"]["exit_status"] == src["smartctl"]["exit_status"] == 216
    assert "disk-failing" in disk["smart"]["exit_bits"]
    assert disk["smart"]["power_on_hours"] == src["power_on_time"]["hours"]
    kv = dict(line.split("=", 1) for line in (CORPUS / BATTERY_E5530).read_text().splitlines()
              if "=" in line)
    bat = data["batteries"][0]
    volts = int(kv["POWER_SUPPLY_VOLTAGE_MIN_DESIGN"]) / 1e6
    assert bat["design_wh"] == pytest.approx(int(kv["POWER_SUPPLY_CHARGE_FULL_DESIGN"]) / 1e6 * volts, abs=0.01)
    assert bat["full_wh"] == pytest.approx(int(kv["POWER_SUPPLY_CHARGE_FULL"]) / 1e6 * volts, abs=0.01)
    assert bat["model"] == kv["POWER_SUPPLY_MODEL_NAME"]
    assert data["screens"][0]["manufacturer"] == "AUO"
    assert [w["model"] for w in data["webcams"]] == ["Laptop_Integrated_Webcam_2M"]
    kinds = {n["name"]: (n["kind"], n["driver"]) for n in data["network"]}
    assert kinds == {"eth0": ("wired", "e1000e"), "wlan0": ("wifi", "iwlwifi")}
    assert {n["bus"] for n in data["network"]} == {"pci"}
    assert data["gpus"][0]["driver"] == "i915"
    assert data["gpus"][0]["model"] == "Core Processor Integrated Graphics Controller"
    text = cli(["probe", "--replay", MACHINES / "latitude-e5410-failing-disk", "--lang", "en"]).output
    assert "FAILED" in text and "wear 64.3 %" in text


def test_desktop_free_slots_uefi_and_sysfs_gpu(cli):
    M3920, SMART_ST3200 = build.M3920, build.SMART_ST3200
    data = probe_json(cli, "aspire-m3920-desktop")
    assert data["system"]["product"] == dmi_value(M3920, "System Information", "Product Name")
    assert data["system"]["chassis"] == "desktop"
    mem = data["memory"]
    assert mem["slots_total"] == 4 and len(mem["modules"]) == 2
    assert sum(m["size_mb"] for m in mem["modules"]) == 4096
    assert data["system"]["boot_mode"] == "uefi" and data["system"]["secure_boot"] is False
    src = corpus_json(SMART_ST3200)
    assert data["disks"][0]["smart"]["capacity_bytes"] == src["user_capacity"]["bytes"]
    assert data["optical"][0]["model"] == "DVD A  DH16AYS"
    # No lspci: the GPU comes from /sys/bus/pci with numeric ids only.
    assert data["gpus"] == [{"vendor": "[8086]", "model": "[0102]", "driver": "i915",
                             "pci_slot": "0000:00:02.0"}]
    assert data["screens"][0]["connector"] == "HDMI-A-1"
    text = cli(["probe", "--replay", MACHINES / "aspire-m3920-desktop", "--lang", "fr"]).output
    assert "4 emplacements, 2 libres" in text


def test_nvme_laptop_booted_from_live_usb(cli):
    SMART_KXG60, THINKBOOK = build.SMART_KXG60, build.THINKBOOK
    data = probe_json(cli, "thinkbook-nvme-live-usb")
    assert data["system"]["bios_version"] == dmi_value(THINKBOOK, "BIOS Information", "Version")
    disks = {d["name"]: d for d in data["disks"]}
    # The live stick (sda, /run/live/medium) is not one of the machine's disks.
    assert set(disks) == {"nvme0n1"}
    nvme = disks["nvme0n1"]
    src = corpus_json(SMART_KXG60)
    assert nvme["media"] == "nvme" and nvme["smart"]["protocol"] == "NVMe"
    assert nvme["smart"]["nvme_percentage_used"] == \
        src["nvme_smart_health_information_log"]["percentage_used"]
    assert not nvme["is_live_medium"] and not nvme["is_system_disk"]
    assert data["system"]["secure_boot"] is True
    assert "svm" in data["cpu"]["flags"] and data["cpu"]["vendor"] == "AMD"
    assert data["gpus"][0]["driver"] == "amdgpu"
    assert data["missing"] == []


def test_usb_bridged_disk_uses_sat(cli):
    SMART_TOSHIBA_SAT = build.SMART_TOSHIBA_SAT
    data = probe_json(cli, "medion-usb-dock")
    disks = {d["name"]: d for d in data["disks"]}
    usb = disks["sdb"]
    assert usb["transport"] == "usb" and usb["media"] == "hdd"
    src = corpus_json(SMART_TOSHIBA_SAT)
    assert usb["smart"]["model"] == src["model_name"]
    assert usb["smart"]["power_on_hours"] == src["power_on_time"]["hours"]
    assert disks["sda"]["media"] == "ssd"


def test_broken_tools_machine_completes_with_missing_entries(cli):
    SMART_ST3320 = build.SMART_ST3320
    data = probe_json(cli, "broken-tools")
    missing = {(m["field"], m["reason"]) for m in data["missing"]}
    assert ("dmidecode", "tool-missing") in missing
    assert ("disk:sda.smart", "timeout") in missing
    assert data["system"]["vendor"] == "Packard Bell"       # from /sys/class/dmi/id
    assert data["system"]["chassis"] == "desktop"
    assert data["memory"]["modules"] == [] and data["memory"]["total_mb"] == 3946
    disks = {d["name"]: d for d in data["disks"]}
    assert disks["sda"]["smart"] is None
    model = re.search(r"Device Model:\s+(\S+)", (CORPUS / SMART_ST3320).read_text()).group(1)
    assert disks["sdb"]["model"] == model                   # lsblk had none; SMART text did
    assert data["optical"] == [{"kind": "optical", "vendor": None, "model": None,
                                "detail": "/dev/sr0"}]
    assert data["cpu"]["max_mhz"] == 1600.0                 # no cpufreq: cpu MHz
    assert [(n["name"], n["kind"], n["driver"], n["bus"]) for n in data["network"]] == [
        ("wlx001122334499", "wifi", "rt2800usb", "usb")]     # the dongle, on its USB path


def test_non_root_lists_what_needs_root(cli):
    data = probe_json(cli, "aspire-es1-non-root")
    assert data["root"] is False
    needs_root = {m["field"] for m in data["missing"] if m["reason"] == "needs-root"}
    assert {"system.serial", "system.uuid", "memory.modules", "disk:sda.smart"} <= needs_root
    assert data["system"]["product"] == "Aspire ES1-512" and data["system"]["serial"] is None
    text = cli(["probe", "--replay", MACHINES / "aspire-es1-non-root", "--lang", "fr"]).output
    assert "nécessite root" in text and "sudo" in text


def test_no_smart_option_skips_smartctl(cli):
    data = probe_json(cli, "latitude-e5410-failing-disk", "--no-smart")
    assert data["disks"][0]["smart"] is None


def test_summary_reads_right_in_each_language(cli):
    """The text a trainee reads: units, plurals and decimal marks of their language."""
    folder = str(MACHINES / "latitude-d600-32bit")
    fr = cli(["probe", "--replay", folder, "--lang", "fr"]).output
    assert "1 cœur / 1 thread" in fr and "976 Mo, 2 emplacements, 1 libre" in fr
    assert "DIMM_A: 1 Go DDR DIMM 266 MT/s" in fr and "120,0 Go" in fr
    assert "14,6 pouces" in fr and "BIOS (ancien mode)" in fr
    # The PH120's SMART serial is "--": no serial, rather than a fake one.
    assert "--" not in fr.split("PH120")[1].split("\n")[1]
    assert "secteurs réalloués" not in fr           # the drive does not report them
    en = cli(["probe", "--replay", folder, "--lang", "en"]).output
    assert "1 core / 1 thread" in en and "976 MB, 2 slots, 1 slot free" in en
    assert "120.0 GB" in en and "Webcam: none found" in en
    e5410 = cli(["probe", "--replay", str(MACHINES / "latitude-e5410-failing-disk"),
                 "--lang", "fr"]).output
    assert "65\u202f592 heures de fonctionnement" in e5410
    assert "1\u202f975 secteurs réalloués, 8 secteurs en attente" in e5410
    assert "usure 64,3 %" in e5410 and "cycles" not in e5410   # 0 cycles: not counted
