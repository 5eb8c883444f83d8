"""Disk verdicts on the real smartctl corpus, driven by the manifest's markers."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, corpus_file, corpus_rows
from reemploi.grade.engine import grade_disk
from reemploi.grade.rules import load_rules
from reemploi.grade.verdict import Reason, State
from reemploi.model import Disk, Health, Media, Smart
from reemploi.probe.smartctl import parse_smartctl_all

RULES = load_rules()
QEMU = FIXTURES / "qemu" / "commands"
ROWS = corpus_rows("smartctl")

# manifest marker -> the reason code the engine must give
MARKER_CODES = {
    "smart-status-FAILED": Reason.SMART_FAILED,
    "Reallocated_Sector_Ct": Reason.REALLOCATED_SECTORS,
    "Current_Pending_Sector": Reason.PENDING_SECTORS,
    "Offline_Uncorrectable": Reason.OFFLINE_UNCORRECTABLE,
    "media_errors": Reason.NVME_MEDIA_ERRORS,
    "critical_warning": Reason.NVME_CRITICAL_WARNING,
    "percentage_used": Reason.NVME_PERCENTAGE_USED,
}
PACKED = 1 << 32   # raw fields this large are packed vendor data, not counts


def _notes(row) -> list[str]:
    return row["notes"].split(";")


def _markers(row, prefix: str) -> list[tuple[str, int | None]]:
    out = []
    for note in _notes(row):
        if note.startswith(prefix):
            name, _, value = note[len(prefix):].partition("=")
            out.append((name, int(value) if value.isdigit() else None))
    return out


def _verdict(row):
    smarts = parse_smartctl_all(corpus_file(row["local_path"]).read_bytes())
    return grade_disk(smarts[0], None, RULES)


def _id(row) -> str:
    return row["local_path"].split("/")[-1][:70]


FAILING = [r for r in ROWS if _markers(r, "failing:")]
WORN = [r for r in ROWS if _markers(r, "worn:")]
HIGH_POH = [r for r in ROWS if "high-poh" in _notes(r) and "bogus-poh" not in _notes(r)]
MODERN_OK = [r for r in ROWS if any(n in ("cat=hdd-modern", "cat=ssd-ok", "cat=nvme-ok")
                                    for n in _notes(r)) and "high-poh" not in _notes(r)]


def test_the_corpus_has_the_rows_we_need():
    assert len(FAILING) >= 35 and len(WORN) >= 3 and len(HIGH_POH) >= 30 and len(MODERN_OK) >= 30


@pytest.mark.parametrize("row", FAILING, ids=_id)
def test_failing_rows_grade_failing_with_the_right_reason(row):
    v = _verdict(row)
    codes = {r.code for r in v.reasons}
    real = [(name, value) for name, value in _markers(row, "failing:")
            if value is None or value < PACKED]
    if not real:
        # peracotta mini_ide03 (FUJITSU MHV2060AT): raw 8 589 934 592 000 is printed by
        # smartctl as "0 (2000 0)": zero reallocated sectors, the rest is vendor data.
        assert Reason.REALLOCATED_SECTORS not in codes
        return
    assert v.state is State.FAILING, (v.state, v.reasons)
    for name, value in real:
        assert MARKER_CODES[name] in codes, (name, v.reasons)
        if value is not None and name != "smart-status-FAILED":
            params = [r.params for r in v.reasons if r.code is MARKER_CODES[name]]
            assert value in [p.get("count", p.get("value", p.get("pct"))) for p in params]


@pytest.mark.parametrize("row", WORN, ids=_id)
def test_worn_nvme_rows_grade_at_least_worn(row):
    v = _verdict(row)
    assert v.state in (State.WORN, State.FAILING)
    for name, value in _markers(row, "worn:"):
        assert any(r.code is MARKER_CODES[name] and r.params["pct"] == value for r in v.reasons)


@pytest.mark.parametrize("row", HIGH_POH, ids=_id)
def test_high_poh_rows_get_high_power_on_hours(row):
    v = _verdict(row)
    hits = [r for r in v.reasons if r.code is Reason.HIGH_POWER_ON_HOURS]
    assert hits and hits[0].params["hours"] >= RULES.disk.power_on_hours_worn
    assert v.state in (State.WORN, State.FAILING)


@pytest.mark.parametrize("row", MODERN_OK, ids=_id)
def test_healthy_modern_drives_grade_healthy(row):
    v = _verdict(row)
    assert v.state is State.HEALTHY, v.reasons


def test_bogus_poh_is_not_taken_as_hours():
    row = next(r for r in ROWS if "bogus-poh" in _notes(r))
    v = _verdict(row)
    assert not v.has(Reason.HIGH_POWER_ON_HOURS)
    assert v.facts["power_on_hours"] is None or v.facts["power_on_hours"] < 200_000


def test_no_smart_data_is_unknown_not_healthy():
    row = next(r for r in ROWS if "info-only(-i)" in r["notes"])
    assert _verdict(row).state is State.UNKNOWN
    assert grade_disk(None, None, RULES).has(Reason.SMART_UNAVAILABLE)


def test_implausible_hours_are_reported_not_used():
    v = grade_disk(Smart(available=True, health=Health.PASSED, power_on_hours=4_661_094),
                   None, RULES)
    assert v.state is State.HEALTHY and v.has(Reason.IMPLAUSIBLE_VALUE)


def test_disk_facts_and_small_disk():
    smart = Smart(available=True, health=Health.PASSED, power_on_hours=10, rotation_rpm=0)
    disk = Disk(name="sda", path="/dev/sda", size_bytes=32 * 10**9, serial="S1")
    v = grade_disk(smart, disk, RULES)
    assert v.component == "disk:sda" and v.facts["media"] == Media.SSD.value
    assert v.facts["identity"] == "serial:S1" and v.has(Reason.DISK_TOO_SMALL)


# --- Available Spare against the drive's own threshold (issue 13) -------------------

def _nvme(spare: int | None, threshold: int | None) -> Disk:
    smart = Smart(available=True, health=Health.PASSED, protocol="NVMe",
                  nvme_available_spare_pct=spare, nvme_available_spare_threshold_pct=threshold,
                  nvme_percentage_used=0)
    return Disk(name="nvme0n1", path="/dev/nvme0n1", media=Media.NVME, size_bytes=256 << 30,
                smart=smart)


@pytest.mark.parametrize("spare, threshold, low", [
    (0, 0, False),      # QEMU's emulated NVMe: neither byte filled (hw/nvme/ctrl.c)
    (100, 0, False),    # Intel MEMPEK1W032GA / SSDPE21K750GA in the corpus: no threshold
    (3, 0, True),       # a real reading with no maker threshold: the rules' 10 %
    (9, 10, True),      # below the drive's own threshold
    (10, 10, False),    # at it: the NVMe spec warns only *below* (Critical Warning bit 0)
    (20, 32, True),     # a maker threshold above our rules' figure wins
    (8, 5, False),      # and one below it too: the maker knows its flash
    (5, None, True),    # no threshold read: the rules decide alone
])
def test_spare_is_judged_against_the_drive_threshold(spare, threshold, low):
    verdict = grade_disk(_nvme(spare, threshold).smart, _nvme(spare, threshold), RULES)
    assert verdict.has(Reason.NVME_SPARE_LOW) is low, verdict


@pytest.mark.parametrize("path, spare, threshold", [
    (corpus_file("smartctl/nvme/smartctl_exporter__testdata__nvme-null-INTEL_MEMPEK1W032GA-nvme0.json"), 100, 0),
    (corpus_file("smartctl/nvme/linuxhw-ED__NVMe__Intel__SSDPE21__SSDPE21K750GA__ABF12D38158B.txt"), 100, 0),
    # Recorded here in a QEMU 7.2 guest (tests/fixtures/qemu): the emulated NVMe.
    (QEMU / "smartctl__--json=c__-x___dev_nvme0n1", 0, 0),
    (QEMU / "smartctl__-x___dev_nvme0", 0, 0),
])
def test_parsers_read_the_spare_threshold(path, spare, threshold):
    smart = parse_smartctl_all(path.read_bytes())[0]
    assert smart.nvme_available_spare_pct == spare
    assert smart.nvme_available_spare_threshold_pct == threshold
    assert not grade_disk(_nvme(spare, threshold).smart, _nvme(spare, threshold), RULES).has(Reason.NVME_SPARE_LOW)
