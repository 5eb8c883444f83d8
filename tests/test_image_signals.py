"""``reemploi image write`` stopped by a real SIGTERM, killed by SIGKILL (a power cut as
far as the journal can tell), or failing with ``--json``: a record, and one JSON
document on stdout carrying its event id."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from test_image_support import machine_on_test_disk, MiB, corrupt_szst, image_events, pack_szst, record_wipe
from signal_support import run_cli, signal_mid_act

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def big_image(tmp_path_factory) -> Path:
    """A raw image big enough that the write (and read-back) is still going on."""
    img = tmp_path_factory.mktemp("img") / "big.img"
    with open(img, "wb") as fh:
        for _ in range(384):
            fh.write(os.urandom(MiB))
    return img


def _write_and_signal(home: Path, img: Path, dev, sig: int, asset: str,
                      wipe_check: bool = False, then: tuple[int, ...] = ()
                      ) -> tuple[int, str, str]:
    checks = () if wipe_check else ("--no-wipe-check",)
    return signal_mid_act(["image", "write", img, dev.path, "--yes", *checks,
                           "--no-postinstall", "--asset", asset, "--json", "--lang", "en"],
                          home, dev.path, sig, then=then)


def _machine(home: Path, status: str = "wiped", device: str | None = None) -> str:
    if device is not None:
        return machine_on_test_disk(home, device, status)
    inv = Inventory.open(home, "T", None)
    asset = inv.create_asset("machine", "laptop")
    inv.set_status(asset, status)
    return asset


def test_sigterm_mid_image_write_is_recorded_and_json_names_the_event(tmp_path, loopdev,
                                                                        big_image):
    home = tmp_path / "home"
    dev = loopdev(384 * MiB)
    asset = _machine(home)
    status, out, err = _write_and_signal(home, big_image, dev, signal.SIGTERM, asset)
    assert status == ExitCode.INTERRUPTED, err
    [ev] = image_events(home)
    assert ev.payload["result"] == "interrupted" and ev.payload["installed"] is False
    assert ev.payload["error"] == "SIGTERM", ev.payload
    inv = Inventory.open(home, "T", None)
    [start] = inv.events(types=["image.started"])
    assert ev.payload["start_event"] == start.id
    assert inv.unfinished() == [] and inv.machine(asset)["status"] == "wiped"
    # stdout is one JSON document: the failed record, with its event id.
    doc = json.loads(out)
    assert doc["event_id"] == ev.id and doc["result"] == "interrupted"
    assert doc["exit_code"] == ExitCode.INTERRUPTED and "SIGTERM" in doc["error"]
    assert "SIGTERM" in err                               # the error itself on stderr


def test_a_closed_terminal_then_more_signals_stop_the_write_once(tmp_path, loopdev,
                                                                   big_image):
    """SIGHUP (the terminal closed), then SIGTERM and Ctrl-C while the write stops:
    one record naming the first, exit 130, no traceback (tests/test_image_signal_sweep.py
    sweeps the same line by line, in-process)."""
    home = tmp_path / "home"
    dev = loopdev(384 * MiB)
    asset = _machine(home)
    status, out, err = _write_and_signal(home, big_image, dev, signal.SIGHUP, asset,
                                         then=(signal.SIGTERM, signal.SIGINT))
    assert status == ExitCode.INTERRUPTED, err
    assert "Traceback" not in err
    [ev] = image_events(home)
    assert ev.payload["result"] == "interrupted" and ev.payload["error"] == "SIGHUP"
    assert json.loads(out)["event_id"] == ev.id
    assert Inventory.open(home, "T", None).unfinished() == []


def test_sigkill_mid_image_write_leaves_a_start_that_show_reports(tmp_path, loopdev,
                                                                   big_image):
    home = tmp_path / "home"
    dev = loopdev(384 * MiB)
    asset = _machine(home)
    status, _out, err = _write_and_signal(home, big_image, dev, signal.SIGKILL, asset)
    assert status == -signal.SIGKILL, err
    assert image_events(home) == []
    shown = run_cli(["inventory", "show", asset, "--json"], home)
    doc = json.loads(shown.stdout)
    [cut] = doc["unfinished"]
    assert cut["kind"] == "image" and cut["image"] == "big" and doc["status"] == "wiped"
    assert doc["image"] is None                           # never counted as installed


def test_failed_write_with_json_prints_one_document_with_the_event_id(cli, loopdev, tmp_path):
    """A damaged image (checksum mismatch, exit 9): stdout is one JSON document."""
    home = tmp_path / "home"
    raw = tmp_path / "a.img"
    raw.write_bytes(os.urandom(8 * MiB))
    bad = corrupt_szst(pack_szst(raw, tmp_path / "a.img.zst"), tmp_path / "bad.img.zst")
    dev = loopdev(16 * MiB)
    record_wipe(home, dev.path)
    from click.testing import CliRunner
    from reemploi.cli.main import cli as group
    r = CliRunner().invoke(group, ["image", "write", str(bad), dev.path, "--yes",
                                   "--no-postinstall", "--json"],
                           env={"REEMPLOI_HOME": str(home), "REEMPLOI_STATION": "T"})
    assert r.exit_code == ExitCode.VERIFY_FAILED, r.output
    doc = json.loads(r.stdout)
    [ev] = image_events(home)
    assert doc["event_id"] == ev.id and doc["result"] == "failed"
    assert doc["exit_code"] == ExitCode.VERIFY_FAILED and doc["plan"]["disk"]["path"] == dev.path
    assert "Error" in r.stderr


def test_a_ready_machine_cut_mid_reinstall_is_no_longer_ready(tmp_path, loopdev, big_image):
    """Re-installing a ready machine and losing power: its old system is half
    overwritten, so it goes back to "wiped" (its wipe is on record), never stays ready."""
    home = tmp_path / "home"
    dev = loopdev(384 * MiB)
    asset = _machine(home, "ready", dev.path)
    status, _out, err = _write_and_signal(home, big_image, dev, signal.SIGKILL, asset,
                                          wipe_check=True)
    assert status == -signal.SIGKILL, err
    doc = Inventory.open(home, "T", None).machine(asset)
    assert doc["status"] == "wiped" and len(doc["unfinished"]) == 1
    history = run_cli(["inventory", "history", asset, "--lang", "en"], home).stdout
    assert "Ready → Wiped (a new image is being written" in history, history
