"""``reemploi parse``: output shape, language, and bad input through the real CLI group."""

from __future__ import annotations

import json

import pytest

from conftest import corpus_file

SAMPLES = {
    "smartctl": "smartctl/nvme/linuxhw-ED__NVMe__Crucial__CT500__CT500P1SSD8__1AA37AE5B55C.txt",
    "dmidecode": "dmidecode/laptop/linuxhw-DMI__Notebook__Dell__Latitude__Latitude_E5410__47684B1141AC.txt",
    "lshw": "lshw/collins__test__resources__lshw-dell.xml",
    "edid": "edid/glpi-agent__resources__generic__edid__lcd.dell-U2410.bin",
    "battery": "battery/ereuse-wb__tests__fixtures__e5530.battery.ini",
    "hdparm": "hdparm/glpi-agent__resources__generic__hdparm__linux1.txt",
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_json_output(cli, kind, corpus):
    r = cli(["parse", kind, corpus_file(SAMPLES[kind]), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["kind"] == kind and doc["schema_version"] == 1


def test_json_smartctl_fields(cli, corpus):
    doc = json.loads(cli(["parse", "smartctl", corpus_file(SAMPLES["smartctl"]), "--json"]).output)
    assert doc["smart"]["health"] == "failed" and doc["smart"]["nvme_percentage_used"] == 114


def test_json_battery_includes_wear(cli, corpus):
    doc = json.loads(cli(["parse", "battery", corpus_file(SAMPLES["battery"]), "--json"]).output)
    assert doc["batteries"][0]["wear_pct"] == 64.3


def test_json_dmidecode_memory_slots(cli, corpus):
    doc = json.loads(cli(["parse", "dmidecode", corpus_file(SAMPLES["dmidecode"]), "--json"]).output)
    mem = doc["result"]["memory"]
    assert (mem["slots_total"], mem["slots_used"], mem["slots_free"]) == (2, 2, 0)
    assert doc["result"]["system"]["chassis"] == "laptop"


def test_text_output_in_french_and_english(cli, corpus):
    fr = cli(["parse", "smartctl", corpus_file(SAMPLES["smartctl"]), "--lang", "fr"])
    en = cli(["parse", "smartctl", corpus_file(SAMPLES["smartctl"]), "--lang", "en"])
    assert fr.exit_code == en.exit_code == 0
    # French writes 5 231 (thousands spaced, as every other screen: qa17), English 5,231.
    assert "Heures de fonctionnement" in fr.output and "ÉCHEC" in fr.output
    assert "5\u202f231" in fr.output or "5\u00a0231" in fr.output, fr.output
    assert "Power-on hours" in en.output and "FAILED" in en.output and "5,231" in en.output


def test_a_screens_year_is_a_year_not_a_count(cli, corpus):
    """Counts are spaced in French (5 231 heures) but a year is not: "Année 2011"."""
    for lang in ("fr", "en"):
        r = cli(["parse", "edid", corpus_file(SAMPLES["edid"]), "--lang", lang])
        assert r.exit_code == 0 and " 2011\n" in r.output, r.output


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_text_output_every_kind(cli, kind, corpus):
    r = cli(["parse", kind, corpus_file(SAMPLES[kind]), "--lang", "en"])
    assert r.exit_code == 0 and r.output.strip()


def test_upower_enumerate_says_no_battery(cli, corpus):
    r = cli(["parse", "battery", corpus_file("battery/glpi-agent__resources__generic__batteries__upower__enumerate_1.txt"),
             "--lang", "en"])
    assert r.exit_code == 0 and "No battery" in r.output


def _bad(result, *words):
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output
    text = result.output.lower()
    assert all(w.lower() in text for w in words), result.output


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_truncated_files(cli, kind, corpus, tmp_path):
    data = corpus_file(SAMPLES[kind]).read_bytes()
    cut = tmp_path / f"cut-{kind}"
    cut.write_bytes(data[: len(data) // 2])
    r = cli(["parse", kind, cut, "--lang", "en"])
    if kind in ("smartctl", "dmidecode", "battery", "hdparm"):
        # line-oriented text: the first half is still readable, and read
        assert r.exit_code == 0 and "Traceback" not in r.output
    else:
        _bad(r, str(cut))


def test_truncated_json_smartctl(cli, corpus, tmp_path):
    data = corpus_file("smartctl/nvme/smartctl_exporter__testdata__KXG60ZNV512G_TOSHIBA_2.json").read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[:1000])
    _bad(cli(["parse", "smartctl", cut, "--lang", "en"]), "cut.json", "not valid JSON")


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_garbage_bytes(cli, kind, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    _bad(cli(["parse", kind, junk, "--lang", "en"]), "junk.bin")


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_empty_file(cli, kind, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _bad(cli(["parse", kind, empty, "--lang", "en"]), "empty.txt", "is empty")


def test_directory_and_missing_file(cli, tmp_path):
    _bad(cli(["parse", "dmidecode", tmp_path, "--lang", "en"]), "is a directory")
    _bad(cli(["parse", "dmidecode", tmp_path / "nope.txt", "--lang", "en"]), "no such file")


def test_error_message_in_french(cli, tmp_path):
    empty = tmp_path / "vide.txt"
    empty.write_bytes(b"")
    r = cli(["parse", "edid", empty, "--lang", "fr"])
    assert r.exit_code == 7 and "est vide" in r.output


def test_unknown_kind_is_a_usage_error(cli, tmp_path):
    assert cli(["parse", "lspci", tmp_path]).exit_code == 2
