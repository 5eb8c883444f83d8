"""QR codes drawn as vector rectangles, and the rule for the smallest size that scans.

The matrix comes from the ``qrcode`` library; we draw it ourselves with reportlab
rectangles (one rectangle per horizontal run of dark modules, all in one filled path)
so the code stays crisp at any printer resolution and the PDF stays small.

Size rule (``qr_min_size_mm``): a printed module must span at least
``min_module_dots`` printer dots. DENSO WAVE, the inventor of the QR code,
recommends "4 or more dots" per module for stable reading on thermal and laser
printers (https://www.qrcode.com/en/howto/cell.html, "Printer Head Density and
Module Size": 4 dots = 0.5 mm at 203 dpi, 0.33 mm at 300 dpi). We also keep a
physical floor of 0.25 mm per module, the limit DENSO gives for a "standard type"
scanner on the same page, because a 600 dpi laser could otherwise shrink modules
below what a phone camera resolves. Around the symbol, ISO/IEC 18004:2015 §6.3.8
requires a light quiet zone 4 modules wide on every side.

Error correction level M (about 15 % of codewords recoverable, ISO/IEC 18004 §6.5.1)
is our compromise: a scratched label still reads, while the symbol stays small enough
for a 38.1×21.2 mm label.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from ..errors import Refused

MM = 72.0 / 25.4          # PDF points per millimetre
QUIET_ZONE_MODULES = 4     # ISO/IEC 18004:2015 §6.3.8
MIN_MODULE_DOTS = 4        # DENSO WAVE: "each module is made up of 4 or more dots"
MIN_MODULE_MM = 0.25       # DENSO WAVE: readable limit of a standard-type scanner


class QrTooSmall(Refused):
    """The QR code would not scan at the room the layout leaves for it."""

    msg = ("The QR code for '{payload}' needs at least {need_mm} mm at {dpi} dpi "
           "but only {have_mm} mm fit on the label")


@dataclass(frozen=True)
class QrMatrix:
    """The dark/light modules of one symbol, without quiet zone."""

    payload: str
    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.modules)


@functools.lru_cache(maxsize=4096)
def qr_matrix(payload: str) -> QrMatrix:
    """Encode ``payload`` at level M in the smallest version that holds it."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    rows = tuple(tuple(bool(v) for v in row) for row in code.get_matrix())
    return QrMatrix(payload=payload, version=code.version, modules=rows)


def modules_with_quiet_zone(payload: str, quiet_zone_modules: int = QUIET_ZONE_MODULES) -> int:
    """Width of the symbol in modules, quiet zone included on both sides."""
    return qr_matrix(payload).size + 2 * quiet_zone_modules


def module_mm_for(dpi: float, *, min_module_dots: int = MIN_MODULE_DOTS,
                  min_module_mm: float = MIN_MODULE_MM) -> float:
    """Smallest module that is a whole number of dots and scans: see the module docstring.

    Whole dots matter on thermal heads (one dot is the smallest thing they print): a
    module of 4.4 dots comes out as alternately 4 and 5 dots wide and the symbol skews.
    """
    dot_mm = 25.4 / dpi
    dots = max(min_module_dots, math.ceil(min_module_mm / dot_mm - 1e-9))
    return dots * dot_mm


def qr_min_size_mm(payload: str, dpi: float, *, min_module_dots: int = MIN_MODULE_DOTS,
                   min_module_mm: float = MIN_MODULE_MM,
                   quiet_zone_modules: int = QUIET_ZONE_MODULES) -> float:
    """Smallest printed side (mm, quiet zone included) at which ``payload`` scans at ``dpi``."""
    module = module_mm_for(dpi, min_module_dots=min_module_dots, min_module_mm=min_module_mm)
    return modules_with_quiet_zone(payload, quiet_zone_modules) * module


def fit_qr_size_mm(payload: str, room_mm: float, dpi: float, *,
                   min_module_dots: int = MIN_MODULE_DOTS,
                   min_module_mm: float = MIN_MODULE_MM,
                   quiet_zone_modules: int = QUIET_ZONE_MODULES) -> float:
    """Largest side <= ``room_mm`` whose modules are whole dots; ``QrTooSmall`` if none scans.

    Bigger is easier to read (DENSO: "printed as large as possible"), so we take every
    whole dot the room allows rather than the minimum.
    """
    total = modules_with_quiet_zone(payload, quiet_zone_modules)
    dot_mm = 25.4 / dpi
    need = qr_min_size_mm(payload, dpi, min_module_dots=min_module_dots,
                          min_module_mm=min_module_mm, quiet_zone_modules=quiet_zone_modules)
    dots = math.floor(room_mm / (total * dot_mm) + 1e-9)
    size = dots * total * dot_mm
    if size + 1e-9 < need:
        raise QrTooSmall(payload=payload, need_mm=f"{need:.1f}", dpi=int(dpi),
                         have_mm=f"{room_mm:.1f}")
    return size


def draw_qr(canvas, payload: str, x: float, y: float, size: float, *,
            quiet_zone_modules: int = QUIET_ZONE_MODULES) -> None:
    """Draw ``payload`` as a QR code in the square (x, y, size) given in PDF points.

    (x, y) is the lower-left corner of the square, which includes the quiet zone: the
    caller reserves it and nothing else may be drawn there. The quiet zone is painted
    white so a label's background or border cannot intrude on it.
    """
    matrix = qr_matrix(payload)
    n = matrix.size
    module = size / (n + 2 * quiet_zone_modules)
    origin_x = x + quiet_zone_modules * module
    top = y + size - quiet_zone_modules * module
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(matrix.modules):
        c = 0
        row_y = top - (r + 1) * module
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            path.rect(origin_x + start * module, row_y, (c - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
