"""Proof that labels scan: every template rendered, rasterised like a printer would
(pdftoppm at 300 dpi for office sheets, 203 dpi for thermal rolls), every QR code read
back with a real decoder (zxing-cpp) and checked for its payload AND its label cell."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from reemploi.documents.layout import LabelContent, plan_label
from reemploi.documents.qr import QrTooSmall, modules_with_quiet_zone, qr_min_size_mm
from reemploi.documents.render import render_labels
from reemploi.documents.templates import load_templates, parse_template

TEMPLATES = load_templates()
FACTS = ("Intel Core i5-4590 3.30GHz", "RAM 8 Go", "SSD 240 Go", "Emmabuntüs DE5",
         "Catégorie B", "Effacé le 20/11/2026")


def raster(pdf: bytes, dpi: int, tmp_path: Path, page: int = 1) -> Image.Image:
    src = tmp_path / f"doc{page}.pdf"
    src.write_bytes(pdf)
    stem = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(src), str(stem)], check=True)
    return Image.open(f"{stem}.png")


def decoded(image: Image.Image, dpi: int) -> dict[str, tuple[float, float]]:
    """payload -> centre of its QR code in mm from the page's top-left corner."""
    out = {}
    for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        pos = code.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        assert code.text not in out, f"payload {code.text} decoded twice"
        out[code.text] = (sum(xs) / 4 * 25.4 / dpi, sum(ys) / 4 * 25.4 / dpi)
    return out


def cell_at(template, x_mm: float, y_mm: float) -> int | None:
    for cell in template.cells():
        if (cell.x_mm <= x_mm <= cell.x_mm + template.label_w_mm
                and cell.y_mm <= y_mm <= cell.y_mm + template.label_h_mm):
            return cell.index
    return None


def check_page(doc, page: int, tmp_path: Path) -> int:
    """Decode one page and check every label placed on it; returns how many were read."""
    tpl = doc.template
    found = decoded(raster(doc.pdf, tpl.dpi, tmp_path, page), tpl.dpi)
    expected = [p for p in doc.placed if p.page == page]
    assert set(found) == {p.content.payload for p in expected}
    for placed in expected:
        cx, cy = found[placed.content.payload]
        assert cell_at(tpl, cx, cy) == placed.cell, placed.content.payload
        # ... and where the layout said, to within a module or so.
        assert abs(cx - (placed.qr_x_mm + placed.qr_size_mm / 2)) < 1.0
        assert abs(cy - (placed.qr_y_mm + placed.qr_size_mm / 2)) < 1.0
    return len(expected)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("style", ["id", "url"])
def test_every_template_scans_payload_and_position(name, style, tmp_path):
    tpl = TEMPLATES[name]
    count = min(tpl.per_page, 7) if tpl.kind == "sheet" else 1
    contents = []
    for i in range(count):
        asset = f"REE-A-26-{i + 40:05d}"
        payload = asset if style == "id" else f"https://inventaire.example.org/m/{asset}"
        contents.append(LabelContent(asset, payload, FACTS, "Atelier bidouille"))
    doc = render_labels(tpl, contents)
    assert check_page(doc, 1, tmp_path) == count
    # Thermal modules are whole printer dots at the template's resolution.
    for placed in doc.placed:
        assert placed.qr_size_mm >= qr_min_size_mm(placed.content.payload, tpl.dpi) - 1e-6
        dots = placed.qr_size_mm / (25.4 / tpl.dpi) / modules_with_quiet_zone(placed.content.payload)
        assert dots == pytest.approx(round(dots)) and round(dots) >= 4


def test_start_at_position_n_on_a_partly_used_sheet_and_overflow(tmp_path):
    tpl = TEMPLATES["L7160"]
    contents = [LabelContent(f"REE-A-26-{i:05d}", f"REE-A-26-{i:05d}", FACTS, "Atelier")
                for i in range(6)]
    doc = render_labels(tpl, contents, start=19)
    assert [(p.page, p.cell) for p in doc.placed] == [(1, 19), (1, 20), (1, 21),
                                                      (2, 1), (2, 2), (2, 3)]
    assert doc.pages == 2
    assert check_page(doc, 1, tmp_path) == 3
    assert check_page(doc, 2, tmp_path) == 3


def test_small_label_keeps_id_and_qr_only_and_large_label_adds_facts():
    content = LabelContent("REE-A-26-00042", "REE-A-26-00042", FACTS, "Atelier bidouille")
    small = plan_label(TEMPLATES["L7651"], content)
    assert [line.text for line in small.lines] == ["REE-A-26-00042"]
    large = plan_label(TEMPLATES["L7160"], content)
    texts = [line.text for line in large.lines]
    assert texts[0] == "REE-A-26-00042" and "RAM 8 Go" in texts and "Atelier bidouille" in texts
    assert large.title_pt >= 16        # readable from a metre on a 63.5 x 38.1 mm label


TINY = """
name = "TINY"
kind = "roll"
dpi = 203
cups_media = "Custom.15x12mm"
[page]
width_mm = 15.0
height_mm = 12.0
[label]
width_mm = 15.0
height_mm = 12.0
padding_mm = 0.5
"""


def test_a_qr_too_small_to_scan_is_refused_not_printed(tmp_path):
    tiny = parse_template(TINY, Path("tiny.toml"))
    # 21 + 8 modules x 0.5 mm = 14.5 mm are needed at 203 dpi; 11 mm are available.
    with pytest.raises(QrTooSmall) as err:
        render_labels(tiny, [LabelContent("REE-A-26-00042", "REE-A-26-00042")])
    assert err.value.params["need_mm"] == "14.5"
    # A long payload on the 38.1 x 21.2 mm label: refused as well.
    long_url = "https://inventaire.example.org/machines/" + "x" * 120 + "/REE-A-26-00042"
    with pytest.raises(QrTooSmall):
        render_labels(TEMPLATES["L7651"], [LabelContent("REE-A-26-00042", long_url)])


def test_tight_label_drops_text_before_shrinking_the_qr(tmp_path):
    # 17 x 16 mm: room for a scannable code but not for a readable id beside it.
    text = TINY.replace("15.0", "17.0").replace("12.0", "16.0")
    tpl = parse_template(text, Path("small.toml"))
    lay = plan_label(tpl, LabelContent("REE-A-26-00042", "REE-A-26-00042", FACTS))
    assert lay.arrangement == "qr-only" and lay.lines == ()
    doc = render_labels(tpl, [LabelContent("REE-A-26-00042", "REE-A-26-00042")])
    assert check_page(doc, 1, tmp_path) == 1


# --- layout geometry: nothing cut off, nothing drawn over the code or over other text ---

LONG_FACTS = ("Intel Core i7-8650U 1.90GHz with Radeon extras", "RAM 16 Go",
              "SSD 512 Go + HDD 1 To", "Emmabuntüs DE6 1.00", "Catégorie B", "Effacé le 20/11/2026")


def _box(line):
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reemploi.documents.layout import CAP_HEIGHT, DESCENT, PT
    width = stringWidth(line.text, line.font, line.size_pt) * PT
    return (line.x_mm, line.baseline_mm - line.size_pt * CAP_HEIGHT * PT,
            line.x_mm + width, line.baseline_mm + line.size_pt * DESCENT * PT)


def _apart(a, b, eps=1e-6) -> bool:
    return a[2] <= b[0] + eps or b[2] <= a[0] + eps or a[3] <= b[1] + eps or b[3] <= a[1] + eps


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_text_stays_on_the_label_and_off_the_code(name):
    tpl = TEMPLATES[name]
    sx, sy, sw, sh = tpl.safe_area_mm()
    area = (sx - 1e-6, sy - 1e-6, sx + sw + 1e-6, sy + sh + 1e-6)
    for title in ("TRI-A-26-00042", "TRI-A-26-P00042", "LOT-A-26-0001"):
        for payload in (title, "https://inventaire.bidouille.example.org/m/" + title):
            for facts, footer in ((LONG_FACTS, "Atelier Bidouille Solidaire de Villeurbanne"),
                                  ((), ""), ((), "Atelier")):
                lay = plan_label(tpl, LabelContent(title, payload, facts, footer))
                qr = (lay.qr_x_mm, lay.qr_y_mm, lay.qr_x_mm + lay.qr_size_mm,
                      lay.qr_y_mm + lay.qr_size_mm)
                assert area[0] <= qr[0] and qr[2] <= area[2] and area[1] <= qr[1] \
                    and qr[3] <= area[3], (name, payload)
                boxes = [_box(line) for line in lay.lines]
                for line, box in zip(lay.lines, boxes):
                    where = (name, payload, line.text)
                    assert area[0] <= box[0] and box[2] <= area[2], where
                    assert area[1] <= box[1] and box[3] <= area[3], where
                    assert _apart(box, qr), where
                for i, a in enumerate(boxes):
                    assert all(_apart(a, b) for b in boxes[i + 1:]), (name, lay.lines[i].text)


def test_a_readable_id_gives_way_to_facts():
    """On the 29 x 90 mm roll a 24 pt id left no room for the grade and the wipe date;
    once the id reads from a metre (16 pt), facts come first."""
    from reemploi.documents.layout import FACT_PT, PREFERRED_TITLE_PT
    lay = plan_label(TEMPLATES["DK-11201"],
                     LabelContent("TRI-A-26-00042", "TRI-A-26-00042", FACTS, "Atelier bidouille"))
    facts = [line.text for line in lay.lines if line.size_pt == FACT_PT]
    assert lay.title_pt >= PREFERRED_TITLE_PT
    assert facts[:5] == list(FACTS[:5])           # the grade is on the label


def test_an_id_alone_beside_its_code_is_level_with_it(tmp_path):
    """L7651 with a URL payload: the id sits beside the code, centred on it, not in the
    top corner of the label."""
    from reemploi.documents.layout import CAP_HEIGHT, PT
    url = "https://inventaire.bidouille.example.org/m/TRI-A-26-00042"
    lay = plan_label(TEMPLATES["L7651"], LabelContent("TRI-A-26-00042", url))
    assert lay.arrangement == "side" and len(lay.lines) == 1
    title = lay.lines[0]
    middle = title.baseline_mm - title.size_pt * CAP_HEIGHT * PT / 2
    assert abs(middle - (lay.qr_y_mm + lay.qr_size_mm / 2)) < 0.3
    doc = render_labels(TEMPLATES["L7651"], [LabelContent("TRI-A-26-00042", url)])
    assert check_page(doc, 1, tmp_path) == 1
