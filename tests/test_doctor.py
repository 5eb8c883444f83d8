"""``reemploi doctor``: tools with their Debian package, root, what the probe will miss."""

from __future__ import annotations

import json
import os
import shutil

from reemploi.context import Context
from reemploi.probe.doctor import check, render_doctor
from reemploi.system.runner import ReplayRunner


def test_doctor_json_matches_this_machine(cli):
    result = cli(["doctor", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["root"] is (os.geteuid() == 0)
    tools = {t["tool"]: t for t in data["tools"]}
    for tool in ("lsblk", "smartctl", "dmidecode", "lspci"):
        present = (shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
                   is not None)
        assert tools[tool]["present"] is present
    assert tools["smartctl"]["package"] == "smartmontools"


def test_doctor_names_what_the_probe_will_miss(tmp_path):
    (tmp_path / "MISSING_TOOLS").write_text("smartctl\nlspci\n")
    ctx = Context(runner=ReplayRunner(tmp_path))
    report = check(ctx, euid=1000)
    assert not report.root
    missing = {t.tool for t in report.tools if not t.present}
    assert {"smartctl", "lspci"} <= missing
    fr = render_doctor(report, "fr")
    assert "apt install smartmontools" in fr and "apt install pciutils" in fr
    assert "Lancé en root\u00a0: non" in fr
    assert "numéros de série" in fr          # dmidecode needs root
    en = render_doctor(check(Context(runner=ReplayRunner(tmp_path)), euid=0), "en")
    assert "serial numbers" not in en.split("The probe will miss:")[-1]
    assert "disk health" in en.split("The probe will miss:")[-1]


def test_doctor_text_in_french(cli):
    result = cli(["doctor", "--lang", "fr"])
    assert result.exit_code == 0 and "Outils\u00a0:" in result.output


def test_doctor_says_what_each_missing_tool_breaks(tmp_path):
    """A missing wipe tool is named with its step, but is not a probe gap."""
    (tmp_path / "MISSING_TOOLS").write_text("hdparm\nsgdisk\n")
    report = check(Context(runner=ReplayRunner(tmp_path)), euid=0)
    assert all(t.provides for t in report.tools)
    assert report.will_miss == ()
    fr = render_doctor(report, "fr")
    line = next(x for x in fr.splitlines() if " hdparm " in x)
    assert line.startswith("  -- ") and "effacement sécurisé ATA" in line
    assert "apt install hdparm" in line
    assert "apt install gdisk" in next(x for x in fr.splitlines() if " sgdisk " in x)
