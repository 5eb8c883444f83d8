"""The words of a progress line (wipe, image write, stick, station): phase, percent,
speed and time left, in the reader's language.

Every long task reports ``(phase, done_bytes, total_bytes)``; the engines name their
phases with codes (``write``, ``verify``, ``pass 2``…) and each screen used to print
them as they came, with "MB/s" and "ETA". One place turns them into words, so the wipe's
multi-line board, the image bar and the station say the same thing: "écriture [####--]
45,2 % 118,3 Mo/s, reste 1:23" in French. Units are decimal (IEC 80000-13), as on disk
labels and in ``system.blockdev.format_size``.
"""

from __future__ import annotations

import re

from .i18n import N_, number, tr
from .system.blockdev import format_size

PHASES = {"write": N_("writing"), "verify": N_("verifying"), "zero": N_("zeroing"),
          "read": N_("reading"), "scan": N_("scanning")}
_PASS = re.compile(r"pass (\d+)$")


def phase_word(phase: str, lang: str | None) -> str:
    """An engine's phase code in words ("pass 2" → "passe 2")."""
    m = _PASS.match(phase or "")
    if m:
        return tr("pass {n}", lang, n=int(m.group(1)))
    return tr(PHASES[phase], lang) if phase in PHASES else phase


def eta_text(seconds: float | None) -> str:
    """Time left as h:mm:ss or m:ss (same in both languages); --:-- while unknown."""
    if seconds is None:
        return "--:--"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


def speed_text(bytes_per_second: float, lang: str | None) -> str:
    return f"{format_size(int(bytes_per_second), lang)}/s"     # "118,9 Mo/s", "118.9 MB/s"


def progress_line(phase: str, done: int, total: int, elapsed: float, lang: str | None,
                  width: int = 24) -> str:
    """``phase`` word, a bar ``width`` wide, percent, speed and time left."""
    frac = min(done / total, 1.0) if total else 1.0
    speed = done / elapsed if elapsed > 0 else 0.0
    eta = (total - done) / speed if speed > 0 else None
    fill = int(width * frac)
    return tr("{phase} [{bar}] {pct}% {speed}, {eta} left", lang,
              phase=phase_word(phase, lang), bar="#" * fill + "-" * (width - fill),
              pct=number(100.0 * frac, lang, 1), speed=speed_text(speed, lang),
              eta=eta_text(eta))
