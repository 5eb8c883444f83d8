"""Stop signals during a destructive act: Ctrl-C, SIGTERM and SIGHUP end the same way.

A wipe or an image write that dies silently leaves a half-written disk and no record.
Ctrl-C (SIGINT) already became ``KeyboardInterrupt``, which the wipe and the writer
turn into a recorded *interrupted*. SIGTERM (``kill``, systemd stopping a batch
station, a shutdown) and SIGHUP (the terminal window closed) killed the process
outright. While ``StopSignals`` is active all three raise ``Stopped``, a
``KeyboardInterrupt``, so every existing Ctrl-C path (stop between two blocks, record
*interrupted*, exit 130) serves them too, and the record names the signal.

Only the first signal raises: the others arrive while the stop is under way (an
operator pressing Ctrl-C again, systemd's repeated SIGTERM, the SIGHUP that follows a
closed terminal's SIGTERM) and must not cut the journal write short; they are logged.
``hold()`` defers every signal around code that must not be interrupted at all (the
records of a wipe that finished). The previous handlers come back on exit, so the
rest of the command behaves as before. SIGKILL and a power cut cannot be caught: the
``*.started`` event written before the first byte is what reports those.

``StopSignals(defer=True)`` never raises at all: every signal only lands in
``received``, which the caller polls (the wipe's main thread, between two waits).
An exception thrown into the main thread at an arbitrary bytecode is not safe: swept
line by line (tests/test_wipe_signal_sweep.py), a ``Stopped`` raised while
``run_all`` built its threads, inside ``Thread.__init__``/``Event.wait`` (then
``RuntimeError: release unlocked lock`` from the condition's ``__exit__``) or between
two ``hold()`` blocks left a ``wipe.started`` with no ``wipe.done`` (seen once in CI:
exit 130 and no record). A flag read between two waits has no such window. The
handler then does nothing but append to a list: no lock (an ``Event.set`` or a log
line from a handler can deadlock on a lock the interrupted code holds).

``signal.signal`` works only in the main thread; elsewhere (embedded use) this is a
no-op and the caller's own handling applies.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Iterator

from ..lazylog import getLogger

log = getLogger(__name__)

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


class StopSignals:
    """Context manager: SIGINT/SIGTERM/SIGHUP raise ``Stopped`` once, then are logged;
    with ``defer``, they are only recorded in ``received``."""

    def __init__(self, signals: tuple[int, ...] = STOP_SIGNALS, *, defer: bool = False) -> None:
        self.signals = signals
        self.defer = defer
        self.received: list[int] = []
        self._old: dict[int, object] = {}
        self._holding = 0
        self._deferred: list[int] = []

    @property
    def first(self) -> int | None:
        return self.received[0] if self.received else None

    def _handler(self, signum, frame) -> None:
        self.received.append(signum)
        if self.defer:
            return                      # polled by the caller (see the module docstring)
        if self._holding:
            self._deferred.append(signum)
            log.warning("%s received while the records are written: they are written "
                        "first", SIGNAL_NAMES.get(signum, signum))
            return
        if len(self.received) > 1:
            log.warning("%s received: already stopping", SIGNAL_NAMES.get(signum, signum))
            return
        raise Stopped(signum)

    def __enter__(self) -> "StopSignals":
        for s in self.signals:
            try:
                self._old[s] = signal.signal(s, self._handler)
            except ValueError:          # not the main thread: leave handling as it is
                break
        return self

    def __exit__(self, *exc) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old.clear()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Defer every stop signal (recorded in ``received``, never raised) inside."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
