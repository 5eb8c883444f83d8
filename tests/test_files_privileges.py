"""Files and privileges (issue 11): private modes whatever the umask, no planted link
followed, a data directory of someone else refused, non-root runs that fail clearly.

A real second user: ``nobody`` (uid 65534) through util-linux's ``setpriv``, as in
tests/test_runner.py. Commands run as real processes (``python -m reemploi``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess  # tests drive the real command and setpriv
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, is_root
from reemploi.system.files import temp_name, write_atomic

NOBODY = 65534
INTAKE = ["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids", "--json"]

as_root_with_setpriv = pytest.mark.skipif(
    not is_root() or shutil.which("setpriv") is None,
    reason="a second user needs root and util-linux's setpriv")


def reemploi(args, home: Path, *, user: int | None = None, umask: int | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "reemploi", *map(str, args)]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    env = dict(os.environ, REEMPLOI_HOME=str(home), REEMPLOI_STATION="T", LANG="en_US.UTF-8")
    env.pop("REEMPLOI_YES", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"      # nobody cannot write __pycache__
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(argv, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def shared_tmp():
    """A folder every user can reach (pytest's tmp_path is root's 0700)."""
    d = Path(tempfile.mkdtemp(prefix="reemploi-priv-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_umask_000_still_gives_private_files(tmp_path):
    home = tmp_path / "a" / "home"
    res = reemploi(INTAKE, home, umask=0)
    assert res.returncode == 0, res.stderr
    assert mode(home) == 0o700
    assert mode(home.parent) == 0o755          # a parent we made is ordinary, not 0777
    for p in home.rglob("*"):
        if p.is_dir():
            assert mode(p) == 0o700, p
        else:
            assert mode(p) == 0o600, p
    assert (home / "journal.jsonl").exists() and (home / "projection" / "meta.json").exists()


def test_an_old_world_readable_journal_is_made_private(tmp_path):
    home = tmp_path / "home"
    assert reemploi(INTAKE, home).returncode == 0
    os.chmod(home, 0o755)
    os.chmod(home / "journal.jsonl", 0o644)
    res = reemploi(["inventory", "list", "--json"], home)
    assert res.returncode == 0, res.stderr
    assert mode(home) == 0o700 and mode(home / "journal.jsonl") == 0o600


def test_write_atomic_never_follows_a_planted_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("root's file\n")
    target = tmp_path / "meta.json"
    # A link at the temporary name (the name is predictable: it carries the pid).
    temp_name(target).symlink_to(victim)
    write_atomic(target, b"{}")
    assert victim.read_text() == "root's file\n"
    assert target.read_bytes() == b"{}" and not target.is_symlink() and mode(target) == 0o600
    assert not temp_name(target).exists()
    # A link at the final name is replaced, not written through.
    target.unlink()
    target.symlink_to(victim)
    write_atomic(target, b"[]")
    assert victim.read_text() == "root's file\n" and not target.is_symlink()


@as_root_with_setpriv
def test_root_refuses_a_data_dir_another_user_can_write(shared_tmp):
    """The attack of the issue: a local user plants a link in a 0777 data directory
    (what umask 000 used to give), root's next intake must not write through it."""
    home = shared_tmp / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    victim = shared_tmp / "victim"
    victim.write_text("root's file\n")
    os.chmod(victim, 0o644)
    plant = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                            "--clear-groups", "ln", "-s", str(victim), str(home / "journal.jsonl")],
                           capture_output=True, text=True)
    assert plant.returncode == 0, plant.stderr
    res = reemploi(INTAKE, home)
    assert res.returncode == 8, res.stderr
    assert "writable by other users" in res.stderr and "Traceback" not in res.stderr
    assert victim.read_text() == "root's file\n"
    # Owned by another user: refused too, even if not writable by others.
    os.chmod(home, 0o755)
    os.chown(home, NOBODY, NOBODY)
    res = reemploi(INTAKE, home)
    assert res.returncode == 8 and "belongs to another user" in res.stderr, res.stderr
    assert victim.read_text() == "root's file\n"


@as_root_with_setpriv
def test_non_root_reads_its_own_data_and_is_told_about_roots(shared_tmp):
    # Root's data directory: a clear exit 4 for nobody, no PermissionError traceback.
    root_home = shared_tmp / "root-home"
    assert reemploi(INTAKE, root_home).returncode == 0
    for args in (["inventory", "list"], ["inventory", "verify"], ["stats", "--json"]):
        res = reemploi(args, root_home, user=NOBODY)
        assert res.returncode == 4, (args, res.stderr)
        assert "Traceback" not in res.stderr and "belongs to root" in res.stderr
    fr = reemploi(["--lang", "fr", "inventory", "list"], root_home, user=NOBODY)
    assert fr.returncode == 4 and "appartient à root" in fr.stderr
    # Its own data directory: read-only commands work.
    own = shared_tmp / "own"
    own.mkdir()
    os.chown(own, NOBODY, NOBODY)
    res = reemploi(INTAKE, own / "home", user=NOBODY)
    assert res.returncode == 0, res.stderr
    asset = json.loads(res.stdout)["ids"][0]
    for args in (["inventory", "list"], ["inventory", "show", asset], ["inventory", "verify"]):
        res = reemploi(args, own / "home", user=NOBODY)
        assert res.returncode == 0, (args, res.stderr)


@as_root_with_setpriv
def test_non_root_wipe_and_image_write_stop_before_planning(shared_tmp, loopdev):
    dev = loopdev(8 << 20)
    home = shared_tmp / "own"
    home.mkdir()
    os.chown(home, NOBODY, NOBODY)
    for args in (["wipe", dev.path, "--yes"], ["image", "write", "x", dev.path, "--yes"]):
        res = reemploi(args, home, user=NOBODY)
        assert res.returncode == 4, (args, res.stderr)
        assert "needs root" in res.stderr and "Traceback" not in res.stderr
        assert "method" not in res.stdout.lower() and not res.stdout.strip()
    assert os.listdir(home) == []               # nothing planned, nothing recorded
    fr = reemploi(["--lang", "fr", "wipe", dev.path], home, user=NOBODY)
    assert fr.returncode == 4 and "doit être lancé en root" in fr.stderr
