"""What ``lsblk --json`` and the kernel's mount tables say, as frozen records.

Pure parsers (text in, records out; no I/O), apart from ``blockdev`` which runs the
tools and reads /sys through the context: the same split as the probe's parsers, and
what the fuzz tests feed recorded and mangled outputs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..bounded import load_json
from ..errors import BadInput
from ..lazyre import lazy
from .early import LSBLK_ARGV, LSBLK_COLUMNS  # noqa: F401 (blockdev and tests read them here)

# lsblk's argv (early.py: the probe and a wipe start it before anything is imported).
# MOUNTPOINTS (all mount points of a device) appeared in util-linux 2.37; older lsblk
# only knows MOUNTPOINT (the first one), hence the fallback list.
LSBLK_COLUMNS_OLD = LSBLK_COLUMNS.replace("MOUNTPOINTS", "MOUNTPOINT")
LSBLK_ARGV_OLD = ("lsblk", "--json", "--bytes", "--output", LSBLK_COLUMNS_OLD)


@dataclass(frozen=True)
class Node:
    """One lsblk row (disk, partition, dm/md child...)."""
    name: str
    kname: str
    path: str
    type: str
    size: int | None = None
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None
    rota: bool | None = None
    tran: str | None = None
    rm: bool | None = None
    ro: bool | None = None
    mountpoints: tuple[str, ...] = ()
    fstype: str | None = None
    label: str | None = None
    pkname: str | None = None
    hotplug: bool | None = None
    children: tuple["Node", ...] = ()

    def walk(self):
        """This node then every descendant."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Mount:
    """One line of /proc/self/mountinfo."""
    majmin: str            # "8:2"; "0:NN" for virtual filesystems (tmpfs, overlay, btrfs subvols)
    mountpoint: str
    fstype: str
    source: str


def _flag(value) -> bool | None:
    # lsblk < 2.33 printed "0"/"1" strings in JSON, newer ones print booleans.
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip() in ("1", "true")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def text_or_none(value) -> str | None:
    """A stripped string, or None for None and blank (lsblk prints "" and null alike)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _node(raw: dict) -> Node:
    mounts = raw.get("mountpoints")
    if mounts is None:
        mounts = [raw.get("mountpoint")]
    name = text_or_none(raw.get("name")) or "?"
    kname = text_or_none(raw.get("kname")) or name
    return Node(
        name=name, kname=kname, path=text_or_none(raw.get("path")) or f"/dev/{kname}",
        type=text_or_none(raw.get("type")) or "?", size=_int(raw.get("size")),
        model=text_or_none(raw.get("model")), serial=text_or_none(raw.get("serial")),
        wwn=text_or_none(raw.get("wwn")), rota=_flag(raw.get("rota")),
        tran=text_or_none(raw.get("tran")),
        rm=_flag(raw.get("rm")), ro=_flag(raw.get("ro")),
        mountpoints=tuple(m for m in mounts if m),
        fstype=text_or_none(raw.get("fstype")), label=text_or_none(raw.get("label")),
        pkname=text_or_none(raw.get("pkname")), hotplug=_flag(raw.get("hotplug")),
        children=tuple(_node(c) for c in raw.get("children") or ()),
    )


def parse_lsblk(text: str) -> tuple[Node, ...]:
    """Parse ``lsblk --json`` output into top-level nodes (children nested)."""
    try:
        data = load_json(text or "{}", "lsblk")
        devices = data["blockdevices"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInput(what="lsblk --json", why=str(exc)) from None
    return tuple(_node(d) for d in devices if isinstance(d, dict))


_OCTAL = lazy(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    # The kernel escapes space, tab, newline and backslash as \ooo in mount tables.
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> tuple[Mount, ...]:
    """Parse /proc/self/mountinfo (proc(5)): ``id parent MAJ:MIN root mountpoint ... - fstype source``."""
    mounts = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 10 or "-" not in fields[6:]:
            continue
        sep = fields.index("-", 6)
        mounts.append(Mount(majmin=fields[2], mountpoint=_unescape(fields[4]),
                            fstype=fields[sep + 1] if len(fields) > sep + 1 else "",
                            source=_unescape(fields[sep + 2]) if len(fields) > sep + 2 else ""))
    return tuple(mounts)


def parse_mounts(text: str) -> tuple[Mount, ...]:
    """Parse /proc/self/mounts (fstab(5) layout), used when mountinfo is absent."""
    mounts = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append(Mount(majmin="", mountpoint=_unescape(fields[1]),
                                fstype=fields[2], source=_unescape(fields[0])))
    return tuple(mounts)
