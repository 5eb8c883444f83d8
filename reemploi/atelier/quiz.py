"""A quiz generated from the trainee's own machine, scored offline (pure).

Each question comes from a template of the language file's ``[quiz]`` and a number or
fact of *this* machine ("How many cores does your Jerry have?" → its cores). The wrong
choices are plausible neighbours (half, double) so guessing is no help; choices are
shuffled with a seed (the Jerry's asset id), so the same Jerry gets the same quiz in
the PDF, the HTML and the screen, and two Jerrys get different orders. A question whose
fact the probe could not read is left out, never asked with a guessed answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from ..i18n import number
from ..model import Machine, Media
from .checks import is_64bit
from .content import Content, load_content
from .explain import disk_figures, ram_text


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    choices: tuple[str, ...]
    answer: int               # index into choices


@dataclass(frozen=True)
class Score:
    right: int
    total: int


def _neighbours(n: int, pool: Sequence[int]) -> list[int]:
    """Three values near ``n`` and different from it, from ``pool`` then doubling."""
    # Not too close: 4 GB beside the 3,8 GB a 4 GB machine shows would be a trick.
    out = [v for v in pool if abs(v - n) > 0.2 * max(n, 1)]
    out.sort(key=lambda v: abs(v - n) / max(n, 1))
    picked = out[:3]
    k = 2
    while len(picked) < 3:
        for v in (n * k, max(n // k, 1)):
            if abs(v - n) > 0.2 * max(n, 1) and v not in picked and len(picked) < 3:
                picked.append(v)
        k += 1
    return picked


def _ask(key: str, text: Content, right: str, wrong: Sequence[str], rng: random.Random) -> Question:
    choices = [right, *[w for w in wrong if w != right]][:4]
    rng.shuffle(choices)
    return Question(key, text.quiz[key]["question"], tuple(choices), choices.index(right))


def make_quiz(m: Machine, lang: str, seed: str = "", content: Content | None = None
              ) -> tuple[Question, ...]:
    text = content or load_content(lang)
    rng = random.Random(seed)
    q = text.quiz
    out: list[Question] = []
    if m.cpu.cores:
        n = m.cpu.cores
        wrong = _neighbours(n, [1, 2, 4, 6, 8, 12, 16, 24, 32])
        out.append(_ask("cores", text, q["cores"]["answer"].format(n=number(n, lang)),
                        [q["cores"]["answer"].format(n=number(w, lang)) for w in wrong], rng))
    if m.memory.total_mb:
        mb = m.memory.total_mb
        wrong = _neighbours(mb, [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536])
        out.append(_ask("ram", text, q["ram"]["answer"].format(size=ram_text(mb, lang)),
                        [q["ram"]["answer"].format(size=ram_text(w, lang)) for w in wrong], rng))
    disks = [d for d in m.data_disks() if d.media in (Media.HDD, Media.SSD, Media.NVME)]
    if disks:
        d = disks[0]
        dk = q["disk_kind"]
        right = dk["hdd"] if d.media is Media.HDD else dk["ssd"]
        out.append(_ask("disk_kind", text, right, [dk["hdd"], dk["ssd"], dk["usb"]], rng))
        if d.size_bytes:
            photos = disk_figures(d.size_bytes)[0]
            wrong = [max(photos // 10, 1), photos * 10, photos * 100]
            fmt = q["photos"]["answer"]
            out.append(_ask("photos", text, fmt.format(photos=number(photos, lang)),
                            [fmt.format(photos=number(w, lang)) for w in wrong], rng))
    bits = is_64bit(m)
    if bits is not None:
        b = q["bits"]
        out.append(_ask("bits", text, b["yes"] if bits else b["no"], [b["no"], b["yes"]], rng))
    screens = [s for s in m.screens if s.diagonal_in]
    if screens:
        inch = round(screens[0].diagonal_in or 0)
        fmt = q["screen"]["answer"]
        wrong = _neighbours(inch, [7, 10, 12, 13, 14, 15, 17, 19, 22, 24, 27])
        out.append(_ask("screen", text, fmt.format(inches=number(inch, lang)),
                        [fmt.format(inches=number(w, lang)) for w in wrong], rng))
    # Two questions about what the parts are for: always askable.
    k = q["keeps_files"]
    out.append(_ask("keeps_files", text, k["disk"], [k["ram"], k["cpu"]], rng))
    f = q["forgets"]
    out.append(_ask("forgets", text, f["ram"], [f["disk"], f["gpu"]], rng))
    return tuple(out)


def score(questions: Sequence[Question], answers: Sequence[int | None]) -> Score:
    """Right answers out of the questions; a missing or out-of-range answer is wrong."""
    right = sum(1 for qn, a in zip(questions, answers) if a == qn.answer)
    return Score(right, len(questions))
