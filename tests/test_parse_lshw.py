"""lshw parser: JSON (eReuse workbench) and XML (collins), hand-checked values."""

from __future__ import annotations


import pytest

from conftest import corpus_file
from reemploi.errors import BadInput
from reemploi.model import Chassis
from reemploi.probe.lshw import parse_lshw


def lshw(name: str):
    return parse_lshw(corpus_file("lshw/" + name).read_bytes())


def test_json_latitude_e5530():
    i = lshw("ereuse-wb__tests__fixtures__e5530.lshw.json")
    assert i.system.chassis is Chassis.LAPTOP                    # line 14 "chassis" : "laptop"
    assert i.system.product == "Latitude E5530 non-vPro"         # line 7, SKU in parentheses dropped
    assert (i.cpu.cores, i.cpu.threads) == (2, 4)                # lines 93, 96
    assert i.cpu.x86_64 is True and "x86-64" in i.cpu.flags      # line 99: lshw's name for "lm"
    assert [m.size_mb for m in i.memory.modules] == [4096, 4096]  # lines 461, 477
    sda = next(d for d in i.disks if d.name == "sda")
    assert (sda.model, sda.size_bytes) == ("HGST HTS725050A7", 500_107_862_016)   # lines 1483-1491
    kinds = {n.kind for n in i.network}
    assert kinds == {"wired", "wifi"}                            # tg3 NetXtreme + BCM43228 802.11
    assert {n.bus for n in i.network} == {"pci"}                 # "businfo": "pci@0000:..."


def test_xml_precision_7510():
    i = lshw("collins__test__resources__lshw-dell.xml")
    assert i.system.chassis_raw == "docking" and i.system.chassis is Chassis.OTHER   # line 15
    assert (i.cpu.cores, i.cpu.threads) == (4, 8)                # lines 129, 131
    assert [m.size_mb for m in i.memory.modules] == [16384, 16384]   # lines 259, 275
    assert i.memory.modules[0].speed_mts == 2133                 # <clock units="Hz">2133000000</clock>
    assert i.memory.slots_total == 4                             # two more "[empty]" banks
    assert i.disks[0].model == "Samsung SSD 850"                 # line 741
    assert i.lshw_version == "B.02.16"


def test_xml_servers_rackmount():
    i = lshw("collins__test__resources__lshw-basic.xml")
    assert i.system.chassis is Chassis.SERVER and i.system.chassis_raw == "rackmount"
    assert i.cpu.cores == 12 and len(i.disks) >= 6


def test_virtualbox_has_no_banks():
    i = lshw("ereuse-wb__tests__fixtures__virtualbox-client.lshw.json")
    assert i.memory.modules == () and i.memory.total_mb == 497   # "System Memory" size only
    assert i.cpu.x86_64 is False                                 # no "x86-64" capability in the VM


def test_usb_sticks_are_listed_as_disks_with_their_size():
    i = lshw("ereuse-wb__tests__fixtures__1000h.lshw.json")
    assert {d.name for d in i.disks} == {"sda", "sdb"}
    sda = next(d for d in i.disks if d.name == "sda")
    assert sda.model == "TS32GSSD370S" and sda.size_bytes == 32_017_047_552


def test_list_wrapped_json_is_accepted():
    text = corpus_file("lshw/ereuse-wb__tests__fixtures__e5530.lshw.json").read_text()
    wrapped = parse_lshw("[" + text + "]")
    assert wrapped == parse_lshw(text)


@pytest.mark.parametrize("data", ["", "not lshw", "<html><body/></html>", "{\"a\": 1}", "<node id='x'"])
def test_not_lshw(data):
    with pytest.raises(BadInput):
        parse_lshw(data)


def test_truncated_json_and_xml_are_bad_input():
    for name in ("ereuse-wb__tests__fixtures__e5530.lshw.json", "collins__test__resources__lshw-dell.xml"):
        data = corpus_file("lshw/" + name).read_bytes()
        with pytest.raises(BadInput):
            parse_lshw(data[: len(data) // 2])
