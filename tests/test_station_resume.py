"""A station killed (SIGKILL: as a power cut, nothing can run after it) mid-wipe, then
mid-image, resumes each time at the unfinished step, decided from the journal alone.

Real ``reemploi station`` processes on a real loop device holding donor data; the
third run finishes: the disk holds no donor byte, the certificate names only the
wipe that finished, the image is written and verified, the machine is ready.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from signal_support import ROOT, cli_env, holds_open, run_cli
from test_image_support import MiB, build_master
from test_station_flow import leaked, plant, write_profile

pytestmark = pytest.mark.root

SIZE = 256 * MiB


def kill_when(args: list[str], home: Path, ready) -> None:
    """Start ``reemploi ARGS``; SIGKILL it as soon as ``ready(pid)`` says so."""
    proc = subprocess.Popen([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                            env=cli_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ready(proc.pid):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def journal_has(home: Path, text: str) -> bool:
    try:
        return text.encode() in (home / "journal.jsonl").read_bytes()
    except FileNotFoundError:
        return False


def test_killed_mid_wipe_then_mid_image_resumes_each_time(loopdev, tmp_path):
    home = tmp_path / "home"
    disk = loopdev(SIZE)
    plant(disk.path, SIZE)
    master, _ = build_master(tmp_path, 32 * MiB)
    # prng then a full read-back: long enough to be cut; and the image must zero the
    # holes the random wipe left, so the write is long enough to be cut too.
    profile = write_profile(tmp_path, master, [disk.path])
    profile.write_text(profile.read_text().replace('method = "zero"', 'method = "prng"'))
    args = ["station", "--profile", profile, "--json"]

    # 1. Killed once the wipe has written for a while.
    kill_when(args, home, lambda pid: holds_open(pid, disk.path) and time.sleep(0.4) is None
              and holds_open(pid, disk.path))
    assert journal_has(home, '"wipe.started"') and not journal_has(home, '"wipe.done"')
    shown = run_cli(["inventory", "list", "--json"], home)
    (machine,) = json.loads(shown.stdout)
    assert machine["status"] == "diagnosed"        # a cut wipe never leaves it "wiped"

    # 2. Restarted: resumes at the wipe; killed mid-image this time.
    kill_when(args, home, lambda pid: journal_has(home, '"image.started"')
              and holds_open(pid, disk.path))
    history = json.loads(run_cli(["inventory", "history", machine["id"], "--json"], home).stdout)
    types = [e["type"] for e in history]
    assert types.count("asset.graded") == 1          # graded once: not redone
    assert types.count("wipe.started") == 2 and types.count("wipe.done") == 1
    assert "certificate.issued" in types and "image.written" not in types
    assert leaked(disk.path) == 0

    # 3. Restarted again: resumes at the image and finishes.
    done = subprocess.run([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                          env=cli_env(home), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["asset_id"] == machine["id"] and report["resumed_at"] == "image"
    steps = {k: v["status"] for k, v in report["steps"].items()}
    assert steps["grade"] == steps["wipe"] == steps["certificate"] == "already-done"
    assert steps["image"] == steps["documents"] == steps["ready"] == "done"
    assert report["steps"]["image"]["verify"] == "passed"
    history = json.loads(run_cli(["inventory", "history", machine["id"], "--json"], home).stdout)
    types = [e["type"] for e in history]
    assert types.count("image.started") == 2 and types.count("image.written") == 1
    assert types.count("certificate.issued") == 1 and types[-1] == "status.changed"
    verify = json.loads(run_cli(["inventory", "verify", "--json"], home).stdout)
    assert verify["ok"] is True
    assert sorted(u["type"] for u in verify["unfinished"]) == ["image.started", "wipe.started"]
    (issued,) = [e for e in history if e["type"] == "certificate.issued"]
    (wiped,) = [e for e in history if e["type"] == "wipe.done"]
    assert issued["payload"]["wipes"] == [wiped["id"]]      # only the wipe that finished
    assert leaked(disk.path) == 0
