"""The atelier's records: names kept only while allowed, Jerrys built from stock only."""

from __future__ import annotations

from test_image_support import wiped_in_a_dock

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from reemploi.atelier import drawing, quiz
from reemploi.atelier.carnet import carnet_data, issue_carnet, verify_carnet
from reemploi.atelier.record import Atelier, Person
from reemploi.events.atelier import SESSION
from reemploi.inventory.store import Inventory


@pytest.fixture
def stocked(tmp_path):
    home = tmp_path / "home"
    inv = Inventory.open(home, "A", "Camille")
    _, ids = inv.receive_lot("Emmaüs Connect", "association", devices=[("laptop", 2, 4.6)],
                             create_ids=True)
    parts = [inv.harvest_part(ids[0], "ram", {"type": "DDR3", "size_gb": 2}),
             inv.harvest_part(ids[1], "disk", {"media": "ssd", "size_gb": 120})]
    wiped_in_a_dock(home, parts[1])        # a disk goes into a Jerry only once wiped
    return home, inv, Atelier(inv, home), parts


def test_names_become_pseudonyms_after_the_retention_period(stocked):
    home, inv, at, parts = stocked
    (home / "settings.toml").write_text("[atelier]\nretention_days = 30\n")
    at = Atelier(inv, home)
    lea = at.add_person("Léa", "trainee")
    at.record_sitting(lea, None, "2026-01-05T09:00:00Z", ["safety"], None,
                      ended="2026-01-05T11:30:00Z")
    lea = at.person("Léa")
    assert lea.pseudonym.startswith("Stagiaire ") and "Léa" not in lea.pseudonym
    soon = datetime(2026, 1, 20, tzinfo=timezone.utc)
    late = datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert at.shown(lea, soon) == "Léa"
    assert at.shown(lea, late) == lea.pseudonym
    # The atelier's own events name an id, never the name.
    sittings = list(inv.events(types=[SESSION]))
    assert sittings and "Léa" not in json.dumps([e.payload for e in sittings])
    # The same person has the same id and pseudonym on every reading.
    assert Atelier(inv, home).person("léa") == lea


def test_a_jerry_is_built_only_from_parts_in_stock_and_counts_its_time(stocked):
    home, inv, at, parts = stocked
    lea = at.add_person("Léa", "trainee")
    jerry = at.build("Bidule", parts, lea)
    doc = inv.machine(jerry)
    assert doc["built"]["name"] == "Bidule" and doc["status"] == "received"
    assert {p["part_id"] for p in doc["parts_installed"]} == set(parts)
    before = inv.journal.size()
    from reemploi.inventory.errors import PartNotInStock
    with pytest.raises(PartNotInStock):
        at.build("Encore", parts[:1], lea)
    assert inv.journal.size() == before           # nothing half-built
    at.record_sitting(lea, None, "2026-02-01T09:00:00Z", ["safety", "ram"], None,
                      ended="2026-02-01T10:00:00Z")
    at.record_sitting(lea, None, "2026-02-02T09:00:00Z", ["ram", "disk"], jerry,
                      ended="2026-02-02T09:45:00Z")
    story = at.story(jerry)
    assert story.minutes == 105 and story.steps == ("safety", "ram", "disk")
    assert [p.donor for p in story.parts] == ["Emmaüs Connect"] * 2
    # RAM estimated (facts.toml), disk too: 0.02 + 0.4 kg.
    assert story.ewaste_kg == pytest.approx(0.42)
    assert not any(p.weighed for p in story.parts)
    assert story.probe is None
    # Graded once assembled (the desktop recording aspire-m3920-desktop): the story holds
    # the probe stage's typed Machine, read from the typed event, not a journal dict.
    from conftest import FIXTURES
    from reemploi.context import Context
    from reemploi.model import Machine
    from reemploi.station.grading import grade_machine_step, open_machine
    from reemploi.grade.rules import load_rules
    folder = FIXTURES / "machines" / "aspire-m3920-desktop"
    ctx, _ = open_machine(Context(home=home, station="A"), folder)
    grade_machine_step(ctx, load_rules(), asset_id=jerry)
    probe = Atelier(inv, home).story(jerry).probe
    assert isinstance(probe, Machine) and probe.system.product


def test_a_trainee_name_with_digits_is_refused(cli):
    r = cli(["atelier", "add", "Léa2011"])
    assert r.exit_code == 7 and "Traceback" not in r.output
    assert cli(["atelier", "add", "Léa"]).exit_code == 0
    listed = json.loads(cli(["atelier", "people", "--json"]).output)
    assert [p["shown"] for p in listed] == ["Léa"]


def test_a_carnet_in_english_verifies_and_names_competences_as_practised(stocked, tmp_path):
    home, inv, at, parts = stocked
    lea = at.add_person("Lea", "trainee")
    jerry = at.build("Gizmo", parts, lea)
    data = carnet_data(at.story(jerry), lang="en", workshop="TRI", station="A",
                       qr_payload=jerry, trainee="Lea", trainer=None, checker=None,
                       issued="2026-02-02T10:00:00Z")
    files = issue_carnet(home, data, tmp_path / "out")
    carnet, fp = verify_carnet(files.json)
    assert fp == files.fingerprint and carnet["competences_wording"] == "travaillées"
    assert [c["code"] for c in carnet["competences"]] == ["5.1", "5.2", "4.3"]
    assert carnet["competences"][0]["title_fr"] == "Résoudre des problèmes techniques"
    page = files.html.read_text()
    assert "practised" in page and "certified" not in page.replace("certify", "")
    assert "Comes from computer" in page and "<svg" in page
    # The PDF's QR code (documents/qr_flowable.py, shared with every paper) scans as
    # the Jerry's id, read by the real decoder from the page rendered at 300 dpi.
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image
    stem = tmp_path / "carnet-page"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(files.pdf), str(stem)], check=True)
    codes = zxingcpp.read_barcodes(Image.open(f"{stem}.png"),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert [c.text for c in codes] == [jerry]


def test_the_drawing_has_one_shape_per_part():
    shapes = drawing.layout([("ram", "RAM"), ("ram", "RAM"), ("disk", "Disk"), ("psu", "PSU")],
                            "Board")
    kinds = [s.kind for s in shapes]
    assert kinds.count("ram") == 2 and kinds.count("disk") == 1 and kinds.count("psu") == 1
    svg = drawing.to_svg(shapes, "Jerry")
    assert svg.count("<rect") == len(shapes)
    assert all(0 <= s.x and s.x + s.w <= drawing.WIDTH and s.y + s.h <= drawing.HEIGHT
               for s in shapes)


def test_quiz_scores_offline():
    qs = (quiz.Question("a", "?", ("x", "y"), 1), quiz.Question("b", "?", ("x", "y", "z"), 2))
    assert quiz.score(qs, [1, 2]) == quiz.Score(2, 2)
    assert quiz.score(qs, [0, None]) == quiz.Score(0, 2)
    assert quiz.score(qs, [1]) == quiz.Score(1, 2)


def test_person_shown_keeps_the_name_inside_the_period():
    p = Person("T-ABCDEFGH", "Tom", "trainee", "2026-01-01T00:00:00Z")
    assert p.shown(datetime(2026, 1, 2, tzinfo=timezone.utc), 365) == "Tom"
    assert p.shown(datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=400), 365) \
        == "Stagiaire ABCD"


def test_a_sitting_stopped_with_q_is_recorded_and_a_bad_name_is_asked_again(stocked):
    """The screens through a scripted keyboard: a name with digits is refused on screen
    (asked again, nothing recorded for it), q stops and the sitting is kept."""
    from reemploi.atelier.screens import IO, Flow
    from reemploi.model import Machine

    home, inv, at, parts = stocked
    typed = iter(["Léa2011", "Léa", "Camille", "", "", "q"])
    shown: list[str] = []
    flow = Flow(IO(lambda lines: shown.extend(lines), lambda prompt: next(typed)), at, "fr",
                probe=Machine, carnet=lambda *a: [])
    assert flow.run() is None                              # no Jerry yet
    assert any("prénom ou un pseudonyme" in line for line in shown)
    assert [p.name for p in at.people()] == ["Léa", "Camille"]
    sittings = list(inv.events(types=[SESSION]))
    assert len(sittings) == 1
    assert sittings[0].payload["steps"] == ["safety", "motherboard"]
    # The trainee did it, named by person id: no first name on any line but the roster's.
    lea = at.person("Léa")
    assert sittings[0].operator == lea.id
    lines = inv.journal.path.read_text(encoding="utf-8").splitlines()
    assert [ln for ln in lines if "Léa" in ln and '"operator.added"' not in ln] == []


@pytest.mark.parametrize("value", ["0", "\"un an\"", "true", "1.5"])
def test_a_bad_retention_setting_is_refused_with_exit_7(cli, tmp_path, value):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "settings.toml").write_text(f"[atelier]\nretention_days = {value}\n")
    r = cli(["--lang", "fr", "atelier", "--home", home, "people"])
    assert r.exit_code == 7 and "retention_days" in r.output and "Traceback" not in r.output


def test_the_text_console_gets_a_large_font_and_other_terminals_do_not(tmp_path):
    """On the Linux console (TERM=linux) the command asks setfont for Terminus 32×16;
    anywhere else it leaves the font alone. A VT cannot exist in a test: the runner
    records the argv it is given."""
    from reemploi.cli.atelier_cmd import _large_console

    class Recorder:
        def __init__(self):
            self.argv = []

        def run(self, argv, **kw):
            self.argv.append(list(argv))

    class Ctx:
        runner = Recorder()

    font = tmp_path / "Lat15-TerminusBold32x16.psf.gz"
    font.write_bytes(b"")
    _large_console(Ctx, {"TERM": "xterm-256color"}, str(font))
    _large_console(Ctx, {"TERM": "linux"}, str(tmp_path / "absent.psf.gz"))
    assert Ctx.runner.argv == []
    _large_console(Ctx, {"TERM": "linux"}, str(font))
    assert Ctx.runner.argv == [["setfont", str(font)]]
