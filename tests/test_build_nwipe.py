"""benchmarks/build-nwipe.sh refuses what is not an nwipe source tree with a commit
before it installs or builds anything (it runs apt-get and writes to a cache outside
the repository, so a wrong argument must stop it at once, with exit 2 and a reason)."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "build-nwipe.sh"


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(SCRIPT), *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "REEMPLOI_BENCH_CACHE": str(cache)},
                          timeout=30)


def _tree(root: Path) -> Path:
    # The two files the script looks for; their content does not matter to the check.
    (root / "src").mkdir(parents=True)
    (root / "configure.ac").touch()
    (root / "src" / "nwipe.c").touch()
    return root


def test_refuses_a_folder_that_is_not_nwipe(tmp_path):
    r = _run(str(tmp_path), "ab12", cache=tmp_path / "cache")
    assert r.returncode == 2
    assert "not an nwipe source tree" in r.stderr
    assert not (tmp_path / "cache").exists()


def test_an_exported_tree_needs_its_commit(tmp_path):
    r = _run(str(_tree(tmp_path / "src-tree")), cache=tmp_path / "cache")
    assert r.returncode == 2
    assert "give the commit" in r.stderr
    assert not (tmp_path / "cache").exists()


def test_the_commit_must_be_hex(tmp_path):
    r = _run(str(_tree(tmp_path / "src-tree")), "v0.42;rm", cache=tmp_path / "cache")
    assert r.returncode == 2
    assert "commit must be hex" in r.stderr
    assert not (tmp_path / "cache").exists()
