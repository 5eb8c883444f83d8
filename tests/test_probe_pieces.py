"""The collector's small pure pieces: /proc/cpuinfo, lspci -vmm, ALSA cards, firmware."""

from __future__ import annotations

import json

import pytest

from reemploi.errors import ReplayMissing
from reemploi.model import Chassis
from reemploi.probe import cpu, devices, firmware, pci
from reemploi.probe.pyfacts import ReplayFacts
from reemploi.system.sysfs import Sysfs

X86 = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD Athlon(tm) 64 X2 Dual Core Processor 4200+
cpu MHz\t\t: 1000.000
physical id\t: 0
core id\t\t: 0
cpu cores\t: 2
flags\t\t: fpu pae sse sse2 nx lm svm

processor\t: 1
vendor_id\t: AuthenticAMD
model name\t: AMD Athlon(tm) 64 X2 Dual Core Processor 4200+
cpu MHz\t\t: 2200.000
physical id\t: 0
core id\t\t: 1
cpu cores\t: 2
flags\t\t: fpu pae sse sse2 nx lm svm
"""

ARM = """processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU implementer\t: 0x41

Hardware\t: BCM2835
"""


def test_x86_cpuinfo():
    c = cpu.parse_cpuinfo(X86, arch="x86_64")
    assert (c.vendor, c.cores, c.threads) == ("AMD", 2, 2)
    assert c.max_mhz == 2200.0                      # no cpufreq: highest cpu MHz
    assert c.x86_64 and c.sse2 and c.virtualisation == "amd-v"
    assert cpu.parse_cpuinfo(X86, max_khz=2200000).max_mhz == 2200.0


def test_arm_cpuinfo_uses_py_cpuinfo_fallback():
    bare = cpu.parse_cpuinfo(ARM, arch="aarch64")
    assert bare.model is None and cpu.needs_fallback(bare)
    full = cpu.parse_cpuinfo(ARM, arch="aarch64",
                             fallback={"brand_raw": "Cortex-A72", "hz_advertised": [1500000000, 0]})
    assert full.model == "Cortex-A72" and full.max_mhz == 1500.0
    assert full.x86_64 is False                       # flags known, no lm


def test_empty_cpuinfo_is_unknown_not_guessed():
    c = cpu.parse_cpuinfo("")
    assert c.model is None and c.threads is None and c.x86_64 is None


def test_lspci_machine_readable():
    text = ("Slot:\t00:02.0\nClass:\tVGA compatible controller [0300]\n"
            "Vendor:\tIntel Corporation [8086]\nDevice:\tHD Graphics 620 [5916]\nDriver:\ti915\n\n"
            "Slot:\t01:00.0\nClass:\t3D controller [0302]\nVendor:\tNVIDIA Corporation [10de]\n"
            "Device:\tGM108M [GeForce 940MX] [134d]\n\n"
            "Slot:\t00:1f.3\nClass:\tAudio device [0403]\nVendor:\tIntel Corporation [8086]\n"
            "Device:\tSunrise Point-LP HD Audio [9d71]\n")
    gpus = pci.parse_lspci_gpus(text)
    assert [(g.vendor, g.model, g.driver) for g in gpus] == [
        ("Intel Corporation", "HD Graphics 620", "i915"),
        ("NVIDIA Corporation", "GM108M [GeForce 940MX]", None)]


def test_asound_cards():
    text = (" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n"
            "                      HDA Intel PCH at 0xf7f10000 irq 32\n"
            " 1 [Camera         ]: USB-Audio - USB Camera\n")
    cards = devices.parse_asound_cards(text)
    assert [(c.model, c.detail) for c in cards] == [("HDA Intel PCH", "HDA-Intel"),
                                                    ("USB Camera", "USB-Audio")]


@pytest.mark.parametrize("text,state", [("SecureBoot enabled\n", True),
                                        ("SecureBoot disabled\n", False),
                                        ("EFI variables are not supported on this system\n", None)])
def test_mokutil(text, state):
    assert firmware.parse_mokutil(text) is state


def test_dmi_id_chassis_codes_and_placeholders(tmp_path):
    base = tmp_path / "sys/class/dmi/id"
    base.mkdir(parents=True)
    (base / "chassis_type").write_text("31\n")
    (base / "sys_vendor").write_text("To Be Filled By O.E.M.\n")
    (base / "product_name").write_text("Yoga\n")
    info = firmware.system_from_sysfs(Sysfs(tmp_path))
    assert info.chassis is Chassis.CONVERTIBLE and info.chassis_raw == "Convertible"
    assert info.vendor is None and info.product == "Yoga"


def test_secure_boot_efivar(tmp_path):
    var = tmp_path / firmware.SECURE_BOOT_VAR
    var.parent.mkdir(parents=True)
    var.write_bytes(b"\x06\x00\x00\x00\x00")
    assert firmware.secure_boot_from_efivar(Sysfs(tmp_path)) is False
    var.write_bytes(b"\x06\x00\x00\x00\x01")
    assert firmware.secure_boot_from_efivar(Sysfs(tmp_path)) is True
    var.write_bytes(b"\x06")
    assert firmware.secure_boot_from_efivar(Sysfs(tmp_path)) is None


def test_replay_facts_name_the_missing_key(tmp_path):
    (tmp_path / "python.json").write_text(json.dumps({"euid": 0}))
    facts = ReplayFacts(tmp_path)
    assert facts.euid() == 0 and facts.program_paths() == ()
    with pytest.raises(ReplayMissing) as info:
        facts.memory_total()
    assert "memory_total" in str(info.value) and "python.json" in str(info.value)


def test_network_skips_virtual_interfaces(tmp_path):
    net = tmp_path / "sys/class/net"
    (net / "lo").mkdir(parents=True)
    (net / "docker0").mkdir()
    (net / "docker0/type").write_text("1\n")
    dev = tmp_path / "sys/devices/pci0000:00/0000:00:19.0"
    dev.mkdir(parents=True)
    (net / "eno1").mkdir()
    (net / "eno1/type").write_text("1\n")
    (net / "eno1/address").write_text("00:11:22:33:44:55\n")
    (net / "eno1/device").symlink_to(dev)
    found = devices.network(Sysfs(tmp_path))
    assert [(n.name, n.kind, n.driver) for n in found] == [("eno1", "wired", None)]
