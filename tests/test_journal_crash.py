"""Real processes: a writer killed with SIGKILL mid-appends, two writers at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess  # tests may drive processes directly; the package may not
import sys
import time
from pathlib import Path

from reemploi.inventory.store import Inventory

ROOT = Path(__file__).resolve().parent.parent

# Appends notes in a loop; prints each event's seq and id only after record() returned
# (i.e. after fsync): those are the events it "reported" as written.
WRITER = r"""
import sys
from pathlib import Path
from reemploi.inventory.store import Inventory
home, station, count, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
inv = Inventory.open(home, station)
aid = inv.create_asset("machine", "laptop", asset_id=f"X-{station}")
print("ready", flush=True)
for n in range(count):
    ev = inv.record("note", aid, {"text": "x" * size, "n": n})
    print(ev.seq, ev.id, flush=True)
"""


def _writer(home: Path, station: str, count: int, size: int = 100) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(home), station, str(count), str(size)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)


def _journal_ids(home: Path) -> list[str]:
    return [json.loads(l)["id"] for l in (home / "journal.jsonl").read_bytes().splitlines()
            if l.endswith(b"}")]


def test_sigkill_mid_appends_loses_nothing_reported(tmp_path):
    home = tmp_path / "home"
    # Big payloads make each write long, so the kill often lands inside one.
    proc = _writer(home, "K", 100000, size=256 << 10)
    reported: list[str] = []
    assert proc.stdout.readline().strip() == "ready"
    while len(reported) < 25:
        line = proc.stdout.readline()
        assert line, "writer died early"
        reported.append(line.split()[1])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Whatever else it managed to print before dying was reported too.
    reported += [l.split()[1] for l in proc.stdout.read().splitlines()]
    proc.stdout.close()

    # Simulate the worst case as well: a half-written line at the end.
    with open(home / "journal.jsonl", "ab") as fh:
        fh.write(b'{"asset_id":"X-K","hash":"00')
    inv = Inventory.open(home, "after")
    in_journal = set(_journal_ids(home))
    assert set(reported) <= in_journal
    assert inv.journal.torn_files(), "the torn tail was set aside, not deleted"
    report = inv.verify()
    assert report.ok, report
    assert report.projection.value == "current"
    # Projection agrees with the journal: every note counted in the machine's history.
    notes = sum(1 for _ in inv.events("X-K", types=["note"]))
    assert notes >= len(reported)
    assert inv.machine("X-K")["history"] == notes + 1      # + asset.created
    # A rebuild from scratch gives the same state.
    state = inv.machine("X-K")
    import shutil
    shutil.rmtree(home / "projection")
    assert Inventory.open(home, "again").machine("X-K") == state


def test_two_processes_appending_concurrently(tmp_path):
    home = tmp_path / "home"
    Inventory.open(home, "init")
    count = 500
    a, b = _writer(home, "A", count), _writer(home, "B", count)
    out_a, _ = a.communicate(timeout=300)
    out_b, _ = b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0
    reported = [l.split()[1] for l in (out_a + out_b).splitlines() if l != "ready"]
    assert len(reported) == 2 * count
    ids = _journal_ids(home)
    assert len(ids) == 2 * count + 2                      # + two asset.created
    assert set(reported) <= set(ids)
    inv = Inventory.open(home, "check")
    report = inv.verify()
    assert report.ok and report.events == len(ids)
    assert report.projection.value == "current"
    assert inv.machine("X-A")["history"] == count + 1
    assert inv.machine("X-B")["history"] == count + 1
    # Interleaved, not one after the other, or the lock test proves little.
    stations = [json.loads(l)["station"] for l in (home / "journal.jsonl").read_bytes().splitlines()]
    switches = sum(1 for x, y in zip(stations, stations[1:]) if x != y)
    assert switches > 2
