"""Benchmark step: parsers on recorded sysbench output, replay, real disk read."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import FIXTURES
from reemploi.context import Context
from reemploi.errors import BadInput, DeviceError
from reemploi.grade.bench import (cpu_argv, memory_argv, parse_sysbench_cpu,
                                  parse_sysbench_memory, read_speed, run_bench)
from reemploi.system.runner import RealRunner, ReplayRunner, recording_name

REC = FIXTURES / "sysbench"


def test_parsers_on_recorded_output():
    cpu = (REC / recording_name(cpu_argv(2, 2))).read_text()
    mem = (REC / recording_name(memory_argv(2))).read_text()
    assert "events per second" in cpu
    score = parse_sysbench_cpu(cpu)
    assert 100 < score < 100_000
    # the parser reads the figure sysbench printed, nothing else
    line = next(l for l in cpu.splitlines() if "events per second" in l)
    assert score == float(line.split(":")[1])
    ram = parse_sysbench_memory(mem)
    assert f"({ram:.2f} MiB/sec)" in mem


def test_parsers_refuse_other_text():
    with pytest.raises(BadInput):
        parse_sysbench_cpu("sysbench: unknown test 'cpux'")
    with pytest.raises(BadInput):
        parse_sysbench_memory("")


def test_run_bench_replayed():
    ctx = Context(runner=ReplayRunner(REC), replay=True)
    b = run_bench(ctx, seconds=2, threads=2, disk="/dev/does-not-matter")
    assert b.cpu == parse_sysbench_cpu((REC / recording_name(cpu_argv(2, 2))).read_text())
    assert b.ram and b.disk is None and b.tool == "sysbench"   # no disk read on replay


def test_run_bench_without_sysbench_leaves_cpu_unknown(tmp_path):
    (tmp_path / "MISSING_TOOLS").write_text("sysbench\n")
    b = run_bench(Context(runner=ReplayRunner(tmp_path), replay=True), seconds=1)
    assert b.cpu is None and b.ram is None and b.tool is None


@pytest.mark.skipif(shutil.which("sysbench") is None, reason="sysbench not installed")
def test_real_sysbench_one_second(tmp_path):
    b = run_bench(Context(runner=RealRunner()), seconds=1, threads=1)
    assert b.cpu > 0 and b.ram > 0


def test_read_speed_of_a_real_loop_device(loopdev):
    dev = loopdev(32 << 20)
    mb_s = read_speed(dev.path, seconds=2)
    assert mb_s > 0
    # read-only: the device's content did not change (still all zeroes)
    with open(dev.path, "rb") as fh:
        assert fh.read(1 << 20) == bytes(1 << 20)


def test_read_speed_of_a_plain_file_and_missing_device(tmp_path):
    f = tmp_path / "blob"
    f.write_bytes(os.urandom(4 << 20))
    assert read_speed(f, seconds=1, max_bytes=2 << 20) > 0
    with pytest.raises(DeviceError):
        read_speed(tmp_path / "nope", seconds=1)
