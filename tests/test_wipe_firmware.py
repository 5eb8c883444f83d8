"""Firmware erase paths replayed from recorded outputs; asserts the exact argv run.

The capability dumps (``hdparm -I``, ``nvme id-ctrl``) are real recordings (see
tests/fixtures/hdparm/SOURCES.md). The action commands' own stdout is not parsed, so
their recordings only carry the exit status under test; the status outputs that *are*
parsed (``hdparm --sanitize-status``, ``nvme sanitize-log``) are documented there.
"""

import shutil

import pytest

from conftest import CORPUS, FIXTURES
from reemploi.context import Context
from reemploi.model import Disk, Media
from reemploi.system.runner import ReplayRunner, recording_name
from reemploi.wipe import firmware
from reemploi.wipe import run as wiperun
from reemploi.wipe.plan import ATA_PASSWORD, Blocker, Technique

HD = FIXTURES / "hdparm"
NV = FIXTURES / "nvme"
PW = ATA_PASSWORD

SSD = Disk("sda", "/dev/sda", model="SAMSUNG SSD PM830", serial="S0XP", size_bytes=256060514304,
           media=Media.SSD, transport="sata")
NVME = Disk("nvme0n1", "/dev/nvme0n1", model="m", serial="s", size_bytes=500107862016,
            media=Media.NVME, transport="nvme")


def replay(tmp_path, recordings: dict) -> ReplayRunner:
    """recordings: argv tuple -> (stdout bytes or fixture Path, rc)."""
    folder = tmp_path / "replay"
    folder.mkdir()
    recordings = {HDPARM_V: (HD / "versions" / "hdparm-V.txt", 0),
                  NVME_V: (HD / "versions" / "nvme-version.txt", 0), **recordings}
    for argv, (out, rc) in recordings.items():
        target = folder / recording_name(argv)
        if hasattr(out, "read_bytes"):
            shutil.copyfile(out, target)
        else:
            target.write_bytes(out)
        if rc:
            target.with_name(target.name + ".rc").write_text(f"{rc}\n")
    return ReplayRunner(folder)


def run_disk(tmp_path, runner, disk, **opts):
    ctx = Context(runner=runner, home=tmp_path / "home", station="T", operator="op", replay=True)
    options = wiperun.WipeOptions(verify="none", poll_seconds=0, **opts)
    job = wiperun.make_job(ctx, disk, options)
    plan = job.plan
    if plan.blocker:
        return plan, None
    return plan, wiperun.execute(ctx, job, options)


PASSWORD_SET = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I-password-set.txt"
QEMU = FIXTURES / "qemu" / "commands"


def security_states(runner: ReplayRunner, *after, path: str = "/dev/sda") -> None:
    """``hdparm -I PATH`` answers, call by call after the first: by default (one
    argument, the recorded dump) the PM830 with our password set (2nd call: the
    variant documented in SOURCES.md), then the PM830 as recorded (3rd); with more
    arguments, exactly those from the 2nd call on (the first argument is the 1st)."""
    states = after[1:] if len(after) > 1 else (PASSWORD_SET, *after)
    name = recording_name(("hdparm", "-I", path))
    for k, source in enumerate(states, start=2):
        shutil.copyfile(source, runner.folder / f"{name}~{k}")


HDPARM_V = ("hdparm", "-V")
NVME_V = ("nvme", "version")
SMART_SDA = ("smartctl", "--json=c", "-x", "/dev/sda")
SMART_NVME = ("smartctl", "--json=c", "-x", "/dev/nvme0n1")
PROBE_SDA = [("hdparm", "-I", "/dev/sda"), ("hdparm", "-N", "/dev/sda"),
             ("hdparm", "--dco-identify", "/dev/sda"), SMART_SDA]


def test_security_erase_enhanced_success(tmp_path):
    ident = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt"
    # Any real SATA SSD's smartctl output will do for the SMART summary (corpus).
    smart = CORPUS / "smartctl" / "ssd" / "peracotta__tests__source_files__smartctl__test10.txt"
    runner = replay(tmp_path, {
        ("hdparm", "-I", "/dev/sda"): (ident, 0),
        SMART_SDA: (smart, 0),
        ("hdparm", "--user-master", "u", "--security-set-pass", PW, "/dev/sda"): (b"", 0),
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda"): (b"", 0),
    })
    security_states(runner, ident)
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert plan.technique is Technique.ATA_SECURITY_ERASE_ENHANCED
    assert rec.result == "success" and rec.nist == "purge" and rec.percent_erased == 100.0
    assert runner.calls == PROBE_SDA + [
        HDPARM_V,
        ("hdparm", "--user-master", "u", "--security-set-pass", PW, "/dev/sda"),
        ("hdparm", "-I", "/dev/sda"),          # password taken? ("enabled": yes)
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda"),
        ("hdparm", "-I", "/dev/sda"),          # password cleared? ("not enabled": yes)
    ]
    assert rec.smart["health"] == "passed" and rec.smart["power_on_hours"] == 1072
    assert rec.tool["external"] == {"hdparm": "hdparm v9.65"}
    # The temporary password never reaches the record.
    assert all(PW not in c.argv for c in rec.commands)


def test_security_erase_failure_clears_the_password_and_records_failed(tmp_path):
    ident = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt"
    runner = replay(tmp_path, {
        ("hdparm", "-I", "/dev/sda"): (ident, 0),
        ("hdparm", "--user-master", "u", "--security-set-pass", PW, "/dev/sda"): (b"", 0),
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda"): (b"", 5),
        ("hdparm", "--user-master", "u", "--security-disable", PW, "/dev/sda"): (b"", 0),
    })
    security_states(runner, ident)
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert rec.result == "failed" and rec.percent_erased == 0.0
    assert runner.calls[-2:] == [
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda"),
        ("hdparm", "--user-master", "u", "--security-disable", PW, "/dev/sda")]
    assert rec.errors


def test_ata_sanitize_block_erase_then_status(tmp_path):
    ident = HD / "tesla-ssd-sanitize-frozen" / "hdparm-I.txt"
    status = HD / "sanitize-status" / "done.txt"
    runner = replay(tmp_path, {
        ("hdparm", "-I", "/dev/sda"): (ident, 0),
        ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-block-erase", "/dev/sda"): (b"", 0),
        ("hdparm", "--sanitize-status", "/dev/sda"): (status, 0),
    })
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert rec.result == "success" and rec.technique == "ata-sanitize-block-erase"
    assert "security-frozen-sanitize-used" in rec.caveats
    assert runner.calls == [("hdparm", "-I", "/dev/sda"), ("hdparm", "-N", "/dev/sda"),
                            SMART_SDA, HDPARM_V,
                            ("hdparm", "--yes-i-know-what-i-am-doing", "--sanitize-block-erase",
                             "/dev/sda"),
                            ("hdparm", "--sanitize-status", "/dev/sda")]


def test_sanitize_status_decoding():
    assert firmware.ata_sanitize_state((HD / "sanitize-status" / "in-progress.txt").read_text()) \
        == firmware.IN_PROGRESS
    assert firmware.ata_sanitize_state((HD / "sanitize-status" / "done.txt").read_text()) \
        == firmware.DONE
    assert firmware.nvme_sanitize_state((NV / "sanitize-log" / "done.json").read_text()) \
        == firmware.DONE
    assert firmware.nvme_sanitize_state('{"nvme0":{"sprog":3000,"sstat":{"status":'
                                        '"(2) Sanitize in progress"}}}') == firmware.IN_PROGRESS
    assert firmware.nvme_sanitize_state('{"nvme0":{"sstat":{"status":"(3) failed"}}}') \
        == firmware.FAILED


def test_frozen_hdd_with_firmware_method_runs_nothing_destructive(tmp_path):
    ident = HD / "wd40efrx-hdd-frozen-enhanced" / "hdparm-I.txt"
    hdd = Disk("sda", "/dev/sda", model="WDC", serial="x", size_bytes=4 * 10**12,
               media=Media.HDD, transport="sata")
    runner = replay(tmp_path, {("hdparm", "-I", "/dev/sda"): (ident, 0)})
    plan, rec = run_disk(tmp_path, runner, hdd, method="firmware")
    assert plan.blocker is Blocker.FROZEN and rec is None
    assert runner.calls == PROBE_SDA    # probes only


@pytest.mark.parametrize("folder, argv", [
    ("samsung-pm1733-crypto-sanitize", ("nvme", "sanitize", "/dev/nvme0", "--sanact=4")),
    ("tforce-tm8fpl500g-block-sanitize", ("nvme", "sanitize", "/dev/nvme0", "--sanact=2")),
])
def test_nvme_sanitize(tmp_path, folder, argv):
    ident = next((NV / folder).glob("*.txt"))
    runner = replay(tmp_path, {
        ("nvme", "id-ctrl", "-H", "/dev/nvme0"): (ident, 0),
        argv: (b"", 0),
        ("nvme", "sanitize-log", "/dev/nvme0", "-o", "json"): (NV / "sanitize-log" / "done.json", 0),
    })
    plan, rec = run_disk(tmp_path, runner, NVME)
    assert rec.result == "success" and rec.nist == "purge"
    assert runner.calls == [("nvme", "id-ctrl", "-H", "/dev/nvme0"), SMART_NVME, NVME_V, argv,
                            ("nvme", "sanitize-log", "/dev/nvme0", "-o", "json")]


def test_nvme_without_sanitize_formats_with_crypto_erase(tmp_path):
    ident = NV / "samsung-970-evo-plus-no-sanitize" / "nvme-id-ctrl.txt"
    fmt = ("nvme", "format", "/dev/nvme0n1", "--ses=2", "--force")
    runner = replay(tmp_path, {("nvme", "id-ctrl", "-H", "/dev/nvme0"): (ident, 0), fmt: (b"", 0)})
    plan, rec = run_disk(tmp_path, runner, NVME)
    assert rec.result == "success" and rec.technique == "nvme-format-crypto-erase"
    assert runner.calls == [("nvme", "id-ctrl", "-H", "/dev/nvme0"), SMART_NVME, NVME_V, fmt]
    assert rec.tool["external"] == {"nvme": "nvme version 2.3 (git 2.3)"}


def test_nvme_sanitize_failure_is_recorded_failed(tmp_path):
    ident = NV / "samsung-pm1733-crypto-sanitize" / "nvme-id-ctrl-H.txt"
    argv = ("nvme", "sanitize", "/dev/nvme0", "--sanact=4")
    runner = replay(tmp_path, {("nvme", "id-ctrl", "-H", "/dev/nvme0"): (ident, 0),
                               argv: (b"", 1)})
    plan, rec = run_disk(tmp_path, runner, NVME)
    assert rec.result == "failed" and rec.percent_erased == 0.0
    assert runner.calls[-1] == argv          # no status poll after a refused sanitize


def test_hpa_is_reported_and_counted_as_not_erased(tmp_path):
    """``hdparm -N`` here is a documented variant (hdparm 9.65's line layout, see
    SOURCES.md): 2 000 sectors hidden on the PM830."""
    ident = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt"
    runner = replay(tmp_path, {
        ("hdparm", "-I", "/dev/sda"): (ident, 0),
        ("hdparm", "-N", "/dev/sda"): (b"\n/dev/sda:\n max sectors   = 500116192/500118192, "
                                       b"HPA is enabled\n", 0),
        ("hdparm", "--user-master", "u", "--security-set-pass", PW, "/dev/sda"): (b"", 0),
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda"): (b"", 0),
    })
    security_states(runner, ident)
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert "hpa-present" in rec.caveats
    assert rec.hpa == {"enabled": True, "visible_sectors": 500116192,
                       "native_sectors": 500118192, "hidden_sectors": 2000}
    assert rec.result == "success" and rec.percent_erased < 100.0


def test_rescan_after_hpa_removal_writes_the_sysfs_attribute(tmp_path):
    from reemploi.system.sysfs import Sysfs
    from reemploi.wipe.plan import Step
    root = tmp_path / "root"
    attr = root / "sys" / "class" / "block" / "sda" / "device" / "rescan"
    attr.parent.mkdir(parents=True)
    attr.write_text("")
    ctx = Context(runner=ReplayRunner(tmp_path), sysfs=Sysfs(root), home=tmp_path / "home",
                  station="T")
    job = wiperun.Job(SSD, wiperun.plan_wipe(SSD, verify="none"))
    state = wiperun._Run(ctx, job, wiperun.WipeOptions(), __import__("threading").Event(), None)
    state.do(Step("rescan"))
    assert attr.read_text() == "1\n" and state.errors == []


def test_hpa_removed_but_overwrite_stopped_at_the_old_size_is_not_100_percent(tmp_path, loopdev):
    """--remove-hpa: if the kernel kept the old capacity (rescan refused), the pass
    wrote only the formerly visible sectors: the record must not claim 100 %."""
    from reemploi.probe.hdparm import parse_hdparm_N
    dev = loopdev(8 << 20)
    ctx = Context(home=tmp_path / "home", station="T")
    options = wiperun.WipeOptions(method="zero", verify="none", remove_hpa=True)
    [job] = wiperun.prepare(ctx, [dev.path], options)
    sectors = (8 << 20) // 512
    hpa = parse_hdparm_N(f"\n{dev.path}:\n max sectors   = {sectors}/{sectors + 2048}, "
                         "HPA is enabled\n")
    plan = wiperun.plan_wipe(job.disk, method="zero", verify="none", hpa=hpa, remove_hpa=True)
    # Drop the hdparm -N / rescan steps: a loop device has no HPA to remove.
    plan = __import__("dataclasses").replace(
        plan, steps=tuple(s for s in plan.steps if s.kind == "overwrite"))
    rec = wiperun.execute(ctx, wiperun.Job(job.disk, plan), options)
    assert rec.result == "success" and rec.bytes_written == 8 << 20
    assert rec.percent_erased < 100.0


def _pm830_erase_on(dev, size: int, tmp_path):
    """A loop device standing in for the PM830 SSD: its recorded ``hdparm -I`` (not
    frozen, enhanced erase supported) and the set-pass/erase commands replayed, while
    the verification's sampling reads the real device. Returns (ctx, disk)."""
    from dataclasses import replace
    ssd = replace(SSD, name=dev.path.rsplit("/", 1)[1], path=dev.path, size_bytes=size)
    ident = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt"
    runner = replay(tmp_path, {
        ("hdparm", "-I", dev.path): (ident, 0),
        ("hdparm", "--user-master", "u", "--security-set-pass", PW, dev.path): (b"", 0),
        ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, dev.path): (b"", 0),
    })
    security_states(runner, ident, path=dev.path)
    return Context(runner=runner, home=tmp_path / "home", station="T", operator="op",
                   replay=True), ssd


def test_firmware_erase_of_a_blank_drive_is_inconclusive_not_passed(tmp_path, loopdev):
    """Every sampled area reads blank before the erase (a new or already zeroed drive):
    the before/after comparison has nothing to compare. The erase itself is replayed
    (recorded hdparm outputs); the sampling reads a real, blank loop device. The wipe
    stands, its verification says "inconclusive", and the certificate does not say
    "each was verified"."""
    import subprocess

    from reemploi.wipe.certificate import CertificateRequest, issue
    from reemploi.documents.certificate import render_certificate_pdf

    dev = loopdev(64 << 20)
    ctx, ssd = _pm830_erase_on(dev, 64 << 20, tmp_path)
    options = wiperun.WipeOptions(verify="sample", poll_seconds=0)
    job = wiperun.make_job(ctx, ssd, options)
    assert [s.kind for s in job.plan.steps][0] == "fingerprint"
    rec = wiperun.execute(ctx, job, options)
    assert rec.result == "success", rec.errors
    assert rec.verification["mode"] == "sample-changed"
    assert rec.verification["result"] == "inconclusive" and rec.verification["locations"] == 0
    # NIST SP 800-88 r1 §4.7.3: the sample read at least 10 % of the media; none of it
    # held data, so nothing could be compared.
    assert rec.verification["coverage_percent"] >= 10
    assert rec.verification["compared_percent"] == 0

    [event_id] = wiperun.record_all(ctx, [rec])
    issued, doc = issue(ctx, CertificateRequest(event_ids=(event_id,)), tmp_path / "certs")
    media = doc["certificate"]["media"][0]
    assert media["verification"]["result"] == "inconclusive"
    pdf = render_certificate_pdf(doc, issued.sha256, tmp_path / "c.pdf", "en")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True).stdout.split())
    assert "NOT verified" in text and "each was verified" not in text, text
    assert "inconclusive" in text and "passed" not in text.split("Verification", 1)[1][:200]


def test_firmware_erase_that_changed_nothing_still_fails(tmp_path, loopdev):
    """The other side: data in the sampled areas that reads the same after the "erase"
    (here the replayed command erases nothing) is a failed verification."""
    import os

    dev = loopdev(16 << 20)
    with open(dev.path, "r+b") as fh:
        fh.write(os.urandom(16 << 20))
    ctx, ssd = _pm830_erase_on(dev, 16 << 20, tmp_path)
    options = wiperun.WipeOptions(verify="sample", poll_seconds=0)
    rec = wiperun.execute(ctx, wiperun.make_job(ctx, ssd, options), options)
    assert rec.result == "failed" and rec.verification["result"] == "failed"
    assert rec.verification["locations"] > 0
    # A disk full of data: every sampled byte (at least 10 % of it) was compared.
    assert rec.verification["compared_percent"] == rec.verification["coverage_percent"] >= 10


def test_a_firmware_erase_is_checked_by_sampling_even_by_default(tmp_path, loopdev):
    """Full read-back is the default for overwrites; a firmware erase leaves content
    nobody can predict, so it keeps the NIST sample (before/after)."""
    dev = loopdev(16 << 20)
    ctx, ssd = _pm830_erase_on(dev, 16 << 20, tmp_path)
    job = wiperun.make_job(ctx, ssd, wiperun.WipeOptions())
    assert job.plan.firmware and job.plan.verify == "sample"
    assert [s.kind for s in job.plan.steps][-1] == "verify-changed"


# --- hdparm exits 0 when the drive aborts (issue 13) -------------------------------
# The action outputs below are real: hdparm 9.65 in a QEMU 7.2 guest on its emulated
# ide-hd, which has no ATA security and aborts every SECURITY command
# (tests/fixtures/qemu, record.sh): "SG_IO: bad/missing sense data, sb[]: 70 00 0b"
# (sense key ABORTED COMMAND) on stderr, exit status 0.

def _aborting(tmp_path, erase_rc=0):
    ident = HD / "pm830-ssd-not-frozen-enhanced" / "hdparm-I.txt"
    set_pass = ("hdparm", "--user-master", "u", "--security-set-pass", PW, "/dev/sda")
    erase = ("hdparm", "--user-master", "u", "--security-erase-enhanced", PW, "/dev/sda")
    disable = ("hdparm", "--user-master", "u", "--security-disable", PW, "/dev/sda")
    runner = replay(tmp_path, {
        ("hdparm", "-I", "/dev/sda"): (ident, 0),
        set_pass: (QEMU / recording_name(set_pass), 0),
        erase: (QEMU / recording_name(erase[:3] + ("--security-erase",) + erase[4:]), erase_rc),
        disable: (QEMU / recording_name(disable), 0),
    })
    return runner, ident, set_pass, erase, disable


def test_an_aborted_set_password_with_exit_0_stops_before_the_erase(tmp_path):
    runner, ident, set_pass, erase, disable = _aborting(tmp_path)
    security_states(runner, ident, ident)          # the drive's state did not change
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert rec.result == "failed" and rec.percent_erased == 0.0
    assert erase not in runner.calls                 # never erased on a drive that said no
    assert runner.calls[-3:] == [set_pass, ("hdparm", "-I", "/dev/sda"), disable]
    assert any("did not take the password" in e for e in rec.errors), rec.errors
    assert [c.returncode for c in rec.commands if "--security-set-pass" in c.argv] == [0]


def test_an_aborted_erase_with_exit_0_is_a_failed_wipe(tmp_path):
    runner, ident, set_pass, erase, disable = _aborting(tmp_path)
    # Password taken; the erase "succeeds" (exit 0, aborted sense) and the drive still
    # says enabled: the erase never ran.
    security_states(runner, ident, PASSWORD_SET, PASSWORD_SET)
    plan, rec = run_disk(tmp_path, runner, SSD)
    assert rec.result == "failed" and rec.percent_erased == 0.0
    assert runner.calls[-4:] == [("hdparm", "-I", "/dev/sda"), erase,
                                 ("hdparm", "-I", "/dev/sda"), disable]
    assert any("still enabled" in e for e in rec.errors), rec.errors


def test_qemu_ide_hd_offers_no_firmware_erase(tmp_path):
    """The real IDENTIFY of QEMU's ide-hd has no Security section: asked for a firmware
    erase, the plan says so and runs nothing."""
    from reemploi.system.runner import ReplayRunner as Replay
    folder = tmp_path / "q"
    shutil.copytree(QEMU, folder)
    for argv in (("hdparm", "-N", "/dev/sda"), ("hdparm", "--dco-identify", "/dev/sda")):
        (folder / recording_name(argv)).write_bytes(b"")
    disk = Disk("sda", "/dev/sda", model="QEMU HARDDISK", size_bytes=67108864,
                media=Media.HDD, transport="ata")
    plan, rec = run_disk(tmp_path, Replay(folder), disk, method="firmware")
    assert plan.blocker is Blocker.NO_FIRMWARE_ERASE and rec is None
