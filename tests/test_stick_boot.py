"""What tty1 of the stick runs, decided from the kernel command line and the mounts;
and the boot menus of live/ agreeing with it (modes, persistence parameters, label)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from reemploi.live.boot import (BootConfig, Choice, Mode, decide, menu_text, parse_choice,
                                parse_cmdline, persistence_present)
from reemploi.live.stick import DATA_DIR, PERSISTENCE_LABEL
from reemploi.system.blockdev import parse_mountinfo

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "live"
BIN = "/opt/reemploi/bin/reemploi"


def _bootappend() -> str:
    text = (ROOT / "scripts" / "build-live.sh").read_text()
    return re.search(r'--bootappend-live "([^"]+)"', text).group(1)


def _menu_appends() -> list[str]:
    """The kernel parameters each boot menu entry adds (GRUB for UEFI, isolinux for BIOS)."""
    grub = (LIVE / "bootloaders" / "grub-pc" / "grub.cfg").read_text()
    syslinux = (LIVE / "bootloaders" / "syslinux_common" / "live.cfg.in").read_text()
    return (re.findall(r"linux @KERNEL_LIVE@ @APPEND_LIVE@ (.*)", grub)
            + re.findall(r"append @APPEND_LIVE@ (.*)", syslinux))


def test_boot_parameters_ask_live_boot_for_our_partition_on_usb_only():
    words = _bootappend().split()
    assert f"persistence-label={PERSISTENCE_LABEL}" in words
    assert "persistence" in words
    # Donors' disks are never searched for persistence (issue 13).
    assert "persistence-media=removable-usb" in words
    assert "persistence-storage=filesystem" in words
    assert len(PERSISTENCE_LABEL.encode()) <= 16             # ext4 label field


def test_every_menu_entry_has_a_mode_the_boot_command_understands():
    appends = _menu_appends()
    assert len(appends) == 8                                  # 4 entries x 2 bootloaders
    modes = [parse_cmdline(_bootappend() + " " + a).mode for a in appends]
    assert modes.count(Mode.STATION) == 4 and modes.count(Mode.ATELIER) == 2
    assert modes.count(Mode.SHELL) == 2
    assert sum("toram" in a.split() for a in appends) == 2
    for a in appends:
        assert parse_cmdline(a).unknown == ()
    # Station first: the default entry of both menus.
    assert "reemploi.mode=station" in appends[0]
    isolinux = (LIVE / "bootloaders" / "isolinux" / "isolinux.cfg").read_text()
    assert re.search(r"^timeout 50$", isolinux, re.M)       # tenths of a second
    grub = (LIVE / "bootloaders" / "grub-pc" / "grub.cfg").read_text()
    assert re.search(r"^set timeout=5$", grub, re.M) and re.search(r"^set default=0$", grub, re.M)


def test_cmdline_parsing():
    c = parse_cmdline("BOOT_IMAGE=/live/vmlinuz boot=live reemploi.mode=ci "
                      "reemploi.profile=/var/lib/reemploi/profiles/x.toml reemploi.console=ttyS2 "
                      "reemploi.persistence=optional reemploi.bogus=1 quiet")
    assert c == BootConfig(Mode.CI, "/var/lib/reemploi/profiles/x.toml", "ttyS2", True,
                           ("reemploi.bogus=1",))
    assert parse_cmdline("boot=live quiet") == BootConfig()
    # An unknown mode is reported and the station is the default, not a crash.
    assert parse_cmdline("reemploi.mode=nope").mode is Mode.STATION
    assert parse_cmdline("reemploi.mode=nope").unknown == ("reemploi.mode=nope",)
    # A console name that could escape /dev is ignored.
    assert parse_cmdline("reemploi.console=../sda").console == "ttyS1"


# /proc/self/mountinfo lines in the kernel's format (proc(5)), for the bind mount that
# persistence.conf's "bind,source=reemploi" makes and for a plain live boot.
PERSISTENT = (
    "1 0 0:25 / / rw,noatime - overlay overlay rw,lowerdir=/run/live/rootfs/filesystem.squashfs/\n"
    "40 1 8:3 / /run/live/persistence/sda3 rw,noatime - ext4 /dev/sda3 rw\n"
    f"41 1 8:3 /reemploi {DATA_DIR} rw,noatime - ext4 /dev/sda3 rw\n")
NOT_PERSISTENT = PERSISTENT.splitlines(keepends=True)[0]


def test_persistence_is_the_bind_mount_on_the_data_dir():
    assert persistence_present(parse_mountinfo(PERSISTENT))
    assert not persistence_present(parse_mountinfo(NOT_PERSISTENT))


def test_first_start_follows_the_command_line_then_the_menu():
    station = decide(BootConfig(), first=True, choice=None, reemploi=BIN)
    assert station.argv == (BIN, "station") and station.output is None
    assert decide(BootConfig(), first=False, choice=None, reemploi=BIN).argv == ()
    shell = decide(BootConfig(Mode.SHELL), first=True, choice=None, reemploi=BIN)
    assert shell.argv == ("/bin/bash", "--login")
    atelier = decide(BootConfig(), first=False, choice=Choice.ATELIER, reemploi=BIN)
    assert atelier.argv == (BIN, "atelier")
    again = decide(BootConfig(Mode.SHELL), first=False, choice=Choice.STATION, reemploi=BIN)
    assert again.argv == (BIN, "station")
    off = decide(BootConfig(), first=False, choice=Choice.POWEROFF, reemploi=BIN)
    assert off.argv == ("/bin/systemctl", "poweroff")
    assert decide(BootConfig(), first=False, choice=Choice.REBOOT,
                  reemploi=BIN).argv == ("/bin/systemctl", "reboot")


def test_persistence_optional_is_passed_to_the_station_which_checks_it():
    told = decide(parse_cmdline("reemploi.persistence=optional"), first=True, choice=None,
                  reemploi=BIN)
    assert told.argv == (BIN, "station", "--no-persistence")


def test_ci_mode_runs_the_profile_on_the_second_serial_port_then_powers_off():
    ci = decide(parse_cmdline("reemploi.mode=ci"), first=True, choice=None, reemploi=BIN)
    assert ci.output == "/dev/ttyS1"
    assert ci.argv[:2] == ("/bin/sh", "-c")
    assert ci.argv[3:] == (BIN, f"{DATA_DIR}/profiles/ci.toml")
    assert "station --profile" in ci.argv[2] and "poweroff" in ci.argv[2]
    # The script as the stick's /bin/sh runs it: the station's arguments in order.
    out = subprocess.run(["sh", "-c", ci.argv[2].replace("/bin/systemctl poweroff", "true"),
                          "echo", "P", "--no-persistence"], capture_output=True, text=True)
    assert out.stdout.splitlines() == ["station --profile P --no-persistence",
                                       "reemploi-ci: station exit 0"]
    after = decide(parse_cmdline("reemploi.mode=ci"), first=False, choice=None, reemploi=BIN)
    assert after.argv == ("/bin/systemctl", "poweroff")
    mine = decide(parse_cmdline("reemploi.mode=ci reemploi.profile=/p.toml reemploi.console=ttyS0"),
                  first=True, choice=None, reemploi=BIN)
    assert mine.argv[4:] == ("/p.toml",) and mine.output == "/dev/ttyS0"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_menu_reads_in_both_languages(lang):
    text = menu_text(lang, True)
    assert len(text.splitlines()) <= 25 and max(map(len, text.splitlines())) <= 80
    assert ("Éteindre" if lang == "fr" else "Power off") in text
    assert parse_choice("") is Choice.STATION and parse_choice("4") is Choice.POWEROFF
    assert parse_choice("x") is None


def _names(lines) -> set[str]:
    out = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(re.split(r"[<>=!~\[; ]", line, 1)[0].lower().replace("_", "-"))
    return out


def test_the_stick_wheelhouse_covers_every_runtime_dependency():
    """The stick installs reemploi offline: a runtime dependency missing from the pinned
    wheelhouse lists would break the stick only at boot (a changed list rebuilds it)."""
    import tomllib
    deps = _names(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    amd64 = _names((LIVE / "wheelhouse-amd64.txt").read_text().splitlines())
    assert deps <= amd64, deps - amd64
    # i686: Debian's python3-cryptography, python3-psutil and python3-pil instead.
    i386 = _names((LIVE / "wheelhouse-i386.txt").read_text().splitlines())
    debian = {"cryptography", "psutil", "pillow"}
    packages = (LIVE / "package-lists" / "reemploi.list.chroot").read_text().split()
    assert {"python3-cryptography", "python3-psutil", "python3-pil"} <= set(packages)
    assert deps <= i386 | debian, deps - i386 - debian
