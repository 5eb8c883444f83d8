"""The rules file: packaged defaults, workshop overrides, strict validation (exit 7)."""

from __future__ import annotations

import pytest

from reemploi.errors import BadInput, ExitCode
from reemploi.grade.rules import load_rules


def test_packaged_rules_load_and_are_versioned():
    rules = load_rules()
    assert rules.version and rules.source == "packaged"
    assert [(e.name, e.arch) for e in rules.emmabuntus] == [
        ("DE6", "amd64"), ("DE5", "amd64"), ("DE5", "i386")]
    assert rules.emmabuntus[0].requires_flags == ("lm", "sse2")
    # DE5 amd64 runs on every CPU DE6 runs on, with less RAM (its raison d'être here)
    assert rules.emmabuntus[1].requires_flags == rules.emmabuntus[0].requires_flags
    assert rules.emmabuntus[1].min_ram_mb < rules.emmabuntus[0].min_ram_mb
    assert rules.disk.reallocated_failing >= 1


def test_workshop_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('version = "atelier-1"\n[battery]\nworn_pct = 30\n', encoding="utf-8")
    rules = load_rules(path)
    base = load_rules()
    assert rules.version == "atelier-1" and rules.battery.worn_pct == 30.0
    assert rules.battery.replace_pct == base.battery.replace_pct
    assert rules.disk == base.disk and rules.source == str(path)


def test_home_grading_toml_is_used(tmp_path):
    (tmp_path / "grading.toml").write_text('version = "home-2"\n', encoding="utf-8")
    assert load_rules(home=tmp_path).version == "home-2"
    assert load_rules(home=tmp_path / "nowhere").version == load_rules().version


@pytest.mark.parametrize("text, key", [
    ('version = "x"\n[disk]\nreallocated_failng = 1\n', "disk.reallocated_failng"),
    ('version = "x"\n[battery]\nworn_pct = "twenty"\n', "battery.worn_pct"),
    ('version = "x"\n[outcome]\nreplace_worn_disk = 1\n', "outcome.replace_worn_disk"),
    ('version = "x"\n[memory]\nmodule_sizes_gb = [1, "2"]\n', "memory.module_sizes_gb"),
    ('version = "x"\n[checks]\nwifi = "ignore"\n', "checks.wifi"),
    ('version = "x"\nthresholds = 3\n', "thresholds"),
    ('version = "x"\n[[emmabuntus]]\nname = "DE7"\n', "emmabuntus[0].debian"),
    ('[disk]\nreallocated_failing = 2\n', "version"),
])
def test_bad_keys_and_types_are_refused_naming_the_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as err:
        load_rules(path)
    assert key in str(err.value) and err.value.exit_code is ExitCode.BAD_INPUT


def test_malformed_toml_is_bad_input(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("version = \n[disk", encoding="utf-8")
    with pytest.raises(BadInput):
        load_rules(path)
    with pytest.raises(BadInput):
        load_rules(tmp_path / "missing.toml")


def test_cli_exit_7_on_malformed_rules(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('version = "x"\n[disk]\nunknown_key = 1\n', encoding="utf-8")
    result = cli(["grade", "--rules", path, "--no-save", "--lang", "en"])
    assert result.exit_code == 7, result.output
    assert "disk.unknown_key" in result.output
    assert "Traceback" not in result.output



# --- a workshop's own rules file with a mistake: exit 7, precise, in the reader's language


def _replay():
    from conftest import MACHINES
    return MACHINES / "medion-usb-dock"


@pytest.mark.parametrize("text, en, fr", [
    ('version = "atelier-2"\n[disk]\nreallocated_failng = 1\n',
     "unknown key 'disk.reallocated_failng'; did you mean 'disk.reallocated_failing'?",
     "clé inconnue «\u00a0disk.reallocated_failng\u00a0»\u202f; vouliez-vous dire «\u00a0disk.reallocated_failing\u00a0»\u202f?"),
    ('version = "atelier-2"\n[battery]\nworn_pct = "vingt"\n',
     "'battery.worn_pct' must be a number, not \"vingt\"",
     "«\u00a0battery.worn_pct\u00a0» doit être un nombre, pas \"vingt\""),
    ('version = "atelier-2"\n[checks]\nwifi = "ignorer"\n',
     "'checks.wifi' must be one of repair, parts-only, note, not \"ignorer\"",
     "«\u00a0checks.wifi\u00a0» doit valoir l'un de repair, parts-only, note, pas \"ignorer\""),
    ('version = "atelier-2"\n[disk]\nmin_size_gb = \n',
     "is not valid TOML, line 3, column 15: invalid value",
     "TOML invalide, ligne 3, colonne 15\u00a0: valeur invalide"),
    ('[battery]\nworn_pct = 25\n',
     "the key 'version' is missing",
     "la clé «\u00a0version\u00a0» manque"),
    ('version = "atelier-2"\n[[emmabuntus]]\nname = "DE6"\n',
     "the key 'emmabuntus[0].debian' is missing; your [[emmabuntus]] tables replace",
     "la clé «\u00a0emmabuntus[0].debian\u00a0» manque\u202f; vos tables [[emmabuntus]] remplacent"),
    ('version = "atelier-2"\n[memory]\nmodule_sizes_gb = [2, 4.5]\n',
     "'memory.module_sizes_gb[1]' must be a whole number, not 4.5",
     "«\u00a0memory.module_sizes_gb[1]\u00a0» doit être un nombre entier, pas 4.5"),
])
def test_cli_names_file_key_and_problem_in_both_languages_and_writes_nothing(
        cli, tmp_path, text, en, fr):
    rules = tmp_path / "atelier.toml"
    rules.write_text(text, encoding="utf-8")
    home = tmp_path / "home"
    for lang, expected in (("en", en), ("fr", fr)):
        r = cli(["grade", "--replay", _replay(), "--rules", rules, "--home", home,
                 "--lang", lang])
        assert r.exit_code == 7, r.output
        assert str(rules) in r.output and expected in r.output, r.output
        assert "Traceback" not in r.output
    assert not (home / "journal.jsonl").exists()      # nothing graded, nothing recorded


def test_a_broken_grading_toml_in_home_stops_grade_before_anything_is_written(cli, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "grading.toml").write_text('version = "x"\n[grade]\na_min = "sept"\n',
                                       encoding="utf-8")
    r = cli(["grade", "--replay", _replay(), "--home", home, "--lang", "fr"])
    assert r.exit_code == 7
    assert str(home / "grading.toml") in r.output
    assert "«\u00a0grade.a_min\u00a0» doit être un nombre entier, pas \"sept\"" in r.output
    assert not (home / "journal.jsonl").exists()


def test_missing_unreadable_and_non_utf8_rules_files(cli, tmp_path):
    from reemploi.grade.errors import RulesNotFound, RulesUnreadable
    with pytest.raises(RulesNotFound):
        load_rules(tmp_path / "absent.toml")
    with pytest.raises(RulesUnreadable):
        load_rules(tmp_path)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('version = "règles"\n'.encode("latin-1"))
    with pytest.raises(RulesUnreadable):
        load_rules(latin1)
    r = cli(["grade", "--replay", _replay(), "--rules", latin1, "--no-save", "--lang", "fr"])
    assert r.exit_code == 7 and "pas du texte UTF-8" in r.output
    r = cli(["grade", "--replay", _replay(), "--rules", tmp_path / "absent.toml",
             "--no-save", "--lang", "en"])
    assert r.exit_code == 7 and "absent.toml: no such file" in r.output


def test_an_edition_arch_must_be_one_debian_builds():
    from reemploi.grade.errors import RulesBadChoice
    from reemploi.grade.rules import PACKAGED, parse_rules
    import tomllib
    data = tomllib.loads(PACKAGED.read_text(encoding="utf-8"))
    data["emmabuntus"][1]["arch"] = "x86_64"
    with pytest.raises(RulesBadChoice) as err:
        parse_rules(data, "mine.toml")
    assert "emmabuntus[1].arch" in str(err.value) and err.value.exit_code is ExitCode.BAD_INPUT
