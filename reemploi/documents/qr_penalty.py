"""The mask penalty of ISO/IEC 18004:2015 §7.8.3.1 (N1 = 3, N2 = 3, N3 = 40, N4 = 10),
computed on a whole symbol packed into one integer per orientation.

Why: a label's symbol is scored under each of the 8 mask patterns to keep the lowest;
scored line by line with strings that was 0.85 ms of the 1.8 ms a symbol cost (500
labels: 0.4 s of CPU, issue 16). Packed, every rule is a few operations on integers
of a thousand bits, for all lines at once. The rules are the same; the scores are
the same (``tests/test_qr_penalty.py`` compares them with a line-by-line reading of
the standard, for every mask of many symbols), so the chosen mask and the printed
symbol are unchanged.

Layout: line i (a row, or a column in the transposed integer) sits at bits
``i * stride + PAD`` … ``+ n - 1``, module j at bit j, with ``PAD`` light bits on each
side: the standard's quiet zone, light for the finder-like rule N3, and a gap no run
or pattern crosses from one line to the next.
"""

from __future__ import annotations

import functools

PAD = 4                        # light modules each side: N3 counts the quiet zone as light
FINDER = (0b00001011101, 0b10111010000)     # 1:1:3:1:1 with 4 light modules, both ways


@functools.lru_cache(maxsize=40)
def _masks(n: int) -> tuple[int, int, int, int, int]:
    """(stride, pairs, pairs without the last line, windows of 11, all modules)."""
    stride = n + 2 * PAD
    pairs = sum(((1 << (n - 1)) - 1) << (i * stride + PAD) for i in range(n))
    upper = pairs & ~(((1 << (n - 1)) - 1) << ((n - 1) * stride + PAD))
    windows = sum(((1 << (stride - 10)) - 1) << (i * stride) for i in range(n))
    return stride, pairs, upper, windows, n * n


def pack(lines: list[int], n: int) -> int:
    """The lines (bit j = module j) in one integer, ``stride`` bits apart."""
    stride = n + 2 * PAD
    return sum(line << (i * stride + PAD) for i, line in enumerate(lines))


def columns(rows: list[int], n: int) -> list[int]:
    """The columns of a symbol given by rows (bit j of row i = module (i, j)), as
    integers with bit i = module (i, j): a transposition by strings."""
    spec = f"0{n}b"
    grid = "".join(format(r, spec)[::-1] for r in rows)       # character j = bit j
    return [int(grid[j::n][::-1], 2) for j in range(n)]


def _runs_and_finders(packed: int, pairs: int, windows: int) -> int:
    """N1 (runs of five or more alike: 3 + each one beyond five) and N3 (finder-like
    patterns) over every line of one orientation."""
    same = ~(packed ^ (packed >> 1)) & pairs            # bit j: module j is like j + 1
    five = same & (same >> 1) & (same >> 2) & (same >> 3)   # bit j: modules j … j+4 alike
    # A run of L >= 5 has L - 4 such starts, one block of them: L - 2 = starts + 2.
    score = five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()
    for pattern in FINDER:
        hit = windows
        for k in range(11):
            hit &= (packed >> k) if (pattern >> k) & 1 else ~(packed >> k)
            if not hit:
                break
        score += 40 * hit.bit_count()
    return score


def penalty(rows_packed: int, cols_packed: int, n: int) -> int:
    """The penalty score of one masked symbol (rows and columns packed)."""
    stride, pairs, upper, windows, area = _masks(n)
    score = (_runs_and_finders(rows_packed, pairs, windows)
             + _runs_and_finders(cols_packed, pairs, windows))
    # N2: 2x2 blocks alike, each counted by its top-left module (rows i and i + 1).
    below = rows_packed >> stride
    blocks = (~(rows_packed ^ (rows_packed >> 1)) & ~(below ^ (below >> 1))
              & ~(rows_packed ^ below) & upper)
    score += 3 * blocks.bit_count()
    # N4: the dark share's distance from 50 %, in steps of 5 %.
    dark = rows_packed.bit_count()
    score += 10 * int(abs(dark * 100 / area - 50) // 5)
    return score
