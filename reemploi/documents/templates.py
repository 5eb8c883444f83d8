"""Label templates: page or roll geometry as data files (``labels/*.toml``).

A template says where each label sits on the page and how much of it is printable;
it never says what goes on the label (that is ``layout.py``'s job). Shipped templates
live in the repository's ``labels/`` folder, each citing the published source of its
geometry; a workshop adds its own by dropping a TOML file with the same keys into
``<home>/labels/`` (a workshop file wins over a shipped one of the same name).

Coordinates are millimetres from the page's top-left corner, the way label makers
publish them (top margin, side margin, pitch).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, NotFound
from ..i18n import N_
from ..syserr import reason

def _shipped_dir() -> Path:
    """labels/ of the source tree (editable install, tests), else the copy a wheel
    install puts in <prefix>/share/reemploi/labels (pyproject data-files)."""
    here = Path(__file__).resolve().parent.parent.parent / "labels"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "reemploi" / "labels"


SHIPPED_DIR = _shipped_dir()
# Bounds of a template's numbers: a page is at most a metre (roll labels included),
# a sheet at most 50 x 50 labels.
MAX_MM = 1000.0
MAX_GRID = 50
BAD_INSETS = N_("{path}: [label] insets_mm must be 4 numbers from 0 to 1000: top, right, "
                "bottom, left")
DEFAULT_TEMPLATE = "L7160"


@dataclass(frozen=True)
class Cell:
    """One label on a page: its index (1-based, reading order) and top-left corner."""

    index: int
    x_mm: float
    y_mm: float


@dataclass(frozen=True)
class LabelTemplate:
    name: str
    description: str
    kind: str                 # "sheet" (many per page) or "roll" (one per page)
    dpi: int                  # lowest printer resolution the layout must scan at
    thermal: bool
    cups_media: str
    page_w_mm: float
    page_h_mm: float
    label_w_mm: float
    label_h_mm: float
    padding_mm: float
    insets_mm: tuple[float, float, float, float]   # top, right, bottom, left
    columns: int = 1
    rows: int = 1
    left_mm: float = 0.0
    top_mm: float = 0.0
    pitch_x_mm: float = 0.0
    pitch_y_mm: float = 0.0
    path: str = ""
    description_fr: str = ""   # the description in French (data file's description_fr)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cells(self) -> list[Cell]:
        """Every label position on one page, row by row (how people count a sheet)."""
        return [Cell(r * self.columns + c + 1,
                     self.left_mm + c * self.pitch_x_mm,
                     self.top_mm + r * self.pitch_y_mm)
                for r in range(self.rows) for c in range(self.columns)]

    def safe_area_mm(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) inside one label where we may print."""
        top, right, bottom, left = self.insets_mm
        x = left + self.padding_mm
        y = top + self.padding_mm
        return (x, y, self.label_w_mm - x - right - self.padding_mm,
                self.label_h_mm - y - bottom - self.padding_mm)


def parse_template(text: str | bytes, path: Path) -> LabelTemplate:
    """Read and check one template: every key's type and range (``datafile.Reader``,
    exit 7 naming the key), then geometry that cannot be printed is refused."""
    from ..datafile import Reader, parse_toml
    doc = Reader(parse_toml(text, path), path)
    doc.only(("name", "description", "description_fr", "kind", "dpi", "thermal", "cups_media",
              "page", "label", "grid"))
    doc.choice("kind", ("sheet", "roll"), "sheet")
    page, label, grid = doc.table("page"), doc.table("label"), doc.table("grid")
    page.only(("width_mm", "height_mm"))
    label.only(("width_mm", "height_mm", "padding_mm", "insets_mm"))
    grid.only(("columns", "rows", "left_mm", "top_mm", "pitch_x_mm", "pitch_y_mm"))
    insets = label.data.get("insets_mm", [0, 0, 0, 0])
    if (not isinstance(insets, list) or len(insets) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       and 0 <= v <= MAX_MM for v in insets)):
        raise BadInput(BAD_INSETS, path=str(path))
    name = doc.text("name", path.stem, limit=64)
    kind = doc.choice("kind", ("sheet", "roll"), "sheet")
    label_w = label.number("width_mm", 0, MAX_MM)
    label_h = label.number("height_mm", 0, MAX_MM)
    tpl = LabelTemplate(
        name=name, description=doc.text("description", name, limit=300),
        description_fr=doc.text("description_fr", "", limit=300)
        or doc.text("description", name, limit=300),
        kind=kind,
        dpi=doc.integer("dpi", 100, 2400, 300),
        thermal=doc.boolean("thermal", False),
        cups_media=doc.text("cups_media", "A4", limit=64),
        page_w_mm=page.number("width_mm", 0, MAX_MM),
        page_h_mm=page.number("height_mm", 0, MAX_MM),
        label_w_mm=label_w, label_h_mm=label_h,
        padding_mm=label.number("padding_mm", 0, MAX_MM, 1.0),
        insets_mm=tuple(float(v) for v in insets),
        # A sheet of more than a few hundred labels does not exist (L7651: 65).
        columns=grid.integer("columns", 1, MAX_GRID, 1), rows=grid.integer("rows", 1, MAX_GRID, 1),
        left_mm=grid.number("left_mm", 0, MAX_MM, 0.0), top_mm=grid.number("top_mm", 0, MAX_MM, 0.0),
        pitch_x_mm=grid.number("pitch_x_mm", 0, MAX_MM, label_w),
        pitch_y_mm=grid.number("pitch_y_mm", 0, MAX_MM, label_h),
        path=str(path),
    )
    _check_geometry(tpl, path)
    return tpl


def _check_geometry(t: LabelTemplate, path: Path) -> None:
    eps = 0.05  # mm: makers round to 0.01 mm; a 0.05 mm overrun is a rounding, not an error
    if t.columns < 1 or t.rows < 1:
        raise BadInput(N_("{path}: [grid] columns and rows must be at least 1"), path=str(path))
    if t.label_w_mm <= 0 or t.label_h_mm <= 0:
        raise BadInput(N_("{path}: [label] width and height must be more than 0"), path=str(path))
    if t.columns > 1 and t.pitch_x_mm + eps < t.label_w_mm:
        raise BadInput(N_("{path}: the labels overlap (pitch_x_mm < width_mm)"), path=str(path))
    if t.rows > 1 and t.pitch_y_mm + eps < t.label_h_mm:
        raise BadInput(N_("{path}: the labels overlap (pitch_y_mm < height_mm)"), path=str(path))
    right = t.left_mm + (t.columns - 1) * t.pitch_x_mm + t.label_w_mm
    bottom = t.top_mm + (t.rows - 1) * t.pitch_y_mm + t.label_h_mm
    if right > t.page_w_mm + eps or bottom > t.page_h_mm + eps:
        raise BadInput(N_("{path}: the labels do not fit on the page"), path=str(path))
    _, _, w, h = t.safe_area_mm()
    if w <= 0 or h <= 0:
        raise BadInput(N_("{path}: insets and padding leave no printable area"), path=str(path))


def template_dirs(home: Path | None) -> list[Path]:
    """Shipped templates first, then the workshop's (which override by name)."""
    dirs = [SHIPPED_DIR]
    if home is not None:
        dirs.append(Path(home) / "labels")
    return dirs


def load_templates(home: Path | None = None) -> dict[str, LabelTemplate]:
    """All templates by upper-case name."""
    found: dict[str, LabelTemplate] = {}
    for folder in template_dirs(home):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise BadInput(what=str(path), why=reason(exc)) from None
            tpl = parse_template(raw, path)
            found[tpl.name.upper()] = tpl
    return found


class UnknownTemplate(NotFound):
    msg = "No label template named '{name}' (known: {known})"


def get_template(name: str | None, home: Path | None = None) -> LabelTemplate:
    templates = load_templates(home)
    key = (name or DEFAULT_TEMPLATE).upper()
    if key not in templates:
        raise UnknownTemplate(name=name, known=", ".join(sorted(templates)))
    return templates[key]
