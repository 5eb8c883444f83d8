"""``image make`` leaves out the blocks a disk's file systems mark free (image/fsmap.py).

Every disk here is real: a loop device filled with random bytes first (as a disk
wiped with a PRNG pass, or one that held a previous system, would be), then a
partition table by sfdisk, file systems by mkfs.ext4/mkfs.ext2/mkfs.vfat on offset
loops, and files copied in through a real mount. The proof that nothing in use was
left out: the captured image, expanded onto a zeroed disk, passes e2fsck/fsck.vfat
and every file reads back byte for byte; and the image maps far less than the disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reemploi.image import fsmap
from test_image_support import MiB, sh

pytestmark = pytest.mark.root


def _fill_random(path: str, size: int) -> None:
    with open(path, "r+b") as fh:
        for _ in range(size // (4 * MiB)):
            fh.write(os.urandom(4 * MiB))


def _part_loop(dev: str, start: int, size: int) -> str:
    return sh("losetup", "--find", "--show", "--offset", start, "--sizelimit", size,
              dev).stdout.decode().strip()


def _partitions(dev: str) -> list[tuple[int, int]]:
    table = json.loads(sh("sfdisk", "--json", dev).stdout)["partitiontable"]
    return [(p["start"] * 512, p["size"] * 512) for p in table["partitions"]]


def _sizes(space: int) -> tuple[int, ...]:
    """Four files and a deleted one, about 70 % of the file system in all."""
    return (space // 4, space // 12, 12_345, space // 7, space // 5)


def _fill_fs(kind: str, part: str, mnt: Path, tag: str, space: int) -> dict[str, bytes]:
    """Files through a real mount (FAT: through mtools, this kernel has no vfat), and
    one deleted (its blocks free but not zero)."""
    if kind == "vfat":
        return _fill_fat(part, mnt.parent, tag, space)
    mnt.mkdir(exist_ok=True)
    sh("mount", part, mnt)
    files = {}
    *keep, gone = _sizes(space)
    try:
        for i, n in enumerate(keep):
            name = f"{tag}-{i}.bin"
            files[name] = os.urandom(n)
            (mnt / name).write_bytes(files[name])
        (mnt / "gone.bin").write_bytes(os.urandom(gone))
        os.sync()
        (mnt / "gone.bin").unlink()
    finally:
        sh("umount", mnt)
    return files


def _fill_fat(part: str, scratch: Path, tag: str, space: int) -> dict[str, bytes]:
    files = {}
    *keep, gone = _sizes(space)
    for i, n in enumerate(keep):
        name = f"{tag}-{i}.bin"
        files[name] = os.urandom(n)
        (scratch / name).write_bytes(files[name])
        sh("mcopy", "-i", part, scratch / name, f"::{name}")
    (scratch / "gone.bin").write_bytes(os.urandom(gone))
    sh("mcopy", "-i", part, scratch / "gone.bin", "::gone.bin")
    sh("mdel", "-i", part, "::gone.bin")
    return files


def _read_back(kind: str, part: str, mnt: Path, files: dict[str, bytes]) -> None:
    if kind == "vfat":
        for name, data in files.items():
            assert sh("mcopy", "-i", part, f"::{name}", "-").stdout == data, name
        return
    sh("mount", "-o", "ro", part, mnt)
    try:
        for name, data in files.items():
            assert (mnt / name).read_bytes() == data, name
    finally:
        sh("umount", mnt)


def _fsck(kind: str, part: str) -> None:
    cmd = ["e2fsck", "-fn", part] if kind.startswith("ext") else ["fsck.vfat", "-n", part]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _check_copy(image: Path, target: str, layout, tmp_path: Path) -> None:
    """Expand the image onto a zeroed disk; every file system is clean, every file equal."""
    with open(target, "r+b") as out:
        proc = subprocess.Popen(["zstd", "-dc", str(image)], stdout=subprocess.PIPE)
        shutil.copyfileobj(proc.stdout, out, 4 * MiB)
        assert proc.wait() == 0
    for (kind, start, size, files) in layout:
        part = _part_loop(target, start, size)
        mnt = tmp_path / f"check{start}"
        mnt.mkdir()
        try:
            _fsck(kind, part)
            _read_back(kind, part, mnt, files)
        finally:
            sh("losetup", "-d", part)


def _build(loopdev, tmp_path, size, table, filesystems):
    """A random-filled disk with ``table`` (sfdisk script or None for a whole-disk file
    system) and ``filesystems`` [(kind, mkfs args)]: the disk and its layout."""
    dev = loopdev(size)
    _fill_random(dev.path, size)
    if table is None:
        spans = [(0, size)]
    else:
        sh("sfdisk", "-q", dev.path, input=table.encode())
        spans = _partitions(dev.path)
    layout = []
    for (kind, args), (start, length) in zip(filesystems, spans):
        part = _part_loop(dev.path, start, length)
        try:
            mkfs = "mkfs.vfat" if kind == "vfat" else f"mkfs.{kind}"
            # No discard: on a loop it punches holes that read as zeros, and an old
            # hard disk keeps its stale blocks; the free blocks stay random here too.
            # (mkfs.vfat: -I, since it takes a loop device for a "virtual mapping".)
            sh(mkfs, *args, *(["-E", "nodiscard"] if kind != "vfat" else ["-I"]), part)
            files = _fill_fs(kind, part, tmp_path / f"m{start}", kind, length)
        finally:
            sh("losetup", "-d", part)
        layout.append((kind, start, length, files))
    return dev, layout


CASES = {
    "gpt-vfat16-ext4": (96 * MiB, "label: gpt\n,24M,U\n,\n",
                        [("vfat", []), ("ext4", ["-q", "-F"])]),
    "mbr-fat12-ext4-1k-blocks": (64 * MiB, "label: dos\n,4M,c\n,\n",
                                 [("vfat", ["-F", "12"]), ("ext4", ["-q", "-F", "-b", "1024"])]),
    "gpt-fat32-ext2-no-flex": (112 * MiB, "label: gpt\n,40M,U\n,\n",
                               [("vfat", ["-F", "32", "-s", "1"]),
                                ("ext2", ["-q", "-F", "-O", "^flex_bg", "-g", "4096",
                                          "-b", "1024"])]),
    "whole-disk-ext4-64bit": (64 * MiB, None,
                              [("ext4", ["-q", "-F", "-O", "64bit,metadata_csum"])]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_free_blocks_are_left_out_and_every_file_survives(case, cli, loopdev, tmp_path):
    size, table, filesystems = CASES[case]
    dev, layout = _build(loopdev, tmp_path, size, table, filesystems)
    out = tmp_path / "cap.img.zst"
    r = cli(["image", "make", dev.path, out, "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    kinds = [f["kind"] for f in rep["filesystems"]]
    assert kinds == ["ext4" if k.startswith("ext") else k for k, _ in filesystems]
    # The disk is random bytes end to end: without the file systems' maps every block
    # would be mapped. With them, what is mapped is about what the files and metadata use.
    assert rep["mapped_bytes"] < size * 0.7, rep
    assert rep["mapped_bytes"] >= sum(len(d) for *_, files in layout for d in files.values())
    target = loopdev(size)
    _check_copy(out, target.path, layout, tmp_path)


def test_no_fs_map_reads_every_block_and_a_journal_to_replay_is_read_whole(cli, loopdev,
                                                                          tmp_path):
    size, table, filesystems = CASES["gpt-vfat16-ext4"]
    dev, layout = _build(loopdev, tmp_path, size, table, filesystems)
    whole = cli(["image", "make", dev.path, tmp_path / "whole.img.zst", "--no-fs-map",
                 "--json"])
    assert whole.exit_code == 0, whole.output
    assert json.loads(whole.output)["filesystems"] == []
    mapped = cli(["image", "make", dev.path, tmp_path / "map.img.zst", "--json"])
    assert mapped.exit_code == 0, mapped.output
    # The free blocks (never used, or a deleted file's) are random bytes: read whole,
    # they are all mapped; with the maps, they are not.
    free = sum(size for _, _, size, _ in layout) - sum(
        f["used_bytes"] for f in json.loads(mapped.output)["filesystems"])
    assert json.loads(whole.output)["mapped_bytes"] - json.loads(mapped.output)["mapped_bytes"] \
        > free * 0.9
    # An ext4 whose journal still needs replaying may have a bitmap update only in the
    # journal: it is not trusted, and read whole (the vfat beside it still is mapped).
    ext_start, ext_len = layout[1][1], layout[1][2]
    part = _part_loop(dev.path, ext_start, ext_len)
    try:
        sh("debugfs", "-w", "-R", "feature needs_recovery", part)
    finally:
        sh("losetup", "-d", part)
    r = cli(["image", "make", dev.path, tmp_path / "rec.img.zst", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert [f["kind"] for f in rep["filesystems"]] == ["vfat"]
    assert rep["mapped_bytes"] > ext_len


def test_french_report_names_the_file_systems(cli, loopdev, tmp_path):
    size, table, filesystems = CASES["mbr-fat12-ext4-1k-blocks"]
    dev, _ = _build(loopdev, tmp_path, size, table, filesystems)
    r = cli(["image", "make", dev.path, tmp_path / "fr.img.zst", "--lang", "fr"])
    assert r.exit_code == 0, r.output
    assert "Système de fichiers vfat" in r.output and "Système de fichiers ext4" in r.output
    assert "blocs libres n'ont pas été lus" in r.output


def _reader(data: bytes):
    return lambda at, n: data[at:at + n]


def test_garbage_and_ambiguous_layouts_are_read_whole():
    """Random bytes, a truncated disk and a table beside a file system at byte 0 give no
    map (the caller reads everything), never an exception."""
    for seed in range(200):
        data = os.urandom(64 * 1024)
        if seed % 2:
            data = data[:510] + b"\x55\xaa" + data[512:]
        assert fsmap.disk_map(_reader(data), len(data)) is None
    assert fsmap.disk_map(_reader(b""), 1 << 20) is None


def test_ambiguous_table_and_whole_disk_fat_read_whole(loopdev, tmp_path):
    """A FAT made on the whole disk, then an MBR written over its boot code: both parse,
    neither can be trusted to say what is free."""
    dev = loopdev(16 * MiB)
    sh("mkfs.vfat", "-I", "-F", "16", dev.path)
    with open(dev.path, "rb") as fh:
        data = bytearray(fh.read())
    assert fsmap.disk_map(_reader(bytes(data)), len(data)) is not None      # FAT alone
    entry = bytes([0x80, 0, 0, 0, 0x0C, 0, 0, 0]) + (2048).to_bytes(4, "little") \
        + (8192).to_bytes(4, "little")
    data[446:462] = entry
    data[462:510] = bytes(48)
    assert fsmap.partitions(_reader(bytes(data)), len(data)) == [(2048 * 512, 8192 * 512)]
    assert fsmap.disk_map(_reader(bytes(data)), len(data)) is None


def test_ranges_merge_and_intersect():
    assert fsmap.merge([(5000, 10), (0, 100), (4096, 1)], 1 << 20) == [(0, 8192)]
    assert fsmap.intersect([(0, 8192), (16384, 4096)], [(4096, 16384)]) == \
        [(4096, 4096), (16384, 4096)]
