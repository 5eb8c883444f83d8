"""A disk that acknowledges writes it never makes (issue 11): only reading every byte
back catches it, so a full read-back is the default for overwrites.

The faulty disk is real I/O end to end: a FUSE file (tests/faulty_fuse.py) that drops
the writes to one 4 KiB area and says they were done, under a loop device, wiped by
the real command. What the backing file holds afterwards shows the area was never
written; the wipe must say so (exit 9) and never "success".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reemploi.errors import ExitCode
from signal_support import run_cli

MIB = 1 << 20
HOLE = 40 * MIB + 8192          # a 4 KiB area, not on a 4 MiB block boundary
DONOR = 0x5A


@pytest.fixture
def faulty_disk(tmp_path):
    if os.geteuid() != 0 or not shutil.which("losetup") or not os.path.exists("/dev/fuse"):
        pytest.skip("needs root, losetup and /dev/fuse")
    pytest.importorskip("mfusepy")
    backing = tmp_path / "backing.img"
    backing.write_bytes(bytes([DONOR]) * (64 * MIB))
    mnt = tmp_path / "fuse"
    mnt.mkdir()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("faulty_fuse.py")),
                             str(backing), str(mnt), str(HOLE), "4096"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    loop = None
    try:
        deadline = time.monotonic() + 30
        while not (mnt / "disk.img").exists():
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "FUSE mount did not appear"
            time.sleep(0.05)
        loop = subprocess.run(["losetup", "--find", "--show", str(mnt / "disk.img")],
                              check=True, capture_output=True, text=True).stdout.strip()
        yield loop, backing
    finally:
        if loop:
            subprocess.run(["losetup", "-d", loop], check=False)
        subprocess.run(["fusermount3", "-u", str(mnt)], check=False, capture_output=True)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_full_read_back_catches_writes_the_disk_never_made(faulty_disk, tmp_path):
    loop, backing = faulty_disk
    res = run_cli(["wipe", loop, "--yes", "--method", "zero", "--json", "--lang", "en"],
                  tmp_path / "home")
    assert res.returncode == ExitCode.VERIFY_FAILED, res.stdout + res.stderr
    [rec] = json.loads(res.stdout)["records"]
    assert rec["result"] == "failed"
    ver = rec["verification"]
    assert ver["mode"] == "full" and ver["bytes_checked"] == 64 * MIB
    assert ver["mismatches"] == [{"offset": HOLE, "length": 4096}]
    # The area really holds the donor's bytes: the disk said "written" and was not.
    with open(backing, "rb") as fh:
        fh.seek(HOLE)
        assert fh.read(4096) == bytes([DONOR]) * 4096
        fh.seek(0)
        assert fh.read(HOLE) == bytes(HOLE)


def test_a_sampled_check_states_its_odds(faulty_disk, tmp_path):
    """``--verify sample`` stays available; its record says what it could miss. Whether
    this run's sample met the 4 KiB area is chance (about one in four here): the record
    must never be a success when it did, and must state the odds either way."""
    from reemploi.wipe.odds import detection_table
    loop, backing = faulty_disk
    res = run_cli(["wipe", loop, "--yes", "--method", "zero", "--verify", "sample",
                   "--json", "--lang", "en"], tmp_path / "home")
    [rec] = json.loads(res.stdout)["records"]
    ver = rec["verification"]
    assert ver["mode"] == "sample" and ver["detection"] == detection_table(64 * MIB, 512)
    assert ver["coverage_percent"] >= 10
    if ver["mismatch_count"]:
        assert res.returncode == ExitCode.VERIFY_FAILED and rec["result"] == "failed"
    else:
        assert res.returncode == 0     # the sample missed it: exactly what the odds say
