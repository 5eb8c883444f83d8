"""The atelier names the Emmabuntüs the workshop will install (qa17's walk).

The trainee's identity card said "Emmabuntüs conseillée : DE5 (64 bits)" for the
Acer Aspire M3920 while ``grade`` and ``image choose`` chose DE6 for the very same
recording: the atelier compared the kernel's MemTotal (3 946 MB: firmware-reserved
memory taken off) with DE6's 4 096 MB, where grading counts the modules fitted (two
2 GB sticks). docs/atelier.md promises "the grading rules' own choice". Every
recorded machine (tests/fixtures/machines) whose memory grading calls enough gets
the same edition from both, the grade through the real CLI.
"""

from __future__ import annotations

import json

from conftest import MACHINES
from reemploi.atelier.checks import emmabuntus_for
from reemploi.context import Context
from reemploi.probe import folder
from reemploi.probe.collector import probe_machine

FOLDERS = sorted(p for p in MACHINES.iterdir() if p.is_dir() and (p / "commands").is_dir())


def test_the_atelier_and_grading_choose_the_same_edition(cli):
    compared = {}
    for path in FOLDERS:
        graded = cli(["grade", "--replay", path, "--no-save", "--no-bench", "--json"])
        assert graded.exit_code == 0, graded.output
        verdict = json.loads(graded.output)["verdict"]
        memory = (verdict["components"] or {}).get("memory") or {}
        if verdict["emmabuntus"] is None or memory.get("state") != "enough":
            continue                  # grading offers an upgrade or nothing: not compared
        session = folder.replaying(path)
        machine = probe_machine(Context(runner=session.runner, sysfs=session.sysfs,
                                        replay=True), facts=session.facts)
        compared[path.name] = (emmabuntus_for(machine).name, verdict["emmabuntus"])
    assert len(compared) >= 5, compared
    assert all(a == g for a, g in compared.values()), compared
