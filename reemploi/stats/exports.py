"""Writing the tables to CSV, XLSX and ODS files.

CSV: one file per table, named after the table key (``by_kind.csv``,
``machines.csv`` is the flat machine list). ``french=True`` follows French
spreadsheet habits: ``;`` separator (the comma is the decimal separator in French),
decimal comma, and UTF-8 with a byte-order mark so that Excel for Windows opens the
accents right (it reads BOM-less CSV as the ANSI code page).

XLSX: openpyxl in write-only mode (rows streamed to the file, not held as cell
objects: the 50 000-row machine sheet stays fast). One sheet per table.

ODS: we stream the OpenDocument XML ourselves (ODF 1.2, part 1 §9.1 tables, part 3
§3 package: an uncompressed ``mimetype`` entry first, then ``META-INF/manifest.xml``).
odfpy, which we use in the tests to read the files back, builds the whole document
as a DOM in memory: several seconds and a lot of memory for a 50 000-row sheet, and
it has had no release since 2020. LibreOffice, the office suite our associations
use, opens the streamed files as well.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..errors import BadInput
from .tables import Table


def _fmt(value, french: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return text.replace(".", ",") if french else text
    return str(value)


def _writable_dir(folder: Path) -> Path:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(what=str(folder), why=exc.strerror or str(exc)) from None
    return folder


def write_csv(tables: list[Table], folder: Path, french: bool = False) -> list[Path]:
    folder = _writable_dir(folder)
    written = []
    for table in tables:
        path = folder / f"{table.key}.csv"
        try:
            with open(path, "w", newline="", encoding="utf-8-sig" if french else "utf-8") as fh:
                w = csv.writer(fh, delimiter=";" if french else ",")
                w.writerow(table.headers)
                for row in table.rows:
                    w.writerow([_fmt(c, french) for c in row])
        except OSError as exc:
            raise BadInput(what=str(path), why=exc.strerror or str(exc)) from None
        written.append(path)
    return written


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def sheet_names(tables: list[Table]) -> list[str]:
    """Titles made valid as sheet names: at most 31 characters, no []:*?/\\, unique."""
    names, seen = [], set()
    for t in tables:
        base = _BAD_SHEET.sub(" ", t.title)[:31].strip() or t.key
        name, i = base, 2
        while name.lower() in seen:
            name = f"{base[:28]} {i}"
            i += 1
        seen.add(name.lower())
        names.append(name)
    return names


def _out(path: Path) -> Path:
    path = Path(path)
    if path.parent and not path.parent.is_dir():
        raise BadInput(what=str(path), why="the folder does not exist")
    return path


def write_xlsx(tables: list[Table], path: Path) -> Path:
    from openpyxl import Workbook

    path = _out(path)
    wb = Workbook(write_only=True)
    for table, name in zip(tables, sheet_names(tables)):
        ws = wb.create_sheet(title=name)
        ws.append(list(table.headers))
        for row in table.rows:
            ws.append(list(row))
    try:
        wb.save(path)
    except OSError as exc:
        raise BadInput(what=str(path), why=exc.strerror or str(exc)) from None
    return path


_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')
_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
             'manifest:version="1.2">'
             f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_MIME}"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
             '</manifest:manifest>')


def _ods_cell(value) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def write_ods(tables: list[Table], path: Path) -> Path:
    path = _out(path)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f"<office:document-content {_ODS_NS}>",
             "<office:body><office:spreadsheet>"]
    for table, name in zip(tables, sheet_names(tables)):
        parts.append(f"<table:table table:name={quoteattr(name)}>")
        for row in (table.headers,) + table.rows:
            parts.append("<table:table-row>" + "".join(_ods_cell(c) for c in row) + "</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    try:
        with zipfile.ZipFile(path, "w") as z:
            # ODF 1.2 part 3 §3.3: "mimetype" first, stored (not compressed).
            z.writestr(zipfile.ZipInfo("mimetype"), _MIME, compress_type=zipfile.ZIP_STORED)
            z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
            z.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED)
    except OSError as exc:
        raise BadInput(what=str(path), why=exc.strerror or str(exc)) from None
    return path
