"""``reemploi stick make`` on REAL loop devices, with a REAL hybrid ISO made here by
xorriso with the options live-build uses for its BIOS boot (isolinux's MBR, partition
offset 16; /usr/lib/live/build/binary_iso), and a real wheel of this project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reemploi.live.stick import PERSISTENCE_CONF, PERSISTENCE_LABEL, read_label

pytestmark = pytest.mark.root
MiB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent


def sh(*argv, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def iso(tmp_path_factory) -> Path:
    if shutil.which("xorriso") is None or not Path("/usr/lib/ISOLINUX/isohdpfx.bin").exists():
        pytest.skip("xorriso and isolinux are needed (scripts/install.sh --dev)")
    tmp = tmp_path_factory.mktemp("iso")
    tree = tmp / "tree"
    (tree / "isolinux").mkdir(parents=True)
    shutil.copy("/usr/lib/ISOLINUX/isolinux.bin", tree / "isolinux")
    (tree / "live").mkdir()
    # Some content so the ISO spans several MiB: the partition must start after it.
    (tree / "live" / "filesystem.squashfs").write_bytes(os.urandom(3 * MiB + 1234))
    out = tmp / "live.iso"
    sh("xorriso", "-as", "mkisofs", "-R", "-r", "-J", "-V", "REEMPLOI",
       "-isohybrid-mbr", "/usr/lib/ISOLINUX/isohdpfx.bin", "-partition_offset", "16",
       "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat", "-no-emul-boot",
       "-boot-load-size", "4", "-boot-info-table", "-o", out, tree)
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = tmp_path_factory.mktemp("src") / "r"
    # Built from a copy of what the wheel holds: an in-tree build leaves build/ behind.
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "reemploi", "labels", "images"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, src / name)
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, src)
    return next(out.glob("reemploi-*.whl"))


def _mount_partition(dev: str, start: int, size: int, where: Path):
    """The persistence partition through an offset loop (no udev, no partition node)."""
    loop = sh("losetup", "--find", "--show", "--read-only", "-o", start, "--sizelimit", size,
              dev).stdout.strip()
    where.mkdir()
    sh("mount", "-o", "ro", loop, where)
    return loop


def _unmount(where: Path, loop: str) -> None:
    subprocess.run(["umount", str(where)], check=False)
    subprocess.run(["losetup", "-d", loop], check=False)


def test_make_writes_iso_then_a_labelled_persistence_partition(cli, loopdev, iso, wheel,
                                                             tmp_path):
    dev = loopdev(320 * MiB)
    settings = tmp_path / "settings.toml"
    settings.write_text('[station]\ncode = "S"\n', encoding="utf-8")
    image = tmp_path / "tiny.img"
    sh("truncate", "-s", "8M", image)
    sh("mkfs.ext4", "-q", "-F", "-L", "tiny", image)       # a real (small) disk image

    r = cli(["stick", "make", iso, dev.path, "--yes", "--json", "--update", wheel,
             "--image", image, "--file", settings, "settings.toml"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["result"] == "ok" and out["verified"] is True

    # The ISO, byte for byte, at the start of the stick, but for the MBR's entry of
    # the new partition (the table is bytes 446-509, 16 bytes an entry).
    data = iso.read_bytes()
    with open(dev.path, "rb") as fh:
        written = fh.read(len(data))
    entry = 446 + 16 * (json.loads(r.output)["partition"] - 1)
    assert written[:entry] == data[:entry] and written[entry + 16:] == data[entry + 16:]
    assert data[entry:entry + 16] == bytes(16)

    # The partition after it: MBR entry typed Linux, 1 MiB aligned, to the end of the stick.
    table = json.loads(sh("sfdisk", "--json", dev.path).stdout)["partitiontable"]
    part = table["partitions"][out["partition"] - 1]
    assert part["type"] == "83"
    assert part["start"] * 512 == out["persistence_start"]
    assert out["persistence_start"] % MiB == 0 and out["persistence_start"] >= len(data)
    assert (part["start"] + part["size"]) * 512 == 320 * MiB
    assert read_label(dev.path, out["persistence_start"]) == PERSISTENCE_LABEL
    sh("e2fsck", "-f", "-n", f"{dev.path}?offset={out['persistence_start']}")

    where = tmp_path / "mnt"
    loop = _mount_partition(dev.path, out["persistence_start"], part["size"] * 512, where)
    try:
        assert (where / "persistence.conf").read_text() == PERSISTENCE_CONF
        data_dir = where / "reemploi"
        assert (data_dir / "update" / wheel.name).read_bytes() == wheel.read_bytes()
        assert (data_dir / "settings.toml").read_text() == settings.read_text()
        reg = json.loads((data_dir / "images" / "registry.json").read_text())["images"]
        assert reg["tiny"]["path"] == "/var/lib/reemploi/images/tiny.img"
        assert reg["tiny"]["bmap"] == "/var/lib/reemploi/images/tiny.bmap"
        assert (data_dir / "images" / "tiny.img").read_bytes() == image.read_bytes()
    finally:
        _unmount(where, loop)


def test_make_refuses_a_mounted_disk_and_writes_nothing(cli, loopdev, iso, tmp_path):
    dev = loopdev(320 * MiB)
    sh("mkfs.ext4", "-q", "-F", dev.path)
    where = tmp_path / "m"
    where.mkdir()
    sh("mount", dev.path, where)
    try:
        before = open(dev.path, "rb").read(MiB)
        r = cli(["stick", "make", iso, dev.path, "--yes"])
        assert r.exit_code == 8, r.output
        assert "mounted" in r.output
        assert open(dev.path, "rb").read(MiB) == before
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_make_refuses_a_stick_too_small_for_persistence(cli, loopdev, iso):
    dev = loopdev(64 * MiB)
    before = open(dev.path, "rb").read(MiB)
    r = cli(["stick", "make", iso, dev.path, "--yes"])
    assert r.exit_code == 8, r.output
    assert "cannot hold the image" in r.output
    assert open(dev.path, "rb").read(MiB) == before


def test_make_refuses_what_is_not_an_iso(cli, loopdev, tmp_path):
    dev = loopdev(320 * MiB)
    not_iso = tmp_path / "x.img"
    not_iso.write_bytes(b"\0" * 65536)
    r = cli(["stick", "make", not_iso, dev.path, "--yes"])
    assert r.exit_code == 7, r.output
    assert "ISO 9660" in r.output


def test_without_yes_and_no_terminal_nothing_is_written(cli, loopdev, iso):
    dev = loopdev(320 * MiB)
    before = open(dev.path, "rb").read(MiB)
    r = cli(["stick", "make", iso, dev.path])
    assert r.exit_code == 13, r.output
    assert open(dev.path, "rb").read(MiB) == before
