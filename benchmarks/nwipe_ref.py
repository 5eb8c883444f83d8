"""The nwipe reference runs of ``benchmarks/wipe.py``: which binaries, what each runs, its check.

Issue 16's goal is "PRNG + full verify <= 0.4 x upstream nwipe's time". Two nwipes can
run here:

* upstream nwipe, built from a release by ``benchmarks/build-nwipe.sh`` into a cache
  outside the repository (found through ``--upstream-nwipe``, ``REEMPLOI_NWIPE`` or
  the newest ``/var/cache/reemploi-bench/nwipe-*/bin/nwipe``);
* Debian's package (``/usr/sbin/nwipe``, 0.34-1+b1 in Debian 12; it says 0.33).

Every run is the job ``reemploi wipe DEV --method prng --verify full`` does: one pass
of a pseudo-random stream over the whole device, then the whole device read back and
compared with the stream regenerated, nothing else::

    nwipe --autonuke --nogui --nowait --method=random [--prng=NAME] --rounds=1
          --noblank --verify=all --PDFreportpath=noPDF DEV

``--autonuke --nogui --nowait``: no screen, no key to press (``--nogui`` needs
``--autonuke``); ``--rounds=1 --noblank``: one pass and no final zero pass (nwipe's
default adds one, our PRNG method does not); ``--verify=all``: the pass read back
(with one pass ``all`` and ``last`` are the same); ``--PDFreportpath=noPDF``: no PDF
report (our command writes journal records, its certificate is another command).
nwipe 0.42 keeps that last choice in ``/etc/nwipe/nwipe.conf``, which it creates.

Its PRNG: 0.42's default is ``--prng=auto``: every generator is benchmarked in RAM
for 1 s at start-up (``prng_bench_seconds`` = 1.0, ``nwipe.c``/``options.c`` of the
v0.42 tag) and the fastest is used, whatever its strength; where the benchmark cannot
run, the heuristic default is AES-256-CTR when the CPU has AES-NI. Its AES-256-CTR
(``aes_ctr_prng``) is the kernel's cipher through an AF_ALG socket (``aes/
aes_ctr_prng.cpp``), so it runs only on a kernel with ``CONFIG_CRYPTO_USER_API_SKCIPHER``;
ours is AES-128-CTR from OpenSSL in the process. ``af_alg_aes`` says whether this
kernel can run it, and the benchmark then also runs nwipe's portable ChaCha20 (its
other cryptographic generator) and SplitMix64 (its fastest generator, chosen without
the benchmark): like for like, the default a user gets, and the hardest reference.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("REEMPLOI_BENCH_CACHE", "/var/cache/reemploi-bench"))
DEBIAN = Path("/usr/sbin/nwipe")
# nwipe's default is "auto"; the names are those of its --prng option (options.c).
UPSTREAM_PRNGS = ("auto", "aes_ctr_prng", "chacha20", "splitmix64")


@dataclass(frozen=True)
class NwipeRun:
    label: str                  # the row in the result table
    argv: tuple[str, ...]       # without the device


def upstream_binary(given: str | None) -> Path | None:
    """``given``, else ``$REEMPLOI_NWIPE``, else the newest build in the cache."""
    named = given or os.environ.get("REEMPLOI_NWIPE")
    if named:
        path = Path(named)
        if not os.access(path, os.X_OK):
            raise SystemExit(f"upstream nwipe {path}: not an executable")
        return path
    builds = sorted(CACHE.glob("nwipe-*/bin/nwipe"), key=lambda p: p.stat().st_mtime)
    return builds[-1] if builds else None


def build_source(binary: Path) -> str:
    """The source tree and commit ``build-nwipe.sh`` recorded beside a cached build."""
    note = binary.parent.parent / "SOURCE"
    return note.read_text().strip() if note.exists() else "source unknown"


def af_alg_aes() -> str | None:
    """None when this kernel serves ``ctr(aes)`` through AF_ALG (what nwipe's
    aes_ctr_prng needs), else the reason it cannot."""
    if not hasattr(socket, "AF_ALG"):
        return "this Python has no AF_ALG"
    try:
        with socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0) as s:
            s.bind(("skcipher", "ctr(aes)"))
    except OSError as err:
        return f"AF_ALG skcipher ctr(aes): {err.strerror or err} (kernel without " \
               "CONFIG_CRYPTO_USER_API_SKCIPHER)"
    return None


COMMON = ("--autonuke", "--nogui", "--nowait", "--method=random", "--rounds=1",
          "--noblank", "--verify=all")


def upstream_runs(binary: Path, version: str, prngs: list[str]) -> tuple[list[NwipeRun],
                                                                         list[str]]:
    """The runs for ``prngs``, and a note for each left out (AES-CTR without AF_ALG)."""
    runs, notes = [], []
    no_aes = af_alg_aes()
    for prng in prngs:
        if prng == "aes_ctr_prng" and no_aes:
            notes.append(f"nwipe {version} --prng=aes_ctr_prng cannot run here: {no_aes}")
            continue
        opt = () if prng == "auto" else (f"--prng={prng}",)
        label = f"nwipe {version} {'default (auto)' if prng == 'auto' else prng} + verify"
        runs.append(NwipeRun(label, (str(binary), *COMMON, *opt, "--PDFreportpath=noPDF")))
    return runs, notes


def debian_run(version: str) -> NwipeRun | None:
    """Debian's nwipe 0.34, the same job with its default generator (ISAAC-64, as its
    log says); it has no PDF report to turn off."""
    if not DEBIAN.exists():
        return None
    return NwipeRun(f"nwipe {version} (Debian) + verify", (str(DEBIAN), *COMMON))


def version_of(run, binary: Path) -> str:
    """``nwipe -V`` (0.42's ``--version`` exits 22 without a word)."""
    out = run([str(binary), "-V"], check=False).stdout
    m = re.search(r"version\s+(\S+)", out)
    return m.group(1) if m else "?"


def check_log(out: str, what: str) -> str:
    """The run's own account: the pass verified, nwipe's success line; returns the
    generator it used (with auto, the one its benchmark chose)."""
    if not re.search(r"Verified pass 1 of 1", out):
        raise SystemExit(f"{what}: no 'Verified pass 1 of 1' in its log:\n{out[-3000:]}")
    if "successfully completed" not in out and "Nwipe successfully" not in out:
        raise SystemExit(f"{what}: no success line in its log:\n{out[-3000:]}")
    m = re.search(r"prng\s+=\s+(.+)", out)
    return m.group(1).strip() if m else "?"
