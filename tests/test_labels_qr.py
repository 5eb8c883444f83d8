"""The QR primitive: vector drawing that a real decoder reads, and the size rule."""

from __future__ import annotations

import subprocess

import pytest
import zxingcpp
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from reemploi.documents.qr import (MM, QrTooSmall, draw_qr, fit_qr_size_mm, module_mm_for,
                                   qr_matrix, qr_min_size_mm)


def _raster(pdf, dpi, tmp_path):
    stem = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(stem)],
                   check=True)
    return Image.open(f"{stem}.png")


@pytest.mark.parametrize("dpi", [203, 300])
def test_minimum_size_qr_scans_at_printer_resolution(tmp_path, dpi):
    payloads = ["REE-A-26-00042", "https://inventaire.example.org/m/REE-A-26-00042"]
    pdf = tmp_path / "qr.pdf"
    canvas = Canvas(str(pdf), pagesize=(120 * MM, 60 * MM))
    for i, payload in enumerate(payloads):
        draw_qr(canvas, payload, (5 + 60 * i) * MM, 5 * MM,
                qr_min_size_mm(payload, dpi) * MM)
    canvas.save()
    found = {b.text: b.position for b in zxingcpp.read_barcodes(_raster(pdf, dpi, tmp_path))}
    assert set(found) == set(payloads)
    # The URL was drawn in the right half of the page.
    width_px = 120 / 25.4 * dpi
    assert found[payloads[0]].top_left.x < width_px / 2 < found[payloads[1]].top_left.x


def test_size_rule_follows_dots_and_quiet_zone():
    # 4 dots at 203 dpi = 0.5 mm (DENSO table); version 1 = 21 modules + 2x4 quiet zone.
    assert module_mm_for(203) == pytest.approx(4 * 25.4 / 203)
    assert qr_matrix("REE-A-26-00042").size == 21
    assert qr_min_size_mm("REE-A-26-00042", 203) == pytest.approx(29 * 4 * 25.4 / 203)
    # At 600 dpi, 4 dots (0.17 mm) is under the 0.25 mm floor: 6 dots are used.
    assert module_mm_for(600) == pytest.approx(6 * 25.4 / 600)
    # A longer payload needs a bigger version, hence a bigger minimum.
    assert qr_min_size_mm("https://inventaire.example.org/m/REE-A-26-00042", 203) > \
        qr_min_size_mm("REE-A-26-00042", 203)


def test_fit_takes_whole_dots_and_refuses_too_small():
    size = fit_qr_size_mm("REE-A-26-00042", 20.0, 203)
    assert size <= 20.0
    modules = 29
    dots = size / (25.4 / 203) / modules
    assert dots == pytest.approx(round(dots)) and round(dots) >= 4
    with pytest.raises(QrTooSmall) as err:
        fit_qr_size_mm("REE-A-26-00042", 10.0, 203)
    assert err.value.params["need_mm"] == "14.5"


@pytest.mark.parametrize("payload", ["REE-A-26-00042",
                                     "https://inventaire.example.org/machines/" + "x" * 140])
def test_remasking_matches_the_library_symbol_for_every_mask(payload):
    """Our fast mask search re-masks one symbol; each of the 8 results must equal the
    symbol the qrcode library builds from scratch with that mask (format and, from
    version 7, version information included)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M
    from reemploi.documents import qr as q

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(payload)
    code.best_fit()
    code.makeImpl(False, 0)
    n = code.modules_count
    rows0 = [sum(1 << j for j, v in enumerate(row) if v) for row in code.modules]
    data, masks, formats = q._symbol_maps(code.version)
    for k in range(8):
        cells, values = formats[k]
        ours = [((r ^ ((masks[0][i] ^ masks[k][i]) & data[i])) & ~cells[i]) | values[i]
                for i, r in enumerate(rows0)]
        code.makeImpl(False, k)
        theirs = [sum(1 << j for j, v in enumerate(row) if v) for row in code.modules]
        assert ours == theirs, f"mask {k}, version {code.version}"
    assert (code.version >= 7) == (len(payload) > 100)
    assert n == code.version * 4 + 17


def test_payload_too_long_for_any_qr_code_is_a_typed_refusal():
    from reemploi.documents.qr import QrPayloadTooLong
    with pytest.raises(QrPayloadTooLong):
        qr_matrix("x" * 3000)
