"""Shared by the live-stick tests: the image (built or reused by scripts/build-live.sh),
a wheel of this tree, a stick made by ``reemploi stick make`` on a loop device of a
file, and QEMU (TCG: KVM does not work on the CI machines) booting it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MiB = 1 << 20
# The kernel command line of the image's boot menu, minus the menu entry's own words.
BOOTAPPEND = ("boot=live components quiet persistence persistence-label=reemploi-data "
              "persistence-media=removable-usb persistence-storage=filesystem")


def sh(*argv, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True,
                          **kw)


def need_vm_tools(*tools: str) -> None:
    # Opt-in: each boot takes minutes of TCG on a 2-core machine that eight people share
    # while they work; CI (.ci/run) sets it, so the stick is tested on every CI run.
    if os.environ.get("REEMPLOI_VM_TESTS") != "1":
        pytest.skip("virtual-machine boots (minutes each): set REEMPLOI_VM_TESTS=1 (.ci/run does)")
    if os.geteuid() != 0:
        pytest.skip("loop devices and the image build need root")
    missing = [t for t in ("losetup", "xorriso", *tools) if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (scripts/install.sh --dev)")


def live_iso(arch: str) -> Path:
    """The cached image for the current live/ (built first when absent: ~20 min)."""
    out = subprocess.run(["bash", str(ROOT / "scripts" / "build-live.sh"), "--arch", arch],
                         capture_output=True, text=True, timeout=3 * 3600)
    assert out.returncode == 0, out.stderr[-3000:]
    return Path(out.stdout.strip().splitlines()[-1])


def build_wheel(out: Path) -> Path:
    """A wheel of this tree, built from a copy of what it holds (no build/ left here)."""
    src = out / "src"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "reemploi", "labels", "images"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, src / name)
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out / "dist", src)
    return next((out / "dist").glob("reemploi-*.whl"))


def extract_boot_files(iso: Path, out: Path) -> tuple[Path, Path]:
    """The live kernel and initrd, for a direct kernel boot with our own parameters."""
    out.mkdir(parents=True, exist_ok=True)
    sh("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/live/vmlinuz", out / "vmlinuz",
       "-extract", "/live/initrd.img", out / "initrd.img")
    return out / "vmlinuz", out / "initrd.img"


@dataclass
class Stick:
    image: Path                 # the file QEMU sees as the USB stick
    part_start: int
    part_bytes: int


def make_stick(cli_args: list[str], image: Path, size: int) -> Stick:
    """``reemploi stick make`` onto a loop device of ``image`` (the real command)."""
    with open(image, "wb") as fh:
        fh.truncate(size)
    loop = sh("losetup", "--find", "--show", image).stdout.strip()
    try:
        out = subprocess.run([sys.executable, "-m", "reemploi", "stick", "make", *cli_args[:1],
                              loop, *cli_args[1:], "--yes", "--json"],
                             capture_output=True, text=True, cwd=ROOT, timeout=900)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        subprocess.run(["losetup", "-d", loop], check=False)
    import json
    doc = json.loads(out.stdout)
    return Stick(image, doc["persistence_start"], doc["persistence_bytes"])


class Mounted:
    """The stick's persistence partition, read-only, through an offset loop device."""

    def __init__(self, stick: Stick, where: Path) -> None:
        self.where = where
        self.loop = sh("losetup", "--find", "--show", "--read-only", "-o", stick.part_start,
                       "--sizelimit", stick.part_bytes, stick.image).stdout.strip()
        where.mkdir(parents=True, exist_ok=True)
        sh("mount", "-o", "ro,noload", self.loop, where)

    def close(self) -> None:
        subprocess.run(["umount", str(self.where)], check=False)
        subprocess.run(["losetup", "-d", self.loop], check=False)


@dataclass
class Vm:
    """A QEMU run: argv, its two serial logs, the process."""
    argv: list[str]
    serial0: Path
    serial1: Path
    proc: subprocess.Popen | None = None
    started: float = field(default_factory=time.monotonic)

    def start(self) -> "Vm":
        self.serial0.write_bytes(b"")
        self.serial1.write_bytes(b"")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.started = time.monotonic()
        return self

    def text(self, which: int = 1) -> str:
        path = self.serial1 if which == 1 else self.serial0
        return path.read_bytes().decode("utf-8", "replace")

    def wait_for(self, needle: str, timeout: float, which: int = 1) -> float:
        """Seconds until ``needle`` shows on a serial port; fails on timeout or exit."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if needle in self.text(which):
                return time.monotonic() - self.started
            if self.proc.poll() is not None:
                break
            time.sleep(2)
        pytest.fail(f"{needle!r} not seen in {timeout:.0f} s (qemu "
                    f"{'exited ' + str(self.proc.returncode) if self.proc.poll() is not None else 'running'})"
                    f"\n--- ttyS0 (tail) ---\n{self.text(0)[-3000:]}"
                    f"\n--- ttyS1 (tail) ---\n{self.text(1)[-3000:]}")

    def wait_exit(self, timeout: float) -> float:
        try:
            self.proc.wait(timeout=max(1.0, self.started + timeout - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the virtual machine did not power off within {timeout:.0f} s"
                        f"\n--- ttyS0 (tail) ---\n{self.text(0)[-3000:]}"
                        f"\n--- ttyS1 (tail) ---\n{self.text(1)[-4000:]}")
        return time.monotonic() - self.started

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def qemu_argv(*, system: str = "qemu-system-x86_64", cpu: str = "qemu64", memory: int = 2048,
              stick: Path, serial0: Path, serial1: Path, firmware: list[str] = (),
              kernel: tuple[Path, Path, str] | None = None, extra: list[str] = ()) -> list[str]:
    """TCG, one processor (fastest under TCG here, issue 13), the stick on USB (removable,
    so live-boot's persistence-media=removable-usb accepts it), no network, no display."""
    argv = [system, "-accel", "tcg", "-cpu", cpu, "-smp", "1", "-m", str(memory),
            "-display", "none", "-monitor", "none", "-nic", "none", "-no-reboot",
            "-serial", f"file:{serial0}", "-serial", f"file:{serial1}",
            "-device", "qemu-xhci,id=xhci",
            "-drive", f"if=none,id=stick,format=raw,file={stick}",
            "-device", "usb-storage,bus=xhci.0,drive=stick,removable=on,serial=REEMPLOI-STICK",
            *firmware, *extra]
    if kernel:
        vmlinuz, initrd, append = kernel
        argv += ["-kernel", str(vmlinuz), "-initrd", str(initrd), "-append", append]
    return argv
