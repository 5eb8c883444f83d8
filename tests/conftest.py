"""Shared fixtures: the corpus, CLI invocation, loop devices."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess  # tests may drive tools directly; the package may not
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT.parent / "shared" / "corpus").resolve()
FIXTURES = ROOT / "tests" / "fixtures"
MACHINES = FIXTURES / "machines"


def corpus_rows(kind_prefix: str = "") -> list[dict]:
    """Rows of corpus/manifest.csv whose kind starts with ``kind_prefix``."""
    with open(CORPUS / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if r["kind"].startswith(kind_prefix)]


def corpus_file(local_path: str) -> Path:
    return CORPUS / local_path


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS}: CI must have ../shared beside the repo")
    return CORPUS


@pytest.fixture
def cli(monkeypatch, tmp_path):
    """Invoke the CLI in-process: cli(["probe", "--json"]) -> click Result."""
    from reemploi.cli.main import cli as group

    monkeypatch.setenv("REEMPLOI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REEMPLOI_STATION", "T")

    def invoke(args, input=None, env=None):
        return CliRunner().invoke(group, [str(a) for a in args], input=input,
                                  env=env, catch_exceptions=False)
    return invoke


def is_root() -> bool:
    return os.geteuid() == 0


needs_root = pytest.mark.skipif(not is_root(), reason="needs root for loop devices")


class LoopDevice:
    def __init__(self, backing: Path, size: int, sector: int = 512):
        self.backing = backing
        backing.parent.mkdir(parents=True, exist_ok=True)
        with open(backing, "wb") as fh:
            fh.truncate(size)
        args = ["losetup", "--find", "--show"]
        if sector != 512:
            args += ["--sector-size", str(sector)]
        self.path = subprocess.run(args + [str(backing)], check=True, capture_output=True,
                                   text=True).stdout.strip()

    def detach(self) -> None:
        subprocess.run(["losetup", "-d", self.path], check=False)


@pytest.fixture
def loopdev(tmp_path):
    """Factory of real loop devices: loopdev(size_bytes) -> LoopDevice; detached after."""
    if not is_root() or shutil.which("losetup") is None:
        pytest.skip("loop devices need root and losetup")
    made: list[LoopDevice] = []

    def make(size: int = 64 << 20, sector: int = 512) -> LoopDevice:
        dev = LoopDevice(tmp_path / f"loop{len(made)}.img", size, sector)
        made.append(dev)
        return dev
    yield make
    for dev in made:
        dev.detach()


@pytest.fixture(autouse=True)
def _reset_language(monkeypatch):
    """``--lang`` sets the process-wide language: start each test from the same one.

    Most assertions read English text: pin an English locale, so a CI machine with
    another locale (or the language-less C locale, which means French) runs the same
    tests the same way."""
    from reemploi import i18n
    for var in ("REEMPLOI_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    """A real master image (GPT + ext4 with files, made by sfdisk and mkfs.ext4 -d) and
    its szst, built once per module: see test_image_support.build_master."""
    from test_image_support import build_master, pack_szst
    folder = tmp_path_factory.mktemp("master")
    raw, files = build_master(folder)
    szst = pack_szst(raw, folder / "master.img.zst")
    return {"raw": raw, "szst": szst, "files": files, "folder": folder}
