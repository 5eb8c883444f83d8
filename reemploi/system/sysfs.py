"""One reader for /sys and /proc whose root is a parameter (psutil's pattern).

Every read is tolerant per entry: an unreadable or vanished file gives ``None`` and
a debug log line, never an exception, because sysfs attributes appear and disappear
with drivers and some raise EIO/ENODEV on read (e.g. ``power_supply/*/capacity`` on
some Acer firmware). A probe is then "unknown" for that field, not crashed.

``Sysfs(root)`` reads ``root/sys/...`` and ``root/proc/...``: tests point it at a
fixture tree; ``RecordingSysfs`` copies every file it read into a fixture folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..lazylog import getLogger

log = getLogger(__name__)


class Sysfs:
    def __init__(self, root: Path | str = "/") -> None:
        self.root = Path(root)

    def path(self, rel: str) -> Path:
        return self.root / rel.lstrip("/")

    def read_bytes(self, rel: str, limit: int = 1 << 20) -> bytes | None:
        try:
            with open(self.path(rel), "rb") as fh:
                return fh.read(limit)
        except OSError as exc:
            log.debug("sysfs: cannot read %s: %s", rel, exc)
            return None

    def read(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        if data is None:
            return None
        return data.decode("utf-8", errors="replace").strip("\n\x00 ")

    def read_int(self, rel: str) -> int | None:
        text = self.read(rel)
        try:
            return int(text) if text not in (None, "") else None
        except ValueError:
            log.debug("sysfs: not an integer in %s: %r", rel, text)
            return None

    def exists(self, rel: str) -> bool:
        return self.path(rel).exists()

    def is_link(self, rel: str) -> bool:
        """True for a symlink, even one whose target is gone (``phy80211``, ``driver``)."""
        return self.path(rel).is_symlink()

    def link_name(self, rel: str) -> str | None:
        """Last component of a symlink's target, without following it.

        The kernel names things by their link: ``device/driver -> ../../bus/pci/drivers/
        e1000e``, ``/sys/dev/block/8:0 -> ../../devices/.../block/sda``. Reading the link
        rather than resolving it still works when the target is not there (a recorded
        machine folder keeps the link but not the driver's empty directory).
        """
        path = self.path(rel)
        try:
            target = os.readlink(path)
        except OSError:
            # Not a link (a hand-made tree, an odd driver): the real directory's name.
            try:
                return path.resolve(strict=True).name or None
            except OSError:
                return None
        name = target.rstrip("/").rsplit("/", 1)[-1]
        return name or None

    def listdir(self, rel: str) -> list[str]:
        # Dot names are never kernel entries: they are our KEEP markers in recordings.
        try:
            return sorted(p.name for p in self.path(rel).iterdir() if not p.name.startswith("."))
        except OSError as exc:
            log.debug("sysfs: cannot list %s: %s", rel, exc)
            return []

    def glob(self, pattern: str) -> list[str]:
        """Relative paths matching ``pattern`` (relative to the root)."""
        try:
            return sorted(str(p.relative_to(self.root)) for p in self.root.glob(pattern.lstrip("/"))
                          if not p.name.startswith("."))
        except OSError as exc:
            log.debug("sysfs: glob %s failed: %s", pattern, exc)
            return []

    def realpath(self, rel: str) -> str | None:
        try:
            target = self.path(rel).resolve(strict=True)
            return "/" + str(target.relative_to(self.root.resolve()))
        except (OSError, ValueError):
            return None

    def read_kv(self, rel: str) -> dict[str, str]:
        """Read a KEY=VALUE file such as a power_supply ``uevent``."""
        text = self.read(rel) or ""
        out: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                out[key.strip()] = value.strip()
        return out


KEEP = ".keep"   # marks a recorded directory that was empty (git stores no empty dir)


class RecordingSysfs(Sysfs):
    """Reads the real tree and copies every file it read under ``dest``.

    Symlinks on the way (``/sys/class/block/sda2 -> ../../devices/.../sda/sda2``,
    ``/sys/dev/block/8:2``) are re-created as the same relative links, so a replay
    resolves parents, holders and ``realpath`` exactly as on the recorded machine.
    """

    def __init__(self, dest: Path | str, root: Path | str = "/") -> None:
        super().__init__(root)
        self.dest = Path(dest)

    def _mirror(self, rel: str) -> Path | None:
        """Re-create the symlinks along ``rel`` under ``dest``; the dest path of ``rel``."""
        src, dst = self.root, self.dest
        for part in Path(rel.lstrip("/")).parts:
            src, dst = src / part, dst / part
            if src.is_symlink():
                if not dst.is_symlink():
                    if dst.is_dir() and not any(dst.iterdir()):
                        dst.rmdir()
                    if not dst.exists():
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        try:
                            dst.symlink_to(os.readlink(src))
                        except OSError:
                            return None
                try:
                    resolved = src.resolve(strict=True)
                    src = resolved
                    dst = self.dest / resolved.relative_to(self.root.resolve())
                except (OSError, ValueError):
                    return None
                if src.is_dir():
                    dst.mkdir(parents=True, exist_ok=True)
        return dst

    def read_bytes(self, rel: str, limit: int = 1 << 20) -> bytes | None:
        data = super().read_bytes(rel, limit)
        if data is not None:
            target = self._mirror(rel)
            if target is not None and not target.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        return data

    def exists(self, rel: str) -> bool:
        present = super().exists(rel)
        if present:
            target = self._mirror(rel)
            src = self.path(rel)
            if target is not None and src.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif target is not None and src.is_file() and not target.exists():
                self.read_bytes(rel)
        return present

    def realpath(self, rel: str) -> str | None:
        result = super().realpath(rel)
        if result is not None:
            self._mirror(rel)
        return result

    def is_link(self, rel: str) -> bool:
        found = super().is_link(rel)
        if found:
            self._mirror_link(rel)
        return found

    def link_name(self, rel: str) -> str | None:
        name = super().link_name(rel)
        if name is not None:
            self._mirror_link(rel)
        return name

    def _mirror_link(self, rel: str) -> None:
        """Copy the link itself (not its target): git keeps a link, never an empty dir."""
        parent, _, leaf = rel.rstrip("/").rpartition("/")
        base = self._mirror(parent) if parent else self.dest
        if base is None:
            return
        dst = base / leaf
        if dst.is_symlink() or dst.exists():
            return
        base.mkdir(parents=True, exist_ok=True)
        try:
            dst.symlink_to(os.readlink(self.path(rel)))
        except OSError as exc:
            log.debug("sysfs: cannot record link %s: %s", rel, exc)

    def glob(self, pattern: str) -> list[str]:
        found = super().glob(pattern)
        for rel in found:
            self._mirror(rel)
        return found

    def listdir(self, rel: str) -> list[str]:
        names = super().listdir(rel)
        if not self.path(rel).is_dir():
            return names
        base = self._mirror(rel)
        if base is not None:
            base.mkdir(parents=True, exist_ok=True)
        for name in names:
            child = f"{rel.rstrip('/')}/{name}"
            target = self._mirror(child)
            if target is not None and not self.path(child).is_symlink() \
                    and self.path(child).is_dir():
                target.mkdir(parents=True, exist_ok=True)
        return names

    def seal(self) -> None:
        """Put a KEEP marker in every empty recorded directory.

        An empty ``holders/`` or a disk directory whose only child is one says something
        ("no holders", "this disk exists"); a git checkout of the recording would drop it
        and a replay would then see a different machine. ``listdir`` hides the marker.
        """
        for path in sorted(self.dest.rglob("*"), reverse=True):
            if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
                (path / KEEP).touch()
