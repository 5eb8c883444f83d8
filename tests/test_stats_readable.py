"""What a coordinator reads: big figures with thousands separators, the CO2e said to be an
estimated upper bound, codes translated, names printed as typed, a PDF whose tables
fit the page. The inventory is built through the real commands (intake, grade --replay
of a recorded machine, inventory status, checkout); the figures are worked out by hand.

Year Y1 (this year):
* lot "Crédit Agricole", 1 March: 1 200 laptops, 800 desktops, 700 screens, the lot
  weighed as a whole, 15 000 kg measured, no ids;
* lot "Particulier Dupont", 1 February: 2 laptops, ids created, not weighed:
  2 × 2.3 kg = 4.6 kg estimated;
  received 2 702 units, 15 004.6 kg (15 000 measured, 4.6 estimated);
* the first Dupont laptop is graded from the Latitude D600 recording (32-bit CPU:
  "parts-only"), set ready and given on 2 April to a long name with "&" and "<...>":
  reused 1 laptop, 2.3 kg estimated, 170 kg CO2e at most.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess  # tests may drive tools directly
from pathlib import Path

import pytest

from test_stats_figures import SETTINGS, Y1, run

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "machines"
NNBSP = "\u202f"
ORG = "Restos du Cœur & Emmaüs <Villeurbanne>"


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    h = tmp_path_factory.mktemp("readable") / "home"
    h.mkdir()
    (h / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    run(h, "intake", "--donor", "Crédit Agricole", "--date", f"{Y1}-03-01", "--device", "laptop:1200",
        "--device", "desktop:800", "--device", "screen:700", "--weight", "15000",
        "--yes")                                   # a lot of 2 700: confirmed
    ids = run(h, "intake", "--donor", "Particulier Dupont", "--donor-kind", "individual",
              "--date", f"{Y1}-02-01", "--device", "laptop:2", "--create-ids")["ids"]
    run(h, "grade", "--replay", FIXTURES / "latitude-d600-32bit", "--asset", ids[0], "--cosmetic", "b")
    run(h, "parts", "remove", ids[0], "--reason", "kept by the donor")   # custody
    run(h, "inventory", "status", ids[0], "ready")
    run(h, "checkout", ids[0], "--to", "given", "--org", ORG, "--date", f"{Y1}-04-02",
        "--backdated", "entered from the paper register")
    return h


def _stats(cli, home, *args):
    r = cli(["stats", "--year", Y1, "--home", home, *map(str, args)])
    assert r.exit_code == 0, r.output
    return r.output


def test_summary_french_big_numbers(cli, home):
    out = _stats(cli, home, "--lang", "fr")
    assert f"Machines\u00a0: reçues 2{NNBSP}702 · diagnostiquées 1" in out
    assert (f"Poids reçu\u00a0: 15{NNBSP}005 kg, soit 15,0 t (mesurés 15{NNBSP}000 kg, estimés 5 kg)"
            in out)
    assert "Poids réemployé\u00a0: 2,3 kg (mesurés 0,0 kg, estimés 2,3 kg)" in out
    assert ("CO2e évité par le réemploi (estimation, majorant)\u00a0: au plus 170,0 kg CO2e, émissions de "
            "fabrication des appareils neufs que le réemploi a rendus inutiles") in out
    assert f"{Y1}-03\u00a0: reçues 2{NNBSP}700, sorties 0, réemployées 0" in out
    assert f"ordinateur portable\u00a0: reçues 1{NNBSP}202, sorties 1 (réemployées 1)" in out


def test_summary_english_big_numbers(cli, home):
    out = _stats(cli, home, "--lang", "en")
    assert "Machines: received 2,702 · diagnosed 1" in out
    assert "Weight received: 15,005 kg, i.e. 15.0 t (measured 15,000 kg, estimated 5 kg)" in out
    assert "CO2e avoided by reuse (estimate, upper bound): at most 170.0 kg CO2e" in out


def test_codes_translated_in_french_csv(cli, home, tmp_path):
    _stats(cli, home, "--lang", "fr", "--csv", tmp_path, "--french")
    read = lambda n: list(csv.reader(open(tmp_path / n, encoding="utf-8-sig", newline=""), delimiter=";"))
    assert read("by_grade.csv")[1:] == [["pièces détachées uniquement", "1"]]
    assert {r[1]: r[2] for r in read("by_donor.csv")[1:]} == {"Crédit Agricole": "entreprise",
                                                             "Particulier Dupont": "particulier"}
    machine = read("machines.csv")[1]
    assert machine[5] == "pièces détachées uniquement" and machine[9] == ORG
    # The spreadsheet keeps plain numbers (no separators), the factor's year as written.
    summary = {r[0]: r[1] for r in read("summary.csv")[1:]}
    assert summary["Machines reçues"] == "2702" and summary["Poids reçu, total (kg)"] == "15004,6"
    impact = read("impact.csv")
    assert impact[0][3] == "kg CO2e évités, majorant" and impact[1][5] == "2025"
    # The factor's source in the reader's language (impact_factors.toml source_fr).
    assert impact[1][4] == ("ADEME/Arcep 2022, modèle publicodes acv-terminaux (mis à jour en 2025) : "
                            "ordinateur portable, fabrication")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pdf_numbers_names_and_tables(cli, home, tmp_path, lang):
    path = tmp_path / "r.pdf"
    _stats(cli, home, "--lang", lang, "--pdf", path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    # Helvetica has no U+202F: it drew a black box in every table cell over 999
    # ("2■702", and the factor's year "2■025").
    assert "\u25a0" not in text and NNBSP not in text
    assert ORG in flat                              # "<Villeurbanne>" was read as markup and lost
    if lang == "fr":
        assert "Machines reçues 2 702" in flat and "Poids reçu, total (kg) 15 005" in flat
        assert "soit 15,0 t" in flat and "kg CO2e évités, majorant" in flat
        words = set(text.split())
        # Header words whole: equal column widths broke them ("Catégor ie", "mesurée s").
        assert {"Catégorie", "mesurées", "estimées", "démantelées", "réemployées"} <= words
    else:
        assert "Machines received 2,702" in flat and "Weight received, total (kg) 15,005" in flat
        assert "i.e. 15.0 t" in flat and "kg CO2e avoided, upper bound" in flat


@pytest.mark.parametrize("kg, lang, text", [
    (437.6, "fr", "437,6 kg"),
    (437.6, "en", "437.6 kg"),
    (2221452.25, "fr", f"2{NNBSP}221{NNBSP}452 kg (2{NNBSP}221,5 t)"),
    (2221452.25, "en", "2,221,452 kg (2,221.5 t)"),
    (0.0, "fr", "0,0 kg"),
])
def test_mass_text(kg, lang, text):
    from reemploi.stats.tables import mass_text
    assert mass_text(kg, lang) == text


def test_reused_kinds_without_factor_are_named(cli, tmp_path):
    # A printer given away: reuse, but no CO2e factor for printers. The total must not
    # silently look complete.
    h = tmp_path / "h"
    h.mkdir()
    (h / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    (pid,) = run(h, "intake", "--donor", "Lycée", "--donor-kind", "public", "--date", f"{Y1}-05-02",
                 "--device", "imprimante:1", "--create-ids")["ids"]
    run(h, "inventory", "status", pid, "diagnosed")
    run(h, "inventory", "status", pid, "ready")
    run(h, "checkout", pid, "--to", "given", "--org", "Maison des jeunes", "--date", f"{Y1}-05-20",
        "--backdated", "entered from the paper register")
    out = _stats(cli, h, "--lang", "fr")
    assert "au plus 0,0 kg CO2e" in out
    assert "1 machine réemployée non comptée dans le CO2e (pas de facteur d'impact pour\u00a0: imprimante)" in out
    out = _stats(cli, h, "--lang", "en")
    assert "1 reused machine not counted in the CO2e (no impact factor for: printer)" in out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_empty_pdf_counts_whole_machines(cli, tmp_path):
    path = tmp_path / "r.pdf"
    _stats(cli, tmp_path / "nothing", "--lang", "fr", "--pdf", path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    start = text.index("Machines par mois")
    chart = text[start:text.index("Devenir des machines", start)]
    ticks = [w for w in chart.split() if re.fullmatch(r"[\d.,]+", w)]
    assert ticks and not [w for w in ticks if "," in w or "." in w], ticks   # were 0.002 ... 0.01
