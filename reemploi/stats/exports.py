"""Writing the tables to CSV, XLSX and ODS files.

CSV: one file per table, named after the table key (``by_kind.csv``,
``machines.csv`` is the flat machine list). ``french=True`` follows French
spreadsheet habits: ``;`` separator (the comma is the decimal separator in French),
decimal comma, and UTF-8 with a byte-order mark so that Excel for Windows opens the
accents right (it reads BOM-less CSV as the ANSI code page).

XLSX: we stream the SpreadsheetML parts ourselves (ECMA-376 part 1, §18.3 worksheet
with inline strings, §18.2 workbook; part 2 OPC package). openpyxl, even in its
write-only mode, took about 10 s for the 50 000-machine benchmark on our 2-core
box, twice the budget; the streamed file takes a fraction of that. openpyxl reads the
files back in the tests, and Excel and LibreOffice open them. One sheet per table.

ODS: we stream the OpenDocument XML ourselves (ODF 1.2, part 1 §9.1 tables, part 3
§3 package: an uncompressed ``mimetype`` entry first, then ``META-INF/manifest.xml``).
odfpy, which we use in the tests to read the files back, builds the whole document
as a DOM in memory: several seconds and a lot of memory for a 50 000-row sheet, and
it has had no release since 2020. LibreOffice, the office suite our associations
use, opens the streamed files as well.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..errors import BadInput
from .tables import Table
from ..syserr import reason
from ..i18n import N_


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
        raise BadInput(what=str(folder), why=reason(exc)) from None
    return folder


def save(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` whole (temp file beside it, then rename:
    system.files). A full or pulled stick leaves the previous export as it was and no
    empty or half file under the name; the exports were written in place, and a full
    stick turned last month's report into a 0-byte file (qa17). Exit 15 in words."""
    from ..errors import WriteFailed
    from ..system.files import write_atomic
    try:
        write_atomic(Path(path), data, mode=0o644)
    except OSError as exc:
        raise WriteFailed(path=str(path), why=reason(exc)) from None


def write_csv(tables: list[Table], folder: Path, french: bool = False) -> list[Path]:
    folder = _writable_dir(folder)
    written = []
    for table in tables:
        path = folder / f"{table.key}.csv"
        text = io.StringIO(newline="")
        w = csv.writer(text, delimiter=";" if french else ",")
        w.writerow(table.headers)
        for row in table.rows:
            w.writerow([_fmt(c, french) for c in row])
        save(path, text.getvalue().encode("utf-8-sig" if french else "utf-8"))
        written.append(path)
    return written


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _short(title: str, limit: int = 31) -> str:
    """A sheet name within ``limit`` characters that does not stop mid-word or leave a
    parenthesis open ("Déclaration éco-organisme (DEEE" was cut at 31): a trailing
    "(…)" goes first, then whole words."""
    title = title.strip()
    if len(title) <= limit:
        return title
    bare = re.sub(r"\s*\([^()]*\)$", "", title)
    if bare and len(bare) <= limit:
        return bare
    cut = bare[:limit + 1].rsplit(" ", 1)[0]
    return (cut if cut and len(cut) <= limit else bare[:limit]).strip()


def sheet_names(tables: list[Table]) -> list[str]:
    """Titles made valid as sheet names: at most 31 characters, no []:*?/\\, unique."""
    names, seen = [], set()
    for t in tables:
        base = _short(_BAD_SHEET.sub(" ", t.title)) or t.key
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
        raise BadInput(what=str(path), why=N_("the folder does not exist"))
    return path


_XLSX_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>')
_XLSX_CT_SHEET = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_XLSX_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_XLSX_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets>{sheets}</sheets></workbook>')
_XLSX_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '{rels}</Relationships>')
_XLSX_REL = ('<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>')
# XML 1.0 forbids most control characters even escaped: drop them from cell text.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_cell(value) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<c><v>{value!r}</v></c>"
    text = escape(_XML_BAD.sub("", str(value)))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def write_xlsx(tables: list[Table], path: Path) -> Path:
    path = _out(path)
    names = sheet_names(tables)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _XLSX_CT.format(
            sheets="".join(_XLSX_CT_SHEET.format(n=i + 1) for i in range(len(tables)))))
        z.writestr("_rels/.rels", _XLSX_RELS)
        z.writestr("xl/workbook.xml", _XLSX_WB.format(sheets="".join(
            f'<sheet name={quoteattr(n)} sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(names))))
        z.writestr("xl/_rels/workbook.xml.rels", _XLSX_WB_RELS.format(
            rels="".join(_XLSX_REL.format(n=i + 1) for i in range(len(tables)))))
        for i, table in enumerate(tables):
            rows = "".join("<row>" + "".join(_xlsx_cell(c) for c in row) + "</row>"
                           for row in (table.headers,) + table.rows)
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       f"<sheetData>{rows}</sheetData></worksheet>")
    save(path, data.getvalue())
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
        return (f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                f"<text:p>{value!r}</text:p></table:table-cell>")
    return (f'<table:table-cell office:value-type="string"><text:p>{escape(_XML_BAD.sub("", str(value)))}'
            "</text:p></table:table-cell>")


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
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        # ODF 1.2 part 3 §3.3: "mimetype" first, stored (not compressed).
        z.writestr(zipfile.ZipInfo("mimetype"), _MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    save(path, data.getvalue())
    return path
