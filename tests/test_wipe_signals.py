"""SIGTERM, SIGHUP and SIGKILL (a power cut, as far as the journal can tell) sent to a
real ``reemploi wipe`` process while it writes a loop device.

SIGTERM/SIGHUP (``kill``, systemd stopping a batch station, the terminal window
closed) used to kill the process with no record at all. They must take the Ctrl-C
path: stop between two blocks, record *interrupted* naming the signal, exit 130.
SIGKILL cannot be caught: the ``wipe.started`` event written before the first byte
is what must show the wipe that never ended, and the machine must not be "wiped".
"""

import json
import os
import signal
from pathlib import Path

import pytest

from reemploi.errors import ExitCode
from reemploi.inventory.store import Inventory
from signal_support import run_cli, signal_mid_act

MIB = 1 << 20


def _run(args: list[str], home: Path):
    return run_cli(args, home)


def _signal_mid_wipe(home: Path, dev, sig: int, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    """A full prng wipe with a full read-back, ``sig`` sent while it writes."""
    status, out, err = signal_mid_act(["wipe", dev.path, "--yes", "--lang", "en", "--method",
                                       "prng", "--verify", "full", "--json", *extra],
                                      home, dev.path, sig)
    return status, out + err


@pytest.mark.parametrize("sig,name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")])
def test_sigterm_or_sighup_mid_wipe_is_recorded_interrupted_and_exits_130(tmp_path, loopdev,
                                                                           sig, name):
    dev = loopdev(768 * MIB)
    home = tmp_path / "home"
    inv = Inventory.open(home, "T")
    asset = inv.create_asset("machine", "laptop")
    inv.set_status(asset, "diagnosed")
    status, out = _signal_mid_wipe(home, dev, sig, ("--asset", asset))
    assert status == ExitCode.INTERRUPTED, out
    inv = Inventory.open(home, "T")
    [start] = inv.events(types=["wipe.started"])
    [done] = inv.events(types=["wipe.done"])
    assert done.payload["result"] == "interrupted", out
    assert f"stopped by {name}" in done.payload["errors"], done.payload["errors"]
    assert done.payload["start_event"] == start.id and start.seq < done.seq
    assert start.payload["disk"]["path"] == dev.path
    # Nothing is left open, the machine is not wiped, and the --json output was printed.
    assert inv.unfinished() == [] and inv.machine(asset)["unfinished"] == []
    assert inv.machine(asset)["status"] == "diagnosed"
    assert json.loads(out[:out.rindex("}") + 1])["records"][0]["event_id"] == done.id


def test_sigkill_mid_wipe_leaves_a_start_without_end_that_is_reported(tmp_path, loopdev):
    """SIGKILL: no handler runs, as in a power cut. The start is on disk (fsynced before
    the first byte); every reader reports it and nothing counts it as a wipe."""
    dev = loopdev(768 * MIB)
    home = tmp_path / "home"
    inv = Inventory.open(home, "T")
    asset = inv.create_asset("machine", "laptop")
    inv.set_status(asset, "diagnosed")
    status, out = _signal_mid_wipe(home, dev, signal.SIGKILL, ("--asset", asset))
    assert status == -signal.SIGKILL, out

    shown = _run(["inventory", "show", asset, "--json"], home)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    [cut] = doc["unfinished"]
    assert cut["kind"] == "wipe" and cut["disk_path"] == dev.path
    assert doc["status"] == "diagnosed" and doc["wipes"] == []
    text = _run(["inventory", "show", asset, "--lang", "en"], home).stdout
    assert "no end recorded (power cut?" in text, text
    history = _run(["inventory", "history", asset, "--lang", "en"], home).stdout
    assert "no end recorded (power cut?)" in history, history
    verify = _run(["inventory", "verify", "--json"], home)
    assert verify.returncode == 0, verify.stderr          # not a damaged journal
    report = json.loads(verify.stdout)
    assert report["ok"] and [u["id"] for u in report["unfinished"]] == [cut["event_id"]]
    assert report["unfinished"][0]["asset_id"] == asset
    # The statistics count no wipe.
    stats = json.loads(_run(["stats", "--json"], home).stdout)["figures"]
    assert stats["totals"]["wiped"] == 0 and stats["disks_erased"] == 0

    # A wipe run again to its end closes the matter: the new start has its end, the
    # old one stays reported (it happened), and the machine is now wiped.
    again = _run(["wipe", dev.path, "--yes", "--method", "zero", "--verify", "none",
                  "--asset", asset, "--json"], home)
    assert again.returncode == 0, again.stderr
    doc = json.loads(_run(["inventory", "show", asset, "--json"], home).stdout)
    assert doc["status"] == "wiped" and [u["event_id"] for u in doc["unfinished"]] == \
        [cut["event_id"]]


def test_a_ready_machine_cut_mid_wipe_is_no_longer_ready(tmp_path, loopdev):
    """A ready machine re-wiped (before reuse) and cut by a power cut: its system is
    half gone, so it must not stay "ready" to leave with a broken disk."""
    dev = loopdev(768 * MIB)
    home = tmp_path / "home"
    from test_image_support import graded_machine
    asset = graded_machine(home)                  # a recorded laptop, its disk swapped out
    inv = Inventory.open(home, "T")
    inv.remove_disk(asset, None, "swapped for the test disk")
    for status in ("wiped", "imaged", "ready"):
        inv.set_status(asset, status)
    status, out = _signal_mid_wipe(home, dev, signal.SIGKILL, ("--asset", asset))
    assert status == -signal.SIGKILL, out
    doc = json.loads(_run(["inventory", "show", asset, "--json"], home).stdout)
    assert doc["status"] == "diagnosed" and len(doc["unfinished"]) == 1
    history = _run(["inventory", "history", asset, "--lang", "fr"], home).stdout
    assert "Prêt → Diagnostiqué (son disque est en cours d'effacement" in history, history
    # Checkout as given is now refused: the machine must be wiped and imaged again.
    given = _run(["checkout", asset, "--to", "given", "--org", "X"], home)
    assert given.returncode == ExitCode.CONFLICT, given.stdout + given.stderr


def test_image_write_refuses_a_disk_whose_last_wipe_never_ended(tmp_path, loopdev):
    """A good wipe, then a second wipe cut by SIGKILL: the image writer must not take
    the old record as the disk's state (the second wipe's result is unknown)."""
    from reemploi.cli.common import make_context
    from reemploi.image import service
    from reemploi.image.errors import WipeUnfinished
    dev = loopdev(768 * MIB)
    home = tmp_path / "home"
    # Verified (a wipe without read-back is no evidence for the writer either).
    assert _run(["wipe", dev.path, "--yes", "--method", "zero", "--verify", "sample"],
                home).returncode == 0
    status, out = _signal_mid_wipe(home, dev, signal.SIGKILL)
    assert status == -signal.SIGKILL, out
    img = tmp_path / "small.img"
    img.write_bytes(os.urandom(MIB))
    with pytest.raises(WipeUnfinished) as exc:
        service.plan_write(make_context(home, "en"), str(img), dev.path)
    assert exc.value.exit_code == ExitCode.REFUSED and "never finished" in exc.value.render()
