"""Optional benchmark step: CPU, RAM and disk scores comparable across machines.

Budget: about 30 s in all (``seconds`` per test, three tests). CPU and RAM go through
the runner (``sysbench``, recordable and replayable like every tool); the disk score
is a sequential *read* of the chosen disk made by our own code, opened read-only
with ``O_DIRECT`` so the page cache does not flatter it. Nothing is ever written.

The parsers are pure (text in, number out) and tested on recorded sysbench output.
"""

from __future__ import annotations

import errno
import mmap
import os
import re
import time
from pathlib import Path

from ..errors import BadInput, DeviceError
from .verdict import BenchScores
from ..syserr import reason
from ..i18n import N_

CHUNK = 1 << 20          # 1 MiB reads: large enough to reach sequential speed on HDDs
DEFAULT_SECONDS = 8      # x 3 tests = 24 s, under the 30 s budget

_CPU_RE = re.compile(r"events per second:\s*([0-9.]+)")
_MEM_RE = re.compile(r"MiB transferred \(([0-9.]+) MiB/sec\)")


def parse_sysbench_cpu(text: str) -> float:
    """``sysbench cpu run`` output -> events per second (all threads)."""
    m = _CPU_RE.search(text)
    if not m:
        raise BadInput(what="sysbench cpu output", why=N_("no 'events per second' line"))
    return float(m.group(1))


def parse_sysbench_memory(text: str) -> float:
    """``sysbench memory run`` output -> MiB/s."""
    m = _MEM_RE.search(text)
    if not m:
        raise BadInput(what="sysbench memory output", why=N_("no 'MiB transferred' line"))
    return float(m.group(1))


def cpu_argv(seconds: int, threads: int) -> list[str]:
    # prime limit left at sysbench's default (10000) so scores stay comparable.
    return ["sysbench", "cpu", f"--threads={threads}", f"--time={seconds}", "run"]


def memory_argv(seconds: int) -> list[str]:
    # 1 MiB blocks measure bandwidth (the 1 KiB default measures call overhead);
    # one thread so a dual-core and a quad-core with the same RAM score alike.
    return ["sysbench", "memory", "--memory-block-size=1M", "--memory-total-size=1000G",
            "--threads=1", f"--time={seconds}", "run"]


def read_speed(path: str | Path, *, seconds: float = DEFAULT_SECONDS,
               max_bytes: int | None = None) -> float:
    """Sequential read of ``path`` for up to ``seconds``: MB/s (10^6 bytes per second).

    Read-only, O_DIRECT when the device allows it (a page-aligned mmap buffer meets
    the alignment O_DIRECT needs); falls back to buffered reads with a
    POSIX_FADV_DONTNEED first, e.g. on tmpfs files.
    """
    path = str(path)
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        try:
            fd = os.open(path, flags | getattr(os, "O_DIRECT", 0))
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            fd = os.open(path, flags)
    except OSError as exc:
        raise DeviceError(device=path, why=reason(exc)) from None
    buf = mmap.mmap(-1, CHUNK)
    total = 0
    try:
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass
        start = time.monotonic()
        deadline = start + seconds
        while time.monotonic() < deadline:
            try:
                n = os.readv(fd, [buf])
            except OSError as exc:
                if exc.errno == errno.EINVAL and total == 0:
                    # O_DIRECT refused at read time (some filesystems): reopen buffered.
                    os.close(fd)
                    fd = os.open(path, flags)
                    continue
                raise DeviceError(device=path, why=reason(exc)) from None
            if n <= 0:
                break
            total += n
            if max_bytes is not None and total >= max_bytes:
                break
        elapsed = max(time.monotonic() - start, 1e-6)
    finally:
        os.close(fd)
        buf.close()
    return round(total / elapsed / 1e6, 1)


def run_bench(ctx, *, seconds: int = DEFAULT_SECONDS, threads: int | None = None,
              disk: str | None = None) -> BenchScores:
    """CPU and RAM through ``ctx.runner`` (sysbench), disk read by our code.

    A missing sysbench leaves the CPU/RAM scores ``None`` (the grade then uses the
    CPU's clock and thread count); the disk is read only on a live run (not replay).
    """
    threads = threads or 1
    cpu = ram = disk_mb = None
    tool = None
    if ctx.runner.has_tool("sysbench"):
        tool = "sysbench"
        timeout = seconds + 30
        # A failing sysbench raises its typed error: the operator reruns with --no-bench.
        cpu = parse_sysbench_cpu(ctx.runner.run(cpu_argv(seconds, threads),
                                                timeout=timeout).text)
        ram = parse_sysbench_memory(ctx.runner.run(memory_argv(seconds),
                                                   timeout=timeout).text)
    if disk and not getattr(ctx, "replay", False):
        disk_mb = read_speed(disk, seconds=seconds)
    return BenchScores(cpu=cpu, ram=ram, disk=disk_mb, cpu_threads=threads,
                       disk_path=disk, seconds=seconds, tool=tool)
