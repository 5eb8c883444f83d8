"""The figures' ledger kept by the commands that write the journal (stats/keep.py,
stats/cache.py), and ``reemploi stats`` refusing a journal that lost events
(stats/health.py).

Every journal here is the story of stats_support (written by the real stages: intake,
grading of recorded machines, wipes of loop devices, an image, parts, an atelier
build, checkouts), extended with corrections and voids through the real ``inventory
correct``/``void`` commands. The truth every ledger is compared with is a fold of the
whole journal from its first byte, with no ledger file (``use_cache=False``).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess  # tests may drive processes directly; the package may not
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from reemploi.cli.main import cli
from reemploi.stats import load_reference, make_period
from reemploi.stats.atelier import atelier_figures
from reemploi.stats.cache import CACHE_NAME, load_ledger
from reemploi.stats.ledgerfile import HEADER, WRITER_BYTES, covered
from stats_support import Y0, Y1, copy_story, run, story  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
PERIODS = (make_period(year=Y1), make_period(year=Y0), make_period())


def _truth(home: Path) -> list:
    """Every period's figures and the atelier's, folded from the whole journal."""
    ledger = load_ledger(home, use_cache=False, parallel=False)
    ref = load_reference(home)
    return [(ledger.figures(p, ref), atelier_figures(ledger, p)) for p in PERIODS]


def _kept(home: Path) -> list:
    """The same through the ledger file and the lines after it (what ``stats`` does)."""
    ledger = load_ledger(home)
    ref = load_reference(home)
    return [(ledger.figures(p, ref), atelier_figures(ledger, p)) for p in PERIODS]


def _stats(home: Path, *args: str):
    return CliRunner().invoke(cli, ["stats", *args, "--home", str(home)],
                              env={"REEMPLOI_STATION": "T"})


def _corrected_story(story, home: Path) -> dict[str, str]:
    """The story, then a lot corrected, a typo lot voided, a weight corrected."""
    ids = copy_story(story, home)
    lot = run(home, "intake", "--donor", "Mairie de Lyon", "--date", f"{Y1}-02-01",
              "--device", "laptop:2")["lot"]["id"]
    run(home, "inventory", "correct", lot, "--device", "laptop:4:10.0", "--set",
        f"date={Y1}-03-01", "--reason", "recounted at unloading")
    typo = run(home, "intake", "--donor", "Entreprise X", "--date", f"{Y1}-02-02",
               "--device", "desktop:3", "--create-ids")
    run(home, "inventory", "void", typo["lot"]["id"], "--reason", "typed twice")
    run(home, "inventory", "correct", ids["N1"], "--set", "weight_kg=2.5", "--reason",
        "reweighed")
    return ids


def test_a_ledger_cut_anywhere_then_extended_gives_the_figures_of_a_full_refold(story, tmp_path):
    """The ledger a writer leaves at any event of the journal (corrections and voids
    included), extended by ``stats`` with the lines after it, gives exactly the figures
    of the whole journal folded from scratch, for every period and the atelier."""
    full = tmp_path / "full"
    _corrected_story(story, full)
    truth = _truth(full)
    lines = (full / "journal.jsonl").read_bytes().splitlines(keepends=True)
    assert any(b'"type":"void"' in x for x in lines) and any(b'"type":"correct"' in x for x in lines)
    home = tmp_path / "split"
    home.mkdir()
    (home / "settings.toml").write_bytes((full / "settings.toml").read_bytes())
    for k in range(1, len(lines)):
        (home / "journal.jsonl").write_bytes(b"".join(lines[:k]))
        (home / CACHE_NAME).unlink(missing_ok=True)
        load_ledger(home)                         # what a writer (or stats) leaves there
        assert covered(home) == len(b"".join(lines[:k]))
        (home / "journal.jsonl").write_bytes(b"".join(lines))
        assert _kept(home) == truth, f"ledger kept at event {k}"


def test_the_commands_that_write_keep_the_ledger_and_stats_reads_it(story, tmp_path):
    home = tmp_path / "home"
    ids = copy_story(story, home)
    (home / CACHE_NAME).unlink(missing_ok=True)
    while True:
        run(home, "intake", "--donor", "Mairie", "--date", f"{Y1}-02-03", "--device",
            "screen:300", "--create-ids")
        if (home / "journal.jsonl").stat().st_size >= WRITER_BYTES:
            break
        # A small journal: commands leave it to stats (nothing to gain); a bigger one...
        assert covered(home) is None
    # ... is folded by the first command past WRITER_BYTES, up to its own event.
    end = (home / "journal.jsonl").stat().st_size
    assert covered(home) == end
    # Then kept by the commands as the journal grows, never more than 1/32 behind.
    for _ in range(3):
        run(home, "intake", "--donor", "Mairie", "--date", f"{Y1}-02-04", "--device",
            "screen:300", "--create-ids")
    run(home, "inventory", "status", ids["D2"], "diagnosed")
    end = (home / "journal.jsonl").stat().st_size
    assert 0 <= end - covered(home) < max(WRITER_BYTES, covered(home) // 32)
    stamp = (home / CACHE_NAME).stat().st_mtime_ns
    year = _stats(home, "--year", str(Y1), "--json")
    assert year.exit_code == 0, year.output
    assert (home / CACHE_NAME).stat().st_mtime_ns == stamp      # read, nothing to rewrite
    refold = _truth(home)[0][0]
    from reemploi.stats.figures import to_json
    assert json.loads(year.output)["figures"] == json.loads(json.dumps(to_json(refold)))


def _rewrite(path: Path, edit) -> None:
    """Change the ledger's body with ``edit``, forget one machine in it (so a ledger
    wrongly trusted shows in the figures) and give it a matching SHA-256 (what a hand
    that knows the format could do)."""
    import marshal
    raw = path.read_bytes()
    magic, offset, _ = HEADER.unpack_from(raw)
    body = marshal.loads(raw[HEADER.size:])
    machines = body[5][1]
    machines.pop(next(iter(machines)))
    body, offset = edit(list(body), offset)
    data = marshal.dumps(tuple(body))
    path.write_bytes(HEADER.pack(magic, offset, hashlib.sha256(data).digest()) + data)


def test_a_tampered_or_stale_ledger_is_not_trusted(story, tmp_path):
    home = tmp_path / "home"
    _corrected_story(story, home)
    truth = _truth(home)
    ledger = home / CACHE_NAME
    assert _kept(home) == truth                  # (writes the ledger: none so far)
    good = ledger.read_bytes()
    # The check that follows can fail: a forged body with a matching SHA-256 and a
    # true anchor is believed (the checksum catches accidents; whoever writes the data
    # directory could rewrite the journal too: verify's hash chain is the proof).
    _rewrite(ledger, lambda b, off: (b, off))
    assert _kept(home) != truth
    ledger.write_bytes(good)
    # A byte of the body changed (a name): the SHA-256 disagrees.
    raw = bytearray(good)
    at = raw.find(b"Ecosystem", HEADER.size)
    assert at > 0
    raw[at] ^= 0x20
    ledger.write_bytes(bytes(raw))
    assert _kept(home) == truth
    # An anchor on an event the journal does not hold there (another sequence number,
    # checksum recomputed): refolded.
    ledger.write_bytes(good)
    _rewrite(ledger, lambda b, off: (b[:3] + [b[3] + 1] + b[4:], off))
    assert _kept(home) == truth
    # The header says more than the body covers: a writer would skip its update; the
    # reader refuses the file and refolds.
    ledger.write_bytes(good)
    _rewrite(ledger, lambda b, off: (b, off - 1))
    assert _kept(home) == truth
    # Stale: another workshop's ledger, or this one's of a journal replaced since.
    other = tmp_path / "other"
    other.mkdir()
    run(other, "intake", "--donor", "Autre", "--date", f"{Y1}-01-04", "--device", "laptop:4")
    load_ledger(other)
    ledger.write_bytes((other / CACHE_NAME).read_bytes())
    assert _kept(home) == truth
    # Each time the refold was written back, valid and covering the whole journal.
    assert covered(home) == (home / "journal.jsonl").stat().st_size


def test_a_cut_journal_is_reported_and_no_figure_printed(story, tmp_path):
    """Issue 10's broken state, seen by ``stats``: a journal cut at its end gives no
    figure (exit 12, the way out named) before and after another command saw the cut,
    until ``inventory repair`` records the loss; then the figures are the journal's."""
    home = tmp_path / "home"
    copy_story(story, home)
    journal = home / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    last_checkout = max(i for i, x in enumerate(lines) if b'"type":"checkout"' in x)
    journal.write_bytes(b"".join(lines[:last_checkout]))
    for lang in ("fr", "en"):
        refused = _stats(home, "--year", str(Y1), "--lang", lang)
        assert refused.exit_code == 12, refused.output
        assert "reemploi inventory repair" in refused.output
        assert ("a perdu des événements (fin coupée" if lang == "fr"
                else "lost events (its end cut") in refused.output
        assert "Traceback" not in refused.output
    json_run = _stats(home, "--year", str(Y1), "--json")
    assert json_run.exit_code == 12 and "inventory verify" in json_run.output
    # Another command opens the inventory: it marks the directory broken; still refused.
    CliRunner().invoke(cli, ["inventory", "list", "--home", str(home)],
                       env={"REEMPLOI_STATION": "T"})
    assert (home / "journal.broken").exists()
    assert _stats(home, "--year", str(Y1)).exit_code == 12
    run(home, "inventory", "repair", "--note", "cut in a test")
    after = _stats(home, "--year", str(Y1), "--json")
    assert after.exit_code == 0, after.output
    out = json.loads(after.output)["figures"]
    assert out["totals"]["out"] == _truth(home)[0][0].totals.out == 5


def test_a_replaced_journal_is_reported(story, tmp_path):
    home = tmp_path / "home"
    copy_story(story, home)
    other = tmp_path / "other"
    other.mkdir()
    run(other, "intake", "--donor", "Autre", "--date", f"{Y1}-01-04", "--device", "laptop:40")
    for _ in range(12):                          # longer than the story's journal
        run(other, "intake", "--donor", "Autre", "--date", f"{Y1}-01-05", "--device", "laptop:40",
            "--create-ids")
    assert (other / "journal.jsonl").stat().st_size > (home / "journal.jsonl").stat().st_size
    (home / "journal.jsonl").write_bytes((other / "journal.jsonl").read_bytes())
    refused = _stats(home, "--year", str(Y1), "--lang", "en")
    assert refused.exit_code == 12 and "replaced by another journal" in refused.output, \
        refused.output


# A writer that keeps the ledger (as every command does through the Context), with
# big notes so the ledger is rewritten every third event, as fast as it can: a kill -9
# lands anywhere, inside the ledger's fold and write included.
WRITER = r"""
import sys
from pathlib import Path
from reemploi.inventory.store import Inventory
from reemploi.stats.keep import follow
home, aid = Path(sys.argv[1]), sys.argv[2]
inv = Inventory.open(home, "K")
inv.followers.append(follow)
print("ready", flush=True)
n = 0
while True:
    inv.record("note", aid, {"text": f"note {n} " + "x" * 100000})
    n += 1
    print(n, flush=True)
"""


def test_a_writer_killed_while_keeping_the_ledger_never_gives_wrong_figures(story, tmp_path):
    home = tmp_path / "home"
    ids = copy_story(story, home)
    rng = random.Random(16)
    for round_ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(home), ids["L1"]],
                                stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(rng.randint(1, 8)):
            assert proc.stdout.readline(), "writer died early"
        time.sleep(rng.random() * 0.03)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert _kept(home) == _truth(home), round_
        # The file was replaced whole (rename) or not at all: it reads, or is refused.
        assert covered(home) is not None, round_


def test_a_projection_rebuild_leaves_the_ledger_alone(story, tmp_path):
    """The ledger is anchored to the journal, not to the projection: refolding the
    projection (inventory verify --repair, a damaged shard) keeps it, still valid."""
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"
    copy_story(story, home)
    load_ledger(home)
    kept = (home / CACHE_NAME).read_bytes()
    Inventory.open(home, "T").rebuild_projection()
    assert (home / CACHE_NAME).read_bytes() == kept
    assert covered(home) == (home / "journal.jsonl").stat().st_size
    assert _kept(home) == _truth(home)


# A writer of its own (a fresh interpreter: no thread left by earlier tests' wipes),
# the thresholds lowered to this journal; prints how many times it forked.
FOLLOWER = r"""
import os, sys, threading
from pathlib import Path
from reemploi.stats import cache, keep
cache.PARALLEL_BYTES = keep.WRITER_BYTES = 1     # this small journal is "big"
forks, real_fork = [], os.fork
def counted():
    forks.append(1)
    return real_fork()
os.fork = counted
stop = threading.Event()
helpers = [threading.Thread(target=stop.wait) for _ in range(int(sys.argv[3]))]
for t in helpers:
    t.start()
keep.follow(Path(sys.argv[1]), int(sys.argv[2]))
stop.set()
print(len(forks))
"""


def test_a_writer_without_a_ledger_folds_it_in_two_processes_unless_threads_run(
        story, tmp_path):
    """The first write after a restore from the journal alone folds the ledger whole
    once: in two processes (stats.cache's fork) when the writer runs no other thread,
    in its own process beside threads (a fork there can deadlock the child); both give
    the figures of a full refold."""
    home = tmp_path / "home"
    copy_story(story, home)
    truth = _truth(home)
    size = (home / "journal.jsonl").stat().st_size
    from reemploi.stats.cache import _cores
    two = 1 if _cores() >= 2 else 0             # one core: never forked (stats.cache)
    for threads, forks in ((0, two), (1, 0)):
        (home / CACHE_NAME).unlink(missing_ok=True)
        done = subprocess.run([sys.executable, "-c", FOLLOWER, str(home), str(size),
                               str(threads)], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout) == forks, threads
        assert covered(home) == size and _kept(home) == truth
