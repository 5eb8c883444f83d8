"""The benchmarks' journal generators write what the real stages write: every line
reads through its typed event, and the values the stages choose from a closed set
(the grader's outcomes, the wipe's methods and techniques) are values they produce.
A benchmark over payloads no stage writes ("reuse", a method "nvme-format") measures
a journal nobody has and hides the readers' bugs (issue 10)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from reemploi import events as typed
from reemploi.grade.verdict import Outcome, Reason
from reemploi.wipe.plan import METHODS, Technique

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(name: str, home: Path, monkeypatch) -> list[dict]:
    module = _load(name)
    if name == "stats":
        monkeypatch.setattr(module, "N_MACHINES", 400)
        module.generate(home)
    else:
        module.generate(home, 60)
    return [json.loads(line) for line in (home / "journal.jsonl").read_bytes().splitlines()]


@pytest.mark.parametrize("name", ["stats", "inventory"])
def test_a_generated_journal_holds_only_what_the_stages_write(name, tmp_path, monkeypatch):
    lines = _generated(name, tmp_path / "home", monkeypatch)
    outcomes, methods = set(), set()
    for d in lines:
        p = typed.read(d["type"], d["payload"])
        assert not isinstance(p, typed.Unreadable), (d["seq"], p)
        if d["type"] == "asset.graded":
            outcomes.add(p.verdict["outcome"])
            assert all(Reason(r["code"]) for r in p.verdict.get("reasons") or ())
        elif d["type"] in ("wipe.started", "wipe.done"):
            methods.add(p.method)
            technique = d["payload"].get("technique")
            assert technique is None or Technique(technique)
    assert outcomes and outcomes <= {o.value for o in Outcome}, outcomes
    # What ran, as the wipe stage records it (never "auto": that is what is asked).
    assert methods and methods <= set(METHODS) - {"auto"}, methods
