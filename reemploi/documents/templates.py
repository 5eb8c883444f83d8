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
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, NotFound

def _shipped_dir() -> Path:
    """labels/ of the source tree (editable install, tests), else the copy a wheel
    install puts in <prefix>/share/reemploi/labels (pyproject data-files)."""
    here = Path(__file__).resolve().parent.parent.parent / "labels"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "reemploi" / "labels"


SHIPPED_DIR = _shipped_dir()
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


def _number(data: dict, key: str, where: str, path: Path) -> float:
    value = data.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise BadInput(what=str(path), why=f"[{where}] {key} must be a number >= 0")
    return float(value)


def parse_template(text: str, path: Path) -> LabelTemplate:
    """Read and check one template; geometry that cannot be printed is refused."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(what=str(path), why=str(exc)) from None
    page, label = data.get("page", {}), data.get("label", {})
    grid = data.get("grid", {})
    kind = data.get("kind", "sheet")
    if kind not in ("sheet", "roll"):
        raise BadInput(what=str(path), why="kind must be 'sheet' or 'roll'")
    insets = label.get("insets_mm", [0, 0, 0, 0])
    if (not isinstance(insets, list) or len(insets) != 4
            or not all(isinstance(v, (int, float)) and v >= 0 for v in insets)):
        raise BadInput(what=str(path), why="[label] insets_mm must be 4 numbers: top, right, bottom, left")
    dpi = data.get("dpi", 300)
    if not isinstance(dpi, int) or not 100 <= dpi <= 2400:
        raise BadInput(what=str(path), why="dpi must be a whole number between 100 and 2400")
    name = str(data.get("name") or path.stem)
    tpl = LabelTemplate(
        name=name, description=str(data.get("description", name)), kind=kind, dpi=dpi,
        thermal=bool(data.get("thermal", False)),
        cups_media=str(data.get("cups_media", "A4")),
        page_w_mm=_number(page, "width_mm", "page", path),
        page_h_mm=_number(page, "height_mm", "page", path),
        label_w_mm=_number(label, "width_mm", "label", path),
        label_h_mm=_number(label, "height_mm", "label", path),
        padding_mm=float(label.get("padding_mm", 1.0)),
        insets_mm=tuple(float(v) for v in insets),
        columns=int(grid.get("columns", 1)), rows=int(grid.get("rows", 1)),
        left_mm=float(grid.get("left_mm", 0.0)), top_mm=float(grid.get("top_mm", 0.0)),
        pitch_x_mm=float(grid.get("pitch_x_mm", label.get("width_mm", 0))),
        pitch_y_mm=float(grid.get("pitch_y_mm", label.get("height_mm", 0))),
        path=str(path),
    )
    _check_geometry(tpl, path)
    return tpl


def _check_geometry(t: LabelTemplate, path: Path) -> None:
    eps = 0.05  # mm: makers round to 0.01 mm; a 0.05 mm overrun is a rounding, not an error
    if t.columns < 1 or t.rows < 1:
        raise BadInput(what=str(path), why="[grid] columns and rows must be >= 1")
    if t.label_w_mm <= 0 or t.label_h_mm <= 0:
        raise BadInput(what=str(path), why="[label] width and height must be > 0")
    if t.columns > 1 and t.pitch_x_mm + eps < t.label_w_mm:
        raise BadInput(what=str(path), why="labels overlap: pitch_x_mm < width_mm")
    if t.rows > 1 and t.pitch_y_mm + eps < t.label_h_mm:
        raise BadInput(what=str(path), why="labels overlap: pitch_y_mm < height_mm")
    right = t.left_mm + (t.columns - 1) * t.pitch_x_mm + t.label_w_mm
    bottom = t.top_mm + (t.rows - 1) * t.pitch_y_mm + t.label_h_mm
    if right > t.page_w_mm + eps or bottom > t.page_h_mm + eps:
        raise BadInput(what=str(path), why="the labels do not fit on the page")
    _, _, w, h = t.safe_area_mm()
    if w <= 0 or h <= 0:
        raise BadInput(what=str(path), why="insets and padding leave no printable area")


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
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise BadInput(what=str(path), why=str(exc)) from None
            tpl = parse_template(text, path)
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
