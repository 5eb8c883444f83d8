"""The rules file: packaged defaults, workshop overrides, strict validation (exit 7)."""

from __future__ import annotations

import pytest

from reemploi.errors import BadInput, ExitCode
from reemploi.grade.rules import load_rules


def test_packaged_rules_load_and_are_versioned():
    rules = load_rules()
    assert rules.version and rules.source == "packaged"
    assert [e.name for e in rules.emmabuntus] == ["DE6", "DE5"]
    assert rules.emmabuntus[0].requires_flags == ("lm", "sse2")
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

