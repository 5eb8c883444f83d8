"""The live stick in QEMU (TCG): BIOS, UEFI and i686 boots reach the station's first
screen. The images are the ones scripts/build-live.sh builds (or reuses from its cache);
the stick is made by ``reemploi stick make`` and carries this tree's reemploi as an
update wheel, installed at boot (the image's own reemploi may be older: the image is
cached on live/, not on the code)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from live_support import (ROOT as ROOT_DIR, MiB, Vm, build_wheel, live_iso, make_stick,
                          need_vm_tools, qemu_argv)

pytestmark = [pytest.mark.root, pytest.mark.vm]

# The station's full-screen title in French (reemploi/station/screen.py, station.po): its
# first screen once `reemploi stick boot` started it on tty1. The mirror service copies
# tty1 to the second serial port.
FIRST_SCREEN = "reemploi — poste"
BOOT_TIMEOUT = 15 * 60          # TCG on a loaded 2-core machine: a boot took ~3 min idle
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _smoke_stick(tmp_path: Path, iso: Path, wheel: Path) -> Path:
    mirror = tmp_path / "mirror"
    mirror.write_text("ttyS1\n")
    stick = make_stick([str(iso), "--update", str(wheel), "--file", str(mirror), "mirror"],
                       tmp_path / "stick.img", 1536 * MiB)
    return stick.image


def _uefi_firmware(tmp_path: Path) -> list[str]:
    shutil.copy(OVMF_VARS, tmp_path / "vars.fd")
    return ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,file={tmp_path / 'vars.fd'}"]


def test_bios_uefi_and_i686_boots_reach_the_station(tmp_path, wheel):
    """Through each boot menu's default entry (no key pressed): amd64 by BIOS (SeaBIOS,
    isolinux) and by UEFI (OVMF, shim, GRUB), i686 by BIOS on a Pentium III. The three
    run at once (one TCG processor each) to keep CI short."""
    need_vm_tools("qemu-system-x86_64", "qemu-system-i386")
    if not OVMF_CODE.exists():
        pytest.skip("OVMF missing (scripts/install.sh --dev installs ovmf)")
    amd64, i386 = live_iso("amd64"), live_iso("i386")
    vms = {}
    for name, iso, system, cpu, memory in (("bios", amd64, "qemu-system-x86_64", "qemu64", 1536),
                                           ("uefi", amd64, "qemu-system-x86_64", "qemu64", 1536),
                                           ("i686", i386, "qemu-system-i386", "pentium3", 1024)):
        where = tmp_path / name
        where.mkdir()
        image = _smoke_stick(where, iso, wheel)
        firmware = _uefi_firmware(where) if name == "uefi" else []
        s0, s1 = where / "s0.log", where / "s1.log"
        vms[name] = Vm(qemu_argv(system=system, cpu=cpu, memory=memory, stick=image,
                                 serial0=s0, serial1=s1, firmware=firmware), s0, s1)
    try:
        for vm in vms.values():
            vm.start()
        seconds = {name: round(vm.wait_for(FIRST_SCREEN, BOOT_TIMEOUT)) for name, vm in vms.items()}
    finally:
        for vm in vms.values():
            vm.stop()
    print(f"boot to the station's first screen, seconds: {seconds}")


# The unattended CI profile (reemploi station --profile, see reemploi/station/profile.py):
# a new asset, every checklist answer given, every own disk zeroed and fully read back,
# a small master image (tests/test_image_support.build_master) written, PDFs only.
CI_PROFILE = """
[station]
asset = "new"
lang = "fr"
ready_when = ["ready", "ready-after-upgrade", "parts-only", "recycling"]

[checklist]
keyboard = "ok"
usb_ports = "ok"
audio = "ok"
cosmetic = "B"

[wipe]
method = "zero"
verify = "full"
on_failure = "stop"

[image]
name = "ci-image"
verify = true

[documents]
printer = ""
sheet = true
"""
DONORS = (("nvme", "DONOR-NVME-1"), ("sata", "DONOR-SATA-1"), ("usb", "DONOR-USB-1"))
SECRET = b"REEMPLOI-PLANTED-DONOR-DATA:"
E2E_TIMEOUT = 40 * 60


def _plant(path: Path, size: int, name: str) -> None:
    """A donor disk: marker blocks at its start, 1 MiB in, its middle and its end."""
    block = (SECRET + name.encode() + b";") * (4096 // (len(SECRET) + len(name) + 1) + 1)
    block = block[:4096]
    with open(path, "wb") as fh:
        fh.truncate(size)
        for offset in (0, MiB, size // 2, size - 4096):
            fh.seek(offset)
            fh.write(block)


def _leaked(path: Path) -> int:
    return path.read_bytes().count(SECRET)


def test_station_unattended_end_to_end(tmp_path, wheel):
    """Boot the stick with reemploi.mode=ci: the station takes this virtual PC (NVMe,
    SATA on AHCI, a USB disk) from probe to ready with no key press, powers off, and
    the record on the stick's persistence partition proves every step."""
    need_vm_tools("qemu-system-x86_64")
    # The longest test (~14 min of TCG under load): opt-in apart; CI sets it.
    if os.environ.get("REEMPLOI_VM_E2E") != "1":
        pytest.skip("the end-to-end boot (~15 min of TCG) runs with REEMPLOI_VM_E2E=1")
    import json
    import subprocess
    import sys
    from live_support import BOOTAPPEND, Mounted, extract_boot_files, sh

    iso = live_iso("amd64")
    from test_image_support import build_master
    master, _files = build_master(tmp_path, 24 * MiB)     # a real GPT disk image, ext4 inside
    image = tmp_path / "ci-image.img"
    master.rename(image)
    profile = tmp_path / "ci.toml"
    profile.write_text(CI_PROFILE)
    stick = make_stick([str(iso), "--update", str(wheel), "--image", str(image),
                        "--file", str(profile), "profiles/ci.toml"],
                       tmp_path / "stick.img", 1536 * MiB)
    iso_bytes = iso.read_bytes()
    size = 96 * MiB
    disks = {}
    for kind, serial in DONORS:
        disks[kind] = tmp_path / f"{kind}.img"
        _plant(disks[kind], size, serial)
        assert _leaked(disks[kind]) > 0
    vmlinuz, initrd = extract_boot_files(iso, tmp_path / "boot")
    drive = "if=none,format=raw,file={},id={}"
    extra = ["-drive", drive.format(disks["nvme"], "nvme"),
             "-device", "nvme,drive=nvme,serial=DONOR-NVME-1",
             "-device", "ahci,id=ahci",
             "-drive", drive.format(disks["sata"], "sata"),
             "-device", "ide-hd,drive=sata,bus=ahci.0,serial=DONOR-SATA-1",
             "-drive", drive.format(disks["usb"], "usbd"),
             "-device", "usb-storage,bus=xhci.0,drive=usbd,serial=DONOR-USB-1"]
    append = f"{BOOTAPPEND} reemploi.mode=ci console=ttyS0"
    s0, s1 = tmp_path / "s0.log", tmp_path / "s1.log"
    vm = Vm(qemu_argv(stick=stick.image, serial0=s0, serial1=s1,
                      kernel=(vmlinuz, initrd, append), extra=extra), s0, s1)
    try:
        vm.start()
        vm.wait_exit(E2E_TIMEOUT)
    finally:
        vm.stop()
    out = vm.text(1)
    assert "reemploi-ci: station exit 0" in out, out[-6000:]

    # The donors: no planted byte survives on any of them.
    for kind, path in disks.items():
        assert _leaked(path) == 0, f"{kind}: planted data survived"
    # The stick: its image untouched (but for the MBR entry of the persistence partition).
    with open(stick.image, "rb") as fh:
        head = fh.read(len(iso_bytes))
    assert head[:446] == iso_bytes[:446] and head[512:] == iso_bytes[512:]

    # The record, read from the persistence partition after power-off.
    mounted = Mounted(stick, tmp_path / "persistence")
    try:
        home = tmp_path / "home"
        shutil.copytree(mounted.where / "reemploi", home, symlinks=True)
    finally:
        mounted.close()

    def cli(*args: str) -> dict:
        res = subprocess.run([sys.executable, "-m", "reemploi", *args, "--json"],
                             capture_output=True, text=True, cwd=ROOT_DIR,
                             env={**__import__("os").environ, "REEMPLOI_HOME": str(home)})
        assert res.returncode == 0, res.stdout + res.stderr
        return json.loads(res.stdout)

    verify = cli("inventory", "verify")
    assert verify["ok"] is True and verify["unfinished"] == []
    assets = cli("inventory", "list")
    rows = assets if isinstance(assets, list) else assets.get("assets", assets.get("rows", []))
    assert len(rows) == 1
    asset = rows[0]["id"]
    assert cli("inventory", "show", asset)["status"] == "ready"
    history = cli("inventory", "history", asset)
    types = [e["type"] for e in history]
    assert types.index("wipe.started") < types.index("wipe.done") \
        < types.index("certificate.issued") < types.index("image.written")
    wiped = {e["payload"]["disk"]["serial"]: e["payload"] for e in history
             if e["type"] == "wipe.done"}
    assert set(wiped) == {serial for _, serial in DONORS}, wiped.keys()
    assert {w["result"] for w in wiped.values()} == {"success"}
    assert {(w["verification"] or {}).get("result") for w in wiped.values()} == {"passed"}
    written = [e["payload"] for e in history if e["type"] == "image.written"][-1]
    assert written["verify"] == "passed"
    issued = [e["payload"] for e in history if e["type"] == "certificate.issued"][-1]
    assert issued["result"] == "success"
    cert = home / "certificates" / f"{issued['certificate_id']}.json"
    assert cli("certificate", "verify", str(cert))["result"] == "success"
    labels = list((home / "documents").glob("labels-*.pdf"))
    assert labels and all(p.read_bytes()[:5] == b"%PDF-" for p in labels)
