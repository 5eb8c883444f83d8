"""The odds a sampled read-back states, checked against the sampler itself.

``wipe.odds.detection_probability`` is a formula; here the real
``verify.sample_locations`` picks its ranges (a new seed each trial) and a hole of h
bytes is put at a random sector: the share of holes a sample overlaps must match the
formula. Seeded, so the same trials run every time.
"""

from __future__ import annotations

import bisect
import random

import pytest

from reemploi.wipe.odds import detection_probability, detection_table
from reemploi.wipe.verify import sample_locations

MIB = 1 << 20


def found(ranges, start, length) -> bool:
    starts = [o for o, _ in ranges]
    i = bisect.bisect_right(starts, start + length - 1) - 1
    return i >= 0 and ranges[i][0] + ranges[i][1] > start


@pytest.mark.parametrize("size,hole", [(8 << 30, 4096), (8 << 30, MIB), (64 * MIB, 4096),
                                       (500 * 10**9, 4096), (500 * 10**9, 4 * MIB)],
                         ids=["8G-4K", "8G-1M", "64M-4K", "500G-4K", "500G-4M"])
def test_the_stated_odds_match_the_sampler(size, hole):
    # 40 samples, 50 holes each (holes far apart meet independent ranges).
    sector, samples, holes = 512, 40, 50
    trials = samples * holes
    rng = random.Random(f"{size}-{hole}")
    hits = 0
    for _ in range(samples):
        ranges = sample_locations(size, sector, rng.getrandbits(64))
        for _ in range(holes):
            start = rng.randrange(0, (size - hole) // sector + 1) * sector
            hits += found(ranges, start, hole)
    expected = detection_probability(size, sector, hole)
    sigma = max((expected * (1 - expected) / trials) ** 0.5, 1 / trials)
    assert abs(hits / trials - expected) < 4 * sigma + 0.01, (hits / trials, expected)


def test_a_500_gb_disk_sample_misses_most_small_holes():
    """Issue 11's figure: about one chance in ten for any hole up to 4 MiB."""
    table = detection_table(500 * 10**9, 512)
    assert 0.10 < table["4096"] < 0.12 and table[str(64 * MIB)] < 0.5
    assert detection_probability(500 * 10**9, 512, 4 * MIB) < 0.14


def test_a_tiny_disk_is_read_whole():
    assert detection_probability(512 * 1000, 512, 512) == 1.0
