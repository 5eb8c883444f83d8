"""The image catalogue: what images a workshop uses, and which files it has.

Two layers:

* catalogue entries, data files ``images/*.toml`` in the repository (and any
  ``<home>/images/*.toml`` a workshop adds): name, edition, Debian base, arch,
  minimum RAM/disk, boot modes, file name, published URL, each value with its
  provenance (published / measured / assumption);
* the local registry ``<home>/images/registry.json``: files registered with
  ``image add``, with their measured sha256, size, kind and block map
  (``<home>/images/<name>.bmap``, bmaptool's format).

``image write NAME`` resolves a name through the registry; a path works too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..datafile import read_toml
from ..errors import BadInput, NotFound
from ..i18n import N_
from ..syserr import reason
from .errors import ChecksumMismatch, NotRegistered
from .blockmap import scan
from .bmap import BlockMap, parse_bmap, render_bmap
from .sources import ImageInfo, Kind, _stream_opener, detect, find_bmap, inspect

# images/ of the source tree (editable install, tests), else the copy a wheel install
# puts in <prefix>/share/reemploi/images (pyproject data-files), as for labels/.
REPO_IMAGES = Path(__file__).resolve().parents[2] / "images"
if not REPO_IMAGES.is_dir():
    REPO_IMAGES = Path(sys.prefix) / "share" / "reemploi" / "images"
REQUIRED = ("name", "edition", "version", "arch", "debian", "kind", "file",
            "min_ram_mb", "min_disk_bytes", "boot_modes")


@dataclass(frozen=True)
class Entry:
    name: str
    edition: str
    version: str
    arch: str
    debian: int
    kind: str                             # iso | master
    file: str
    min_ram_mb: int
    min_disk_bytes: int
    boot_modes: tuple[str, ...]
    requires_flags: tuple[str, ...] = ()
    family: str = "Emmabuntüs"
    debian_codename: str = ""
    size_bytes: int = 0
    sha256: str = ""
    url: str = ""
    provenance: dict = field(default_factory=dict)
    source: str = ""                      # the TOML file


@dataclass(frozen=True)
class Registered:
    name: str
    path: str
    kind: str
    file_size: int
    sha256: str                           # of the file as stored
    image_size: int
    mapped_bytes: int
    bmap: str                             # path of the block map
    image_sha256: str | None = None       # of the decompressed image, when measured
    added_at: str = ""
    entry: str | None = None              # catalogue entry name


def catalogue_dirs(home: Path) -> list[Path]:
    dirs = [REPO_IMAGES] if REPO_IMAGES.is_dir() else []
    env = os.environ.get("REEMPLOI_IMAGES_DIR")
    if env:
        dirs.append(Path(env))
    dirs.append(Path(home) / "images")
    return dirs


NAME_RE = re.compile(r"[A-Za-z0-9._+-]{1,100}")
BAD_NAME = N_("'{name}' is not an image name: at most 100 letters, digits, . _ + -")
BAD_ENTRY_NAME = N_("{path}: '{name}' is not an image name: at most 100 letters, digits, "
                    ". _ + -")
MAX_BYTES = 1 << 60                       # beyond any disk of this century


def parse_entry(data: dict, source: str) -> Entry:
    """One catalogue file, every key typed and bounded (``datafile.Reader``: exit 7
    naming the file and the key; ``boot_modes = "uefi"`` used to crash)."""
    from ..datafile import Reader
    r = Reader(data, source)
    r.require(REQUIRED)
    r.only(tuple(f for f in Entry.__dataclass_fields__ if f != "source"))
    name = r.text("name", limit=100)
    if not NAME_RE.fullmatch(name):
        raise BadInput(BAD_ENTRY_NAME, path=source, name=name[:100])
    prov = r.table("provenance")
    return Entry(
        name=name, edition=r.text("edition", limit=40), version=r.text("version", limit=40),
        arch=r.text("arch", limit=20), debian=r.integer("debian", 1, 99),
        kind=r.choice("kind", ("iso", "master")), file=r.text("file", limit=255),
        min_ram_mb=r.integer("min_ram_mb", 0, 1 << 30),
        min_disk_bytes=r.integer("min_disk_bytes", 0, MAX_BYTES),
        boot_modes=r.text_list("boot_modes", choices=("bios", "uefi")),
        requires_flags=r.text_list("requires_flags"),
        family=r.text("family", "Emmabuntüs", limit=60),
        debian_codename=r.text("debian_codename", "", limit=40),
        size_bytes=r.integer("size_bytes", 0, MAX_BYTES, 0),
        sha256=r.text("sha256", "", limit=64), url=r.text("url", "", limit=500),
        provenance={k: prov.text(k, limit=1000) for k in prov.data},
        source=source)


def load_catalogue(home: Path) -> list[Entry]:
    entries: dict[str, Entry] = {}
    for folder in catalogue_dirs(home):
        for path in sorted(folder.glob("*.toml")):
            entry = parse_entry(read_toml(path), str(path))
            entries[entry.name] = entry       # a workshop file overrides the repository's
    return sorted(entries.values(), key=lambda e: e.name)


def _registry_path(home: Path) -> Path:
    return Path(home) / "images" / "registry.json"


def load_registry(home: Path) -> dict[str, Registered]:
    path = _registry_path(home)
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {name: Registered(**rec) for name, rec in doc.get("images", {}).items()}
    except json.JSONDecodeError as exc:
        raise BadInput(what=str(path), why=reason(exc)) from None
    except (ValueError, TypeError, AttributeError):
        raise BadInput(what=str(path), why=N_("not an image registry")) from None


def _save_registry(home: Path, reg: dict[str, Registered]) -> None:
    from ..model import to_jsonable
    path = _registry_path(home)
    from ..system.files import private_subdir, secure_home, write_atomic
    secure_home(home)
    private_subdir(path.parent)
    write_atomic(path, json.dumps({"version": 1, "images": to_jsonable(reg)}, indent=2,
                                  ensure_ascii=False).encode("utf-8"))


def file_sha256(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    done = 0
    with open(path, "rb", buffering=0) as fh:
        while True:
            chunk = fh.read(8 << 20)
            if not chunk:
                return h.hexdigest()
            h.update(chunk)
            done += len(chunk)
            if progress:
                progress(done)


_SUFFIXES = re.compile(r"(\.(img|iso|raw))?(\.(zst|xz|gz))?$")


def default_name(path: Path, entries: list[Entry]) -> tuple[str, str | None]:
    """(name, catalogue entry) for a file: the entry whose file name matches, else its stem."""
    for e in entries:
        if e.file == path.name:
            return e.name, e.name
    stem = _SUFFIXES.sub("", path.name) or path.name
    return stem, None


def add(home: Path, path: Path, name: str | None = None,
        progress: Callable[[str, int, int], None] | None = None) -> Registered:
    """Register a local image file: measure sha256 and block map, keep the bmap."""
    path = Path(path).resolve()
    if not path.is_file():
        raise NotFound(what=str(path))
    entries = load_catalogue(home)
    auto, entry = default_name(path, entries)
    if name:
        entry = name if any(e.name == name for e in entries) else entry
    name = name or auto
    if not NAME_RE.fullmatch(name):
        raise BadInput(BAD_NAME, name=name[:100] + ("…" if len(name) > 100 else ""))
    kind, index = detect(path)
    size = path.stat().st_size
    if kind is Kind.RAW and (size == 0 or size % 512):
        # A disk image is whole sectors; a text file, a checksum or a half download is
        # not one, and would otherwise be written onto a disk as "installed".
        raise BadInput(what=str(path), why=N_("not a disk image: its size is not a whole "
                                              "number of 512-byte sectors"))
    tick = (lambda phase: (lambda done: progress(phase, done, size))) if progress else \
        (lambda phase: None)
    image_sha = None
    if index is not None:
        bmap = index.to_bmap()
        image_size = index.image_size
        sha = file_sha256(path, tick("hash"))
    else:
        given = find_bmap(path)
        with _stream_opener(path, kind)() as fh:
            if given is not None:
                bmap, image_size = given, given.image_size
            else:
                image_size = size if kind is Kind.RAW else None
                counter = {"n": 0}

                def read(n):
                    data = fh.read(n)
                    counter["n"] += len(data)
                    if progress:
                        progress("scan", counter["n"], image_size or 0)
                    return data
                bmap, image_sha = scan(read, image_size)
                image_size = bmap.image_size
        sha = image_sha if (kind is Kind.RAW and image_sha) else file_sha256(path, tick("hash"))
    # A catalogue entry that carries the published checksum (copied from the checksum
    # file beside the ISO): a damaged download is refused here, before any disk sees it.
    published = next((e for e in entries if e.name == entry), None)
    if published is not None and published.sha256 and published.sha256.lower() != sha:
        raise ChecksumMismatch(path=str(path), name=published.name, got=sha,
                               expected=published.sha256.lower())
    from ..system.files import private_subdir, secure_home
    secure_home(home)
    folder = private_subdir(Path(home) / "images")
    bmap_path = folder / f"{name}.bmap"
    bmap_path.write_bytes(render_bmap(bmap) if bmap.checksum_type in ("sha256", None)
                          else _as_sha256_less(bmap))
    rec = Registered(name=name, path=str(path), kind=kind.value, file_size=size, sha256=sha,
                     image_size=image_size, mapped_bytes=bmap.mapped_bytes, bmap=str(bmap_path),
                     image_sha256=image_sha,
                     added_at=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     entry=entry)
    reg = load_registry(home)
    reg[name] = rec
    _save_registry(home, reg)
    return rec


def _as_sha256_less(bmap: BlockMap) -> bytes:
    # A bmap 1.x (sha1) given by bmaptool: keep its ranges, drop checksums we cannot
    # re-express; the writer then verifies by read-back only.
    from .bmap import BmapRange
    ranges = tuple(BmapRange(r.first, r.last, None) for r in bmap.ranges)
    return render_bmap(BlockMap(bmap.image_size, bmap.block_size, ranges, None))


@dataclass(frozen=True)
class Resolved:
    info: ImageInfo
    name: str
    version: str | None
    sha256: str | None
    entry: Entry | None
    registered: Registered | None


def resolve(home: Path, image: str) -> Resolved:
    """A catalogue/registry name or a file path -> what the writer needs."""
    reg = load_registry(home)
    entries = {e.name: e for e in load_catalogue(home)}
    rec = reg.get(image)
    if rec is None:
        # A name or path the system cannot even look up (a 5 000-character name made
        # Path.is_file raise ENAMETOOLONG): not found, said plainly.
        if len(image.encode("utf-8", "surrogateescape")) > 4096 or any(
                len(part.encode("utf-8", "surrogateescape")) > 255 for part in image.split("/")):
            raise NotFound(what=image[:100] + "…")
        as_path = Path(image)
        if as_path.is_file():
            resolved = str(as_path.resolve())
            rec = next((r for r in reg.values() if r.path == resolved), None)
            if rec is None:
                info = inspect(as_path)
                name, entry = default_name(as_path, list(entries.values()))
                e = entries.get(entry) if entry else None
                return Resolved(info, name, e.version if e else None, None, e, None)
        elif image in entries:
            raise NotRegistered(name=image, file=entries[image].file)
        else:
            raise NotFound(what=image)
    if not Path(rec.path).is_file():
        raise NotFound(what=rec.path)
    bmap = parse_bmap(Path(rec.bmap).read_bytes()) if Path(rec.bmap).is_file() else None
    info = inspect(rec.path, bmap)
    e = entries.get(rec.entry or rec.name)
    return Resolved(info, rec.name, e.version if e else None, rec.sha256, e, rec)


def listing(home: Path) -> list[dict]:
    """Catalogue entries and registered files, with whether each file is present."""
    reg = load_registry(home)
    rows = []
    seen = set()
    for e in load_catalogue(home):
        rec = reg.get(e.name) or next((r for r in reg.values() if r.entry == e.name), None)
        if rec:
            seen.add(rec.name)
        rows.append({"name": e.name, "edition": e.edition, "version": e.version,
                     "arch": e.arch, "debian": e.debian, "kind": e.kind, "file": e.file,
                     "boot_modes": list(e.boot_modes), "min_ram_mb": e.min_ram_mb,
                     "min_disk_bytes": e.min_disk_bytes,
                     "registered": rec.name if rec else None,
                     "path": rec.path if rec else None,
                     "sha256": rec.sha256 if rec else (e.sha256 or None),
                     "present": bool(rec and Path(rec.path).is_file())})
    for rec in reg.values():
        if rec.name in seen:
            continue
        rows.append({"name": rec.name, "edition": None, "version": None, "arch": None,
                     "debian": None, "kind": rec.kind, "file": Path(rec.path).name,
                     "boot_modes": [], "min_ram_mb": None, "min_disk_bytes": None,
                     "registered": rec.name, "path": rec.path, "sha256": rec.sha256,
                     "present": Path(rec.path).is_file()})
    return rows
