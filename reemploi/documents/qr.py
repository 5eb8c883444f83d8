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
import re
from dataclasses import dataclass

import qrcode
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from ..errors import Refused
from .qr_codewords import codewords
from .qr_penalty import columns, pack, penalty

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
    lines: tuple[str, ...] = ()     # the same rows as '0'/'1' strings (for drawing)

    @property
    def size(self) -> int:
        return len(self.modules)


class QrPayloadTooLong(Refused):
    msg = "The text '{payload}' is too long for a QR code"


@functools.lru_cache(maxsize=4096)
def qr_matrix(payload: str) -> QrMatrix:
    """Encode ``payload`` at level M in the smallest version that holds it.

    The ``qrcode`` library places the data; we choose the mask ourselves (see
    ``_best_mask``): its own choice rebuilds the whole symbol eight times in pure
    Python, which made 500 labels take seconds.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(payload)
    try:
        code.best_fit()
    except (DataOverflowError, ValueError):   # ValueError: "Invalid version (was 41...)"
        raise QrPayloadTooLong(payload=payload[:60] + ("…" if len(payload) > 60 else "")) from None
    # The codewords by our integer Reed–Solomon (qr_codewords.py): the same bytes as
    # the library's, a quarter of its time; the library places them.
    code.data_cache = codewords(code.version, code.error_correction, code.data_list)
    code.makeImpl(False, 0)
    n = code.modules_count
    rows0 = [sum(1 << j for j, v in enumerate(row) if v) for row in code.modules]
    rows = _best_mask(rows0, _symbol_maps(code.version), n, code.version)
    lines = tuple(format(r, f"0{n}b")[::-1] for r in rows)      # column j = character j
    modules = tuple(tuple(ch == "1" for ch in line) for line in lines)
    return QrMatrix(payload=payload, version=code.version, modules=modules, lines=lines)


@functools.lru_cache(maxsize=40)
def _symbol_maps(version: int):
    """Per row bit masks of one version: data cells, each mask pattern, format info.

    Rows are ints, bit j = column j. Data cells are those no function pattern uses
    (ISO/IEC 18004 §7.7); format information (§7.9) depends on the mask, so its
    cells and values are kept per mask to be rewritten after re-masking.
    """
    probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0)
    n = probe.modules_count = version * 4 + 17
    probe.modules = [[None] * n for _ in range(n)]
    for r, c in ((0, 0), (n - 7, 0), (0, n - 7)):
        probe.setup_position_probe_pattern(r, c)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)
    if version >= 7:
        probe.setup_type_number(True)
    data = [sum(1 << j for j, v in enumerate(row) if v is None) for row in probe.modules]
    masks, formats = [], []
    for k in range(8):
        func = qr_util.mask_func(k)
        masks.append([sum(1 << j for j in range(n) if func(i, j)) for i in range(n)])
        probe.modules = [[None] * n for _ in range(n)]
        probe.setup_type_info(False, k)
        cells = [sum(1 << j for j, v in enumerate(row) if v is not None) for row in probe.modules]
        values = [sum(1 << j for j, v in enumerate(row) if v) for row in probe.modules]
        formats.append((cells, values))
    return data, masks, formats


def _best_mask(rows0: list[int], maps, n: int, version: int) -> list[int]:
    """Re-mask the mask-0 symbol with each of the 8 patterns; keep the lowest penalty
    (the first of equals). Scored packed (qr_penalty.py): rows and columns each in one
    integer, the mask applied to both at once."""
    data, masks, formats = maps
    rows_packed, cols_packed = pack(rows0, n), pack(columns(rows0, n), n)
    best_k, best_score = 0, None
    for k, (x, f, v, xc, fc, vc) in enumerate(_packed_maps(version)):
        score = penalty(((rows_packed ^ x) & ~f) | v, ((cols_packed ^ xc) & ~fc) | vc, n)
        if best_score is None or score < best_score:
            best_k, best_score = k, score
    cells, values = formats[best_k]
    return [((r ^ ((masks[0][i] ^ masks[best_k][i]) & data[i])) & ~cells[i]) | values[i]
            for i, r in enumerate(rows0)]


_DARK_RUN = re.compile("1+")


@functools.lru_cache(maxsize=40)
def _packed_maps(version: int) -> tuple[tuple[int, ...], ...]:
    """Per mask k, packed for rows then columns: the cells mask k flips relative to
    mask 0 (data cells only), the format cells and their values (``_symbol_maps``)."""
    data, masks, formats = _symbol_maps(version)
    n = version * 4 + 17
    out = []
    for k in range(8):
        cells, values = formats[k]
        flip = [(masks[0][i] ^ masks[k][i]) & data[i] for i in range(n)]
        out.append(tuple(pack(lines, n) for lines in (flip, cells, values))
                   + tuple(pack(columns(lines, n), n) for lines in (flip, cells, values)))
    return tuple(out)


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
    ops = []
    for r, line in enumerate(matrix.lines):
        row_y = f"{top - (r + 1) * module:.3f}"
        for run in _DARK_RUN.finditer(line):
            ops.append(f"{origin_x + run.start() * module:.3f} {row_y} "
                       f"{(run.end() - run.start()) * module:.3f} {module:.3f} re")
    # One filled path of rectangles ("re" operators, ISO 32000-1 §8.5.2.1). Written as
    # operators directly: reportlab's path object formats each number in pure Python,
    # which was a third of the time of a 500-label sheet.
    canvas._code.append("\n".join(ops) + "\nf")
    canvas.restoreState()
