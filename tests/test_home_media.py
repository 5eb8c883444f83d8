"""A data directory on a medium that refuses writes: read-only or full.

The live USB stick's persistence partition is the usual home: a stick whose write-
protect switch is on, or an ext4 the kernel remounted read-only after an I/O error,
gives EROFS; a stick filled with label PDFs gives ENOSPC. Both used to end every
inventory command in a Python traceback (exit 1), reading ones included. Here the
media are real: a read-only bind mount of a home the real ``intake`` wrote, and a
small tmpfs filled to the last byte. The commands run as whole processes in French
(the workshop's language), so the message a technician reads is the one checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import is_root

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not is_root(), reason="mounting needs root")


def _run(args, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, REEMPLOI_HOME=str(home), REEMPLOI_STATION="T", LANG="fr_FR.UTF-8")
    env.pop("REEMPLOI_YES", None)
    return subprocess.run([sys.executable, "-m", "reemploi", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def _made_home(home: Path) -> None:
    done = _run(["intake", "--donor", "Mairie", "--device", "laptop:2:4.5", "--create-ids"],
                home)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def read_only_home(tmp_path):
    home, view = tmp_path / "home", tmp_path / "ro"
    _made_home(home)
    view.mkdir()
    subprocess.run(["mount", "--bind", str(home), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=False)


@pytest.fixture
def full_home(tmp_path):
    """A home on a 1 MiB tmpfs, then filled: nothing more can be written there."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True)
    try:
        _made_home(mnt / "home")
        _fill(mnt / "filler")
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _fill(path: Path) -> None:
    with open(path, "ab", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass


def test_reading_a_read_only_home_works(read_only_home):
    listed = _run(["inventory", "list"], read_only_home)
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert "REE-A-" in listed.stdout and "2 élément(s)" in listed.stdout
    first = listed.stdout.split()[0]
    shown = _run(["inventory", "show", first], read_only_home)
    assert shown.returncode == 0, shown.stderr
    assert "Lot" in shown.stdout
    checked = _run(["inventory", "verify"], read_only_home)
    assert checked.returncode == 0, checked.stderr
    assert "Chaîne d'empreintes intacte" in checked.stdout


def test_writing_a_read_only_home_says_why(read_only_home):
    before = (read_only_home / "journal.jsonl").read_bytes()
    done = _run(["intake", "--donor", "Asso", "--device", "laptop:1"], read_only_home)
    assert done.returncode == 15, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Erreur")
    assert "lecture seule" in done.stderr and "Rien n'a été enregistré" in done.stderr
    assert (read_only_home / "journal.jsonl").read_bytes() == before


@pytest.mark.parametrize("args", [["label", "{id}"], ["sheet", "{id}"]])
def test_documents_on_a_full_disk_say_why(full_home, args):
    home = full_home / "home"
    first = _run(["inventory", "list"], home).stdout.split()[0]
    done = _run([a.format(id=first) for a in args], home)
    assert done.returncode == 15, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Erreur")
    assert "plus de place sur le périphérique" in done.stderr
    # Nothing half-written left behind in the documents folder.
    left = [p for p in (home / "documents").rglob("*") if p.is_file()]
    assert all(p.stat().st_size > 0 and not p.name.startswith(".") for p in left), left


def test_exports_on_a_full_disk_keep_the_previous_ones(full_home):
    """``stats --pdf/--xlsx/--ods/--csv`` wrote in place: on a full stick last month's
    report became a 0-byte file, and the message said "Cannot read" (exit 7)."""
    home = full_home / "home"
    (full_home / "filler").unlink()
    outs = ["--pdf", full_home / "bilan.pdf", "--xlsx", full_home / "bilan.xlsx",
            "--ods", full_home / "bilan.ods", "--csv", full_home / "tableaux"]
    first = _run(["stats", *outs], home)
    assert first.returncode == 0, first.stderr
    kept = {p: p.read_bytes() for p in full_home.rglob("*")
            if p.is_file() and home not in p.parents}
    assert len(kept) >= 4 and all(kept.values())
    _fill(full_home / "filler")
    for option, target in zip(outs[::2], outs[1::2]):
        done = _run(["stats", option, target], home)
        assert done.returncode == 15, (option, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("Erreur")
        assert "Impossible d'écrire" in done.stderr, done.stderr
        assert "plus de place sur le périphérique" in done.stderr
    assert {p: p.read_bytes() for p in kept} == kept
    for option, name in (("--pdf", "neuf.pdf"), ("--xlsx", "neuf.xlsx"), ("--ods", "neuf.ods"),
                         ("--csv", "neufs")):
        done = _run(["stats", option, full_home / name], home)
        assert done.returncode == 15, (option, done.stderr)
    left = [p for p in full_home.rglob("neuf*") if p.is_file()]
    assert not left, left                                    # no empty or half export
    assert not [p for p in full_home.rglob(".*") if p.is_file()]      # no temp file left
