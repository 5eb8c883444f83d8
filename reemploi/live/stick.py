"""``stick make``: the live ISO on a USB stick, plus a persistence partition.

Guard → plan → confirm (the command) → re-check → act → verify, like every destructive
write here, and with the same code: ``system.guard`` refuses the system disk, the live
medium and any mounted or held disk; ``image.writer`` writes the ISO with ``O_DIRECT``
and reads it back.

The persistence partition is appended after the ISO (a hybrid ISO's partition table
leaves the rest of the stick free; live-boot's documentation describes adding a
partition the same way). Its file system is made with ``mke2fs -E offset=… -d DIR``:
written at its byte offset on the whole disk and filled from a staging directory, so
nothing is mounted and no partition device node is needed (none appears without udev,
nor on a loop device without partition scanning). live-boot binds ``reemploi/`` of the
partition on ``/var/lib/reemploi`` (persistence.conf, ``bind,source=``), the data dir of
the station (inventory, journal, keys, settings, images).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..errors import BadInput, DeviceError, Refused, VerifyFailed
from ..i18n import N_
from ..image import catalogue, writer
from ..image.sources import Kind, inspect, is_iso9660
from ..model import Disk
from ..system import guard

# live-boot looks for a file system with this label (boot parameter persistence-label=,
# set by scripts/build-live.sh; a test keeps both in step). ext4 labels hold 16 bytes.
PERSISTENCE_LABEL = "reemploi-data"
DATA_DIR = "/var/lib/reemploi"
SOURCE = "reemploi"                       # the directory of the partition bound on DATA_DIR
PERSISTENCE_CONF = f"{DATA_DIR} bind,source={SOURCE}\n"
MIB = 1 << 20
MIN_PERSISTENCE = 256 * MIB               # journal, certificates, labels: a few MB a day
SECTOR = 512

EXT4_SUPERBLOCK = 1024                    # ext4 disk layout: superblock at byte 1024,
EXT4_MAGIC_AT, EXT4_MAGIC = 56, 0xEF53    # s_magic at 0x38,
EXT4_LABEL_AT, EXT4_LABEL_LEN = 120, 16   # s_volume_name at 0x78 (16 bytes)

Progress = Callable[[str, int, int], None]

# What stops a stick, whole sentences in the catalogues (stick_files.po): the detail was
# an English 'why' inside a translated frame.
NOT_ISO = N_("Cannot read {path}: it is not an ISO 9660 image (scripts/build-live.sh makes one)")
NOT_FILE = N_("Cannot read {path}: it is not a file")
NOT_WHEEL = N_("Cannot read {path}: an update is a wheel (.whl)")
OUTSIDE_DATA = N_("Cannot copy {path}: it would land outside the stick's data directory")
CHANGED = N_("Refused: {disk} changed since the plan (another stick?)")
NOT_MBR = N_("Cannot use {path}: its partition table is '{label}', an MBR (dos) one is expected")
NO_PARTITION = N_("Verification failed: no partition at sector {sector} on {disk}")
MOVED = N_("Verification failed: partition {number} of {disk} does not start at sector "
           "{start} with {size} sectors")
BAD_LABEL = N_("Verification failed: the persistence file system's label is '{label}'")


class StickTooSmall(Refused):
    msg = N_("Refused: {path} ({size}) cannot hold the image and {need} of persistence")


@dataclass(frozen=True)
class StickPlan:
    iso: str
    iso_bytes: int
    disk: Disk
    part_start: int                       # bytes from the start of the disk
    part_bytes: int
    updates: tuple[str, ...] = ()         # wheels for <data>/update (installed at boot)
    images: tuple[str, ...] = ()          # image files for <data>/images (registered)
    files: tuple[tuple[str, str], ...] = ()   # (source, path under the data dir)

    def summary(self) -> dict:
        return {"iso": self.iso, "iso_bytes": self.iso_bytes, "device": self.disk.path,
                "model": self.disk.model, "serial": self.disk.serial,
                "size_bytes": self.disk.size_bytes, "persistence_start": self.part_start,
                "persistence_bytes": self.part_bytes, "label": PERSISTENCE_LABEL,
                "updates": list(self.updates), "images": list(self.images),
                "files": [dest for _, dest in self.files]}


@dataclass(frozen=True)
class StickReport:
    plan: StickPlan
    iso_sha256_verified: bool
    partition_number: int
    seconds: float


def _align_up(n: int, to: int) -> int:
    return -(-n // to) * to


def plan_make(ctx, iso: str | Path, device: str, *, updates=(), images=(), files=(),
              persistence_bytes: int | None = None) -> StickPlan:
    """Check the ISO and the stick; where the persistence partition goes. No write."""
    iso = Path(iso)
    info = inspect(iso)
    if info.kind is not Kind.RAW or not is_iso9660(info):
        raise BadInput(NOT_ISO, path=str(iso))
    for path in (*updates, *images, *(src for src, _ in files)):
        if not Path(path).is_file():
            raise BadInput(NOT_FILE, path=str(path))
    for wheel in updates:
        if not str(wheel).endswith(".whl"):
            raise BadInput(NOT_WHEEL, path=str(wheel))
    disk = guard.guard_target(ctx, device)
    size = disk.size_bytes or 0
    start = _align_up(info.image_size, MIB)       # 1 MiB: flash erase blocks, as parted does
    end = (size // MIB) * MIB
    if persistence_bytes:
        end = min(end, start + _align_up(persistence_bytes, MIB))
    payload = sum(Path(p).stat().st_size for p in (*updates, *images))
    need = max(MIN_PERSISTENCE, _align_up(payload + MIN_PERSISTENCE // 2, MIB))
    if end - start < need:
        from ..system.blockdev import format_size
        raise StickTooSmall(path=disk.path, size=format_size(size, ctx.lang),
                            need=format_size(need, ctx.lang))
    return StickPlan(str(iso), info.image_size, disk, start, end - start,
                     tuple(str(u) for u in updates), tuple(str(i) for i in images),
                     tuple((str(s), str(d)) for s, d in files))


def _stage(ctx, plan: StickPlan, root: Path) -> None:
    """The partition's files: persistence.conf, the data dir, updates, images."""
    (root / "persistence.conf").write_text(PERSISTENCE_CONF, encoding="utf-8")
    data = root / SOURCE
    data.mkdir(mode=0o700)
    if plan.updates:
        (data / "update").mkdir()
        for wheel in plan.updates:
            _link_or_copy(Path(wheel), data / "update" / Path(wheel).name)
    for src, dest in plan.files:
        target = (data / dest).resolve()
        if data.resolve() not in target.parents:
            raise BadInput(OUTSIDE_DATA, path=str(dest))
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(Path(src), target)
    if plan.images:
        folder = data / "images"
        folder.mkdir(exist_ok=True)
        for image in plan.images:
            staged = folder / Path(image).name
            _link_or_copy(Path(image), staged)
            catalogue.add(data, staged)
        # The registry names files where the stick will see them, not the staging copy.
        reg = catalogue.load_registry(data)
        moved = {name: replace(rec, path=_on_stick(data, rec.path),
                               bmap=_on_stick(data, rec.bmap)) for name, rec in reg.items()}
        catalogue._save_registry(data, moved)


def _on_stick(data: Path, path: str) -> str:
    return str(Path(DATA_DIR) / Path(path).resolve().relative_to(data.resolve()))


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def execute(ctx, plan: StickPlan, progress: Progress | None = None) -> StickReport:
    """Re-check, write and verify the ISO, append the partition, make its file system."""
    import time
    start = time.monotonic()
    disk = guard.guard_target(ctx, plan.disk.path)          # re-check: still allowed?
    if (disk.serial, disk.size_bytes) != (plan.disk.serial, plan.disk.size_bytes):
        raise Refused(CHANGED, disk=plan.disk.path)
    info = inspect(plan.iso)
    fd = guard.open_exclusive(disk.path, direct=True)
    try:
        stats = writer.write(info, fd, disk.path, progress=progress, verify_later=True)
        writer.verify(fd, stats.pieces, disk.path, progress=progress)
        # Old signatures at the partition's start (a previous stick's file system) would
        # confuse nothing once mke2fs writes, but a failed mke2fs must not leave them.
        _zero(fd, plan.part_start, MIB, disk.path)
    finally:
        os.close(fd)
    number = _append_partition(ctx, plan)
    with tempfile.TemporaryDirectory(prefix="reemploi-stick-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        _stage(ctx, plan, root)
        ctx.runner.run(["mkfs.ext4", "-F", "-q", "-b", "4096", "-L", PERSISTENCE_LABEL,
                        "-E", f"offset={plan.part_start}", "-d", str(root), disk.path,
                        f"{plan.part_bytes // 1024}k"], timeout=3600, needs_root=True)
    verify(ctx, plan, number)
    return StickReport(plan, True, number, time.monotonic() - start)


def _zero(fd: int, offset: int, length: int, device: str) -> None:
    import mmap
    buf = mmap.mmap(-1, length)
    try:
        writer._pwrite_all(fd, memoryview(buf), offset, device)
        os.fdatasync(fd)
    finally:
        buf.close()


def _partitions(ctx, device: str) -> dict:
    out = ctx.runner.run(["sfdisk", "--json", device], needs_root=True).text
    try:
        return json.loads(out)["partitiontable"]
    except (ValueError, KeyError) as exc:
        raise DeviceError(device=device, why=f"unreadable partition table: {exc}") from None


def _append_partition(ctx, plan: StickPlan) -> int:
    table = _partitions(ctx, plan.disk.path)
    if table.get("label") != "dos":
        # Debian's hybrid ISOs carry an MBR table (xorriso -isohybrid-mbr); a GPT one
        # would need its backup header moved first. Say so rather than guess.
        raise BadInput(NOT_MBR, path=str(plan.iso), label=table.get("label") or "?")
    line = f"start={plan.part_start // SECTOR}, size={plan.part_bytes // SECTOR}, type=83\n"
    ctx.runner.run(["sfdisk", "--append", "--no-reread", "--no-tell-kernel", plan.disk.path],
                   input=line.encode(), needs_root=True)
    table = _partitions(ctx, plan.disk.path)
    for i, part in enumerate(table.get("partitions", []), 1):
        if part.get("start") == plan.part_start // SECTOR:
            return i
    raise VerifyFailed(NO_PARTITION, sector=plan.part_start // SECTOR, disk=plan.disk.path)


def read_label(device: str, offset: int) -> str | None:
    """The ext2/3/4 label of the file system at ``offset`` of ``device``, None if none."""
    with open(device, "rb") as fh:
        fh.seek(offset + EXT4_SUPERBLOCK)
        sb = fh.read(EXT4_LABEL_AT + EXT4_LABEL_LEN)
    if len(sb) < EXT4_LABEL_AT + EXT4_LABEL_LEN:
        return None
    if int.from_bytes(sb[EXT4_MAGIC_AT:EXT4_MAGIC_AT + 2], "little") != EXT4_MAGIC:
        return None
    return sb[EXT4_LABEL_AT:EXT4_LABEL_AT + EXT4_LABEL_LEN].rstrip(b"\0").decode("utf-8", "replace")


def verify(ctx, plan: StickPlan, number: int) -> None:
    """The partition is where planned, typed Linux, labelled, and its file system clean."""
    table = _partitions(ctx, plan.disk.path)
    parts = table.get("partitions", [])
    part = parts[number - 1] if len(parts) >= number else {}
    want = (plan.part_start // SECTOR, plan.part_bytes // SECTOR)
    if (part.get("start"), part.get("size")) != want:
        raise VerifyFailed(MOVED, number=number, disk=plan.disk.path, start=want[0], size=want[1])
    label = read_label(plan.disk.path, plan.part_start)
    if label != PERSISTENCE_LABEL:
        raise VerifyFailed(BAD_LABEL, label=label or "")
    # e2fsprogs' unix I/O manager takes "device?offset=N" (no partition node needed).
    ctx.runner.run(["e2fsck", "-f", "-n", f"{plan.disk.path}?offset={plan.part_start}"],
                   timeout=600, needs_root=True)
