"""Machine outcomes, built from real corpus parts (lshw + smartctl + battery) and, when
present, from the recorded machines in tests/fixtures/machines."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conftest import MACHINES, corpus_file
from reemploi.grade.checks import Checks, CheckState, parse_check_args
from reemploi.grade import render
from reemploi.grade.engine import grade_machine
from reemploi.grade.rules import load_rules
from reemploi.grade.verdict import BenchScores, Outcome, Reason, State, Verdict
from reemploi.model import Cpu, Machine, Media
from reemploi.probe.battery import parse_uevent
from reemploi.probe.lshw import parse_lshw
from reemploi.probe.smartctl import parse_smartctl

RULES = load_rules()
HEALTHY_HDD = "smartctl/hdd/linuxhw-ED__HDD__Hitachi__HTS5450__HTS545025B9A300__36932A65998C.txt"
HEALTHY_SSD = "smartctl/ssd/linuxhw-ED__SSD__Kingston__SUV400__SUV400S37240G__5B17DAA446BB.txt"
FAILING_HDD = "smartctl/hdd/linuxhw-ED__HDD__Samsung__HM640__HM640JJ__1FECD339779E.txt"
PRE_I686 = Cpu(flags=("fpu", "vme", "de", "pse", "tsc", "msr", "mce", "cx8", "mmx"))


def _smart(path):
    return parse_smartctl(corpus_file(path).read_bytes())


def _machine(lshw: str, smart_path: str | None = None, battery: str | None = None) -> Machine:
    info = parse_lshw(corpus_file(lshw).read_bytes())
    disks = tuple(d for d in info.disks if (d.size_bytes or 0) > 60 * 10**9)
    if smart_path:
        smart = _smart(smart_path)
        media = Media.SSD if smart.rotation_rpm == 0 else Media.HDD
        disks = tuple(replace(d, smart=smart, media=media) for d in disks)
    batteries = (parse_uevent(corpus_file(battery).read_bytes()),) if battery else ()
    return Machine(system=info.system, cpu=info.cpu, memory=info.memory, disks=disks,
                   batteries=batteries)


E5530 = "lshw/ereuse-wb__tests__fixtures__e5530.lshw.json"
E5530_BAT = "battery/ereuse-wb__tests__fixtures__e5530.battery.ini"
DV4000 = "lshw/ereuse-wb__tests__fixtures__hp-pavilion-dv4000.lshw.json"


def test_latitude_e5530_with_worn_battery_is_ready_after_a_battery():
    m = _machine(E5530, HEALTHY_HDD, E5530_BAT)
    v = grade_machine(m, None, RULES)
    assert v.battery.state is State.TO_REPLACE and v.memory.state is State.ENOUGH
    assert v.outcome is Outcome.READY_AFTER_UPGRADE
    assert v.upgrades == ({"part": "battery"},)
    assert v.emmabuntus == "DE6"
    assert v.grade == "B" and v.score["storage_media"] == "hdd"


def test_spinning_disk_caps_the_grade(tmp_path):
    generous = tmp_path / "generous.toml"
    generous.write_text('version = "g"\n[grade]\na_min = 5\n')
    m = _machine(E5530, HEALTHY_HDD, E5530_BAT)
    v = grade_machine(m, None, load_rules(generous))
    assert v.score["total"] >= 5 and v.grade == "B" and v.score["hdd_capped"]
    v_ssd = grade_machine(_machine(E5530, HEALTHY_SSD, E5530_BAT), None, load_rules(generous))
    assert v_ssd.grade == "A" and not v_ssd.score["hdd_capped"]


def test_same_laptop_with_an_ssd_and_a_good_battery_is_ready_and_better_graded():
    m = _machine(E5530, HEALTHY_SSD)
    m = replace(m, batteries=(replace(parse_uevent(corpus_file(E5530_BAT).read_bytes()),
                                      full_wh=None),))
    v = grade_machine(m, None, RULES)
    # battery capacity unknown: not a blocker, not an upgrade
    assert v.battery.state is State.UNKNOWN
    assert v.outcome is Outcome.READY and v.upgrades == ()
    assert v.grade in ("A", "B") and not v.score["hdd_capped"]
    assert v.score["storage_media"] == "ssd"


def test_pavilion_dv4000_pentium_m_needs_ram_and_an_ssd_for_de5():
    m = _machine(DV4000, FAILING_HDD)
    v = grade_machine(m, None, RULES)
    assert v.emmabuntus == "DE5"
    parts = [u["part"] for u in v.upgrades]
    assert "ssd" in parts and "ram" in parts
    ram = next(u for u in v.upgrades if u["part"] == "ram")
    assert ram["type"] == "DDR" and v.memory.facts["need_mb"] == 2048
    assert v.outcome is Outcome.READY_AFTER_UPGRADE
    assert v.disks[0].state is State.FAILING and v.grade == "C"


def test_unsupported_cpu_is_parts_only_with_harvest():
    m = replace(_machine(E5530, HEALTHY_SSD), cpu=PRE_I686)
    v = grade_machine(m, None, RULES)
    assert v.outcome is Outcome.PARTS_ONLY and v.grade is None and v.upgrades == ()
    kinds = [h["part"] for h in v.harvest]
    assert kinds.count("ram") == 2 and "disk" in kinds
    assert v.emmabuntus is None and any(r.code is Reason.NO_X86_64 for r in v.reasons)


def test_nothing_worth_keeping_is_recycling():
    m = replace(_machine(DV4000, FAILING_HDD), cpu=PRE_I686)
    v = grade_machine(m, None, RULES)
    assert v.outcome is Outcome.RECYCLING and v.harvest == ()


def test_failed_keyboard_is_a_repair_item_or_parts_only_by_rule(tmp_path):
    m = _machine(E5530, HEALTHY_SSD)
    checks = parse_check_args(["keyboard=fail", "wifi=ok"], cosmetic="b")
    v = grade_machine(m, checks, RULES)
    assert {"part": "keyboard", "repair": True} in v.upgrades
    assert v.outcome is Outcome.READY_AFTER_UPGRADE and v.cosmetic == "B"
    assert any(r.code is Reason.CHECK_FAILED and r.params == {"item": "keyboard"}
               for r in v.reasons)
    strict = tmp_path / "strict.toml"
    strict.write_text('version = "strict"\n[checks]\nkeyboard = "parts-only"\n')
    v2 = grade_machine(m, checks, load_rules(strict))
    assert v2.outcome is Outcome.PARTS_ONLY and v2.rules_version == "strict"


def test_battery_that_does_not_hold_charge_is_replaced():
    m = _machine(E5530, HEALTHY_SSD)
    v = grade_machine(m, Checks(battery_holds_charge=CheckState.FAIL), RULES)
    assert {"part": "battery"} in v.upgrades
    assert sum(1 for u in v.upgrades if u["part"] == "battery") == 1


def test_benchmark_score_drives_cpu_class():
    m = _machine(E5530, HEALTHY_SSD)
    slow = grade_machine(m, None, RULES, BenchScores(cpu=RULES.cpu.bench_slow - 1))
    fast = grade_machine(m, None, RULES, BenchScores(cpu=RULES.cpu.bench_high + 1))
    assert slow.cpu.facts["class"] == "entry" and fast.cpu.facts["class"] == "high"
    assert slow.score["total"] < fast.score["total"]


def test_verdict_round_trips_through_json():
    m = _machine(DV4000, FAILING_HDD)
    v = grade_machine(m, Checks(keyboard=CheckState.FAIL, cosmetic="C"), RULES)
    d = json.loads(json.dumps(v.to_dict()))
    assert set(d) >= {"outcome", "grade", "reasons", "upgrades", "harvest", "components",
                      "emmabuntus", "rules_version"}
    assert set(d["components"]) == {"disk", "battery", "memory", "cpu"}
    assert all(set(r) == {"code", "params", "component"} for r in d["reasons"])
    assert Verdict.from_dict(d) == v


def _fixture_machines():
    return sorted(p for p in MACHINES.glob("*") if (p / "commands").is_dir()) \
        if MACHINES.is_dir() else []


# What each recorded machine must become, and the reason that decides it.
EXPECTED = {
    # 4 GB laptop probed without root: MemTotal 3 896 MB is within the tolerance
    "aspire-es1-non-root": ("ready-after-upgrade", "DE6", {"BATTERY_ABSENT"}),
    # desktop, disk with 100 161 h: worn, replaced by an SSD
    "aspire-m3920-desktop": ("ready-after-upgrade", "DE6", {"HIGH_POWER_ON_HOURS"}),
    # Pentium M, 1 GB and DMI says 1 GB maximum: DE5 would fit, the RAM cannot
    "latitude-d600-32bit": ("parts-only", "DE5", {"NO_X86_64", "RAM_MAX_CAPACITY"}),
    # SMART FAILED disk and a 64 %-worn battery: SSD + battery
    "latitude-e5410-failing-disk": ("ready-after-upgrade", "DE6",
                                    {"SMART_FAILED", "REALLOCATED_SECTORS", "BATTERY_WEAR"}),
    "medion-usb-dock": ("ready", "DE6", set()),
}


# Quality grade and the to-do list of each recorded machine, as a technician would
# put it: what the machine is worth once the listed work is done.
EXPECTED_GRADE = {
    # Celeron N2840, 4 GB (MemTotal 3 896 MB), 500 GB HDD: entry CPU, HDD -> C
    "aspire-es1-non-root": ("C", ["battery"]),
    # i3-2100 (4 threads x 3.1 GHz: mid), 4 GB, worn HDD replaced by a 120 GB SSD -> B
    "aspire-m3920-desktop": ("B", ["ssd"]),
    # i5-2300 rated 2.8 GHz, read at its idle 1.6 GHz (no cpufreq): still mid, 4 GB
    # (MemTotal 3 946 MB), 320 GB HDD -> B; its worn second disk is taken out.
    "broken-tools": ("B", ["remove_disk"]),
    "latitude-e5410-failing-disk": ("B", ["ssd", "battery"]),
    "medion-usb-dock": ("A", []),
    "thinkbook-nvme-live-usb": ("A", ["battery"]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_GRADE))
def test_recorded_machines_get_a_sensible_grade_and_to_do_list(name):
    from reemploi.context import Context
    from reemploi.station.grading import open_machine, probe
    folder = MACHINES / name
    ctx, facts = open_machine(Context(home=folder), folder)
    v = grade_machine(probe(ctx, facts), None, RULES)
    grade, parts = EXPECTED_GRADE[name]
    assert (v.grade, [u["part"] for u in v.upgrades]) == (grade, parts), v.score


def test_rated_clock_stands_in_for_a_missing_cpufreq():
    from reemploi.grade.components import grade_cpu, rated_mhz
    assert rated_mhz("Intel(R) Core(TM) i5-2300 CPU @ 2.80GHz") == 2800
    assert rated_mhz("AMD Ryzen 7 5700U with Radeon Graphics") is None
    idle = Cpu(model="Intel(R) Core(TM) i5-2300 CPU @ 2.80GHz", threads=4, max_mhz=1600,
               flags=("lm", "sse2", "cmov"))
    assert grade_cpu(idle, RULES).facts["class"] == "mid"
    # cpufreq's turbo maximum above the rated clock is kept (i5-8250U: 1.6 rated, 3.4 max)
    turbo = replace(idle, model="Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz", threads=8,
                    max_mhz=3400)
    assert grade_cpu(turbo, RULES).facts["max_mhz"] == 3400


def test_a_failing_second_disk_is_taken_out_of_a_machine_that_goes_out():
    # Latitude E5530 with a healthy SSD and a SMART-FAILED Samsung HM640: the SSD is the
    # system disk, the failing one must not go to the family.
    m = _machine(E5530, HEALTHY_SSD)
    failing = replace(m.disks[0], name="sdb", path="/dev/sdb", smart=_smart(FAILING_HDD),
                      media=Media.HDD, serial="S2RXJ9FZ")
    v = grade_machine(replace(m, disks=(m.disks[0], failing)), None, RULES)
    assert {"part": "remove_disk", "name": "sdb", "state": "failing",
            "model": v.disks[1].facts["model"]} in v.upgrades
    assert v.outcome is Outcome.READY_AFTER_UPGRADE
    assert not any(u["part"] == "ssd" for u in v.upgrades)


@pytest.mark.parametrize("folder", _fixture_machines(), ids=lambda p: p.name)
def test_recorded_machines_get_a_complete_verdict(folder):
    from reemploi.context import Context
    from reemploi.station.grading import open_machine, probe

    ctx, facts = open_machine(Context(home=folder), folder)
    machine = probe(ctx, facts)
    v = grade_machine(machine, None, RULES)
    assert v.rules_version == RULES.version
    assert v.cpu is not None and v.memory is not None
    if v.outcome in (Outcome.READY, Outcome.READY_AFTER_UPGRADE):
        assert v.grade in ("A", "B", "C") and v.emmabuntus in ("DE6", "DE5")
    else:
        assert v.grade is None and v.upgrades == ()
    if v.outcome in (Outcome.READY, Outcome.READY_AFTER_UPGRADE):
        assert (v.outcome is Outcome.READY) == (v.upgrades == ())
    if folder.name in EXPECTED:
        outcome, edition, codes = EXPECTED[folder.name]
        assert (v.outcome.value, v.emmabuntus) == (outcome, edition)
        assert codes <= {r.code.value for r in v.reasons}


def test_checks_round_trip_and_french_answers():
    c = parse_check_args(["keyboard=oui", "wifi=HS", "webcam=na", "usb-ports=ok"], "c", "x")
    assert c.keyboard is CheckState.OK and c.wifi is CheckState.FAIL
    assert c.usb_ports is CheckState.OK and c.cosmetic == "C"
    assert Checks.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    assert c.failed() == ["wifi"] and Checks().empty and not c.empty


# --- a 64-bit machine whose RAM can never reach DE6's need gets DE5 amd64 -------------

GX520 = "lshw/ereuse-wb__tests__fixtures__optiplex-gx520.lshw.json"


def _dmi_memory(fragment: str):
    from conftest import corpus_rows
    from reemploi.probe.dmidecode import parse_dmidecode
    row = next(r for r in corpus_rows("dmidecode") if fragment in r["local_path"])
    return parse_dmidecode(corpus_file(row["local_path"]).read_bytes()).memory


def _fallback(v):
    return next((r for r in v.reasons if r.code is Reason.RAM_EDITION_FALLBACK), None)


def test_64_bit_optiplex_with_full_ddr_slots_gets_de5_amd64_not_recycling():
    # OptiPlex GX520 (eReuse corpus): Pentium 4 with EM64T, 2 x 512 MB "DDR" in its
    # two slots. DDR modules stop at 1 GB: DE6's 4 GB is out of reach, DE5 amd64's
    # 2 GB is not (2 x 1 GB). It used to be graded "recycling".
    info = parse_lshw(corpus_file(GX520).read_bytes())
    assert {"lm", "sse2"} <= set(info.cpu.flags)
    m = Machine(system=info.system, cpu=info.cpu, memory=info.memory, disks=info.disks)
    v = grade_machine(m, None, RULES)
    assert (v.outcome, v.emmabuntus, v.emmabuntus_arch) == \
        (Outcome.READY_AFTER_UPGRADE, "DE5", "amd64")
    assert _fallback(v).params == {"edition": "DE6", "need": 4096, "mb": 1024,
                                   "fallback": "DE5", "arch": "amd64", "cause": "no-slot"}
    assert v.memory.state is State.UPGRADEABLE and v.memory.facts["need_mb"] == 2048
    ram = next(u for u in v.upgrades if u["part"] == "ram")
    assert (ram["count"], ram["size_gb"], ram["replaces_mb"]) == (2, 1, [512, 512])
    assert v.cpu.facts["emmabuntus"] == "DE6"     # what the CPU alone could run


@pytest.mark.parametrize("fragment, cause, to_do, mem_state", [
    # Lenovo 3000 C100: 2 x 512 MB DDR, board maximum 2 GB -> DE5 after 2 x 1 GB
    ("3000_C100", "max-capacity", ["ram", "battery"], State.UPGRADEABLE),
    # ThinkCentre 8705: 2 x 1 GB DDR, both slots full -> DE5 with its RAM as it is
    ("ThinkCentre_XXXX_8705", "no-slot", ["battery"], State.ENOUGH),
])
def test_real_memory_that_cannot_reach_de6_on_a_64_bit_cpu(fragment, cause, to_do, mem_state):
    cpu = parse_lshw(corpus_file(GX520).read_bytes()).cpu
    healthy = _machine(E5530, HEALTHY_SSD)
    m = replace(healthy, cpu=cpu, memory=_dmi_memory(fragment))
    v = grade_machine(m, None, RULES)
    assert (v.emmabuntus, v.emmabuntus_arch, v.memory.state) == ("DE5", "amd64", mem_state)
    assert _fallback(v).params["cause"] == cause and _fallback(v).params["need"] == 4096
    # the E5530 laptop around it has no battery here: one to fit, like any laptop
    assert v.outcome is Outcome.READY_AFTER_UPGRADE and v.grade in ("A", "B", "C")
    assert [u["part"] for u in v.upgrades] == to_do
    if cause == "max-capacity":
        assert _fallback(v).params["max_mb"] == 2048


def test_soldered_2_gb_on_a_64_bit_cpu_gets_de5_amd64():
    from reemploi.model import Memory, MemoryModule
    soldered = Memory(total_mb=2048, slots_total=1, modules=(
        MemoryModule(size_mb=2048, type="LPDDR3", form_factor="Row Of Chips"),))
    m = replace(_machine(E5530, HEALTHY_SSD), memory=soldered)
    v = grade_machine(m, None, RULES)
    assert (v.outcome, v.emmabuntus, v.emmabuntus_arch) == \
        (Outcome.READY_AFTER_UPGRADE, "DE5", "amd64")
    assert v.upgrades == ({"part": "battery"},) and v.memory.state is State.ENOUGH
    assert _fallback(v).params["cause"] == "soldered"
    en = render.render_verdict(v, "en")
    assert "Emmabuntüs: DE5 amd64" in en
    assert "DE6 needs 4,096 MB of RAM and the 2,048 MB fitted are soldered" in en
    fr = render.render_verdict(v, "fr")
    assert "DE6 demande 4\u202f096 Mo de mémoire vive" in fr and "DE5 amd64 à la place" in fr


def test_no_fallback_when_de6_ram_can_be_bought_or_de5_cannot_be_reached_either():
    cpu64 = parse_lshw(corpus_file(GX520).read_bytes()).cpu
    base = _machine(E5530, HEALTHY_SSD)
    # Fujitsu S6420: 2 GB and a free SODIMM slot: buy 4 GB and give it with DE6.
    v = grade_machine(replace(base, cpu=cpu64, memory=_dmi_memory("Fujitsu__S__S6420")),
                      None, RULES)
    assert (v.emmabuntus, v.emmabuntus_arch) == ("DE6", "amd64") and _fallback(v) is None
    assert any(u["part"] == "ram" for u in v.upgrades)
    # MicronPC EU3: 512 MB, board maximum 512 MB: not even DE5 fits -> parts only.
    v = grade_machine(replace(base, cpu=cpu64, memory=_dmi_memory("MicronPc_MPC__EU3")),
                      None, RULES)
    assert v.outcome is Outcome.PARTS_ONLY and _fallback(v) is None
    assert v.memory.state is State.TOO_LITTLE and v.memory.facts["need_mb"] == 4096
    # 32-bit CPU: DE5 i386 as before, whatever the RAM.
    v = grade_machine(_machine(DV4000, FAILING_HDD), None, RULES)
    assert (v.emmabuntus, v.emmabuntus_arch) == ("DE5", "i386") and _fallback(v) is None


def test_a_workshop_can_drop_de5_amd64_and_get_the_old_verdict(tmp_path):
    # Editions are data: without a lighter amd64 edition there is nothing to fall back to.
    own = tmp_path / "own.toml"
    own.write_text('version = "no-de5-64"\n'
                   '[[emmabuntus]]\nname = "DE6"\ndebian = 13\narch = "amd64"\n'
                   'requires_flags = ["lm", "sse2"]\nmin_ram_mb = 4096\n'
                   '[[emmabuntus]]\nname = "DE5"\ndebian = 12\narch = "i386"\n'
                   'requires_flags = ["cmov"]\nmin_ram_mb = 2048\n', encoding="utf-8")
    info = parse_lshw(corpus_file(GX520).read_bytes())
    m = Machine(system=info.system, cpu=info.cpu, memory=info.memory, disks=info.disks)
    v = grade_machine(m, None, load_rules(own))
    assert v.outcome in (Outcome.PARTS_ONLY, Outcome.RECYCLING) and _fallback(v) is None
