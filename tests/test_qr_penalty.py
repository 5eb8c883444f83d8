"""The packed mask penalty (documents/qr_penalty.py) scores every mask of a symbol as
a line-by-line reading of ISO/IEC 18004:2015 §7.8.3.1 does (the reference below: the
string implementation the labels used before, issue 16), so the mask chosen and the
printed symbol are unchanged. Symbols of versions 1 to 40, of the labels' payloads and
of random ones, every mask."""

from __future__ import annotations

import random
import re
import string

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from reemploi.documents import qr as q
from reemploi.documents.qr_penalty import columns, pack, penalty

_RUNS = re.compile(r"0{5,}|1{5,}")


def reference_penalty(rows: list[int], n: int) -> int:
    """N1 runs of 5+ alike (3 + one per module beyond five), N2 2x2 blocks (3 each),
    N3 1:1:3:1:1 patterns with 4 light modules on a side, the quiet zone light (40
    each), N4 dark share (10 per 5 % from half): rows and columns as strings."""
    spec = f"0{n}b"
    lines = [format(r, spec) for r in rows]
    grid = "".join(lines)
    lines += [grid[j::n] for j in range(n)]
    joined = "2".join(lines)
    runs = _RUNS.findall(joined)
    score = sum(map(len, runs)) - 2 * len(runs)
    padded = "0000" + joined.replace("2", "000020000") + "0000"
    score += 40 * (padded.count("00001011101") + padded.count("10111010000"))
    pair = (1 << (n - 1)) - 1
    for a, b in zip(rows, rows[1:]):
        same = ~(a ^ (a >> 1)) & ~(b ^ (b >> 1)) & ~(a ^ b) & pair
        score += 3 * same.bit_count()
    dark = sum(r.bit_count() for r in rows)
    score += 10 * int(abs(dark * 100 / (n * n) - 50) // 5)
    return score


def _symbols():
    rng = random.Random(7)
    payloads = [f"https://atelier.example/a/REE-A-26-{i:05d}" for i in range(0, 400, 37)]
    payloads += ["REE-A-26-00001", "x"]
    payloads += ["".join(rng.choice(string.ascii_letters) for _ in range(m))
                 for m in (30, 90, 200, 600, 1500)]
    for payload in payloads:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
        code.add_data(payload)
        code.best_fit()
        code.makeImpl(False, 0)
        yield code.version, [sum(1 << j for j, v in enumerate(row) if v) for row in code.modules]
    for version in (1, 7, 14, 25, 40):               # random data in every version's layout
        n = version * 4 + 17
        yield version, [rng.getrandbits(n) for _ in range(n)]


def test_columns_are_the_transposed_rows():
    rows = [0b101, 0b011, 0b110]
    assert columns(rows, 3) == [0b011, 0b110, 0b101]


def test_packed_penalty_is_the_line_by_line_penalty_for_every_mask():
    seen = 0
    for version, rows0 in _symbols():
        n = version * 4 + 17
        data, masks, formats = q._symbol_maps(version)
        scores = []
        for k in range(8):
            cells, values = formats[k]
            rows = [((r ^ ((masks[0][i] ^ masks[k][i]) & data[i])) & ~cells[i]) | values[i]
                    for i, r in enumerate(rows0)]
            want = reference_penalty(rows, n)
            assert penalty(pack(rows, n), pack(columns(rows, n), n), n) == want, (version, k)
            scores.append((want, k))
            seen += 1
        # The mask kept is the first of the lowest scores, as before.
        best = min(scores)[1]
        cells, values = formats[best]
        assert q._best_mask(rows0, (data, masks, formats), n, version) == \
            [((r ^ ((masks[0][i] ^ masks[best][i]) & data[i])) & ~cells[i]) | values[i]
             for i, r in enumerate(rows0)]
    assert seen >= 8 * 20
