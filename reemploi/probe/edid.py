"""EDID -> ``reemploi.model.Screen`` (maker, model, serial, year, size, native mode).

A display describes itself in a 128-byte EDID base block (VESA Enhanced EDID
Standard, E-EDID Release A Rev. 2 = EDID 1.4; layouts cited by section below),
optionally followed by extension blocks. We read the raw binary (from
``/sys/class/drm/*/edid``) or the text dumps published by linux-hardware.org,
which start with an "EDID (hex):" / "edid-decode (hex):" block that we turn back
into bytes. Only the base block is decoded; extensions are ignored.

Pure; a bad checksum is noted in ``messages`` of ``parse_edid_full`` and the block
is still decoded (some monitors ship with a wrong checksum, and the fields we read
are usually fine). ``BadInput`` when there is no EDID header at all or fewer than
128 bytes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..bounded import check_lines
from ..errors import BadInput
from ..i18n import N_
from ..model import Screen
from ..lazyre import lazy

NOT_EDID = N_("{what} does not contain an EDID block")
TRUNCATED_EDID = N_("{what} holds only {size} bytes of EDID (128 needed)")
EMPTY_INPUT = N_("{what} is empty")

HEADER = bytes.fromhex("00ffffffffffff00")   # E-EDID 1.4 section 3.3, bytes 00h-07h


@dataclass(frozen=True)
class EdidResult:
    """A parsed EDID: the screen, its version, checksum and blocks, and notes."""
    screen: Screen
    version: str | None
    checksum_ok: bool
    blocks: int
    messages: tuple[str, ...] = ()


def parse_edid(data: bytes | str) -> Screen:
    return parse_edid_full(data).screen


def parse_edid_full(data: bytes | str) -> EdidResult:
    raw = edid_bytes(data)
    return decode(raw)


_HEX_LINE = lazy(r"^\s*(?:[0-9a-fA-F]{2}\s*){8,}$")


def edid_bytes(data: bytes | str) -> bytes:
    """Raw EDID from binary or from a hex dump (first hex block of the text)."""
    if isinstance(data, bytes):
        if not data:
            raise BadInput(EMPTY_INPUT, what="input")
        if data[:8] == HEADER:
            raw = data
        else:
            try:
                data = data.decode("ascii")
            except UnicodeDecodeError:
                raise BadInput(NOT_EDID, what="input") from None
    if isinstance(data, str):
        if not data.strip():
            raise BadInput(EMPTY_INPUT, what="input")
        check_lines(data, "edid")
        hexchars: list[str] = []
        started = False
        for line in data.splitlines():
            if _HEX_LINE.match(line):
                started = True
                hexchars.append(re.sub(r"\s+", "", line))
            elif started and line.strip():
                break                      # end of the first hex block
        raw = bytes.fromhex("".join(hexchars)) if hexchars else b""
    if raw[:8] != HEADER:
        raise BadInput(NOT_EDID, what="input")
    if len(raw) < 128:
        raise BadInput(TRUNCATED_EDID, what="input", size=len(raw))
    return raw


def _pnp_id(b8: int, b9: int) -> str | None:
    """Section 3.4.1: three 5-bit letters, 'A' = 00001b, big-endian over bytes 08h-09h."""
    word = (b8 << 8) | b9
    letters = [(word >> shift) & 0x1F for shift in (10, 5, 0)]
    if not all(1 <= x <= 26 for x in letters):
        return None
    return "".join(chr(ord("A") + x - 1) for x in letters)


def _descriptor_text(d: bytes) -> str | None:
    # Section 3.10.3: 5 header bytes, then 13 bytes of text ended by 0Ah, padded with 20h.
    text = d[5:18].split(b"\x0a")[0].decode("cp437", errors="replace").strip()
    return text or None


def decode(raw: bytes) -> EdidResult:
    notes: list[str] = []
    base = raw[:128]
    checksum_ok = sum(base) % 256 == 0          # section 3.11: all 128 bytes sum to 0 mod 256
    if not checksum_ok:
        notes.append("bad-checksum")
    blocks = len(raw) // 128
    if raw[126] + 1 != blocks and len(raw) > 128:
        notes.append(f"extension-count:{raw[126]}")
    manufacturer = _pnp_id(base[8], base[9])
    product = base[10] | (base[11] << 8)        # 3.4.2: little-endian ID product code
    serial_num = int.from_bytes(base[12:16], "little")   # 3.4.3
    week, year_byte = base[16], base[17]        # 3.4.4: year = value + 1990 (0xFF week: model year)
    year = 1990 + year_byte if year_byte else None
    version = f"{base[18]}.{base[19]}"           # 3.5
    width_cm, height_cm = base[21], base[22]     # 3.6.2: 0/0 = unknown or projector; one 0 = aspect ratio
    if not width_cm or not height_cm:
        width_cm = height_cm = 0

    name = serial_text = None
    native = None
    for off in (54, 72, 90, 108):                # 3.10: four 18-byte descriptors
        d = base[off:off + 18]
        if d[0] or d[1]:                          # 3.10.2: detailed timing (pixel clock != 0)
            if native is None:
                h = d[2] | ((d[4] & 0xF0) << 4)
                v = d[5] | ((d[7] & 0xF0) << 4)
                native = (h, v)
            continue
        tag = d[3]                                # 3.10.3: display descriptor tags
        if tag == 0xFC and name is None:
            name = _descriptor_text(d)
        elif tag == 0xFF and serial_text is None:
            serial_text = _descriptor_text(d)
    diagonal = None
    if width_cm and height_cm:
        diagonal = round(math.hypot(width_cm, height_cm) / 2.54, 1)
    serial = serial_text or (str(serial_num) if serial_num not in (0, 0x01010101, 0xFFFFFFFF) else None)
    model = name or (f"{manufacturer}{product:04X}" if manufacturer else None)
    screen = Screen(manufacturer=manufacturer, model=model, serial=serial, year=year,
                    width_cm=width_cm or None, height_cm=height_cm or None, diagonal_in=diagonal,
                    native_width=native[0] if native else None, native_height=native[1] if native else None)
    if week == 0xFF:
        notes.append("model-year")
    return EdidResult(screen=screen, version=version, checksum_ok=checksum_ok, blocks=blocks,
                      messages=tuple(notes))
