"""Traceability sheets and inventory-backed labels, end to end: a real inventory (journal
+ projection), a machine built from real corpus outputs (a ThinkPad's dmidecode, an SSD's
smartctl), a real verdict from the grade engine; the PDF's text is read back with
pdftotext and its QR code decoded with zxing-cpp at 300 dpi."""

from __future__ import annotations

from datetime import datetime, timezone

import json
from dataclasses import replace
import subprocess

import pytest

from reemploi.i18n import when
import zxingcpp
from PIL import Image

from reemploi.documents.facts import facts_from_events
from reemploi.documents.sheet import render_sheet
from reemploi.documents.sources import asset_facts
from reemploi.grade.engine import grade_machine
from reemploi.grade.rules import load_rules
from reemploi.inventory.events import EventType, Status
from reemploi.inventory.store import Inventory
from reemploi.model import Cpu, Disk, Machine, Media
from reemploi.probe.dmidecode import parse_dmidecode
from reemploi.probe.smartctl import parse_smartctl
from reemploi.probe.edid import parse_edid
from reemploi.settings import load_settings
from tests.conftest import corpus_file

DMI = "dmidecode/laptop/glpi-agent__resources__generic__dmidecode__lenovo-thinkpad.txt"
SSD = "smartctl/ssd/peracotta__tests__source_files__smartctl__test10.txt"
PANEL = "edid/glpi-agent__resources__generic__edid__lcd.compaq-evo-n1020v.bin"


def corpus_machine() -> Machine:
    dmi = parse_dmidecode(corpus_file(DMI).read_text(encoding="utf-8", errors="replace"))
    smart = parse_smartctl(corpus_file(SSD).read_bytes())
    disk = Disk(name="sda", path="/dev/sda", model=smart.model, serial=smart.serial,
                size_bytes=smart.capacity_bytes, rotational=False, media=Media.SSD, smart=smart)
    screen = replace(parse_edid(corpus_file(PANEL).read_bytes()), connector="LVDS-1")
    assert screen.diagonal_in                         # a laptop panel with its size
    return Machine(system=dmi.system, cpu=Cpu(model=dmi.processor, cores=2, threads=4),
                   memory=dmi.memory, disks=(disk,), screens=(screen,))


@pytest.fixture
def workshop(tmp_path):
    """An inventory with one fully processed machine, a donor part, and a lot."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text(
        '[workshop]\nname = "Atelier Test"\nprefix = "TRI"\n'
        'qr_payload = "https://inventaire.example.org/m/{id}"\n', encoding="utf-8")
    inv = Inventory.open(home, "A", "Camille")
    lot, ids = inv.receive_lot("Mairie de Test", "public", devices=[("laptop", 3, 6.0)],
                               create_ids=True)
    machine = corpus_machine()
    verdict = grade_machine(machine, None, load_rules())
    main = ids[0]
    inv.record(EventType.ASSET_PROBED, main, {"machine": machine.to_dict()})
    inv.record(EventType.ASSET_GRADED, main, {"verdict": verdict.to_dict(), "rules_version": "1"})
    inv.set_status(main, Status.DIAGNOSED)
    disk = machine.disks[0]
    wipe = inv.record(EventType.WIPE_DONE, main, {
        "disk": {"identity": f"{disk.model}|{disk.serial}", "model": disk.model,
                 "serial": disk.serial, "size_bytes": disk.size_bytes, "media": "ssd",
                 "path": "/dev/sda"},
        "result": "success", "method": "overwrite+verify", "nist": "clear"})
    inv.record(EventType.CERTIFICATE_ISSUED, main, {
        "certificate_id": "CERT-TEST-0001", "sha256": "5f" * 32, "wipes": [wipe.id]})
    part = inv.harvest_part(ids[1], "ram", {"size_mb": 4096, "type": "DDR3",
                                            "form_factor": "SODIMM"}, grade="A")
    inv.install_part(part, main)
    return home, lot, ids, part, machine, verdict


def _text(pdf: bytes, tmp_path) -> str:
    src = tmp_path / "sheet.pdf"
    src.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_sheet_carries_every_section_and_its_qr_scans_where_drawn(workshop, tmp_path, lang):
    home, lot, ids, part, machine, verdict = workshop
    facts = asset_facts(Inventory.open(home, "A"), ids[0])
    doc = render_sheet(facts, load_settings(home), lang)
    text = _text(doc.pdf, tmp_path)
    heads = {"fr": ["Fiche de traçabilité", "Identité", "Caractéristiques", "Effacement des données",
                    "Pièces installées", "Historique"],
             "en": ["Traceability sheet", "Identity", "Specifications", "Data wipe",
                    "Parts installed", "History"]}[lang]
    for head in heads:
        assert head in text, head
    assert ids[0] in text and lot["id"] in text and machine.system.product in text
    assert "CERT-TEST-0001" in text and "5f" * 32 in text
    assert part in text and ids[1] in text          # the RAM module and where it came from
    assert "Camille" in text and "Atelier Test" in text
    for scr in machine.screens:                     # 14,0" in French, 14.0" in English
        inches = f"{scr.diagonal_in:.1f}"
        assert (inches.replace(".", ",") if lang == "fr" else inches) + '"' in text
    if verdict.reasons:
        from reemploi.grade.render import render_reasons
        assert " ".join(render_reasons(verdict, lang)[0][:30].split()) in " ".join(text.split())
    # The QR code: right payload, where the layout put it, scannable at 300 dpi.
    png = tmp_path / "sheet"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(tmp_path / "sheet.pdf"), str(png)], check=True)
    codes = zxingcpp.read_barcodes(Image.open(f"{png}.png"))
    assert [c.text for c in codes] == [f"https://inventaire.example.org/m/{ids[0]}"]
    pos = codes[0].position
    cx = (pos.top_left.x + pos.bottom_right.x) / 2 * 25.4 / 300
    cy = (pos.top_left.y + pos.bottom_right.y) / 2 * 25.4 / 300
    assert abs(cx - (doc.qr_x_mm + doc.qr_size_mm / 2)) < 1.0
    assert abs(cy - (doc.qr_y_mm + doc.qr_size_mm / 2)) < 1.0


def test_machine_facts_come_from_the_journal(workshop):
    home, lot, ids, part, machine, verdict = workshop
    facts = asset_facts(Inventory.open(home, "A"), ids[0])
    assert facts.kind == "machine" and facts.lot_id == lot["id"] and facts.donor_id
    assert facts.ram_mb == machine.memory.total_mb
    assert facts.grade == verdict.grade and facts.outcome == verdict.outcome.value
    assert facts.last_wipe is not None and facts.certificates[0][0] == "CERT-TEST-0001"
    assert [(p.part_id, p.part_kind, p.from_asset) for p in facts.parts] == [(part, "ram", ids[1])]
    # A part harvested from ids[1] is in ids[1]'s history but does not make it a part.
    donor = asset_facts(Inventory.open(home, "A"), ids[1])
    assert donor.kind == "machine"
    assert EventType.PART_HARVESTED.value in [h.type for h in donor.history]
    the_part = asset_facts(Inventory.open(home, "A"), part)
    assert the_part.kind == "part" and the_part.part_kind == "ram"


def test_label_command_for_ids_lot_and_payloads(workshop, cli, tmp_path, monkeypatch):
    home, lot, ids, part, machine, verdict = workshop
    out = tmp_path / "labels.pdf"
    res = cli(["label", ids[0], part, "--lot", lot["id"], "--payload", "TRI-A-26-09999",
               "--template", "L7163", "--start", "3", "--out", out, "--home", home,
               "--lang", "en", "--json", "--preview", tmp_path / "first.png"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    titles = [x["title"] for x in data["labels"]]
    # payloads first, then the ids, then the whole lot (3 machines).
    assert titles == ["TRI-A-26-09999", ids[0], part, *sorted(ids)]
    assert [x["cell"] for x in data["labels"]][:3] == [3, 4, 5]
    kinds = {x["title"]: x["kind"] for x in data["labels"]}
    assert kinds[part] == "part" and kinds[ids[2]] == "intake"
    image = tmp_path / "p"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(out), str(image)], check=True)
    found = {c.text for c in zxingcpp.read_barcodes(Image.open(f"{image}.png"))}
    assert found == {x["payload"] for x in data["labels"] if x["page"] == 1}
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Grade " + verdict.grade in text if verdict.grade else True
    assert "RAM module" in text and "From " + ids[1] in text
    assert Image.open(tmp_path / "first.png").size[0] > 1000      # A4 preview at 300 dpi


def test_a_scanned_label_names_its_asset_in_every_command(workshop, cli, tmp_path):
    """A technician's barcode scanner types the label's QR payload (here the workshop's
    URL) into a command: it means the asset. Printed, rasterised, decoded for real."""
    home, lot, ids, part, machine, verdict = workshop
    out = tmp_path / "scan.pdf"
    assert cli(["label", ids[2], part, "--out", out, "--home", home]).exit_code == 0
    image = tmp_path / "scan"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", str(out),
                    str(image)], check=True)
    scanned = sorted(c.text for c in zxingcpp.read_barcodes(Image.open(f"{image}.png")))
    assert scanned == sorted(f"https://inventaire.example.org/m/{x}" for x in (ids[2], part))
    by_id = {s.rsplit("/", 1)[1]: s for s in scanned}
    shown = json.loads(cli(["inventory", "show", by_id[ids[2]], "--json", "--home", home]).output)
    assert shown["id"] == ids[2]
    note = cli(["inventory", "status", f"  {by_id[ids[2]]}\n", "diagnosed", "--home", home])
    assert note.exit_code == 0, note.output
    assert json.loads(cli(["inventory", "show", ids[2], "--json", "--home", home]).output
                      )["status"] == "diagnosed"
    # Something that is not one of our labels stays what it is, and is refused as unknown.
    unknown = cli(["inventory", "show", "https://example.org/m/nothing", "--home", home])
    assert unknown.exit_code == 10


def test_lot_without_registered_machines_gets_a_lot_label(workshop, cli, tmp_path):
    home = workshop[0]
    empty, _ = Inventory.open(home, "A").receive_lot("Particulier", "individual",
                                                     devices=[("desktop", 2, None)])
    res = cli(["label", "--lot", empty["id"], "--template", "DK-11209", "--home", home,
               "--out", tmp_path / "lot.pdf", "--json"])
    assert res.exit_code == 0, res.output
    labels = json.loads(res.output)["labels"]
    assert [(x["title"], x["kind"]) for x in labels] == [(empty["id"], "intake")]


def test_sheet_command_and_unknown_id(workshop, cli, tmp_path):
    home, lot, ids, part, machine, verdict = workshop
    out = tmp_path / "s.pdf"
    res = cli(["sheet", ids[0], "--out", out, "--preview", tmp_path / "s.png", "--home", home,
               "--json"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes().startswith(b"%PDF") and (tmp_path / "s.png").stat().st_size > 1000
    bad = cli(["sheet", "TRI-A-26-77777", "--home", home])
    assert bad.exit_code == 10 and "TRI-A-26-77777" in bad.output


def test_too_small_refusal_exits_refused_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "never.pdf"
    res = cli(["label", "--template", "L7651", "--payload", "https://x.example.org/" + "y" * 200,
               "--out", out, "--lang", "en"])
    assert res.exit_code == 8 and "QR code" in res.output
    assert not out.exists()


def test_facts_from_plain_dict_events_fold_in_journal_order():
    events = [
        {"seq": 2, "time": "2026-11-20T10:00:00Z", "station": "A", "operator": "x",
         "asset_id": "X", "type": "asset.graded", "payload": {"verdict": {"grade": "C"}}},
        {"seq": 1, "time": "2026-11-20T09:00:00Z", "station": "A", "operator": "x",
         "asset_id": "X", "type": "asset.graded", "payload": {"verdict": {"grade": "A"}}},
    ]
    assert facts_from_events("X", events).grade == "C"


def test_an_old_journal_s_wipe_reads_as_the_method_that_ran():
    """tests/fixtures/journals/v1 (the real CLI before typed events): its wipe said
    "auto"; the sheet reads the typed record, as the certificate and the statistics do,
    and shows the method that ran (random data), not "automatic (random data)"."""
    import json
    from conftest import FIXTURES
    v1 = FIXTURES / "journals" / "v1"
    first = json.loads((v1 / "ids.json").read_text())["machines"][0]
    lines = [json.loads(l) for l in (v1 / "journal.jsonl").read_bytes().splitlines()]
    assert [d["payload"]["method"] for d in lines if d["type"] == "wipe.done"] == ["auto"]
    facts = facts_from_events(first, [d for d in lines if d["asset_id"] == first])
    assert [(w.method, w.result, w.nist) for w in facts.wipes] == [("prng", "success", "clear")]


def test_label_without_anything_to_print_is_a_usage_error(cli):
    res = cli(["label", "--lang", "en"])
    assert res.exit_code == 2 and "--payload" in res.output


def test_part_label_reads_the_facts_parts_harvest_records(workshop):
    """``parts harvest --facts size_gb=4 --grade A`` (the README's example) shows on the
    part's label: size in GB for RAM and disks, and the part's grade."""
    from reemploi.documents.content import part_facts_lines
    home, lot, ids, part, machine, verdict = workshop
    inv = Inventory.open(home, "A")
    ram = inv.harvest_part(ids[1], "ram", {"type": "DDR3", "size_gb": 4}, grade="A")
    disk = inv.harvest_part(ids[1], "disk", {"media": "hdd", "size_gb": 250}, grade="B")
    assert part_facts_lines(asset_facts(inv, ram), "en") == \
        ["RAM module 4 GB DDR3", "Grade A", f"From {ids[1]}"]
    assert part_facts_lines(asset_facts(inv, disk), "en")[:2] == ["Disk HDD 250 GB", "Grade B"]
    # The fixture's part, recorded in MB, still reads in GB.
    assert part_facts_lines(asset_facts(inv, part), "en")[0] == "RAM module 4 GB DDR3 SODIMM"


def _pages(pdf: bytes, tmp_path) -> list[str]:
    src = tmp_path / "pages.pdf"
    src.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")


def test_sheet_says_who_gave_it_where_it_went_and_what_each_event_was(workshop, tmp_path):
    home, lot, ids, part, machine, verdict = workshop
    inv = Inventory.open(home, "A", "Camille")
    inv.record(EventType.NOTE, ids[0], {"text": "Charnière gauche resserrée"})
    with_disk = asset_facts(Inventory.open(home, "A"), ids[0])
    inv.remove_disk(ids[0], None, "kept by the donor")      # custody: its disk is out
    for to in (Status.WIPED, Status.IMAGED, Status.READY):
        inv.set_status(ids[0], to)
    today = datetime.now(timezone.utc).date().isoformat()   # after reception and ready
    inv.checkout(ids[0], "given", "Association Y", date=today)
    facts = asset_facts(Inventory.open(home, "A"), ids[0])
    # Installed RAM is the modules' sum (what grade and image count), not what the OS sees.
    modules = [m.size_mb for m in machine.memory.modules if m.size_mb]
    if modules and len(modules) == len(machine.memory.modules):
        assert facts.ram_mb == sum(modules)
    text = " ".join(_text(render_sheet(facts, load_settings(home), "fr").pdf, tmp_path).split())
    assert f"Mairie de Test ({facts.donor_id})" in text                      # donor's name
    assert f"{lot['id']}, reçu le {when(lot['date'], 'fr')}" in text          # French dates
    assert f"Donné à Association Y le {when(today, 'fr')}" in text           # where it went
    assert "remarque — Charnière gauche resserrée" in text                   # the note itself
    assert f"pièce installée — {part} → {ids[0]}" in text                    # which part
    assert "disque effacé —" in text and "CERT-TEST-0001" in text
    assert "Barrette de RAM" in text and " ram " not in text                  # kinds translated
    # Its disk kept by the donor is no longer among its specifications (qa17); while it
    # was there, its row read "SMART : " with French spacing.
    assert "SMART" not in text.split("Historique")[0]
    before = " ".join(_text(render_sheet(with_disk, load_settings(home), "fr").pdf,
                            tmp_path).split())
    assert "SMART : " in before and "SMART: " not in before
    english = " ".join(_text(render_sheet(facts, load_settings(home), "en").pdf, tmp_path).split())
    assert f"Given to Association Y on {today}" in english and "RAM module" in english


def test_no_section_heading_is_left_alone_at_the_foot_of_a_page(workshop, tmp_path):
    """A long history pushes the sheet onto more pages; wherever the break falls, a
    heading goes over with its table."""
    from dataclasses import replace
    home, lot, ids, part, machine, verdict = workshop
    facts = asset_facts(Inventory.open(home, "A"), ids[0])
    heads = {"Identité", "Caractéristiques", "Vérifications de l'opérateur", "Catégorie",
             "Effacement des données", "Système installé", "Pièces installées", "Historique"}
    settings = load_settings(home)
    broke = 0
    for extra in range(0, 40, 3):       # one more wipe row moves the page break ~4 mm
        wipes = facts.wipes * (1 + extra)
        pages = _pages(render_sheet(replace(facts, wipes=wipes), settings, "fr").pdf, tmp_path)
        for page in pages[:-1]:
            lines = [x.strip() for x in page.splitlines() if x.strip()]
            if len(lines) < 2:
                continue
            broke += 1
            # The last line is the footer; the one before it must not be a heading.
            assert lines[-2] not in heads, (extra, lines[-3:])
    assert broke


def test_an_unprobed_machine_named_by_id_gets_an_intake_label(workshop, cli, tmp_path):
    """``intake --labels`` labels the new ids by id: they must read as intake labels
    (lot, device kind in the reader's language, date received), not a bare id."""
    home, lot, ids, part, machine, verdict = workshop
    out = tmp_path / "intake.pdf"
    res = cli(["label", ids[2], "--template", "DK-11209", "--home", home, "--out", out,
               "--lang", "fr", "--json"])
    assert res.exit_code == 0, res.output
    assert [x["kind"] for x in json.loads(res.output)["labels"]] == ["intake"]
    text = " ".join(subprocess.run(["pdftotext", str(out), "-"], capture_output=True,
                                   text=True).stdout.split())
    assert f"Lot {lot['id']}" in text and "ordinateur portable" in text
    assert f"Reçu le {when(lot['date'], 'fr')}" in text


def test_label_count_agrees_in_french(cli, tmp_path):
    one = cli(["label", "--payload", "TRI-A-26-00001", "--template", "L7160", "--lang", "fr",
               "--out", tmp_path / "one.pdf", "--home", tmp_path / "h"])
    assert one.output.startswith("1 étiquette sur 1 page(s)"), one.output
    two = cli(["label", "--payload", "TRI-A-26-00001", "--payload", "TRI-A-26-00002",
               "--template", "L7160", "--lang", "fr", "--out", tmp_path / "two.pdf",
               "--home", tmp_path / "h"])
    assert two.output.startswith("2 étiquettes sur 1 page(s)"), two.output


def test_papers_show_what_intake_corrections_changed(cli, tmp_path):
    """A kind, weight and donor recorded wrong at intake, then corrected (issue 10's
    ``inventory correct``): the sheet, the label's facts and the lot's attestation read
    the inventory's record, so they show the corrected values, never the first ones."""
    assert cli(["operator", "add", "Camille"]).exit_code == 0
    made = cli(["intake", "--donor", "Mairie", "--device", "laptop:2:4.0", "--create-ids",
                "--json"])
    aid, mistake = json.loads(made.output)["ids"]
    voided = cli(["inventory", "void", mistake, "--reason", "en double", "--operator",
                  "Camille"])
    assert voided.exit_code == 0, voided.output
    lot = json.loads(made.output)["lot"]["id"]
    other = cli(["intake", "--donor", "Entreprise Z", "--device", "desktop:1", "--json"])
    donor = json.loads(other.output)["lot"]["donor_id"]
    for args in ((aid, "--set", "device_kind=desktop", "--set", "weight_kg=9.5"),
                 (lot, "--set", f"donor_id={donor}")):
        fixed = cli(["inventory", "correct", *args, "--reason", "saisie", "--operator",
                     "Camille"])
        assert fixed.exit_code == 0, fixed.output
    sheet = tmp_path / "fiche.pdf"
    assert cli(["sheet", aid, "--out", sheet, "--lang", "fr"]).exit_code == 0
    text = subprocess.run(["pdftotext", "-layout", str(sheet), "-"], check=True,
                          capture_output=True, text=True).stdout
    # The identity block says what the machine is now; the history keeps both (the
    # creation as recorded, then the correction).
    import re
    assert re.search(r"Type\s+ordinateur de bureau", text), text
    assert re.search(rf"Donateur\s+Entreprise Z \({donor}\)", text), text
    assert "Mairie" not in text
    from reemploi.context import Context
    facts = asset_facts(Context(home=tmp_path / "home").inventory(), aid)
    assert (facts.device_kind, facts.weight_kg, facts.donor_id) == ("desktop", 9.5, donor)
    att = cli(["lot", "attestation", lot, "--out", tmp_path, "--json"])
    assert att.exit_code == 0, att.output
    body = json.loads(open(json.loads(att.output)["json"]).read())["certificate"]
    assert "Entreprise Z" in json.dumps(body, ensure_ascii=False)
    # The lot's machines are read by the ids its record lists: the voided one is out.
    assert [d["asset_id"] for d in body["devices"]] == [aid]
    assert [d["kind"] for d in body["devices"]] == ["desktop"]
