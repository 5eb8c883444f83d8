"""Builders shared by the image tests: a real GPT + ext4 master image made here.

(No tests in this file: it holds helpers imported by tests/test_image_*.py.)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

MiB = 1 << 20


def sh(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, **kw)


def build_tree(root: Path) -> dict[str, bytes]:
    """A small installed-system tree; returns {relative path: content} of user files."""
    files = {
        "etc/hostname": b"master\n",
        "etc/hosts": b"127.0.0.1\tlocalhost\n127.0.1.1\tmaster\n\n::1 localhost ip6-localhost\n",
        "etc/machine-id": b"0123456789abcdef0123456789abcdef\n",
        "etc/ssh/ssh_host_ed25519_key": b"PRIVATE-KEY\n",
        "etc/ssh/ssh_host_ed25519_key.pub": b"ssh-ed25519 AAAA master\n",
        "etc/ssh/ssh_host_rsa_key": b"PRIVATE-RSA\n",
        "etc/ssh/sshd_config": b"PermitRootLogin no\n",
        "home/user/random.bin": os.urandom(2 * MiB),
        "home/user/notes.txt": b"Emmabuntus est un systeme pour le reemploi.\n" * 20000,
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return {k: v for k, v in files.items() if k.startswith("home/")}


def build_master(folder: Path, size: int = 64 * MiB, label: str = "gpt") -> tuple[Path, dict]:
    """A raw disk image: GPT (or MBR) by sfdisk, p1 = 4 MiB of data, p2 = ext4 to the end.

    The ext4 is filled by ``mkfs.ext4 -d`` and copied in at its partition offset."""
    img = folder / "master.img"
    with open(img, "wb") as fh:
        fh.truncate(size)
    table = "label: gpt\n,4M\n,\n" if label == "gpt" else "label: dos\n,4M\n,\n"
    sh("sfdisk", "-q", img, input=table.encode())
    parts = json.loads(sh("sfdisk", "--json", img).stdout)["partitiontable"]["partitions"]
    p1, p2 = parts[0], parts[1]
    tree = folder / "tree"
    files = build_tree(tree)
    fs = folder / "p2.ext4"
    with open(fs, "wb") as fh:
        fh.truncate(p2["size"] * 512)
    sh("mkfs.ext4", "-q", "-F", "-d", tree, fs)
    with open(img, "r+b") as out:
        out.seek(p1["start"] * 512)
        out.write(os.urandom(MiB) + b"\0" * MiB + b"bootloader" * 1000)
        out.seek(p2["start"] * 512)
        with open(fs, "rb") as src:
            while chunk := src.read(4 * MiB):
                out.write(chunk)
    fs.unlink()
    return img, files


def put_synced(path: str, data: bytes, offset: int = 0) -> None:
    """Write ``data`` at ``offset`` through the page cache and fsync it, as the image
    writer does for a tail (or a test does to place bytes on a device)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_of(path, length: int | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        left = length
        while True:
            n = 4 * MiB if left is None else min(4 * MiB, left)
            if n == 0:
                break
            chunk = fh.read(n)
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def pack_szst(raw: Path, out: Path) -> Path:
    from reemploi.image.bmap import render_bmap
    from reemploi.image.capture import sidecar_bmap
    from reemploi.image.szst import pack
    with open(raw, "rb") as fh:
        res = pack(fh.read, raw.stat().st_size, out)
    sidecar_bmap(out).write_bytes(render_bmap(res.index.to_bmap()))
    return out


def loop_identity(ctx_home: Path, device: str) -> str:
    from reemploi.context import Context
    from reemploi.system.blockdev import disk_by_path
    return disk_by_path(Context(home=ctx_home), device).identity


def record_wipe(home: Path, device: str, result: str = "success",
                patterns: tuple[str, ...] = ("0x00",), asset: str | None = None) -> str:
    """A wipe.done event for this disk, as the wipe stage writes it (last pass zeros)."""
    from reemploi.inventory.store import Inventory
    identity = loop_identity(home, device)
    inv = Inventory.open(home, "T", None)
    inv.record("wipe.done", asset, {"disk": {"identity": identity, "path": device},
                                   "result": result, "method": "zero",
                                   "patterns": list(patterns)})
    return identity


def image_events(home: Path) -> list:
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T", None)
    return [e for e in inv.events() if e.type == "image.written"]


def corrupt_szst(src: Path, dst: Path) -> Path:
    """A copy of ``src`` with 8 bytes flipped in the middle of its biggest data frame's
    compressed payload: it still opens and its index reads, but that frame is bad."""
    from reemploi.image.szst import read_index
    data = bytearray(src.read_bytes())
    frame = max(read_index(src).data_frames, key=lambda f: f.length)
    mid = frame.comp_offset + frame.comp_length // 2
    data[mid:mid + 8] = bytes(b ^ 0xFF for b in data[mid:mid + 8])
    dst.write_bytes(bytes(data))
    return dst



def graded_machine(home: Path, folder: str = "aspire-es1-non-root") -> str:
    """A machine graded from a recorded machine folder by the real CLI (so its probe
    and verdict are the grade stage's own output); returns its asset id."""
    from click.testing import CliRunner
    from reemploi.cli.main import cli as group
    from conftest import MACHINES
    r = CliRunner().invoke(group, ["grade", "--replay", str(MACHINES / folder), "--json",
                                   "--home", str(home)], env={"REEMPLOI_STATION": "T"})
    assert r.exit_code == 0, r.output
    return json.loads(r.output)["asset_id"]


def machine_on_test_disk(home: Path, device: str, status: str) -> str:
    """A graded machine whose recorded disk was swapped for the test's loop device:
    the recorded disk is recorded removed, the loop device wiped under the machine
    (a disk without a serial: its wipe counts only under this asset), then the
    statuses up to ``status`` (wiped, imaged or ready)."""
    from reemploi.inventory.store import Inventory
    asset = graded_machine(home)
    inv = Inventory.open(home, "T", None)
    inv.remove_disk(asset, None, "swapped for the test disk")
    record_wipe(home, device, asset=asset)
    for step in {"wiped": ["wiped"], "imaged": ["wiped", "imaged"],
                 "ready": ["wiped", "imaged", "ready"]}[status]:
        inv.set_status(asset, step)
    return asset


def wiped_in_a_dock(home: Path, part_id: str) -> str:
    """A harvested disk part wiped in a USB dock (no serial reaches the host: a weak
    identity), as the wipe stage records it under the part's id; its event id."""
    from reemploi.inventory.store import Inventory
    inv = Inventory.open(home, "T", None)
    return inv.record("wipe.done", part_id, {
        "disk": {"identity": "weak:?:120034123776:sdb", "path": "/dev/sdb", "media": "hdd"},
        "result": "success", "method": "zero", "patterns": ["0x00"],
        "verification": {"mode": "full", "result": "passed"}}).id
