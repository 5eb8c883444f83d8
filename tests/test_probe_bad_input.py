"""The probe under bad input: missing tools, hanging tools, garbage, broken folders."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import MACHINES
from reemploi.errors import ExitCode
from reemploi.system.runner import recording_name


@pytest.fixture
def machine(tmp_path):
    """A writable copy of a fixture machine folder."""
    def copy(name: str):
        dest = tmp_path / name
        shutil.copytree(MACHINES / name, dest, symlinks=True)
        return dest
    return copy


def run_json(cli, folder) -> dict:
    result = cli(["probe", "--replay", folder, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_garbage_dmidecode_still_completes(cli, machine):
    folder = machine("latitude-e5410-failing-disk")
    (folder / "commands" / "dmidecode").write_bytes(b"\x7fELF garbage \x00\x01 not a dump\n")
    data = run_json(cli, folder)
    assert {"field": "dmidecode", "reason": "bad-output"} in [
        {k: m[k] for k in ("field", "reason")} for m in data["missing"]]
    assert data["system"]["vendor"] is None and data["memory"]["modules"] == []
    assert data["disks"][0]["smart"]["health"] == "failed"       # the rest is intact


def test_missing_smartctl_and_lsblk(cli, machine):
    folder = machine("medion-usb-dock")
    (folder / "commands" / "MISSING_TOOLS").write_text("lspci\nsmartctl\n")
    data = run_json(cli, folder)
    fields = {(m["field"], m["reason"]) for m in data["missing"]}
    assert ("disk:sda.smart", "tool-missing") in fields
    assert ("disk:sdb.smart", "tool-missing") in fields
    assert all(d["smart"] is None for d in data["disks"])
    (folder / "commands" / "MISSING_TOOLS").write_text("lsblk\nlspci\n")
    data = run_json(cli, folder)
    assert data["disks"] == [] and ("disks", "tool-missing") in {
        (m["field"], m["reason"]) for m in data["missing"]}


def test_timing_out_dmidecode(cli, machine):
    folder = machine("aspire-m3920-desktop")
    (folder / "commands" / "dmidecode.rc").write_text("timeout\n")
    data = run_json(cli, folder)
    assert ("dmidecode", "timeout") in {(m["field"], m["reason"]) for m in data["missing"]}
    assert data["cpu"]["model"]            # later sections still ran


def test_failing_lspci_falls_back_to_sysfs(cli, machine):
    folder = machine("latitude-e5410-failing-disk")
    (folder / "commands" / "lspci__-vmmnnk.rc").write_text("1\n")
    (folder / "commands" / "lspci__-vmmnnk.stderr").write_text("lspci: Cannot find any working access method.\n")
    data = run_json(cli, folder)
    assert ("gpus.names", "tool-failed") in {(m["field"], m["reason"]) for m in data["missing"]}
    assert data["gpus"] == []              # this folder has no /sys/bus/pci tree


def test_garbage_edid_and_battery(cli, machine):
    folder = machine("latitude-e5410-failing-disk")
    (folder / "sysfs/sys/class/drm/card0-LVDS-1/edid").write_bytes(b"\x01\x02\x03")
    (folder / "sysfs/sys/class/power_supply/BAT0/uevent").write_bytes(b"\x00\x00\x00")
    data = run_json(cli, folder)
    reasons = {(m["field"], m["reason"]) for m in data["missing"]}
    assert ("screen:LVDS-1", "bad-output") in reasons
    assert data["screens"] == []


def test_replay_folder_lacking_a_recording_names_the_file(cli, machine):
    folder = machine("latitude-e5410-failing-disk")
    name = recording_name(("smartctl", "--json=c", "-x", "/dev/sda"))
    (folder / "commands" / name).unlink()
    result = cli(["probe", "--replay", folder, "--json"])
    assert result.exit_code == ExitCode.REPLAY_MISSING == 14
    assert name in result.output and "Traceback" not in result.output


def test_replay_folder_lacking_python_json(cli, machine):
    folder = machine("broken-tools")
    (folder / "python.json").unlink()
    result = cli(["probe", "--replay", folder])
    assert result.exit_code == 14 and "python.json" in result.output


def test_replay_folder_that_does_not_exist(cli, tmp_path):
    result = cli(["probe", "--replay", tmp_path / "nowhere"])
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "commands" in result.output


def test_corrupt_python_json_is_bad_input(cli, machine):
    folder = machine("broken-tools")
    (folder / "python.json").write_text("{not json")
    result = cli(["probe", "--replay", folder])
    assert result.exit_code == ExitCode.BAD_INPUT and "python.json" in result.output


def test_record_and_replay_together_is_a_usage_error(cli, tmp_path):
    result = cli(["probe", "--replay", tmp_path, "--record", tmp_path / "x"])
    assert result.exit_code == 2
