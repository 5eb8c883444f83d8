"""One ``lsblk`` per planning phase, never for the check after "yes" (issue 16).

A wipe of several disks used to list the block devices once per disk; the planning
now shares one listing (``blockdev.one_listing``). What is decided after the operator
confirmed (``guard.open_sealed``) must still see the devices as they are then: real
loop devices, one detached while "the question is on screen"."""

from __future__ import annotations

import logging

import pytest

from reemploi.context import Context
from reemploi.system import blockdev, guard
from reemploi.wipe.run import WipeOptions, prepare


def _lsblk_runs(caplog) -> int:
    return sum(1 for r in caplog.records
               if r.name == "reemploi.system.runner" and r.getMessage().startswith("ran lsblk"))


def test_planning_a_wipe_of_two_disks_lists_block_devices_once(loopdev, tmp_path, caplog):
    a, b = loopdev(), loopdev()
    ctx = Context(home=tmp_path / "home")
    with caplog.at_level(logging.DEBUG, logger="reemploi.system.runner"):
        jobs = prepare(ctx, [a.path, b.path], WipeOptions(method="zero"))
        assert [j.disk.path for j in jobs] == [a.path, b.path]
        assert _lsblk_runs(caplog) == 1
        prepare(ctx, [a.path], WipeOptions(method="zero"))     # a new phase: a new listing
        assert _lsblk_runs(caplog) == 2


def test_the_check_after_confirmation_lists_the_devices_again(loopdev, tmp_path, caplog):
    import os
    kept, gone = loopdev(), loopdev()
    ctx = Context(home=tmp_path / "home")
    with caplog.at_level(logging.DEBUG, logger="reemploi.system.runner"), \
            blockdev.one_listing(ctx):
        jobs = prepare(ctx, [kept.path, gone.path], WipeOptions(method="zero"))
        assert _lsblk_runs(caplog) == 1
        fd = guard.open_sealed(ctx, jobs[0].seal)        # still there: opened, re-read
        os.close(fd)
        assert _lsblk_runs(caplog) == 2
        gone.detach()                      # unplugged while the question was on screen
        # the planning phase's listing still shows it (that is what "kept" means) ...
        assert guard.check_target(ctx, gone.path).disk is not None
        # ... the check on the opened device reads the machine again and refuses
        # (vanished; or changed, if another process attached that loop meanwhile)
        with pytest.raises(guard.TargetRefused):
            guard.open_sealed(ctx, jobs[1].seal)
        assert _lsblk_runs(caplog) == 3


def test_outside_a_planning_phase_every_listing_is_new(loopdev, tmp_path, caplog):
    dev = loopdev()
    ctx = Context(home=tmp_path / "home")
    with caplog.at_level(logging.DEBUG, logger="reemploi.system.runner"):
        guard.check_target(ctx, dev.path)
        guard.check_target(ctx, dev.path)
    assert _lsblk_runs(caplog) == 2


def test_the_station_chooses_the_disk_to_image_with_one_listing(tmp_path):
    """The station's image step asked lsblk for its targets, then again for the disks
    among them, then again for the guard check: one listing per planning phase now.
    The ThinkBook's recorded lsblk (its NVMe disk, and the live USB stick it booted)."""
    from conftest import MACHINES
    from reemploi.station.flow import Station
    from reemploi.station.grading import open_machine
    from reemploi.station.profile import Profile
    from reemploi.station.ui import LineUi
    folder = MACHINES / "thinkbook-nvme-live-usb"
    ctx, _ = open_machine(Context(home=tmp_path / "home"), folder)
    station = Station(ctx, Profile(), LineUi("en"))
    station.mctx = Context(home=tmp_path / "home")     # the targets: the disks ctx lists
    assert station.image_disk() == "/dev/nvme0n1"
    assert [argv[0] for argv in ctx.runner.calls].count("lsblk") == 1
