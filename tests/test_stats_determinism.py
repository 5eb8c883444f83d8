"""The same journal gives the same figures in every process, to the last bit.

Python salts str hashes per process (PYTHONHASHSEED), so a set of kinds iterates in
a different order each run; float sums taken in that order (a donor's kilograms over
the kinds of one lot) then differ in their last bits, and the printed tonnes of two
stations' exports could disagree at a rounding boundary. The journal here is written
by the real ``intake`` command; each figure run is a fresh interpreter with its own
hash seed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from reemploi.cli.main import cli

# Weights chosen so that the order of the sum shows: in binary floating point
# (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3), and likewise with 0.7 in the mix.
DEVICES = ("laptop:1:0.1", "screen:1:0.2", "desktop:1:0.3", "tablet:1:0.7")

SNIPPET = """
import sys
from pathlib import Path
from reemploi.stats import figures_for
from reemploi.stats.period import make_period
f = figures_for(Path(sys.argv[1]), make_period())
print(repr(f.by_donor), repr(f.by_kind))
"""


def test_figures_do_not_depend_on_the_hash_seed(tmp_path: Path):
    home = tmp_path / "home"
    args = ["intake", "--home", str(home), "--date", "2026-01-05", "--donor", "X", "--json"]
    for device in DEVICES:
        args += ["--device", device]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    seen = {}
    for seed in range(10):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run([sys.executable, "-c", SNIPPET, str(home)], env=env,
                             capture_output=True, text=True, check=True).stdout
        seen.setdefault(out, []).append(seed)
    assert len(seen) == 1, f"figures differ between hash seeds: {list(seen.values())}"
