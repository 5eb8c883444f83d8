"""The pure wipe plan: media × capabilities → technique, NIST category, exact commands."""

import pytest

from conftest import FIXTURES
from reemploi.model import Disk, Media
from reemploi.probe.hdparm import HpaState, DcoState, parse_hdparm_identify
from reemploi.probe.nvme import parse_nvme_id_ctrl
from reemploi.wipe.plan import ATA_PASSWORD, Blocker, Caveat, Nist, Technique, plan_wipe

HD = FIXTURES / "hdparm"
NV = FIXTURES / "nvme"


def ata(name):
    return parse_hdparm_identify((HD / name / "hdparm-I.txt").read_text(errors="replace"))


def nvme(name):
    return parse_nvme_id_ctrl(next((NV / name).glob("*.txt")).read_text())


SSD = Disk("sda", "/dev/sda", model="m", serial="s", size_bytes=256 * 10**9, media=Media.SSD,
           transport="sata")
HDD = Disk("sda", "/dev/sda", model="m", serial="s", size_bytes=4 * 10**12, media=Media.HDD,
           transport="sata")
NVME = Disk("nvme0n1", "/dev/nvme0n1", model="m", serial="s", size_bytes=500 * 10**9,
            media=Media.NVME, transport="nvme")


def test_sata_ssd_not_frozen_gets_enhanced_security_erase_with_exact_commands():
    plan = plan_wipe(SSD, ata=ata("pm830-ssd-not-frozen-enhanced"), verify="none")
    assert plan.technique is Technique.ATA_SECURITY_ERASE_ENHANCED and plan.nist is Nist.PURGE
    assert plan.commands() == [
        f"hdparm --user-master u --security-set-pass {ATA_PASSWORD} /dev/sda",
        "hdparm -I /dev/sda",                 # the password was really set
        f"hdparm --user-master u --security-erase-enhanced {ATA_PASSWORD} /dev/sda",
        "hdparm -I /dev/sda"]                 # and cleared again by the erase
    assert [s.command_line() for s in plan.on_failure] == [
        f"hdparm --user-master u --security-disable {ATA_PASSWORD} /dev/sda"]
    assert plan.estimate_seconds == 32 * 60   # the drive's own ENHANCED estimate


def test_sata_ssd_with_sanitize_uses_block_erase_even_when_security_frozen():
    plan = plan_wipe(SSD, ata=ata("tesla-ssd-sanitize-frozen"), verify="sample")
    assert plan.technique is Technique.ATA_SANITIZE_BLOCK and plan.blocker is None
    assert Caveat.SANITIZE_FROZEN_IGNORED in plan.caveats
    assert plan.commands() == [
        "hdparm --yes-i-know-what-i-am-doing --sanitize-block-erase /dev/sda",
        "hdparm --sanitize-status /dev/sda"]
    assert [s.kind for s in plan.steps] == ["fingerprint", "command", "poll", "verify-changed"]


def test_frozen_drive_asked_for_firmware_erase_is_blocked_with_unfreeze_hint():
    plan = plan_wipe(HDD, method="firmware", ata=ata("wd40efrx-hdd-frozen-enhanced"))
    assert plan.blocker is Blocker.FROZEN
    assert plan.blocker_params["command"] == "rtcwake -m mem -s 5"
    assert plan.steps == ()


def test_hdd_auto_is_one_verified_prng_pass_clear():
    plan = plan_wipe(HDD, ata=ata("wd40efrx-hdd-frozen-enhanced"))
    assert plan.technique is Technique.OVERWRITE and plan.nist is Nist.CLEAR
    # Full read-back of the last pass by default (issue 11: sampling missed holes).
    assert plan.passes == ("prng",) and plan.verify == "full"
    assert [s.kind for s in plan.steps] == ["overwrite", "verify"]
    assert plan.commands() == []


def test_old_ide_disk_firmware_gets_normal_security_erase():
    plan = plan_wipe(HDD, method="firmware", ata=ata("st380011a-hdd-not-frozen-no-enhanced"),
                     verify="none")
    assert plan.technique is Technique.ATA_SECURITY_ERASE
    assert f"hdparm --user-master u --security-erase {ATA_PASSWORD} /dev/sda" in plan.commands()
    assert plan.estimate_seconds is None   # this drive gives no time estimate


def test_ssd_without_firmware_erase_is_overwrite_plus_discard_clear_not_purge():
    plan = plan_wipe(SSD, ata=None)
    assert plan.technique is Technique.OVERWRITE and plan.nist is Nist.CLEAR
    assert Caveat.CLEAR_NOT_PURGE in plan.caveats
    assert plan.steps[-1].kind == "discard"


@pytest.mark.parametrize("folder, technique, command", [
    ("samsung-pm1733-crypto-sanitize", Technique.NVME_SANITIZE_CRYPTO,
     "nvme sanitize /dev/nvme0 --sanact=4"),
    ("tforce-tm8fpl500g-block-sanitize", Technique.NVME_SANITIZE_BLOCK,
     "nvme sanitize /dev/nvme0 --sanact=2"),
    ("samsung-970-evo-plus-no-sanitize", Technique.NVME_FORMAT_CRYPTO,
     "nvme format /dev/nvme0n1 --ses=2 --force"),
])
def test_nvme(folder, technique, command):
    plan = plan_wipe(NVME, nvme=nvme(folder))
    assert plan.technique is technique and plan.nist is Nist.PURGE
    assert plan.commands()[0] == command
    assert plan.steps[-1].kind == "verify-changed"   # verification reads after the erase


@pytest.mark.parametrize("media", [Media.USB_FLASH, Media.SD, Media.EMMC])
def test_removable_flash_has_wear_levelling_caveat(media):
    disk = Disk("sdb", "/dev/sdb", size_bytes=8 * 10**9, media=media, transport="usb")
    plan = plan_wipe(disk)
    assert plan.nist is Nist.CLEAR
    assert {Caveat.WEAR_LEVELLING, Caveat.CLEAR_NOT_PURGE} <= set(plan.caveats)
    assert [s.kind for s in plan.steps] == ["overwrite", "verify", "discard"]


@pytest.mark.parametrize("method, passes", [
    ("zero", ("0x00",)), ("prng", ("prng",)), ("dod3", ("char", "~char", "prng")),
    ("hmgis5", ("0x00", "0xff", "prng"))])
def test_overwrite_methods(method, passes):
    plan = plan_wipe(HDD, method=method, verify="full", final_blank=False)
    assert plan.passes == passes
    assert (Caveat.ONE_PASS_ENOUGH in plan.caveats) == (len(passes) > 1)
    assert plan.steps[-1].kind == "verify" and plan.steps[-1].pattern == passes[-1]


def test_final_blank_adds_a_zero_pass():
    plan = plan_wipe(HDD, method="hmgis5", final_blank=True)
    assert plan.passes == ("0x00", "0xff", "prng", "0x00")


def test_hpa_detected_is_reported_and_removed_only_on_request():
    hpa = HpaState(visible_sectors=7814035168, native_sectors=7814037168, enabled=True)
    kept = plan_wipe(HDD, hpa=hpa)
    assert Caveat.HPA_PRESENT in kept.caveats and kept.hpa["hidden_sectors"] == 2000
    assert kept.commands() == []
    removed = plan_wipe(HDD, hpa=hpa, remove_hpa=True)
    assert removed.commands()[0] == \
        "hdparm --yes-i-know-what-i-am-doing -N p7814037168 /dev/sda"
    dco = DcoState(real_max_sectors=7814037168 + 100)
    both = plan_wipe(HDD, hpa=hpa, dco=dco, remove_hpa=True)
    assert "hdparm --yes-i-know-what-i-am-doing --dco-restore /dev/sda" in both.commands()


def test_password_already_set_blocks_security_erase():
    from dataclasses import replace
    locked = replace(ata("pm830-ssd-not-frozen-enhanced"), security_enabled=True)
    assert plan_wipe(SSD, ata=locked).blocker is Blocker.PASSWORD_SET


def test_optical_is_refused_and_firmware_without_support_is_blocked():
    assert plan_wipe(Disk("sr0", "/dev/sr0", media=Media.OPTICAL)).blocker is Blocker.UNSUPPORTED_MEDIA
    assert plan_wipe(SSD, method="firmware").blocker is Blocker.NO_FIRMWARE_ERASE
