"""Stop signals during a destructive act: Ctrl-C, SIGTERM and SIGHUP end the same way.

A wipe or an image write that dies silently leaves a half-written disk and no record.
SIGTERM (``kill``, systemd stopping a batch station, a shutdown) and SIGHUP (the
terminal window closed) used to kill the process outright; Ctrl-C (SIGINT) became a
``KeyboardInterrupt`` wherever the main thread happened to be. While ``StopSignals``
is active all three are only noted in ``received``; the act reads the note at its
own safe points (the wipe's main thread between two 50 ms waits, the image writer
between two pieces) and stops there: ``check()`` raises ``Stopped``, a
``KeyboardInterrupt``, so every Ctrl-C path (record *interrupted*, exit 130) serves
all three, and the record names the signal. A second signal (an operator pressing
Ctrl-C again, systemd's repeated SIGTERM, the SIGHUP then SIGTERM of a closed
terminal) is noted too and changes nothing. The previous handlers come back on exit.
SIGKILL and a power cut cannot be caught: the ``*.started`` event written before the
first byte is what reports those.

Why a note and not an exception: an exception thrown into the main thread at an
arbitrary bytecode is not safe. Swept line by line (a trace function raising the real
signal at each line the act runs: tests/test_wipe_signal_sweep.py,
tests/test_image_signal_sweep.py), a ``Stopped`` raised while ``run_all`` built its
threads, inside ``Event.wait`` (then ``RuntimeError: release unlocked lock`` from the
condition's ``__exit__``), between two records, or inside ``queue.get`` after its
lock was taken left a start with no end (seen once in CI: exit 130 and no record), a
descriptor open, or the image writer waiting for ever on that lock. The handler does
nothing but append to a list: no lock, no log line (an ``Event.set`` or a log line
from a handler can deadlock on a lock the interrupted code holds).

``signal.signal`` works only in the main thread; elsewhere (embedded use) this is a
no-op and the caller's own handling applies.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# What the record says (Ctrl-C as before: operators know it by that name).
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


class Stopped(KeyboardInterrupt):
    """A stop signal; ``KeyboardInterrupt`` so that every Ctrl-C path handles it."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return SIGNAL_NAMES.get(self.signum, f"signal {self.signum}")


def stop_name(exc: BaseException | None) -> str:
    """"SIGTERM", "SIGHUP" or "Ctrl-C" (a plain KeyboardInterrupt) for the record."""
    return exc.name if isinstance(exc, Stopped) else "Ctrl-C"


def never_stop() -> None:
    """The stop check of a caller without ``StopSignals`` (library use): never stops."""


class StopSignals:
    """Context manager: SIGINT/SIGTERM/SIGHUP are only recorded in ``received``;
    ``check()`` raises ``Stopped`` for the first one, where the caller chooses."""

    def __init__(self, signals: tuple[int, ...] = STOP_SIGNALS) -> None:
        self.signals = signals
        self.received: list[int] = []
        self._old: dict[int, object] = {}

    @property
    def first(self) -> int | None:
        return self.received[0] if self.received else None

    def _handler(self, signum, frame) -> None:
        self.received.append(signum)    # only this (see the module docstring)

    def check(self) -> None:
        """Raise ``Stopped`` (the first signal's) if a stop signal came: called
        between two blocks, where stopping loses nothing."""
        if self.received:
            raise Stopped(self.received[0])

    def __enter__(self) -> "StopSignals":
        try:
            for s in self.signals:
                try:
                    self._old[s] = signal.signal(s, self._handler)
                except ValueError:      # not the main thread: leave handling as it is
                    break
        except BaseException:
            # A signal between two installs (the caller's handler raised for the
            # second one): give the first ones back, or they would note signals
            # for ever after.
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        """Give every handler back as one step. Given back one by one, the first (a
        raising one, ``cli.main``'s) could fire before the others were back and leave
        them noting signals for ever after: a station session's later Ctrl-C ignored
        (found by both sweeps). So the signals wait, blocked in this thread, until all
        are back; then the handlers given back see them."""
        left = list(self._old.items())
        self._old.clear()
        if not left:
            return
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [s for s, _ in left])
        stopped = None
        try:
            while left:
                try:
                    signal.signal(*left[-1])
                    left.pop()
                except KeyboardInterrupt as err:   # one delivered to another thread
                    stopped = stopped or err
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if stopped is not None:
            raise stopped
