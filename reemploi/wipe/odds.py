"""What a sampled read-back can promise: its odds of finding one unwritten area.

A sampled verification (verify.sample_locations) reads the first and last MiB, the
tail after the last whole subsection, and in each of N equal subsections one range of
L bytes at a pseudo-random sector in each half (half = H bytes). An area of h bytes
that the overwrite never reached (a dropped write, a remapped sector the drive
"forgot") is found only if a sampled range overlaps it.

For such an area at a uniformly random sector inside one half, the range of that
half overlaps it for (L + h - s) / s of the (H - L) / s + 1 possible placements (s:
the sector size), so

    q(h) = min(1, (L + h - s) / (H - L + s))

and, with E the bytes always read (edges and tail) out of the size S,

    P(h) = E/S + (1 - E/S) * q(h).

(An area straddling two halves meets two independent ranges and is found a little
more often; the formula ignores that, so it errs low for large areas.) On a 500 GB
disk: L = 25 MB and H = 250 MB, so a 4 KiB area is found with P ≈ 11 %, a 4 MiB
one with ≈ 13 %: issue 11 measured "about 10 % for any hole up to 4 MiB", which is why
a full read-back is the default for overwrites. The report of a sampled check states
these odds for the disk's size; tests/test_wipe_odds.py checks the formula against
the sampler itself.
"""

from __future__ import annotations

from .engine import MIB, SAMPLE_FRACTION, SAMPLE_SUBSECTIONS

# Areas the report speaks of: one 4 KiB page (a dropped write), 1 MiB, 64 MiB.
REPORTED_HOLES = (4096, MIB, 64 * MIB)


def _geometry(size: int, sector: int, subsections: int, fraction: float):
    sub = size // subsections // sector * sector
    if sub < 2 * sector:
        return None
    length = -(-int(sub * fraction / 2) // sector) * sector
    length = max(sector, min(length, sub // 2))
    half = sub // 2 // sector * sector
    edge = min(MIB, size)
    always = 2 * edge + (size - subsections * sub)
    return sub, half, length, min(always, size)


def detection_probability(size: int, sector: int, hole: int, *,
                          subsections: int = SAMPLE_SUBSECTIONS,
                          fraction: float = SAMPLE_FRACTION) -> float:
    """Probability that a sampled read-back finds one unwritten area of ``hole`` bytes
    at a random place on a disk of ``size`` bytes (1.0 when the sample reads it all)."""
    geo = _geometry(size, sector, subsections, fraction)
    if geo is None:
        return 1.0
    _sub, half, length, always = geo
    hole = max(sector, -(-hole // sector) * sector)
    q = min(1.0, (length + hole - sector) / (half - length + sector))
    edge_share = always / size
    return min(1.0, edge_share + (1 - edge_share) * q)


def detection_table(size: int, sector: int) -> dict[str, float]:
    """{hole bytes (as text, for JSON): probability, 4 decimals} for REPORTED_HOLES."""
    return {str(h): round(detection_probability(size, sector, h), 4) for h in REPORTED_HOLES}
