"""Every export of ``reemploi stats`` read back with an independent reader (csv
module, openpyxl, odfpy, pdftotext) and compared with figures worked out by hand for
the workshop of stats_support (its journal written by the real stages; the arithmetic
is in test_stats_figures)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess  # tests may drive tools directly

import pytest

from stats_support import Y0, Y1, copy_story, story  # noqa: F401 (story: a fixture)

# Hand figures for year Y1 (test_stats_figures.test_this_year explains each one).
Y1_SUMMARY_EN = {
    "Machines received": 6, "Machines diagnosed": 5, "Machines wiped": 2, "Machines imaged": 1,
    "Machines ready": 4, "Machines out": 6, "Machines reused (given or sold)": 3,
    "Machines given": 3, "Machines sold": 0, "Machines recycled": 2, "Machines dismantled": 1,
    "Machines built in the workshop": 1,        # the Jerry; D1's new RAM is a repair
    # The donors' disks of the recorded machines L1 (2), L2 (1) and D1 (1), L3's RAM and
    # PSU; reused: the RAM in D1 and the PSU in the Jerry.
    "Parts harvested": 6, "Parts reused": 2, "Disks erased": 2,
    "Erasure certificates issued": 1,
    "Weight received, measured (kg)": 8.0,      # lot C 6.0 + N1 2.0
    "Weight received, estimated (kg)": 17.0,    # 2 desktops × 8.5
    "Weight received, total (kg)": 25.0,
    "Units received without any weight": 1,     # the robot
    "Weight reused, measured (kg)": 2.5,        # L1
    "Weight reused, estimated (kg)": 13.0,      # S1 4.5 + D1 8.5
    "Weight reused, total (kg)": 15.5,
    "CO2e avoided by reuse, upper bound (kg)": 437.6,   # 170 + 64.6 + 203
}


@pytest.fixture
def home(cli, story, tmp_path):
    h = tmp_path / "home"          # the cli fixture points REEMPLOI_HOME here
    copy_story(story, h)
    return h


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def _check_summary(rows: list[list]) -> None:
    got = {r[0]: r[1] for r in rows[1:]}
    assert got["Workshop"] == "Atelier Test" and str(got["SIRET"]) == "12345678900012"
    assert str(got["Département"]) == "69" and str(got["Period"]) == str(Y1)
    for key, want in Y1_SUMMARY_EN.items():
        assert _num(str(got[key])) == pytest.approx(want), key


def _check_deee(rows: list[list]) -> None:
    head = rows[0]
    by_cat = {r[head.index("DEEE category")][:1]: r for r in rows[1:]}
    cat2, cat6 = by_cat["2"], by_cat["6"]
    # Tonnes: cat 2 received 8.0 kg measured = 0.008 t; reused 2.5 m + 4.5 e; recycled 2.5 m + 4.5 e.
    col = head.index
    assert _num(str(cat2[col("Received — measured t")])) == pytest.approx(0.008)
    assert _num(str(cat2[col("Reused — measured t")])) == pytest.approx(0.0025)
    assert _num(str(cat2[col("Reused — estimated t")])) == pytest.approx(0.0045)
    assert _num(str(cat2[col("Recycled or dismantled — total t")])) == pytest.approx(0.007)
    # Cat 6 (desktops): 17.0 kg estimated received, D1 8.5 kg estimated reused.
    assert _num(str(cat6[col("Received — estimated t")])) == pytest.approx(0.017)
    assert _num(str(cat6[col("Reused — total t")])) == pytest.approx(0.0085)
    assert all(r[:3] == ["Atelier Test", "12345678900012", "69"] or
               [str(x) for x in r[:3]] == ["Atelier Test", "12345678900012", "69"] for r in rows[1:])


def _check_machines(rows: list[list]) -> None:
    # Y1: the 9 machine assets all have an event in Y1 (L2 was graded this year), and
    # the Jerry was built in Y1.
    assert len(rows) - 1 == 10
    head = rows[0]
    sold = [r for r in rows[1:] if r[head.index("Destination kind")] == "sold"]
    assert sold == []                       # L2 was sold in Y0: no outcome inside Y1
    given = [r for r in rows[1:] if r[head.index("Destination kind")] == "given"]
    assert len(given) == 3


def test_csv_english(cli, home, tmp_path):
    out = tmp_path / "csv"
    r = cli(["stats", "--year", Y1, "--csv", out, "--lang", "en"])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{k}.csv" for k in (
        "summary", "by_kind", "by_month", "by_outcome", "by_grade", "by_donor", "by_destination",
        "parts", "erasures", "impact", "deee", "machines", "atelier"))
    read = lambda n: list(csv.reader(open(out / n, encoding="utf-8", newline="")))
    assert not (out / "summary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    _check_summary(read("summary.csv"))
    _check_deee(read("deee.csv"))
    _check_machines(read("machines.csv"))
    impact = read("impact.csv")
    assert impact[-1][0] == "Total" and _num(impact[-1][3]) == pytest.approx(437.6)
    assert {r[0]: r[4] for r in impact[1:-1]}["laptop"].startswith("ADEME/Arcep")
    month = {r[0]: r for r in read("by_month.csv")[1:]}
    assert len(month) == 12 and int(month[f"{Y1}-01"][6]) == 6     # out column


def test_csv_french_habits(cli, home, tmp_path):
    out = tmp_path / "csv"
    r = cli(["stats", "--year", Y1, "--csv", out, "--french", "--lang", "fr"])
    assert r.exit_code == 0, r.output
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                      # UTF-8 BOM for Excel
    rows = list(csv.reader(open(out / "summary.csv", encoding="utf-8-sig", newline=""), delimiter=";"))
    got = {r[0]: r[1] for r in rows[1:]}
    assert got["Machines reçues"] == "6"
    assert got["Poids reçu, total (kg)"] == "25"
    assert got["CO2e évité par le réemploi, majorant (kg)"] == "437,6"      # decimal comma
    assert got["Poids réemployé, total (kg)"] == "15,5"
    # Codes are translated: donor kinds, and the parts table's headers agree with "pièces".
    donors = list(csv.reader(open(out / "by_donor.csv", encoding="utf-8-sig", newline=""), delimiter=";"))
    assert {r[1]: r[2] for r in donors[1:]} == {"Mairie de Lyon": "organisme public", "Entreprise X": "entreprise",
                                                "": ""}
    parts = list(csv.reader(open(out / "parts.csv", encoding="utf-8-sig", newline=""), delimiter=";"))
    assert parts == [["Type de pièce", "Pièces prélevées", "Pièces réemployées"], ["Disque", "4", "0"],
                     ["Alimentation", "1", "1"], ["Barrette de RAM", "1", "1"]]


def test_xlsx(cli, home, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "stats.xlsx"
    r = cli(["stats", "--year", Y1, "--xlsx", path, "--lang", "en"])
    assert r.exit_code == 0, r.output
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames[0] == "Summary" and len(wb.sheetnames) == 13      # + Atelier bidouille
    sheet = lambda name: [list(row) for row in wb[name].iter_rows(values_only=True)]
    _check_summary(sheet("Summary"))
    _check_deee(sheet("Eco-organism report (DEEE)"))
    _check_machines(sheet("Machines"))


def test_ods(cli, home, tmp_path):
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf import teletype

    path = tmp_path / "stats.ods"
    r = cli(["stats", "--year", Y1, "--ods", path, "--lang", "en"])
    assert r.exit_code == 0, r.output
    doc = load(str(path))
    tables = {t.getAttribute("name"): t for t in doc.spreadsheet.getElementsByType(Table)}
    assert len(tables) == 13      # + Atelier bidouille

    def rows(name):
        out = []
        for tr in tables[name].getElementsByType(TableRow):
            cells = []
            for c in tr.getElementsByType(TableCell):
                v = c.getAttribute("value")
                cells.append(float(v) if v is not None else teletype.extractText(c))
            out.append(cells)
        return out
    _check_summary(rows("Summary"))
    _check_deee(rows("Eco-organism report (DEEE)"))
    _check_machines(rows("Machines"))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pdf(cli, home, tmp_path, lang):
    path = tmp_path / "report.pdf"
    r = cli(["stats", "--year", Y1, "--pdf", path, "--lang", lang])
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    if lang == "fr":
        assert f"Rapport d'activité {Y1}" in flat
        assert "Machines : reçues 6 · diagnostiquées 5 · effacées 2 · installées 1 · prêtes 4 · sorties 6" in flat
        assert "Poids reçu : 25,0 kg (mesurés 8,0 kg, estimés 17,0 kg) + 1 unité sans aucun poids" in flat
        assert "CO2e évité par le réemploi (estimation, majorant) : au plus 437,6 kg CO2e" in flat
        assert "Déclaration éco-organisme (DEEE)" in flat and "majorant" in flat
        assert "Type de donateur" in flat and "organisme public" in flat     # not "public"
    else:
        assert f"Activity report {Y1}" in flat
        assert "Machines: received 6 · diagnosed 5 · wiped 2 · imaged 1 · ready 4 · out 6" in flat
        assert "Weight received: 25.0 kg (measured 8.0 kg, estimated 17.0 kg) + 1 unit without any weight" in flat
        assert "CO2e avoided by reuse (estimate, upper bound): at most 437.6 kg CO2e" in flat
        assert "upper bound" in flat and "ADEME/Arcep" in flat
    assert "Atelier Test" in flat and "12345678900012" in flat
    assert "\u25a0" not in text          # reportlab's black box for a glyph the font lacks


def test_text_and_json(cli, home):
    r = cli(["stats", "--year", Y0, "--lang", "en"])
    assert r.exit_code == 0
    assert "Machines: received 5 · diagnosed 0" in r.output
    assert "Weight received: 16.5 kg (measured 7.5 kg, estimated 9.0 kg)" in r.output
    r = cli(["stats", "--year", Y1, "--json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    f = data["figures"]
    assert f["period"]["code"] == str(Y1) and f["totals"]["received"] == 6 and f["reused"] == 3
    assert f["received_weight"] == {"measured_kg": 8.0, "estimated_kg": 17.0, "total_kg": 25.0,
                                    "unweighed": 1}
    assert f["kg_co2e_avoided"] == pytest.approx(437.6)
    assert data["workshop"]["siret"] == "12345678900012"


def test_empty_inventory_message(cli, tmp_path):
    r = cli(["stats", "--lang", "fr"])
    assert r.exit_code == 0
    assert "L'inventaire est vide\u00a0: tous les chiffres sont à zéro." in r.output
    out = tmp_path / "empty.csv.d"
    r = cli(["stats", "--year", 2026, "--csv", out, "--json", "--lang", "en"])
    assert r.exit_code == 0 and json.loads(r.output)["figures"]["empty"] is True
    rows = list(csv.reader(open(out / "summary.csv", encoding="utf-8")))
    got = {r[0]: r[1] for r in rows[1:]}
    assert got["Machines received"] == "0" and got["Weight received, total (kg)"] == "0"
    assert len(list(csv.reader(open(out / "by_month.csv", encoding="utf-8")))) == 1 + 12


@pytest.mark.parametrize("args", [
    ["--year", "2026", "--month", "2026-01"],
    ["--month", "2026-13"],
    ["--from", "2026-02-30"],
    ["--from", "2026-03-01", "--to", "2026-02-01"],
])
def test_bad_periods_exit_7(cli, args):
    r = cli(["stats", *args])
    assert r.exit_code == 7
    assert "Traceback" not in r.output


def test_unwritable_target_exit_7(cli, home, tmp_path):
    r = cli(["stats", "--pdf", tmp_path / "no" / "such" / "dir" / "r.pdf"])
    assert r.exit_code == 7


def test_damaged_journal_exit_12(cli, home):
    from reemploi.stats.cache import CACHE_NAME

    (home / CACHE_NAME).unlink(missing_ok=True)
    with open(home / "journal.jsonl", "ab") as fh:
        fh.write(b'{"asset_id":null,"this is":"not an event"\n')
    r = cli(["stats", "--lang", "en"])
    assert r.exit_code == 12 and "Traceback" not in r.output
    # A torn last line (no newline: a write cut by a power failure) is not an event: skipped.
    lines = (home / "journal.jsonl").read_bytes().splitlines(keepends=True)
    (home / "journal.jsonl").write_bytes(b"".join(lines[:-1]) + b'{"asset_id":"REE-A-26-0')
    r = cli(["stats", "--year", Y0, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["figures"]["totals"]["received"] == 5
