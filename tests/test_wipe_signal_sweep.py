"""A stop signal at every line of the wipe's act: no ``wipe.started`` without its end.

CI once saw ``reemploi wipe`` exit 130 after a Ctrl-C with no ``wipe.done`` in the
journal. Timing a signal from outside (tests/test_wipe_interrupt.py) hits a window
only by luck, so here the signal is raised from a trace function at the N-th line
the main thread runs in the act's own code (wipe/run.py, recheck.py, record.py,
system/signals.py and threading.py, where the thread starts and waits are), for
every N, on real loop devices with the real handlers (``StopSignals`` during the act,
a raising one like ``cli.main``'s around it). Before the deferring handler this
found a dozen windows: ``Stopped`` raised while ``run_all`` built its threads and
events, between two ``hold()`` blocks, or inside ``Event.wait`` (then
``RuntimeError: release unlocked lock``), each leaving a start with no record and
the disk's descriptor open. Variants: SIGINT, SIGTERM, and a second signal a few
lines after the first (a second Ctrl-C while the records are written).
"""

from __future__ import annotations

import threading
import time

from reemploi.context import Context
from reemploi.system.guard import TargetRefused
from reemploi.system.signals import SIGNAL_NAMES, Stopped
from reemploi.wipe import run as wiperun
from signal_support import (SWEEP_VARIANTS, close_left_open, command_handlers,
                            JournalTail, handlers_given_back, ram_home,
                            traced_act)

MIB = 1 << 20
# The main thread's code of the act: the orchestration, not the journal's internals
# (which a signal can reach only through these frames' calls).
SWEPT = ("/reemploi/wipe/run.py", "/reemploi/wipe/recheck.py", "/reemploi/wipe/record.py",
         "/reemploi/system/signals.py", "/threading.py")


def test_a_stop_signal_at_any_line_of_the_act_never_loses_the_record(tmp_path, loopdev):
    devs = [loopdev(1 * MIB), loopdev(1 * MIB)]
    assert threading.current_thread() is threading.main_thread()
    lost, outcomes = {}, set()
    with ram_home(tmp_path) as home, command_handlers():
        ctx = Context(home=home / "home", station="T", operator="op")
        tail = JournalTail(ctx.home)
        options = wiperun.WipeOptions(method="zero", verify="none")
        jobs = wiperun.prepare(ctx, [d.path for d in devs], options)

        def act():
            wiperun.run_and_record(ctx, jobs, options)
        total, escaped, _, _ = traced_act(act, SWEPT, (), at=10 ** 9)
        assert escaped is None and total > 100
        for at in range(1, total + 10):
            sigs = SWEEP_VARIANTS[at % len(SWEEP_VARIANTS)]
            for _attempt in range(3):
                tail.new()                  # what came before this act
                _, escaped, sent, _ = traced_act(act, SWEPT, sigs, at=at)
                new = tail.new()
                starts = {e["id"] for e in new if e["type"] == "wipe.started"}
                # Another program holding a disk for a moment (a benchmark's nwipe
                # scanning every device on this shared machine) refuses the act
                # before anything starts (exit 8, recorded): not what is swept here.
                if not (isinstance(escaped, TargetRefused) and not starts):
                    break
                time.sleep(0.5)
            dones = [e["payload"] for e in new if e["type"] == "wipe.done"]
            if starts != {d["start_event"] for d in dones} or len(dones) != len(starts):
                lost.setdefault(at, (sent, repr(escaped)))
            # A signal may end the command (Stopped, exit 130) before anything started
            # or once every record is written (the handlers given back at the act's
            # end, as cli.main's): the check above already says whether any record
            # is missing. Anything else escaping (RuntimeError from a lock) is lost.
            if escaped is not None and not isinstance(escaped, Stopped):
                lost.setdefault(at, (sent, repr(escaped)))
            for d in dones:
                outcomes.add(d["result"])
                assert d["result"] in ("success", "interrupted"), (at, d)
                if d["result"] == "interrupted":
                    assert f"stopped by {SIGNAL_NAMES[sent[0][0]]}" in d["errors"], (at, d)
            for t in threading.enumerate():     # a disk's thread left running by an
                if t.name.startswith("wipe-"):  # escaped signal: let it end before the
                    t.join(30)                  # next act opens the same disks
            if not handlers_given_back():
                lost.setdefault(at, (sent, "stop handlers not given back"))
            left = close_left_open([d.path for d in devs])
            if left:                        # the next act could not open the disk
                lost.setdefault(at, (sent, f"descriptors left open: {left}"))
    print(f"{total} lines swept")
    assert not lost, f"{len(lost)} of {total} lines lose a record: {sorted(lost.items())[:12]}"
    assert outcomes == {"success", "interrupted"}     # the sweep did stop wipes
