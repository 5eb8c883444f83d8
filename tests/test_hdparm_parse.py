"""hdparm -I / -N / --dco-identify and nvme id-ctrl parsers against real recorded outputs.

Sources of every fixture: tests/fixtures/hdparm/SOURCES.md.
"""

import json

import pytest

from conftest import CORPUS, FIXTURES
from reemploi.errors import BadInput
from reemploi.probe.hdparm import (dco_hidden_sectors, parse_dco_identify, parse_hdparm_N,
                                   parse_hdparm_identify)
from reemploi.probe.nvme import parse_nvme_id_ctrl

HD = FIXTURES / "hdparm"
NV = FIXTURES / "nvme"


def ident(name):
    return parse_hdparm_identify((HD / name / "hdparm-I.txt").read_text(errors="replace"))


@pytest.mark.parametrize("name, expect", [
    ("pm830-ssd-not-frozen-enhanced", dict(
        model="SAMSUNG SSD PM830 mSATA 256GB", solid_state=True, security_supported=True,
        security_frozen=False, enhanced_erase_supported=True, erase_minutes=6,
        enhanced_erase_minutes=32, sanitize_supported=False, trim_supported=True,
        lba48_sectors=500118192, hpa_feature=True, dco_feature=True)),
    ("wd40efrx-hdd-frozen-enhanced", dict(
        model="WDC WD40EFRX-68N32N0", solid_state=False, rotation_rpm=5400,
        security_frozen=True, enhanced_erase_supported=True, erase_minutes=504,
        enhanced_erase_minutes=504, trim_supported=False, lba48_sectors=7814037168)),
    ("st380011a-hdd-not-frozen-no-enhanced", dict(
        model="ST380011A", security_supported=True, security_frozen=False,
        enhanced_erase_supported=False, erase_minutes=None, enhanced_erase_minutes=None,
        security_enabled=False, security_locked=False)),
    # Tabs turned into spaces by the Markdown copy: still parsed.
    ("tesla-ssd-sanitize-frozen", dict(
        model="TESLA", solid_state=True, security_frozen=True, sanitize_supported=True,
        sanitize_block=True, sanitize_crypto=False, sanitize_overwrite=False,
        enhanced_erase_supported=True, erase_minutes=2, trim_supported=True)),
])
def test_identify_fields(name, expect):
    got = ident(name)
    for key, value in expect.items():
        assert getattr(got, key) == value, key


def test_garbage_identify_gives_unknown_strings_not_garbage():
    text = (CORPUS / "hdparm" / "glpi-agent__resources__generic__hdparm__linux2.txt").read_text(
        errors="replace")
    got = parse_hdparm_identify(text)
    assert got.model is None and got.serial is None and not got.is_ata
    assert not got.security_supported


def test_corpus_ssd_is_the_fixture_copy():
    # The PM830 fixture is a byte-for-byte copy of the corpus file.
    a = (CORPUS / "hdparm" / "glpi-agent__resources__generic__hdparm__linux1.txt").read_bytes()
    assert (HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt").read_bytes() == a


def test_hdparm_N_enabled_and_disabled():
    # Line layout of hdparm 9.65 (hdparm.c); numbers of the WD40EFRX fixture.
    on = parse_hdparm_N("\n/dev/sda:\n max sectors   = 7814035168/7814037168, HPA is enabled\n")
    assert on.enabled and on.hidden_sectors == 2000
    off = parse_hdparm_N("\n/dev/sda:\n max sectors   = 7814037168/7814037168, HPA is disabled\n")
    assert not off.enabled and off.hidden_sectors == 0
    assert parse_hdparm_N("SG_IO: bad/missing sense data") is None


def test_dco_identify():
    text = (HD / "dco" / "hdparm-dco-identify.txt").read_text()
    dco = parse_dco_identify(text)
    assert dco.real_max_sectors == 976773168 and dco.revision == "0x0002"
    hpa = parse_hdparm_N(" max sectors   = 926773168/926773168, HPA is disabled\n")
    assert dco_hidden_sectors(hpa, dco) == 50000000
    assert parse_dco_identify("/dev/sda:\n") is None


@pytest.mark.parametrize("folder, crypto, block, fmt_crypto, fmt", [
    ("samsung-pm1733-crypto-sanitize", True, True, True, True),
    ("tforce-tm8fpl500g-block-sanitize", False, True, False, True),
    ("samsung-970-evo-plus-no-sanitize", False, False, True, True),
])
def test_nvme_id_ctrl(folder, crypto, block, fmt_crypto, fmt):
    text = next((NV / folder).glob("*.txt")).read_text()
    caps = parse_nvme_id_ctrl(text)
    assert (caps.sanitize_crypto, caps.sanitize_block, caps.format_crypto_supported,
            caps.format_supported) == (crypto, block, fmt_crypto, fmt)
    assert caps.model and " #" not in caps.model


def test_nvme_json_form_gives_the_same_fields():
    text = (NV / "samsung-pm1733-crypto-sanitize" / "nvme-id-ctrl-H.txt").read_text()
    caps = parse_nvme_id_ctrl(text)
    # nvme-cli's -o json prints the same fields as JSON numbers.
    as_json = json.dumps({"mn": caps.model, "sn": caps.serial, "fr": caps.firmware,
                          "oacs": caps.oacs, "sanicap": caps.sanicap, "fna": caps.fna})
    assert parse_nvme_id_ctrl(as_json) == caps


def test_nvme_bad_input():
    with pytest.raises(BadInput):
        parse_nvme_id_ctrl("{not json")
    with pytest.raises(BadInput):
        parse_nvme_id_ctrl("hello\n")
