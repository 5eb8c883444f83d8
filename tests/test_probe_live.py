"""The live probe on this machine (a VM: almost no DMI, no SMART) and record -> replay."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil

from reemploi.context import Context
from reemploi.probe.collector import SECTIONS, probe_machine


def test_live_probe_finishes_and_reports_unknowns(cli):
    result = cli(["probe", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["root"] is (os.geteuid() == 0)
    assert data["cpu"]["threads"] == os.cpu_count()
    assert abs(data["memory"]["total_mb"] - psutil.virtual_memory().total / 2**20) < 2
    root_dev = os.stat("/").st_dev
    real = Path(f"/sys/dev/block/{os.major(root_dev)}:{os.minor(root_dev)}").resolve()
    root_disk = real.parent.name if (real / "partition").exists() else real.name
    disks = {d["name"]: d for d in data["disks"]}
    assert disks[root_disk]["is_system_disk"]
    if not Path("/sys/class/dmi/id").exists():
        # This VM has no SMBIOS: vendor unknown and said so, not guessed.
        assert data["system"]["vendor"] is None
        assert any(m["field"] in ("system.identity", "dmidecode") for m in data["missing"])
    text = cli(["probe", "--lang", "fr"])
    assert text.exit_code == 0 and "Processeur" in text.output


def test_progress_callback_sees_every_section():
    seen = []
    probe_machine(Context(), smart=False, progress=seen.append)
    assert tuple(seen) == SECTIONS


def test_record_then_replay_gives_the_same_machine(cli, loopdev, tmp_path):
    loop = loopdev(32 << 20)
    folder = tmp_path / "this-vm"
    recorded = cli(["probe", "--record", folder, "--json"])
    assert recorded.exit_code == 0, recorded.output
    assert (folder / "python.json").is_file() and (folder / "commands").is_dir()
    assert (folder / "sysfs" / "proc" / "cpuinfo").is_file()
    replayed = cli(["probe", "--replay", folder, "--json"])
    assert replayed.exit_code == 0, replayed.output
    first, second = json.loads(recorded.output), json.loads(replayed.output)
    assert first == second
    # A loop device is never one of the machine's own disks (issue 13: the live
    # system's squashfs loop0 showed up in a VM's certificate).
    assert loop.path not in {d["path"] for d in second["disks"]}
