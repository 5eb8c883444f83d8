"""Clean after any kill (issue 11): a real ``kill -9`` in the middle of image
post-install leaves partition loops over the target and a temporary folder; they are
tied to the dead process, ``reemploi doctor`` lists them, ``doctor --clean`` and the
next ``image write`` remove them. A signal just after a recorded success exits 0 or
130, never an undocumented status."""

from __future__ import annotations

import json
import os
import signal
import subprocess  # the real command, killed for real
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from reemploi.context import Context
from reemploi.system import leftovers
from test_image_support import image_events, record_wipe

pytestmark = pytest.mark.root


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ, REEMPLOI_HOME=str(tmp_path / "home"), REEMPLOI_STATION="T",
               LANG="en_US.UTF-8", REEMPLOI_RUN_DIR=str(tmp_path / "run"),
               TMPDIR=str(tmp_path / "tmp"))
    env.pop("REEMPLOI_YES", None)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return env


def _reemploi(args, env, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, **kw)


def _attached_over(device: str) -> list[str]:
    out = subprocess.run(["losetup", "--noheadings", "-O", "NAME", "-j", device],
                         capture_output=True, text=True).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def _kill_mid_postinstall(tmp_path, env, master, loopdev) -> int:
    """Start an image write, SIGKILL it once post-install holds its temporary folder;
    returns the dead pid. The folder lives for a dozen debugfs runs; on a loaded box
    the write may still finish before we look: then again, on a fresh disk."""
    for _attempt in range(5):
        dev = loopdev(96 << 20)
        proc = subprocess.Popen([sys.executable, "-m", "reemploi", "image", "write",
                                 str(master["szst"]), dev.path, "--yes", "--no-wipe-check",
                                 "--hostname", "poste-7"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        try:
            while not list((tmp_path / "tmp").glob(f"reemploi-postinstall-{proc.pid}-*")):
                if proc.poll() is not None:
                    break
                assert time.monotonic() < deadline, "post-install never made its folder"
                time.sleep(0.0005)
            else:
                proc.kill()                           # SIGKILL: nothing can run after it
        finally:
            proc.wait()
        if proc.returncode == -signal.SIGKILL:
            return proc.pid
        assert proc.returncode == 0, proc.communicate()
    raise AssertionError("the write always finished before it could be killed")


# Here the kernel makes the written disk's partition nodes itself (partx -u adds
# them), so post-install never needs an offset loop; on a station whose loop
# devices or disks lack partition support it does. This process takes that path
# for real (post-install's own _Disk.locate, real losetup, the record) by reading
# an empty sysfs, where no partition node is found, then waits to be killed.
_ATTACH = """
import sys, time
from pathlib import Path
from reemploi.context import Context
from reemploi.image.postinstall import _Disk
from reemploi.system.sysfs import Sysfs
disk = _Disk(Context(sysfs=Sysfs(sys.argv[2])), sys.argv[1])
table = disk.table()
print(disk.locate(table, table.last), flush=True)
time.sleep(600)
"""


def _dead_owner_of_a_partition_loop(tmp_path, env, master, dev) -> tuple[int, str]:
    with open(master["raw"], "rb") as src, open(dev.path, "r+b") as dst:
        dst.write(src.read())
    (tmp_path / "no-sysfs").mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", _ATTACH, dev.path, str(tmp_path / "no-sysfs")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    loop = proc.stdout.readline().strip()
    assert loop.startswith("/dev/loop"), proc.communicate()
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return proc.pid, loop


def test_kill_9_leaves_what_doctor_finds_and_removes(tmp_path, loopdev, master):
    env = _env(tmp_path)
    # (The write first, as its start would clean the loop the other leaves.)
    writer = _kill_mid_postinstall(tmp_path, env, master, loopdev)
    dev = loopdev(96 << 20)
    pid, loop = _dead_owner_of_a_partition_loop(tmp_path, env, master, dev)
    assert _attached_over(dev.path) == [loop]
    folder = next((tmp_path / "tmp").glob(f"reemploi-postinstall-{writer}-*"))
    # A temporary file of the data directory, as a killed projection write leaves it.
    tmp_file = tmp_path / "home" / "projection" / f".meta.json.{writer}.tmp"
    tmp_file.write_text("{")

    res = _reemploi(["doctor", "--json"], env)
    assert res.returncode == 0, res.stderr
    found = {(lo["kind"], lo["path"], lo["pid"]) for lo in json.loads(res.stdout)["leftovers"]}
    assert found == {("loop", loop, pid),
                     ("record", str(tmp_path / "run" / f"postinstall-{pid}.json"), pid),
                     ("folder", str(folder), writer), ("temp-file", str(tmp_file), writer)}
    text = _reemploi(["doctor", "--lang", "en"], env)
    assert loop in text.stdout and "Leftovers of killed processes" in text.stdout

    res = _reemploi(["doctor", "--clean", "--json"], env)
    assert res.returncode == 0, res.stderr
    assert all(c["error"] is None for c in json.loads(res.stdout)["cleaned"])
    assert _attached_over(dev.path) == []
    assert not folder.exists() and not tmp_file.exists()
    assert list((tmp_path / "run").iterdir()) == []
    assert json.loads(_reemploi(["doctor", "--json"], env).stdout)["leftovers"] == []


def test_the_next_image_write_detaches_a_dead_ones_loops_first(tmp_path, loopdev, master):
    env = _env(tmp_path)
    dev = loopdev(96 << 20)
    _pid, loop = _dead_owner_of_a_partition_loop(tmp_path, env, master, dev)
    # The loop holds the disk (the guard refuses a held disk); the next write first
    # detaches the dead process's loop, then writes and finishes.
    res = _reemploi(["image", "write", master["szst"], dev.path, "--yes", "--no-wipe-check",
                     "--hostname", "poste-8", "--json"], env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["result"] == "success"
    assert _attached_over(dev.path) == []
    assert list((tmp_path / "run").iterdir()) == []


def test_a_live_process_keeps_its_loops(tmp_path, monkeypatch):
    """Leftovers are only a dead process's: a record of a running one is left alone."""
    monkeypatch.setenv("REEMPLOI_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    rec = leftovers.LoopRecord()
    entry = rec.intend("/dev/loop-none", 1048576)
    rec.attached(entry, "/dev/loop-none-p1")
    folder = leftovers.make_temp_folder()
    ctx = Context(home=tmp_path / "home")
    assert leftovers.find(ctx) == []
    # The same pid with another start time is another process: its record is stale.
    doc = json.loads(rec.path.read_text())
    rec.path.write_text(json.dumps({**doc, "start": "1"}))
    assert [lo.kind for lo in leftovers.find(ctx)] == ["record"]
    rec.detached(entry)
    assert not rec.path.exists()
    folder.rmdir()


def test_sigterm_right_after_a_recorded_success_exits_0_or_130(tmp_path, loopdev, master):
    """The signal lands between the journal's fsync of image.written and the exit:
    the work is done and recorded; the status is 0 or 130 (README), never 143."""
    env = _env(tmp_path)
    home = tmp_path / "home"
    statuses = []
    for round_ in range(3):
        dev = loopdev(96 << 20)
        record_wipe(home, dev.path)
        journal = home / "journal.jsonl"
        proc = subprocess.Popen([sys.executable, "-m", "reemploi", "image", "write",
                                 str(master["szst"]), dev.path, "--yes", "--no-postinstall"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        before = journal.read_bytes().count(b'"image.written"')
        deadline = time.monotonic() + 120
        while journal.read_bytes().count(b'"image.written"') == before:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.0005)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        statuses.append(proc.returncode)
        assert proc.returncode in (0, 130), (round_, proc.returncode, err)
        assert "Traceback" not in err
    assert [e.payload["result"] for e in image_events(home)] == ["success"] * 3
    print(f"\nstatuses after a SIGTERM right after image.written: {statuses}")


def test_a_stop_signal_at_the_confirmation_is_a_cancel_that_changes_nothing(tmp_path, loopdev):
    """SIGTERM (a closed session, systemd) or SIGHUP while the wipe asks: exit 13
    "cancelled, nothing changed", not click's "Aborted!" with exit 1 (a bug's code),
    nothing written, nothing recorded."""
    from prompt_support import PROMPT, _read_until
    from signal_support import cli_env
    for sig in (signal.SIGTERM, signal.SIGHUP):
        dev = loopdev(8 << 20)
        with open(dev.path, "r+b") as fh:
            fh.write(b"\x5a" * (1 << 20))
        home = tmp_path / f"home-{sig}"
        master_fd, slave_fd = os.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "reemploi", "wipe", dev.path,
                                 "--method", "zero", "--lang", "en"], cwd=ROOT,
                                env=cli_env(home), stdin=slave_fd, stdout=slave_fd,
                                stderr=slave_fd, close_fds=True)
        os.close(slave_fd)
        out: list[str] = []
        try:
            assert _read_until(master_fd, PROMPT, time.monotonic() + 120, out), "".join(out)
            # Again every 2 s until it exits: a signal that lands while GNU readline is
            # setting up its own handlers inside input() is taken by readline and not
            # seen by Python until the next one (seen once, on a box at load 16).
            for _ in range(30):
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=2)
                    break
                except subprocess.TimeoutExpired:
                    continue
            _read_until(master_fd, "\0never\0", time.monotonic() + 10, out)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(master_fd)
        text = "".join(out)
        assert proc.returncode == 13, (sig, proc.returncode, text)
        assert "nothing was changed" in text and "Traceback" not in text
        with open(dev.path, "rb") as fh:
            assert fh.read(1 << 20) == b"\x5a" * (1 << 20)
        journal = home / "journal.jsonl"
        assert not journal.exists() or b"wipe." not in journal.read_bytes()
