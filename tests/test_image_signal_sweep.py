"""A stop signal at every line of the image write's act: no ``image.started`` without
its ``image.written``.

The same method as tests/test_wipe_signal_sweep.py (its helpers are in
signal_support.py): a real signal raised from a trace function at a line the main
thread runs in the act's own code (image/service.py, the writer and its read-back
in writer.py, the piece generators in sources.py, system/signals.py, and
threading.py, where the futures, queues and thread joins wait), on real loop
devices, with the real handlers (the act's own ``StopSignals``, and a raising one
like ``cli.main``'s around it). Variants: SIGINT, SIGTERM, and a second signal 3 or
25 lines after the first.

Two images: a master made by ``image make`` from a loop device (szst: frames decoded
on the pool, holes zeroed first since no wipe is on record, then the read-back) and
a raw file with no block map (read on a thread of its own, ``_Pipeline``).

Every line once, not every line count: the writer's loops run the same lines for
each piece, and threading.py's thread starts and waits repeat with them; a window
at the same line with the same callers is the same window. So each act raises its
signal at the first line whose stack (file:line of every swept frame) no earlier
act has swept, until an act meets none: ~1,150 acts for the ~3,700 lines the two
images run (the wipe's sweep runs ~400 acts of a longer act): ~45 s on this
2-vCPU machine when quiet, 2 min 20 s at load 4 (the wipe sweep: 1 min 45 s at 3).

With the raising handler the image write had before (``Stopped`` wherever the main
thread was), 67 to 69 of ~1,150 positions lost (four runs): 45 raised
``RuntimeError: release unlocked lock`` (or ``cannot release un-acquired lock``)
out of a ``Condition.wait`` (a future's result, a queue's get), so no
``image.written`` followed ``image.started``; 3 escaped as ``Stopped`` between the
start record and the ``try`` that records the end; 1 hung for ever on a queue's
lock the signal had left held (the watchdog broke it); 12 left a descriptor open
(the disk's, between its open and the start record or at its close; the szst
image's, between its open and its ``try``); 6 recorded a write that had finished
and been read back, with no post-install step to run, as interrupted "during the
post-install". Each loss is listed with the signal, where it hit, and what went
wrong.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from contextlib import ExitStack

import pytest

from reemploi.context import Context
from reemploi.errors import ExitCode
from reemploi.image import capture, service
from reemploi.image.errors import WriteFailed
from reemploi.system.guard import TargetRefused
from reemploi.system.signals import SIGNAL_NAMES, Stopped
from signal_support import (SWEEP_VARIANTS, close_left_open, command_handlers,
                            JournalTail, handlers_given_back, ram_home,
                            traced_act)
from conftest import LoopDevice
from test_image_support import MiB

pytestmark = pytest.mark.root

SWEPT = ("/reemploi/image/service.py", "/reemploi/image/writer.py",
         "/reemploi/image/sources.py", "/reemploi/system/signals.py", "/threading.py")


def _check(new: list[dict], escaped, sent) -> str | None:
    """What went wrong in one act's journal events and outcome (None: nothing)."""
    starts = {e["id"] for e in new if e["type"] == "image.started"}
    written = [e["payload"] for e in new if e["type"] == "image.written"]
    if starts != {w["start_event"] for w in written} or len(written) != len(starts):
        return f"start without its end: {len(starts)} image.started, {len(written)} image.written"
    # The command's exit: 0 (nothing escaped: finished), or 130: the recorded
    # interruption (WriteFailed), or Stopped before the start or once the record is
    # written (the handlers given back). Anything else is a traceback.
    if escaped is not None and not isinstance(escaped, Stopped) and not (
            isinstance(escaped, WriteFailed) and escaped.exit_code == ExitCode.INTERRUPTED):
        return f"{type(escaped).__name__} escaped: {escaped!r}"
    for w in written:
        if w["result"] == "success" and w["installed"]:
            continue
        if w["result"] != "interrupted" or w["installed"]:
            return f"wrong record: {w['result']}, {w['error']}"
        if not sent or w["error"] != SIGNAL_NAMES[sent[0][0]]:
            return f"wrong record: 'interrupted' as {w['error']!r} after {sent}"
        if not isinstance(escaped, WriteFailed):
            return f"wrong record: 'interrupted' but {escaped!r} escaped"
    return None


def _master(ctx, loopdev, folder) -> str:
    """A small master by ``image make``: six data runs between zeros on a loop device,
    so the szst has several frames (two writes in flight, four reads) and holes."""
    src = loopdev(4 * MiB)
    fd = os.open(src.path, os.O_WRONLY)
    try:
        for i in range(6):
            os.pwrite(fd, os.urandom(160 * 1024), i * 640 * 1024)
        os.fsync(fd)
    finally:
        os.close(fd)
    out = folder / "sweep.img.zst"
    capture.make(ctx, src.path, out)
    return str(out)


def test_a_stop_signal_at_any_line_of_the_image_write_never_loses_the_record(tmp_path,
                                                                              loopdev):
    raw = tmp_path / "raw.img"
    raw.write_bytes(os.urandom(3 * MiB // 2))
    assert threading.current_thread() is threading.main_thread()
    lost, outcomes, crashed = {}, set(), []
    old_hook = threading.excepthook
    threading.excepthook = lambda args: crashed.append(repr(args.exc_value))
    swept: set[tuple] = set()               # the stacks whose line had its signal
    acts = lines = 0
    try:
        with ram_home(tmp_path) as home, command_handlers(), ExitStack() as stack:
            ctx = Context(home=home / "home", station="T", operator="op")
            tail = JournalTail(ctx.home)
            # The target's backing file in RAM too: each act's fdatasync otherwise
            # waits for this VM's disk, shared with the other test runs.
            dev = LoopDevice(home / "target.img", 4 * MiB)
            stack.callback(dev.detach)
            master = _master(ctx, loopdev, tmp_path)
            for image in (master, str(raw)):
                plan = service.plan_write(ctx, image, dev.path, wipe_check=False, steps=())
                assert plan.fill_holes == (image == master) and plan.verify
                while True:
                    sigs = SWEEP_VARIANTS[acts % len(SWEEP_VARIANTS)]
                    for _attempt in range(3):
                        tail.new()                  # what came before this act
                        n, escaped, sent, fresh = traced_act(
                            lambda: service.execute(ctx, plan), SWEPT, sigs, skip=swept)
                        new = tail.new()
                        # Another program holding the disk for a moment (this shared
                        # machine's benchmarks scan every device) refuses the act
                        # before anything starts: not what is swept here.
                        if not isinstance(escaped, TargetRefused):
                            break
                        time.sleep(0.5)
                    if fresh is None:
                        break
                    swept.add(fresh)
                    acts, lines = acts + 1, max(lines, n)
                    where = (image == master and "szst" or "raw", sent)
                    problem = _check(new, escaped, sent)
                    outcomes.update(e["payload"]["result"] for e in new
                                    if e["type"] == "image.written")
                    for t in threading.enumerate():     # a writer's thread left running
                        if t.name.startswith("img-") and t.is_alive():
                            t.join(10)
                            if t.is_alive():
                                problem = problem or f"thread left running: {t.name}"
                    left = close_left_open([dev.path, os.path.realpath(image)])
                    if left:                    # the next act could not open the disk
                        problem = problem or f"descriptors left open: {left}"
                    if not handlers_given_back():
                        problem = problem or "stop handlers not given back"
                    if crashed:
                        problem = problem or f"thread crashed: {crashed}"
                        crashed.clear()
                    if problem:
                        lost[acts] = (where, problem)
    finally:
        threading.excepthook = old_hook
    print(f"{acts} positions swept (the longest act ran {lines} lines)")
    assert acts > 500
    kinds = Counter(problem.split(":")[0] for _, problem in lost.values())
    assert not lost, (f"{len(lost)} of {acts} positions lose a record ({dict(kinds)}): "
                      f"{sorted(lost.items())[:12]}")
    assert outcomes == {"success", "interrupted"}     # the sweep did stop writes
