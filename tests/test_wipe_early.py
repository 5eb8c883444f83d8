"""A wipe's planning listing started with the process, its check after "yes" never
(issue 16: reemploi.entry starts the guard's lsblk before click's imports).

The plan may use a listing of the block devices started ~0.2 s earlier, before the
operator saw anything; the re-check after the confirmation must describe the devices
as they are then, so a fresh listing drops any early one.
"""

from __future__ import annotations

import json

import pytest

from reemploi.context import Context
from reemploi.entry import command_word
from reemploi.system import blockdev, runner
from reemploi.system.blocktext import LSBLK_ARGV
from reemploi.system.runner import start_early
from signal_support import run_cli


@pytest.mark.parametrize("words, command", [
    (["wipe", "/dev/sdb"], "wipe"),
    (["--lang", "fr", "wipe", "/dev/sdb"], "wipe"),
    (["--lang=en", "--debug", "probe"], "probe"),
    (["image", "write", "wipe", "/dev/sdb"], "image"),   # a file named "wipe" is not the command
    (["--version"], None),
    (["--lang"], None),
    ([], None),
])
def test_the_command_word_comes_after_the_root_options(words, command):
    assert command_word(words) == command


def test_a_fresh_listing_never_takes_an_early_one():
    start_early(LSBLK_ARGV)
    early = runner._EARLY[LSBLK_ARGV]
    tree = blockdev.lsblk_tree(Context(), fresh=True)
    assert tree and LSBLK_ARGV not in runner._EARLY
    assert early.returncode is not None                 # killed or ended, and reaped


def test_the_plan_lists_early_and_the_check_after_yes_lists_again(tmp_path, loopdev):
    dev = loopdev(8 << 20)
    res = run_cli(["--debug", "wipe", dev.path, "--method", "zero", "--verify", "full",
                   "--yes", "--json"], tmp_path / "home")
    assert res.returncode == 0, res.stderr
    [rec] = json.loads(res.stdout)["records"]
    assert rec["result"] == "success" and rec["verification"]["result"] == "passed"
    listings = [line for line in res.stderr.splitlines() if "ran lsblk --json" in line]
    assert len(listings) == 2, listings
    assert listings[0].endswith("(started early)")       # the planning's
    assert not listings[1].endswith("(started early)")   # the re-check after "yes"
