"""bmaptool's block map: an XML list of the block ranges of an image that hold data.

A bmap lets a writer skip the holes of a sparse image: unmapped blocks are "don't
care" and are not written. We read and write the format of Intel's bmap-tools
(``bmaptool create`` / ``bmaptool copy``), documented in its ``docs/README`` and
``BmapCreate.py`` header, so images prepared for bmaptool work with us and ours with
``bmaptool copy``:

* version 1.x: ``<ChecksumType>`` absent, ``sha1`` range attribute, ``BmapFileSHA1``;
* version 2.0: ``<ChecksumType>sha256</ChecksumType>``, ``chksum`` range attribute,
  ``BmapFileChecksum``: the checksum of the bmap file itself computed with that
  field's value replaced by as many ``0`` characters.

Ranges are inclusive block numbers ``first-last`` (or one number); the checksum of
a range covers its bytes, the last block clipped to ``ImageSize``. This module is
pure: bytes in, a frozen ``BlockMap`` out, and back.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..errors import BadInput
from ..i18n import N_

BMAP_VERSION = "2.0"
# What is wrong with a bmap file, each a whole sentence in the catalogues (image_files.po):
# a detail left in English would show in a French error.
NO_ELEMENT = N_("The bmap file has no <{tag}> element")
NOT_XML = N_("The bmap file is not valid XML (line {line}, column {column})")
NOT_BMAP = N_("The file is not a bmap file (its root element is not <bmap>)")
BAD_VERSION = N_("The bmap file's version {version} is not one we read (1.x or 2.x)")
BAD_SIZES = N_("The bmap file's ImageSize and BlockSize are not whole numbers above zero")
BAD_CHECKSUM_TYPE = N_("The bmap file's checksum type {ctype} is not one we check")
BAD_RANGE = N_("The bmap file has a block range that is not a range: '{range}'")
OUTSIDE = N_("The bmap file's block range {range} lies outside the image")
OVERLAP = N_("The bmap file's block ranges overlap")
SELF_CHECKSUM = N_("The bmap file's own checksum does not match: it was changed or damaged")
SHA256_ONLY = N_("Only sha256 bmap files are written")


@dataclass(frozen=True)
class BmapRange:
    first: int                 # first block (inclusive)
    last: int                  # last block (inclusive)
    chksum: str | None = None  # hex digest of the range's bytes


@dataclass(frozen=True)
class Extent:
    """A byte range of the image: [start, start + length)."""
    start: int
    length: int
    sha256: str | None = None

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class BlockMap:
    image_size: int
    block_size: int
    ranges: tuple[BmapRange, ...]
    checksum_type: str | None = "sha256"   # "sha256", "sha1" (v1.x) or None
    version: str = BMAP_VERSION

    @property
    def blocks_count(self) -> int:
        return (self.image_size + self.block_size - 1) // self.block_size

    @property
    def mapped_blocks(self) -> int:
        return sum(r.last - r.first + 1 for r in self.ranges)

    @property
    def mapped_bytes(self) -> int:
        return sum(e.length for e in self.extents())

    def extents(self) -> list[Extent]:
        out = []
        for r in self.ranges:
            start = r.first * self.block_size
            end = min((r.last + 1) * self.block_size, self.image_size)
            sha = r.chksum if self.checksum_type == "sha256" else None
            out.append(Extent(start, end - start, sha))
        return out


def _text(root: ET.Element, tag: str, required: bool = True) -> str | None:
    node = root.find(tag)
    if node is None or node.text is None:
        if required:
            raise BadInput(NO_ELEMENT, tag=tag)
        return None
    return node.text.strip()


def parse_bmap(data: bytes) -> BlockMap:
    """Parse a bmap file; checks its own checksum when it carries one."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", ("?", "?"))
        raise BadInput(NOT_XML, line=line, column=column) from None
    if root.tag != "bmap":
        raise BadInput(NOT_BMAP)
    version = root.get("version", "1.0")
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 0
    if major not in (1, 2):
        raise BadInput(BAD_VERSION, version=version[:20])
    try:
        image_size = int(_text(root, "ImageSize"))
        block_size = int(_text(root, "BlockSize"))
    except ValueError:
        raise BadInput(BAD_SIZES) from None
    if block_size <= 0 or image_size < 0:
        raise BadInput(BAD_SIZES)
    if major == 1:
        ctype, attr, file_tag = "sha1", "sha1", "BmapFileSHA1"
    else:
        ctype = (_text(root, "ChecksumType", required=False) or "sha256").lower()
        attr, file_tag = "chksum", "BmapFileChecksum"
    if ctype not in ("sha1", "sha256", "md5"):
        raise BadInput(BAD_CHECKSUM_TYPE, ctype=ctype[:20])
    own = _text(root, file_tag, required=False)
    if own:
        _verify_self_checksum(data, own, ctype)
    ranges = []
    block_map = root.find("BlockMap")
    if block_map is None:
        raise BadInput(NO_ELEMENT, tag="BlockMap")
    blocks = (image_size + block_size - 1) // block_size
    for node in block_map.findall("Range"):
        text = (node.text or "").strip()
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", text)
        if not m:
            raise BadInput(BAD_RANGE, range=text[:40])
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if last < first or last >= blocks:
            raise BadInput(OUTSIDE, range=text)
        ranges.append(BmapRange(first, last, node.get(attr)))
    ranges.sort(key=lambda r: r.first)
    for a, b in zip(ranges, ranges[1:]):
        if b.first <= a.last:
            raise BadInput(OVERLAP)
    return BlockMap(image_size, block_size, tuple(ranges), ctype, version)


def _verify_self_checksum(data: bytes, value: str, ctype: str) -> None:
    pos = data.find(value.encode())
    zeroed = data[:pos] + b"0" * len(value) + data[pos + len(value):]
    if hashlib.new(ctype, zeroed).hexdigest() != value:
        raise BadInput(SELF_CHECKSUM)


def render_bmap(bmap: BlockMap) -> bytes:
    """Write a version 2.0 bmap with sha256 checksums (what ``bmaptool copy`` 3.x reads)."""
    if bmap.checksum_type not in ("sha256", None):
        raise BadInput(SHA256_ONLY)
    placeholder = "0" * 64
    lines = [
        '<?xml version="1.0" ?>',
        "<!-- Block map written by reemploi: the block ranges of the image that",
        "     hold data; unmapped blocks need not be written. Format of bmap-tools. -->",
        f'<bmap version="{BMAP_VERSION}">',
        f"    <ImageSize> {bmap.image_size} </ImageSize>",
        f"    <BlockSize> {bmap.block_size} </BlockSize>",
        f"    <BlocksCount> {bmap.blocks_count} </BlocksCount>",
        f"    <MappedBlocksCount> {bmap.mapped_blocks} </MappedBlocksCount>",
        "    <ChecksumType> sha256 </ChecksumType>",
        f"    <BmapFileChecksum> {placeholder} </BmapFileChecksum>",
        "    <BlockMap>",
    ]
    for r in bmap.ranges:
        span = f"{r.first}-{r.last}" if r.last != r.first else f"{r.first}"
        attr = f' chksum="{r.chksum}"' if r.chksum else ""
        lines.append(f"        <Range{attr}> {span} </Range>")
    lines += ["    </BlockMap>", "</bmap>", ""]
    text = "\n".join(lines).encode()
    digest = hashlib.sha256(text).hexdigest()
    return text.replace(placeholder.encode(), digest.encode(), 1)
