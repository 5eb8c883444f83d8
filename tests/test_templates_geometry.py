"""Label templates are data: shipped geometry matches its published source, bad files are
refused with a clear error, and a workshop can add or override a template."""

from __future__ import annotations

from pathlib import Path

import pytest

from reemploi.documents.templates import SHIPPED_DIR, get_template, load_templates, parse_template
from reemploi.errors import BadInput, NotFound

# name: (per page, label w x h, first cell top-left, last cell top-left) in mm, from the
# sources cited in each file (LibreOffice labels.xml, brother_ql labels.py, DYMO lw450.ppd).
PUBLISHED = {
    "L7160": (21, (63.5, 38.1), (7.2, 15.15), (7.2 + 2 * 66.04, 15.15 + 6 * 38.1)),
    "L7163": (14, (99.06, 38.1), (4.67, 15.15), (4.67 + 101.6, 15.15 + 6 * 38.1)),
    "L7651": (65, (38.1, 21.17), (4.67, 10.9), (4.67 + 4 * 40.64, 10.9 + 12 * 21.17)),
    "DK-11209": (1, (62.0, 29.0), (0, 0), (0, 0)),
    "DK-11201": (1, (90.0, 29.0), (0, 0), (0, 0)),
    "DK-22205": (1, (62.0, 40.0), (0, 0), (0, 0)),
    "DYMO-99012": (1, (88.56, 35.73), (0, 0), (0, 0)),
    "DYMO-11354": (1, (57.15, 31.75), (0, 0), (0, 0)),
}


def test_every_shipped_template_matches_its_source_and_cites_it():
    templates = load_templates()
    assert set(PUBLISHED) <= set(templates)
    for name, (per_page, size, first, last) in PUBLISHED.items():
        t = templates[name]
        cells = t.cells()
        assert t.per_page == per_page == len(cells), name
        assert (t.label_w_mm, t.label_h_mm) == pytest.approx(size), name
        assert (cells[0].x_mm, cells[0].y_mm) == pytest.approx(first), name
        assert (cells[-1].x_mm, cells[-1].y_mm) == pytest.approx(last), name
        text = Path(t.path).read_text(encoding="utf-8")
        assert "source" in text.lower(), f"{name} does not cite where its geometry comes from"
        # A4 sheets are symmetric top/bottom within a millimetre (as the makers draw them).
        if t.kind == "sheet":
            bottom = t.page_h_mm - (cells[-1].y_mm + t.label_h_mm)
            assert abs(bottom - t.top_mm) < 1.0, name


def test_thermal_templates_are_designed_for_203_dpi_and_sheets_for_300():
    for t in load_templates().values():
        assert t.dpi == (203 if t.thermal else 300), t.name


_VALID = "[page]\nwidth_mm = 210\nheight_mm = 297\n[label]\nwidth_mm = 63.5\nheight_mm = 38.1\n"


@pytest.mark.parametrize("broken, why", [
    ("kind = 'sheet'\n[page]\nwidth_mm = 210\nheight_mm = 297\n[label]\nwidth_mm = 70\n"
     "height_mm = 40\n[grid]\ncolumns = 3\nrows = 1\npitch_x_mm = 66\n", "overlap"),
    ("kind = 'sheet'\n[page]\nwidth_mm = 210\nheight_mm = 297\n[label]\nwidth_mm = 63.5\n"
     "height_mm = 38.1\n[grid]\ncolumns = 3\nrows = 8\ntop_mm = 15.15\n", "do not fit"),
    ("kind = 'roll'\n[page]\nwidth_mm = 'wide'\n", "number"),
    ("kind = 'stack'\n", "kind"),
    ("[label\n", "not valid TOML"),
    # Issue 11: each of these crashed the label command (or allocated without bound).
    ("page = 5\n", "'page' must be a section"),
    (_VALID + "[grid]\ncolumns = 'x'\n", "'grid.columns' must be a whole number"),
    (_VALID + "[grid]\ncolumns = 1000000000\n", "'grid.columns' must be a whole number from 1 to 50"),
    (_VALID.replace("height_mm = 38.1", "height_mm = 38.1\npadding_mm = 'x'"),
     "'label.padding_mm' must be a number"),
    ("name = ['a']\n" + _VALID, "'name' must be text"),
    ("thermal = 'yes'\n" + _VALID, "'thermal' must be true or false"),
    ("[label]\nwidth_mm = 1e999\n", "'label.width_mm' must be a number"),
    ("colour = 'red'\n", "unknown key 'colour'"),
    ("[grid]\nrows = 2\nspacing = 3\n", "unknown key 'grid.spacing'"),
    (b"name = '\xff'\n", "not UTF-8"),
    ("kind = 'roll'\n[page]\nwidth_mm = 20\nheight_mm = 10\n[label]\nwidth_mm = 20\n"
     "height_mm = 10\ninsets_mm = [5, 0, 5, 0]\n", "no printable area"),
])
def test_broken_templates_are_refused_with_a_reason(broken, why):
    with pytest.raises(BadInput) as err:
        parse_template(broken, Path("broken.toml"))
    assert why in str(err.value)


def test_a_workshop_template_is_found_and_overrides_a_shipped_one(tmp_path):
    folder = tmp_path / "labels"
    folder.mkdir()
    mine = (SHIPPED_DIR / "l7160.toml").read_text(encoding="utf-8").replace(
        'description = "Avery', 'description = "Ours: Avery')
    (folder / "l7160.toml").write_text(mine, encoding="utf-8")
    (folder / "agipa-119010.toml").write_text(
        (SHIPPED_DIR / "l7160.toml").read_text(encoding="utf-8").replace(
            'name = "L7160"', 'name = "AGIPA-119010"'), encoding="utf-8")
    assert get_template("l7160", tmp_path).description.startswith("Ours:")
    assert get_template("AGIPA-119010", tmp_path).per_page == 21
    assert not get_template("L7160").description.startswith("Ours:")
    with pytest.raises(NotFound):
        get_template("NOPE", tmp_path)
