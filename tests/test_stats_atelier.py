"""Coordinator figures of the atelier: trainees, sittings, hours, Jerrys, parts and kg,
by period, in every export and in the PDF report."""

from __future__ import annotations

from test_image_support import wiped_in_a_dock

import json
import subprocess
import zipfile
from datetime import date

from reemploi.atelier.record import Atelier
from reemploi.inventory.store import Inventory
from reemploi.stats import atelier as stats_atelier
from reemploi.stats import read_events
from reemploi.stats.period import Period, make_period


def _workshop(home):
    inv = Inventory.open(home, "A", "Camille")
    _, ids = inv.receive_lot("Mairie de Lyon", "public", devices=[("desktop", 2, 17.0)],
                             create_ids=True)
    parts = [inv.harvest_part(ids[0], "ram", {"type": "DDR3", "size_gb": 4}),
             inv.harvest_part(ids[0], "disk", {"media": "hdd", "weight_kg": 0.45}),
             inv.harvest_part(ids[1], "psu", {"watts": 300})]
    wiped_in_a_dock(home, parts[1])        # a disk goes into a Jerry only once wiped
    # A part installed into a donated machine (a repair) is not the atelier's.
    repair = inv.harvest_part(ids[1], "ram", {"type": "DDR3", "size_gb": 2})
    inv.install_part(repair, ids[0])
    at = Atelier(inv, home)
    lea, tom = at.add_person("Léa", "trainee"), at.add_person("Tom", "trainee")
    at.record_sitting(lea, None, "2026-03-02T09:00:00Z", ["safety"], None,
                      ended="2026-03-02T11:00:00Z")
    jerry = at.build("Bidule", parts, lea)
    at.record_sitting(lea, None, "2026-03-03T09:00:00Z", ["ram"], jerry,
                      ended="2026-03-03T10:30:00Z")
    at.record_sitting(tom, None, "2026-03-03T09:00:00Z", ["safety"], None,
                      ended="2026-03-03T09:30:00Z")
    return inv, jerry


def test_figures_count_the_atelier_and_only_the_atelier(tmp_path):
    home = tmp_path / "home"
    _workshop(home)
    f = stats_atelier.compute(read_events(home), Period())
    t = f.total
    assert (t.trainees, t.sessions, t.hours, t.jerrys, t.parts) == (2, 3, 4.0, 1, 3)
    assert t.parts_kg_measured == 0.45 and t.parts_kg_estimated == 0.02 + 1.5
    assert len(f.by_month) == 1
    # A period before the events counts nothing.
    empty = stats_atelier.compute(read_events(home), Period(end=date(2020, 1, 1)))
    assert empty.empty and empty.total.sessions == 0


def test_every_export_and_the_pdf_carry_the_atelier(cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("REEMPLOI_HOME", str(home))
    _workshop(home)
    year = str(date.today().year)
    out = tmp_path / "out"
    out.mkdir()
    r = cli(["--lang", "fr", "stats", "--year", year, "--json", "--csv", out / "csv",
             "--xlsx", out / "b.xlsx", "--ods", out / "b.ods", "--pdf", out / "b.pdf"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["atelier"]["total"]["jerrys"] == 1 and data["atelier"]["total"]["trainees"] == 2
    # Built, never received: the two donated desktops are all that came in.
    assert data["figures"]["totals"]["received"] == 2
    csv_text = (out / "csv" / "atelier.csv").read_text(encoding="utf-8")
    assert "Jerrys montés" in csv_text and "Total,2,3,4,1,3,0.45,1.52,1.97" in csv_text
    with zipfile.ZipFile(out / "b.xlsx") as z:
        assert any("Jerrys montés" in z.read(n).decode("utf-8", "replace") for n in z.namelist())
    with zipfile.ZipFile(out / "b.ods") as z:
        assert "Jerrys montés" in z.read("content.xml").decode("utf-8")
    pdf = subprocess.run(["pdftotext", str(out / "b.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    flat = " ".join(pdf.split())
    assert ("Atelier bidouille — stagiaires : 2, séances : 3, heures : 4,0, Jerrys montés : 1, "
            "pièces réemployées : 3") in flat
    text = cli(["--lang", "fr", "stats", "--year", year]).output
    assert "Atelier bidouille — stagiaires\u00a0: 2" in text
    assert make_period(year=int(year)).contains(date.today().isoformat())


def test_a_part_added_to_a_jerry_later_counts_in_its_own_period(tmp_path):
    """A Jerry built in one period, a stick added in the next: the stick counts there."""
    home = tmp_path / "home"
    inv, jerry = _workshop(home)
    _, ids = inv.receive_lot("Mairie de Lyon", "public", devices=[("desktop", 1, 8.0)],
                             create_ids=True)
    extra = inv.harvest_part(ids[0], "ram", {"type": "DDR3", "size_gb": 4, "weight_kg": 0.03})
    inv.install_part(extra, jerry)
    events = list(read_events(home))
    last_day = events[-1].time[:10]
    f = stats_atelier.compute(events, Period(start=date.fromisoformat(last_day)))
    assert f.total.parts >= 1 and f.total.parts_kg_measured >= 0.03
    # A machine built without a Jerry name (not the atelier's) is not a Jerry.
    inv.build_machine("desktop", [])
    f = stats_atelier.compute(read_events(home), Period())
    assert f.total.jerrys == 1
