"""Post-install steps on a freshly written disk, all through the runner.

A master image is made on a small disk; written to a bigger one it needs:

1. ``gpt-backup``: move the GPT backup header to the disk's new end (UEFI spec 2.10
   section 5.3.2: the backup GPT header is in the disk's last LBA) with
   ``sfdisk --relocate gpt-bak-std``; MBR disks skip this step.
2. ``grow-partition``: grow the last partition to the end of the disk
   (``sfdisk -N <n>`` fed ``,+``: keep the start, take all the space).
3. ``grow-filesystem``: ``e2fsck -fy`` then ``resize2fs`` on that partition (ext2/3/4
   only; resize2fs refuses a filesystem not freshly checked).
4. ``hostname``: ``/etc/hostname`` = the asset id, and the ``127.0.1.1`` line of
   ``/etc/hosts`` (Debian reference manual, section 5.8 "The hostname resolution").
5. ``machine-id``: ``/etc/machine-id`` left EMPTY (not removed): systemd then makes
   a new id at first boot (machine-id(5), "First Boot Semantics"), so two donated
   machines never share one.
6. ``ssh-keys``: remove ``/etc/ssh/ssh_host_*`` so clones do not share host keys.
7. ``first-boot`` (optional): write ``/etc/reemploi-first-boot``, a note for the
   master's first-boot service to create the user (see docs/imaging.md).

Files inside ext4 are edited WITHOUT mounting: ``debugfs -w`` (e2fsprogs) on the
unmounted partition, so nothing of the donated disk is ever exposed through a mount.
Partitions are found through the kernel (``partx -u``, sysfs start/size checked
against the table); when the kernel cannot show them (a loop device without
partition scanning) we map the partition with an offset loop device
(``losetup --offset --sizelimit``) and detach it afterwards.

Each step gives a ``StepResult`` (done / skipped / failed + reason code); one failed
step does not stop the others: a tool that fails or is missing makes that step
``failed`` (reason ``tool-failed``, the tool's message in ``why``), never an
unrecorded crash after the image was written. ``debugfs`` exits 0 even when it could
not open the filesystem (seen with a master made by a newer e2fsprogs: "Filesystem
has unsupported feature(s) while trying to open"), so its stderr is read too: an
unopened filesystem is an error, not an empty file.
"""

from __future__ import annotations

import enum
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReemploiError, ToolFailed, ToolMissing
from ..system import leftovers
from ..system.signals import never_stop
from ..lazylog import getLogger

log = getLogger(__name__)


class Step(str, enum.Enum):
    GPT_BACKUP = "gpt-backup"
    GROW_PARTITION = "grow-partition"
    GROW_FILESYSTEM = "grow-filesystem"
    HOSTNAME = "hostname"
    MACHINE_ID = "machine-id"
    SSH_KEYS = "ssh-keys"
    FIRST_BOOT = "first-boot"


ALL_STEPS = tuple(Step)
DEFAULT_STEPS = tuple(s for s in Step if s is not Step.FIRST_BOOT)


class Status(str, enum.Enum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: Status
    reason: str = ""                      # a code: "not-gpt", "asked", "no-ext4-root"...
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Partition:
    number: int
    start: int                            # in sectors of the table's sector size
    size: int
    type: str


@dataclass(frozen=True)
class Table:
    label: str                            # "gpt" | "dos"
    sector_size: int
    partitions: tuple[Partition, ...]

    @property
    def last(self) -> Partition | None:
        return max(self.partitions, key=lambda p: p.start, default=None)


def parse_sfdisk_json(text: str) -> Table | None:
    """``sfdisk --json`` output to a Table (None: no partition table)."""
    if not text.strip():
        return None
    doc = json.loads(text).get("partitiontable")
    if not doc:
        return None
    parts = []
    for p in doc.get("partitions", []):
        m = re.search(r"(\d+)$", p["node"])
        parts.append(Partition(int(m.group(1)), int(p["start"]), int(p["size"]),
                               str(p.get("type", ""))))
    return Table(doc.get("label", "?"), int(doc.get("sectorsize", 512)), tuple(parts))


def hosts_with(hosts: str, old: str | None, new: str) -> str:
    """/etc/hosts with the machine's name replaced (Debian puts it on 127.0.1.1)."""
    lines = hosts.splitlines()
    out, found = [], False
    for line in lines:
        body = line.split("#", 1)[0].split()
        if body and body[0] == "127.0.1.1":
            out.append(f"127.0.1.1\t{new}")
            found = True
        elif old and body and old in body[1:]:
            out.append(" ".join([body[0]] + [new if n == old else n for n in body[1:]]))
        else:
            out.append(line)
    if not found:
        out.insert(1 if out else 0, f"127.0.1.1\t{new}")
    return "\n".join(out) + "\n"


HOSTNAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def valid_hostname(name: str) -> bool:
    """RFC 1123 section 2.1 label: letters, digits, hyphens, 1-63 chars."""
    return bool(HOSTNAME_RE.match(name))


def hostname_for(asset_id: str) -> str:
    """An asset id made into a hostname label (lower case, other chars -> '-')."""
    name = re.sub(r"[^a-z0-9-]+", "-", asset_id.lower()).strip("-")[:63].strip("-")
    return name or "reemploi"


class _Disk:
    """The written disk and the partition devices we opened for it."""

    def __init__(self, ctx, device: str, stop=never_stop) -> None:
        self.ctx = ctx
        self.device = device
        # Called before each tool and every 50 ms while one runs: raises Stopped once
        # a stop signal came. A tool then running (e2fsck, resize2fs: minutes on a big
        # disk) is ended (runner.py), so a Ctrl-C is answered, not queued behind it.
        self.stop = stop
        self.loops: list[tuple[str, dict]] = []
        # Each loop is written down before losetup runs, so a kill -9 leaves a
        # record the next start (or doctor --clean) detaches (system/leftovers.py).
        self.record = leftovers.LoopRecord()

    def run(self, argv, **kw):
        self.stop()
        return self.ctx.runner.run(argv, timeout=kw.pop("timeout", 600), stop=self.stop, **kw)

    def table(self) -> Table | None:
        res = self.run(["sfdisk", "--json", self.device], check=False)
        if res.returncode != 0:
            return None
        return parse_sfdisk_json(res.text)

    def kernel_sync(self) -> None:
        # BLKRRPART re-reads the whole table (new/removed partitions); partx -u then
        # updates sizes where BLKRRPART is refused (EBUSY). Loop devices without
        # partition scanning refuse both: ``locate`` falls back to offset loops.
        self.run(["blockdev", "--rereadpt", self.device], check=False)
        self.run(["partx", "-u", self.device], check=False)
        try:
            self.run(["udevadm", "settle", "--timeout=10"], check=False)
        except ToolMissing:
            pass

    def locate(self, table: Table, part: Partition) -> str:
        """A device node for ``part`` whose start/size match the table, or an offset loop."""
        kname = os.path.basename(os.path.realpath(self.device))
        sep = "p" if kname[-1].isdigit() else ""
        pname = f"{kname}{sep}{part.number}"
        factor = table.sector_size // 512            # sysfs counts 512-byte sectors
        start = self.ctx.sysfs.read_int(f"sys/class/block/{pname}/start")
        size = self.ctx.sysfs.read_int(f"sys/class/block/{pname}/size")
        if start == part.start * factor and size == part.size * factor \
                and Path(f"/dev/{pname}").exists():
            return f"/dev/{pname}"
        entry = self.record.intend(self.device, part.start * table.sector_size)
        try:
            res = self.run(["losetup", "--find", "--show",
                            "--offset", str(part.start * table.sector_size),
                            "--sizelimit", str(part.size * table.sector_size), self.device])
        except BaseException:
            self.record.detached(entry)
            raise
        loop = res.text.strip()
        self.record.attached(entry, loop)
        self.loops.append((loop, entry))
        return loop

    def fstype(self, node: str) -> str | None:
        res = self.run(["blkid", "-p", "-o", "value", "-s", "TYPE", node], check=False)
        return res.text.strip() or None

    def close(self) -> None:
        for loop, entry in reversed(self.loops):
            res = self.run(["losetup", "-d", loop], check=False)
            if res.returncode == 0:
                self.record.detached(entry)
        self.loops.clear()


def _debugfs_read(disk: _Disk, node: str, request: str):
    """Run a read-only debugfs request: its result, or None when the path does not
    exist. Raises ToolFailed when debugfs could not open the filesystem or complained
    otherwise (its exit status is 0 in both cases: only stderr tells)."""
    res = disk.run(["debugfs", "-R", request, node], check=False)
    # stderr starts with the "debugfs 1.47.0 (5-Feb-2023)" banner; anything after it
    # is a complaint.
    extra = [line for line in res.error_text.splitlines()
             if line.strip() and not line.startswith("debugfs 1.")]
    if res.returncode == 0 and not extra:
        return res
    if res.returncode == 0 and all("File not found by ext2_lookup" in line for line in extra):
        return None
    raise ToolFailed(cmd=f"debugfs -R '{request}' {node}", status=res.returncode,
                     stderr=" / ".join(extra)[-500:] or "-")


def _debugfs_cat(disk: _Disk, node: str, path: str) -> str | None:
    res = _debugfs_read(disk, node, f"cat {path}")
    return None if res is None else res.text


def _debugfs_ls(disk: _Disk, node: str, path: str) -> list[str]:
    res = _debugfs_read(disk, node, f"ls -p {path}")
    if res is None:
        return []
    names = []
    for line in res.text.splitlines():
        fields = line.split("/")
        if len(fields) >= 6 and fields[5] not in (".", ".."):
            names.append(fields[5])
    return names


def _debugfs_script(disk: _Disk, node: str, commands: list[str]) -> None:
    disk.run(["debugfs", "-w", "-f", "-", node], input=("\n".join(commands) + "\n").encode())


def _replace_file(workdir: Path, name: str, content: str, mode: int, target: str) -> list[str]:
    local = workdir / name
    local.write_text(content)
    os.chmod(local, mode)
    folder, base = os.path.split(target)
    return [f"cd {folder}", f"rm {base}", f"write {local} {base}"]


def run_steps(ctx, device: str, *, hostname: str | None, steps: tuple[Step, ...] = DEFAULT_STEPS,
              asset_id: str | None = None, stop=never_stop) -> list[StepResult]:
    """Run the chosen post-install steps on ``device`` (already guarded and written).

    ``stop`` is called before each tool; what it raises (``Stopped``) leaves after the
    partition loops are detached."""
    results: list[StepResult] = []
    disk = _Disk(ctx, device, stop)

    def add(step, status, reason="", **params):
        results.append(StepResult(step, status, reason, params))
        log.info("post-install %s: %s %s %s", step.value, status.value, reason, params)

    def skipped_all(reason, from_steps):
        for s in from_steps:
            if s in steps:
                add(s, Status.SKIPPED, reason)

    def failed(step_list, exc: ReemploiError):
        reason = "tool-missing" if isinstance(exc, ToolMissing) else "tool-failed"
        for s in step_list:
            if s in steps:
                add(s, Status.FAILED, reason, why=exc.render())

    try:
        try:
            disk.kernel_sync()        # the kernel still knows the disk's old table
            table = disk.table()
        except ReemploiError as exc:  # sfdisk/blockdev missing: nothing can be done
            failed(ALL_STEPS, exc)
            return results
        if table is None or not table.partitions:
            skipped_all("no-partition-table", ALL_STEPS)
            return results
        # 1. GPT backup header to the end of the (bigger) disk.
        if Step.GPT_BACKUP in steps:
            if table.label != "gpt":
                add(Step.GPT_BACKUP, Status.SKIPPED, "not-gpt")
            else:
                try:
                    disk.run(["sfdisk", "--no-reread", "--no-tell-kernel", "--relocate",
                              "gpt-bak-std", device])
                    add(Step.GPT_BACKUP, Status.DONE)
                except ReemploiError as exc:
                    failed([Step.GPT_BACKUP], exc)
        last = table.last
        try:
            last_node = disk.locate(table, last)
            last_fs = disk.fstype(last_node)
        except ReemploiError as exc:  # losetup/blkid: no way into the partitions
            failed(ALL_STEPS[1:], exc)
            return results
        # 2-3. Grow the last partition and its filesystem.
        if Step.GROW_PARTITION in steps:
            if not (last_fs or "").startswith("ext"):
                add(Step.GROW_PARTITION, Status.SKIPPED, "last-partition-not-ext",
                    fstype=last_fs or "?")
            else:
                before = last.size
                disk.close()
                try:
                    disk.run(["sfdisk", "--no-reread", "--no-tell-kernel", "-N",
                              str(last.number), device], input=b",+\n")
                    grown = None
                except ReemploiError as exc:
                    grown = exc
                try:
                    disk.kernel_sync()
                    table = disk.table() or table
                    last = table.last
                    last_node = disk.locate(table, last)
                except ReemploiError as exc:
                    failed(ALL_STEPS[1:], grown or exc)
                    return results
                if grown is None:
                    add(Step.GROW_PARTITION, Status.DONE, partition=last.number,
                        sectors_before=before, sectors_after=last.size)
                else:
                    failed([Step.GROW_PARTITION], grown)
        if Step.GROW_FILESYSTEM in steps:
            if not (last_fs or "").startswith("ext"):
                add(Step.GROW_FILESYSTEM, Status.SKIPPED, "last-partition-not-ext",
                    fstype=last_fs or "?")
            else:
                try:
                    # e2fsck: 0 clean, 1 errors corrected (e2fsck(8) "EXIT CODE").
                    disk.run(["e2fsck", "-fy", last_node], ok_codes=(0, 1))
                    disk.run(["resize2fs", last_node])
                    add(Step.GROW_FILESYSTEM, Status.DONE, partition=last.number)
                except ReemploiError as exc:
                    failed([Step.GROW_FILESYSTEM], exc)
        # 4-7. Files inside the root filesystem.
        file_steps = [s for s in (Step.HOSTNAME, Step.MACHINE_ID, Step.SSH_KEYS,
                                  Step.FIRST_BOOT) if s in steps]
        if not file_steps:
            return results
        try:
            root = _find_root(disk, table, last, last_node, last_fs)
            if root is None:
                skipped_all("no-linux-root", file_steps)
                return results
            _edit_files(disk, root, file_steps, hostname, asset_id, add)
        except ReemploiError as exc:
            failed([s for s in file_steps if s not in {r.step for r in results}], exc)
        return results
    finally:
        disk.stop = never_stop        # the clean-up runs to its end, stopped or not
        try:
            disk.close()
            disk.kernel_sync()        # leave the kernel with the final table
        except ReemploiError as exc:  # tools already judged above; do not hide results
            log.warning("post-install clean-up: %s", exc.render())


def _find_root(disk: _Disk, table: Table, last: Partition, last_node: str,
               last_fs: str | None) -> str | None:
    """The ext partition holding /etc/hostname: the last one first, then the others.

    None: no Linux root here. An ext partition debugfs cannot open raises its error
    when no other partition is the root (the steps then fail, never "skipped")."""
    error: ReemploiError | None = None
    if (last_fs or "").startswith("ext"):
        try:
            if _debugfs_cat(disk, last_node, "/etc/hostname") is not None:
                return last_node
        except ReemploiError as exc:
            error = exc
    for part in sorted(table.partitions, key=lambda p: -p.start):
        if part.number == last.number:
            continue
        node = disk.locate(table, part)
        if not (disk.fstype(node) or "").startswith("ext"):
            continue
        try:
            if _debugfs_cat(disk, node, "/etc/hostname") is not None:
                return node
        except ReemploiError as exc:
            error = error or exc
    if error is not None:
        raise error
    return None


def _edit_files(disk: _Disk, root: str, file_steps, hostname, asset_id, add) -> None:
    work = leftovers.make_temp_folder()      # pid-stamped: a kill -9 leaves a known name
    try:
        _edit_in(disk, root, file_steps, hostname, asset_id, add, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _edit_in(disk: _Disk, root: str, file_steps, hostname, asset_id, add, work: Path) -> None:
    os.chmod(work, 0o700)
    commands: list[str] = []
    done: list[tuple[Step, dict]] = []
    if Step.HOSTNAME in file_steps:
        if not hostname:
            add(Step.HOSTNAME, Status.SKIPPED, "no-hostname")
        else:
            old = (_debugfs_cat(disk, root, "/etc/hostname") or "").strip() or None
            hosts = _debugfs_cat(disk, root, "/etc/hosts") or "127.0.0.1\tlocalhost\n"
            commands += _replace_file(work, "hostname", hostname + "\n", 0o644,
                                      "/etc/hostname")
            commands += _replace_file(work, "hosts", hosts_with(hosts, old, hostname),
                                      0o644, "/etc/hosts")
            done.append((Step.HOSTNAME, {"hostname": hostname, "previous": old or ""}))
    if Step.MACHINE_ID in file_steps:
        # Mode 0444 as systemd-machine-id-setup leaves it.
        commands += _replace_file(work, "machine-id", "", 0o444, "/etc/machine-id")
        done.append((Step.MACHINE_ID, {}))
    if Step.SSH_KEYS in file_steps:
        keys = [n for n in _debugfs_ls(disk, root, "/etc/ssh") if n.startswith("ssh_host_")]
        if keys:
            commands += ["cd /etc/ssh"] + [f"rm {k}" for k in keys]
            done.append((Step.SSH_KEYS, {"removed": len(keys)}))
        else:
            add(Step.SSH_KEYS, Status.SKIPPED, "no-host-keys")
    if Step.FIRST_BOOT in file_steps:
        note = ("# Written by reemploi image write: the first-boot service of the\n"
                "# master image creates the user, then deletes this file.\n"
                f"asset={asset_id or ''}\nhostname={hostname or ''}\ncreate_user=yes\n")
        local = work / "first-boot"
        local.write_text(note)
        os.chmod(local, 0o644)
        commands += ["cd /etc", "rm reemploi-first-boot", f"write {local} reemploi-first-boot"]
        done.append((Step.FIRST_BOOT, {}))
    if commands:
        try:
            _debugfs_script(disk, root, commands)
        except ReemploiError as exc:
            for step, params in done:
                add(step, Status.FAILED, "debugfs-failed", why=exc.render())
            return
    # debugfs exits 0 even when a command fails: check what we wrote.
    for step, params in done:
        ok = True
        if step is Step.HOSTNAME:
            ok = (_debugfs_cat(disk, root, "/etc/hostname") or "").strip() == hostname
        elif step is Step.MACHINE_ID:
            ok = _debugfs_cat(disk, root, "/etc/machine-id") == ""
        elif step is Step.SSH_KEYS:
            ok = not any(n.startswith("ssh_host_")
                         for n in _debugfs_ls(disk, root, "/etc/ssh"))
        elif step is Step.FIRST_BOOT:
            ok = _debugfs_cat(disk, root, "/etc/reemploi-first-boot") is not None
        add(step, Status.DONE if ok else Status.FAILED, "" if ok else "not-applied",
            **params)
