"""EDID parser: raw binaries and linux-hardware.org dumps; values checked against the
decoded text that edid-decode printed in the same file (line numbers in comments)."""

from __future__ import annotations

import pytest

from conftest import corpus_file
from reemploi.errors import BadInput
from reemploi.probe.edid import HEADER, parse_edid, parse_edid_full


def edid(name: str):
    return parse_edid_full(corpus_file("edid/" + name).read_bytes())


def test_apple_imac_dump():
    r = edid("linuxhw-EDID__Digital__Apple__APPAE11__8F559E2D600E.txt")
    s = r.screen
    assert s.manufacturer == "APP" and s.model == "iMac"         # lines 45, 72
    assert s.year == 2016                                        # line 48 "week 10 of 2016"
    assert (s.width_cm, s.height_cm, s.diagonal_in) == (60, 34, 27.2)   # line 53
    assert (s.native_width, s.native_height) == (3840, 2160)     # line 66 "DTD 1: 3840x2160"
    assert r.version == "1.4" and r.checksum_ok and r.blocks == 2


def test_aoc_analog():
    s = edid("linuxhw-EDID__Analog__AOC__AOC190A__FE9A1375F959.txt").screen
    assert (s.manufacturer, s.model, s.year) == ("AOC", "N19W", 2007)  # lines 17, 65, 20
    assert (s.width_cm, s.height_cm, s.diagonal_in) == (41, 26, 19.1)  # line 26
    assert (s.native_width, s.native_height) == (1440, 900)      # line 59


def test_laptop_panel_without_name_uses_pnp_and_product_code():
    s = edid("linuxhw-EDID__Digital__AU_Optronics__AUOD291__BC9E9240EECA.txt").screen
    # line 29 "Model: 53905" = 0xD291; no 0xFC descriptor
    assert s.model == "AUOD291" and s.diagonal_in == 14.0 and (s.native_width, s.native_height) == (1920, 1200)


def test_lg_4k():
    s = edid("linuxhw-EDID__Digital__Goldstar__GSM7750__444B2AC6473F.txt").screen
    assert (s.manufacturer, s.model, s.year, s.diagonal_in) == ("GSM", "LG HDR 4K", 2022, 31.7)   # 45, 76, 48, 53


def test_raw_binary_dell_u2410():
    r = edid("glpi-agent__resources__generic__edid__lcd.dell-U2410.bin")
    s = r.screen
    # offset 0x10: 2a 15 01 03 80 34 20 -> week 42 of 2011, EDID 1.3, 52 x 32 cm
    assert (s.manufacturer, s.model, s.year, r.version) == ("DEL", "DELL U2410", 2011, "1.3")
    assert (s.width_cm, s.height_cm, s.diagonal_in) == (52, 32, 24.0)
    assert (s.native_width, s.native_height) == (1920, 1200)


def test_raw_binary_crt():
    s = edid("glpi-agent__resources__generic__edid__crt.dell-p790.bin").screen
    # 0x10: 21 0a -> 2000; 0x15-0x16: 20 18 -> 32 x 24 cm; DTD at 0x36: ea 24 00 60 41 00 28 30 -> 1024x768
    assert (s.model, s.year, s.width_cm, s.height_cm, s.diagonal_in) == ("DELL P790", 2000, 32, 24, 15.7)
    assert (s.native_width, s.native_height) == (1024, 768)
    assert s.serial and len(s.serial) == 12 and s.serial.isalnum()   # 0xFF descriptor at 0x48


def test_bad_checksum_is_noted_not_fatal():
    raw = bytearray(corpus_file("edid/glpi-agent__resources__generic__edid__lcd.dell-U2410.bin").read_bytes())
    raw[127] ^= 0xFF
    r = parse_edid_full(bytes(raw))
    assert not r.checksum_ok and "bad-checksum" in r.messages and r.screen.model == "DELL U2410"


@pytest.mark.parametrize("data", [b"", b"\x00" * 128, b"garbage", HEADER + b"\x00" * 40, "no hex here"])
def test_not_edid(data):
    with pytest.raises(BadInput):
        parse_edid(data)


def test_truncated_binary():
    raw = corpus_file("edid/glpi-agent__resources__generic__edid__lcd.dell-U2410.bin").read_bytes()
    with pytest.raises(BadInput) as exc:
        parse_edid(raw[:64])
    assert exc.value.params["size"] == 64
