"""Memory verdicts from real dmidecode dumps; CPU editions from real lshw and /proc/cpuinfo."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import corpus_file, corpus_rows
from reemploi.grade.components import grade_cpu, grade_memory
from reemploi.grade.rules import load_rules
from reemploi.grade.verdict import Reason, State
from reemploi.model import Cpu, Memory, MemoryModule
from reemploi.probe.dmidecode import parse_dmidecode
from reemploi.probe.lshw import parse_lshw

RULES = load_rules()


def _dmi(fragment: str):
    row = next(r for r in corpus_rows("dmidecode") if fragment in r["local_path"])
    return parse_dmidecode(corpus_file(row["local_path"]).read_bytes())


def _lshw(fragment: str):
    row = next(r for r in corpus_rows("lshw") if fragment in r["local_path"])
    return parse_lshw(corpus_file(row["local_path"]).read_bytes())


def test_free_slot_gets_one_module_of_the_same_type_and_form():
    # Fujitsu S6420 notebook: 2 GB in one of two SODIMM slots.
    mem = _dmi("Fujitsu__S__S6420").memory
    v = grade_memory(mem, RULES)
    assert v.state is State.UPGRADEABLE and v.facts["slots_free"] == 1
    up = v.facts["upgrade"]
    assert up["count"] == 1 and up["form_factor"] == "SODIMM"
    assert v.facts["total_mb"] + up["size_gb"] * 1024 >= RULES.emmabuntus[0].min_ram_mb
    assert v.has(Reason.RAM_TOO_LITTLE)


def test_full_slots_replace_the_smallest_module():
    # MacBook Air 4,1: 2 GB soldered-as-SODIMM pair, no free slot: swap a module.
    v = grade_memory(_dmi("MacBookAir4_1").memory, RULES)
    up = v.facts["upgrade"]
    assert v.state is State.UPGRADEABLE and up["type"] == "DDR3" and up["replaces_mb"]
    assert up["size_gb"] * 1024 > max(up["replaces_mb"])


def test_mislabelled_sdram_becomes_unknown_type_and_respects_max_capacity():
    # ASRock 775i945GZ: 2 x 1 GB labelled "SDRAM" (really DDR2), board max 4 GB.
    info = _dmi("775i945GZ")
    v = grade_memory(info.memory, RULES)
    up = v.facts["upgrade"]
    assert v.facts["type"] is None and up["type"] is None
    assert v.facts["total_mb"] - sum(up["replaces_mb"]) + up["count"] * up["size_gb"] * 1024 \
        <= info.memory.max_capacity_mb


def test_board_maximum_below_need_is_too_little():
    # Dell Latitude D600: 1 GB max, 1 GB fitted.
    v = grade_memory(_dmi("Latitude_D600").memory, RULES)
    assert v.state is State.TOO_LITTLE and v.has(Reason.RAM_MAX_CAPACITY)


def test_enough_ram_is_enough():
    v = grade_memory(_dmi("Latitude_E5410").memory, RULES)
    assert v.state is State.ENOUGH and not v.reasons


@pytest.mark.parametrize("row", corpus_rows("dmidecode/laptop") + corpus_rows("dmidecode/desktop"),
                         ids=lambda r: r["local_path"].split("/")[-1][:60])
def test_every_dmidecode_dump_gets_a_consistent_memory_verdict(row):
    mem = parse_dmidecode(corpus_file(row["local_path"]).read_bytes()).memory
    v = grade_memory(mem, RULES)
    if v.state is State.UPGRADEABLE:
        up = v.facts["upgrade"]
        after = (v.facts["total_mb"] + up["count"] * up["size_gb"] * 1024
                 - sum(up.get("replaces_mb", [])))
        assert after >= v.facts["need_mb"]
        if not up.get("replaces_mb") and mem.slots_free is not None:
            assert up["count"] <= mem.slots_free
    elif v.state is State.ENOUGH:
        assert v.facts["total_mb"] >= v.facts["need_mb"]
    elif v.state is State.TOO_LITTLE:
        assert v.has(Reason.RAM_TOO_LITTLE)


def test_need_follows_the_edition():
    mem = Memory(total_mb=2048, modules=(MemoryModule(size_mb=2048, type="DDR2"),), slots_total=1)
    assert grade_memory(mem, RULES, need_mb=2048).state is State.ENOUGH
    assert grade_memory(mem, RULES).state is not State.ENOUGH


def test_pentium_m_without_long_mode_gets_de5():
    cpu = _lshw("hp-pavilion-dv4000").cpu          # Pentium M: i686, SSE2, no lm
    assert "lm" not in cpu.flags and "cmov" in cpu.flags
    v = grade_cpu(cpu, RULES)
    assert v.facts["emmabuntus"] == "DE5" and v.has(Reason.NO_X86_64)


def test_atom_n270_netbook_gets_de5():
    v = grade_cpu(_lshw("1000h").cpu, RULES)
    assert v.facts["emmabuntus"] == "DE5"


def test_64_bit_pentium_4_gets_de6():
    cpu = _lshw("optiplex-gx520").cpu              # Pentium 4 6xx with EM64T
    assert "Pentium(R) 4" in cpu.model and "lm" in cpu.flags
    v = grade_cpu(cpu, RULES)
    assert v.facts["emmabuntus"] == "DE6" and v.state is State.SUPPORTED and not v.reasons


def test_this_machine_cpuinfo_flags():
    flags = next(line.split(":", 1)[1].split() for line in
                 Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    v = grade_cpu(Cpu(flags=tuple(flags), threads=2, max_mhz=3000.0), RULES)
    assert v.facts["emmabuntus"] == ("DE6" if "lm" in flags else "DE5")


def test_pre_i686_cpu_fits_nothing():
    # flags of a Pentium MMX era CPU (no cmov, no sse2): what the kernel prints for it
    v = grade_cpu(Cpu(flags=("fpu", "vme", "de", "pse", "tsc", "msr", "mce", "cx8", "mmx")), RULES)
    assert v.state is State.UNSUPPORTED and v.facts["emmabuntus"] is None
    assert v.has(Reason.NO_X86_64) and v.has(Reason.NO_SSE2)


def test_cpu_class_from_benchmark_beats_clock():
    cpu = Cpu(flags=("lm", "sse2", "cmov"), threads=2, max_mhz=2000.0)
    assert grade_cpu(cpu, RULES).facts["class"] == "entry"
    assert grade_cpu(cpu, RULES, bench_cpu=RULES.cpu.bench_high + 1).facts["class"] == "high"
    slow = grade_cpu(cpu, RULES, bench_cpu=RULES.cpu.bench_slow - 1)
    assert slow.has(Reason.CPU_SLOW)


def test_flags_unknown_but_kernel_x86_64():
    v = grade_cpu(Cpu(arch="x86_64"), RULES)
    assert v.facts["emmabuntus"] == "DE6" and v.facts["flags_assumed"]
    assert grade_cpu(Cpu(), RULES).state is State.UNKNOWN


def test_free_slot_and_a_swap_together_reach_the_need():
    # Dell FX160 (glpi-agent corpus): 1 GB DDR2 in one of two slots, board max 4 GB,
    # DDR2 modules stop at 2 GB. Neither filling the free slot (3 GB) nor swapping the
    # module (2 GB) reaches 4 GB; both together do: 2 x 2 GB, the 1 GB module out.
    info = _dmi("dell-fx160")
    v = grade_memory(info.memory, RULES)
    assert v.state is State.UPGRADEABLE, v.reasons
    assert v.facts["upgrade"] == {"part": "ram", "count": 2, "size_gb": 2, "type": "DDR2",
                                  "form_factor": "DIMM", "replaces_mb": [1024]}


def test_fewest_modules_first_and_never_past_the_board_maximum():
    for row in corpus_rows("dmidecode"):
        if "partial" in row["local_path"]:
            continue
        mem = parse_dmidecode(corpus_file(row["local_path"]).read_bytes()).memory
        v = grade_memory(mem, RULES)
        up = v.facts.get("upgrade")
        if not up:
            continue
        out = up.get("replaces_mb", [])
        new_total = v.facts["total_mb"] - sum(out) + up["count"] * up["size_gb"] * 1024
        assert new_total >= RULES.emmabuntus[0].min_ram_mb, row["local_path"]
        assert v.facts["max_capacity_mb"] is None or new_total <= v.facts["max_capacity_mb"]
        # modules bought = free slots used + modules taken out, within the slot count
        assert up["count"] - len(out) <= (mem.slots_free or 1), row["local_path"]


# Every corpus dump's memory on a 64-bit CPU: DE6 when its RAM can be reached (as is or
# by buying modules), else DE5 amd64 when that can, else nothing. The dumps below are
# the ones that moved from "parts only / recycling" to DE5 amd64 when DE5 amd64 joined
# the editions; each was checked by hand (modules, slots, board maximum):
DE5_AMD64_DUMPS = {
    "ThinkCentre_XXXX_8705": "no-slot",      # 2 x 1 GB DDR, 2 slots full; DDR stops at 1 GB
    "X5DPA": "no-slot",                      # 4 x 512 MB SDRAM, 4 slots full; SDRAM stops at 512 MB
    "dmidecode__linux-2.6": "no-slot",       # Latitude D610: 2 x 1 GB DDR, 2 slots full
    "Shuttle__FB__FB62": "max-capacity",     # 1 GB, board maximum 2 GB: + 1 x 1 GB
    "3000_C100": "max-capacity",             # 2 x 512 MB DDR, board maximum 2 GB: 2 x 1 GB
}
CPU64 = Cpu(flags=("lm", "sse2", "cmov"), threads=2, max_mhz=2000.0)


@pytest.mark.parametrize("row", corpus_rows("dmidecode"),
                         ids=lambda r: r["local_path"].split("/")[-1][:60])
def test_every_dmidecode_dump_on_a_64_bit_cpu_gets_the_edition_its_ram_allows(row):
    from reemploi.grade.engine import grade_machine
    from reemploi.model import Machine
    info = parse_dmidecode(corpus_file(row["local_path"]).read_bytes())
    v = grade_machine(Machine(system=info.system, cpu=CPU64, memory=info.memory), None, RULES)
    fallback = next((r for r in v.reasons if r.code is Reason.RAM_EDITION_FALLBACK), None)
    de6 = grade_memory(info.memory, RULES, need_mb=4096).state
    de5 = grade_memory(info.memory, RULES, need_mb=2048).state
    if de6 is not State.TOO_LITTLE:
        assert (v.emmabuntus, v.emmabuntus_arch, fallback) == ("DE6", "amd64", None)
    elif de5 is not State.TOO_LITTLE:
        assert (v.emmabuntus, v.emmabuntus_arch) == ("DE5", "amd64")
        assert v.outcome.value.startswith("ready") and v.memory.state is de5
        assert fallback.params["need"] == 4096 and fallback.params["edition"] == "DE6"
    else:
        assert v.outcome.value in ("parts-only", "recycling") and fallback is None
    expected = next((c for f, c in DE5_AMD64_DUMPS.items() if f in row["local_path"]), None)
    assert (fallback.params["cause"] if fallback else None) == expected
