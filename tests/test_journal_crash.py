"""Real processes: a writer killed with SIGKILL mid-appends, two writers at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess  # tests may drive processes directly; the package may not
import sys
import time
from pathlib import Path

import pytest

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
    ev = inv.record("note", aid, {"text": f"{n} " + "x" * size})
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


def _limited(limit: int):
    """preexec_fn: files may not grow past ``limit`` bytes (RLIMIT_FSIZE), and the
    kernel's SIGXFSZ is ignored so write() fails with EFBIG, as on a full disk."""
    def setup() -> None:
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


def test_a_grading_the_disk_cannot_hold_records_nothing(tmp_path):
    """A real ``reemploi grade`` whose journal write fails part-way (file size limit,
    like a full persistence partition): exit 15, and not one of its events stays: no
    machine left "diagnosed" without its verdict, no half line, chain intact."""
    from reemploi.errors import ExitCode
    home = tmp_path / "home"
    machine = ROOT / "tests" / "fixtures" / "machines" / "latitude-e5410-failing-disk"
    env = dict(os.environ, REEMPLOI_HOME=str(home), REEMPLOI_STATION="T", REEMPLOI_LANG="en")
    exe = [sys.executable, "-m", "reemploi.cli.main"]
    first = subprocess.run([*exe, "grade", "--replay", str(machine), "--json"], env=env,
                           cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    aid = json.loads(first.stdout)["asset_id"]
    before = (home / "journal.jsonl").read_bytes()
    # Room for a few hundred bytes more: the status change would fit, the probe not.
    second = subprocess.run([*exe, "grade", "--replay", str(machine), "--asset", aid],
                            env=env, cwd=ROOT, capture_output=True, text=True,
                            preexec_fn=_limited(len(before) + 600))
    assert second.returncode == ExitCode.DEVICE_ERROR, second.stderr
    assert "Nothing was recorded" in second.stderr and "Traceback" not in second.stderr
    assert (home / "journal.jsonl").read_bytes() == before
    inv = Inventory.open(home, "T")
    assert inv.verify().ok and inv.torn == []
    assert [e.type for e in inv.history(aid)].count("asset.graded") == 1


# Lots, assets across many shards and notes, as fast as it can: a kill -9 lands
# anywhere, between a shard file and meta.json included.
MANY = r"""
import sys
from pathlib import Path
from reemploi.inventory.store import Inventory
home = Path(sys.argv[1])
inv = Inventory.open(home, "K")
print("ready", flush=True)
n = 0
while True:
    lot, ids = inv.receive_lot(f"Donor {n % 7}", devices=[("laptop", 2, 5.0)], create_ids=True)
    for aid in ids:
        inv.record("note", aid, {"text": f"note {n}"})
    n += 1
    print(n, flush=True)
"""


# The same writer with each tail compacted by the write after the one that made it
# (inventory/tails.py: normally once past its shard's size), so a kill lands in a
# compaction (a shard rewritten, its tail dropped) as often as in an append.
COMPACTING = ("from reemploi.inventory import tails\n"
              "tails.needs_compaction = lambda base, state, adding: bool(state)\n"
              + MANY)


@pytest.mark.parametrize("writer", [MANY, COMPACTING], ids=["appends", "compactions"])
def test_catch_up_after_any_kill_9_is_idempotent(tmp_path, writer):
    """kill -9 at random moments, six times: every time the next open brings the
    projection in step, and a full refold in memory finds nothing different."""
    import random
    home = tmp_path / "home"
    rng = random.Random(6)
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", writer, str(home)],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(2, 12)):
            assert proc.stdout.readline(), "writer died early"
        time.sleep(rng.random() * 0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        inv = Inventory.open(home, "after")
        report = inv.verify(deep=True)
        assert report.ok and report.projection.value == "current", (round_, report)
        assert report.projection_detail == {}, (round_, report.projection_detail)
