"""A five-machine lot from intake to every paper, through the real CLI, in French,
then the papers and reports again in English.

A company gives three laptops and two desktops (recorded machines from
tests/fixtures/machines). Camille (technician) grades them; the original disks of
three machines are swapped for refurbished ones (REAL loop devices) that are wiped,
certified and (two of them) installed with an image built here; the originals and the
disks of the two machines that will not be reused are taken out and sent for
destruction. Sam (validator) signs three machines off; one is given with a receipt,
one sold with a receipt, one given; the other two are dismantled and recycled. The
donor gets the lot's attestation (before and after: regenerated with the state of the
moment) and the lot's erasure certificate; the coordinator gets the figures with the
sales revenue.

Every PDF is read back: its text (pdftotext), every word inside the page
(pdftotext -bbox), its QR code (zxing-cpp). Every line printed and every French PDF is
checked for English words and untranslated catalogue entries; the English run for
French words. ``REEMPLOI_DOCS_OUT=folder`` keeps the PDFs (docs/documents.md's pictures).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from conftest import MACHINES
from french_support import ENGLISH, FRENCH, leaks as _leaks, untranslated as _untranslated
from test_image_support import MiB, build_master
from test_printing_cups import pdf_queue  # noqa: F401  (`printers` lists a real, running queue)

pytestmark = pytest.mark.root

SETTINGS = """[workshop]
name = "Atelier Soleil"
prefix = "SOL"
siret = "12345678900012"
address = "3 rue du Port, 69007 Lyon"
contact = "atelier@example.org"
qr_payload = "https://inventaire.example.org/m/{id}"

[station]
code = "A"
"""
WORKSHOP_WORDS = ("Atelier Soleil",)          # the workshop's own name is not a French leak


def _run(cli, args, lang, log=None, code=0):
    result = cli([str(a) for a in args] + ["--lang", lang])
    assert result.exit_code == code, (args, result.output)
    if log is not None:
        log.append(result.output)
    return result


def _json(cli, args, lang="fr", log=None):
    return json.loads(_run(cli, [*args, "--json"], lang, log).output)


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def _words_inside_pages(pdf: Path) -> int:
    """Every word's box lies inside its page (nothing drawn off the paper)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    n = 0
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for m in re.finditer(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                             r'yMax="([\d.-]+)">', page.group(3)):
            x0, y0, x1, y1 = map(float, m.groups())
            assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height, (pdf.name, m.group())
            n += 1
    return n


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _qr(pdf: Path, tmp_path: Path) -> list[str]:
    stem = tmp_path / f"{pdf.stem}-qr"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(stem)], check=True)
    return [c.text for c in zxingcpp.read_barcodes(Image.open(f"{stem}.png"),
                                                    formats=zxingcpp.BarcodeFormat.QRCode)]


def _checked_pdf(pdf, tmp_path, kept: list, lang: str, texts: dict) -> str:
    pdf = Path(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert _words_inside_pages(pdf) > 10
    text = _pdf_text(pdf)
    kept.append(pdf)
    texts.setdefault(lang, []).append(text)
    return text


def test_five_machines_from_intake_to_papers(cli, loopdev, tmp_path, monkeypatch,
                                             pdf_queue):  # noqa: F811
    monkeypatch.delenv("REEMPLOI_STATION")            # the station code comes from settings
    monkeypatch.setenv("REEMPLOI_HOME", str(tmp_path / "home"))
    home = tmp_path / "home"
    home.mkdir()
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    out, kept, texts = tmp_path / "papiers", [], {}
    log: list[str] = []                                # every line printed, French run
    fr = lambda *a, **k: _run(cli, a, "fr", log, **k)   # noqa: E731
    frj = lambda *a: _json(cli, a, "fr")                # noqa: E731  (JSON keeps codes)

    # People: a technician, a validator, a trainee (first name only).
    fr("operator", "add", "Camille Martin", "--role", "technician")
    fr("operator", "add", "Sam Durand", "--role", "validator")
    fr("operator", "add", "Lou", "--role", "trainee")
    fr("operator", "use", "Camille Martin")
    fr("operator", "list")

    # 1. Intake: 3 laptops and 2 desktops ("portable", "fixe": French words accepted).
    lot = frj("intake", "--donor", "Entreprise X", "--donor-siret", "55210055400013",
              "--donor-contact", "dpo@entreprise-x.example", "--device", "portable:3:7.2",
              "--device", "fixe:2:16", "--create-ids")
    lot_id, ids = lot["lot"]["id"], lot["ids"]
    assert len(ids) == 5 and lot_id.startswith("LOT-A-")
    a1, a2, a3, a4, a5 = ids
    recorded = {a1: "aspire-es1-non-root", a2: "latitude-d600-32bit",
                a3: "latitude-e5410-failing-disk", a4: "aspire-m3920-desktop",
                a5: "medion-usb-dock"}

    # 2. Grade each from its recorded machine.
    for aid, folder in recorded.items():
        fr("grade", "--replay", MACHINES / folder, "--asset", aid)
    fr("inventory", "list")
    fr("inventory", "show", a3)
    probed = {aid: frj("inventory", "show", aid)["probe"] for aid in ids}

    # The attestation at this point: every device "at the workshop".
    early = frj("lot", "attestation", lot_id, "--out", out)
    early_text = _checked_pdf(early["pdf"], tmp_path, kept, "fr", texts)
    assert len(re.findall(r"à l'atelier\s*:\s*Diagnostiqué", early_text)) == 5

    # 3. Original disks out (to destruction), refurbished disks in: wiped and certified.
    for aid in (a1, a2, a3, a4, a5):
        for disk in probed[aid]["disks"]:
            # Kept for destruction (custody: a disk leaves unwiped only declared so).
            part = frj("parts", "harvest", aid, "--kind", "disk", "--serial",
                       disk["serial"] or "", "--disk", disk["identity"], "--operator", "Lou",
                       "--for", "destruction", "--reason", "broyage")
            fr("checkout", part["id"], "--to", "recyclage", "--org", "Ecosystem (broyage)")
    master, _files = build_master(tmp_path, 32 * MiB)
    disks = {a1: loopdev(48 * MiB), a2: loopdev(48 * MiB), a4: loopdev(16 * MiB)}
    certs = {}
    for aid, disk in disks.items():
        fr("wipe", disk.path, "--asset", aid, "--dry-run")          # the plan, in words
        wiped = frj("wipe", disk.path, "--asset", aid, "--yes")
        record = wiped["records"][0]
        assert record["result"] == "success" and record["verification"]["result"] == "passed"
        cert = frj("certificate", "issue", "--asset", aid, "--event", record["event_id"],
                   "--out", out)
        assert cert["result"] == "success"
        certs[aid] = {**cert, "event": record["event_id"]}
    fr("certificate", "show", certs[a1]["json"])

    # 4. Emmabuntüs (here: the master built above) on the two laptops.
    # The D600 was graded parts only: a system goes on it only with a recorded reason.
    refused = fr("image", "write", master, disks[a2].path, "--asset", a2, "--dry-run", code=8)
    assert "--override" in refused.output
    override = {a1: (), a2: ("--override", "réparée, accord du responsable d'atelier")}
    for aid in (a1, a2):
        fr("image", "write", master, disks[aid].path, "--asset", aid, "--dry-run", *override[aid])
        written = frj("image", "write", master, disks[aid].path, "--asset", aid, "--yes",
                      *override[aid])
        assert written["result"] == "success"

    # 5. The validator signs three machines off (a4 leaves wiped: the partner installs).
    refused = fr("validate", a1, code=8)               # Camille is no validator
    assert "validateur" in refused.output
    for aid in (a1, a2):
        fr("validate", aid, "--operator", "Sam Durand", "--note", "contrôle final")
    fr("inventory", "status", a4, "prêt", "--validate", "--operator", "Sam Durand")
    assert frj("inventory", "show", a1)["validation"]["by"] == "Sam Durand"

    # 6. Out: given with a receipt, sold with a receipt, given, dismantled, recycled.
    given = frj("checkout", a1, "--to", "don", "--org", "Association Y", "--receipt",
                "--out", out)
    sold = frj("checkout", a2, "--to", "vente", "--org", "Famille Z", "--price", "85",
               "--receipt", "--out", out)
    fr("checkout", a4, "--to", "given", "--org", "Emmaüs Connect")
    fr("checkout", a3, "--to", "dismantled", "--org", "Atelier Soleil")
    fr("checkout", a5, "--to", "recycled", "--org", "Ecosystem")

    gift = _checked_pdf(given["receipt"]["pdf"], tmp_path, kept, "fr", texts)
    assert "Attestation de don" in gift and "Association Y" in gift and a1 in gift
    assert certs[a1]["id"] in gift and "Sam Durand" in gift
    sale = _checked_pdf(sold["receipt"]["pdf"], tmp_path, kept, "fr", texts)
    assert "Reçu de vente" in sale and "85,00" in sale and "Famille Z" in sale
    assert "L217-3" in sale and "L217-7" in sale and "douze mois" in sale
    sheet_fr = _checked_pdf(sold["receipt"]["sheet_pdf"], tmp_path, kept, "fr", texts)
    assert _pages(Path(sold["receipt"]["sheet_pdf"])) == 1
    assert "Ton ordinateur" in sheet_fr and "Premiers pas avec Emmabuntüs" in sheet_fr
    assert "Où trouver de l'aide" in sheet_fr and a2 in sheet_fr
    page = f"https://inventaire.example.org/m/{a2}"
    assert _qr(Path(sold["receipt"]["sheet_pdf"]), tmp_path) == [page]
    assert _qr(Path(sold["receipt"]["pdf"]), tmp_path) == [page]
    # No receipt for a machine that has no recipient: refused before anything is written.
    assert fr("receipt", a5, code=11).exit_code == 11

    # 7. The donor's papers, issued now: every device's fate, every disk accounted for.
    att = frj("lot", "attestation", lot_id, "--out", out)
    text = _checked_pdf(att["pdf"], tmp_path, kept, "fr", texts)
    for word in ("Attestation de prise en charge", "Entreprise X", "55210055400013",
                 "12345678900012", "3 rue du Port", "donné le", "vendu le",
                 "démonté pour pièces le", "envoyé au recyclage le"):
        assert word in text, word
    assert "à l'atelier" not in text and "Famille Z" not in text     # no recipient named
    body = json.loads(Path(att["json"]).read_text())["certificate"]
    assert [d["fate"] for d in body["devices"]] == ["given", "sold", "dismantled", "given",
                                                   "recycled"]
    assert body["journal"]["seq"] > early["journal"]["seq"]
    cert = frj("lot", "certificate", lot_id, "--out", out)
    ctext = _checked_pdf(cert["pdf"], tmp_path, kept, "fr", texts)
    signed = json.loads(Path(cert["json"]).read_text())["certificate"]
    assert signed["result"] == "complete", signed
    assert {d["asset_id"] for d in signed["disks"]} == {a1, a2, a4}
    assert all(d["result"] == "success" and d["verification"]["result"] == "passed"
               for d in signed["disks"])
    originals = [d for aid in ids for d in probed[aid]["disks"]]
    assert len(signed["removed"]) == len(originals)
    assert all(r["fate"] == "recycled" for r in signed["removed"])
    assert "Certificat d'effacement d'un lot donné" in ctext and "Disques retirés" in ctext
    for d in originals:
        if d["serial"]:
            assert d["serial"] in ctext
    for issued in (att, cert):
        assert _qr(Path(issued["pdf"]), tmp_path) == [f"{issued['id']} sha256:{issued['sha256']}"]
        checked = frj("certificate", "verify", issued["json"])
        assert checked["id"] == issued["id"]
    # Each issue is on record, with the journal head it was made from.
    journal = [json.loads(line) for line in (home / "journal.jsonl").read_text().splitlines()]
    issues = [e["payload"] for e in journal if e["type"] == "document.issued"]
    assert [i["kind"] for i in issues] == ["lot-attestation", "receipt-donation", "receipt-sale",
                                           "lot-attestation", "lot-certificate"]
    assert issues[-1]["journal_seq"] == cert["journal"]["seq"]
    assert {e["station"] for e in journal} == {"A"}
    assert {e["operator"] for e in journal if e["type"] == "asset.validated"} == {"Sam Durand"}

    # 8. Sheets and certificates name the people; the figures count the money.
    sheet = tmp_path / "fiche.pdf"
    fr("sheet", a1, "--out", sheet)
    stext = _checked_pdf(sheet, tmp_path, kept, "fr", texts)
    assert "Validée par" in stext and "Sam Durand" in stext and "Camille Martin" in stext
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", stext)          # French local dates
    # Issued again after the sign-off, the certificate names the validator (App. G).
    again = fr("certificate", "issue", "--asset", a1, "--event", certs[a1]["event"],
               "--out", out).output
    ctext1 = _checked_pdf(re.search(r"PDF: (\S+)", again).group(1), tmp_path, kept, "fr", texts)
    assert "Sam Durand" in ctext1 and "Camille Martin" in ctext1
    year = body["issued"][:4]
    stats = frj("stats", "--year", year)["figures"]
    assert stats["revenue_eur"] == 85.0 and stats["sales"] == 1
    assert {r["kind"]: r["revenue_eur"] for r in stats["by_kind"]}["laptop"] == 85.0
    assert [r["revenue_eur"] for r in stats["by_destination"] if r["outcome"] == "sold"] == [85.0]
    assert sum(r["revenue_eur"] for r in stats["by_month"]) == 85.0
    report = tmp_path / "bilan.pdf"
    fr("stats", "--year", year, "--csv", tmp_path / "csv", "--french", "--xlsx",
       tmp_path / "bilan.xlsx", "--ods", tmp_path / "bilan.ods", "--pdf", report)
    rtext = _checked_pdf(report, tmp_path, kept, "fr", texts)
    assert "Ventes" in rtext and "85,00" in rtext
    summary = (tmp_path / "csv" / "summary.csv").read_text(encoding="utf-8-sig")
    assert "Recettes des ventes (EUR);85" in summary
    import openpyxl
    book = openpyxl.load_workbook(tmp_path / "bilan.xlsx")
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "Recettes des ventes (EUR)" in cells and 85 in cells
    assert b"Recettes des ventes" in subprocess.run(
        ["unzip", "-p", str(tmp_path / "bilan.ods"), "content.xml"], capture_output=True).stdout

    # Everything else a person reads, in French.
    from conftest import CORPUS
    fr("label", a1, "--out", tmp_path / "etiquette.pdf")
    _checked_pdf(tmp_path / "etiquette.pdf", tmp_path, kept, "fr", texts)
    for args in (("probe", "--replay", MACHINES / recorded[a4]), ("image", "list"),
                 ("image", "choose", "--asset", a1), ("label", "--list-templates"),
                 ("parse", "smartctl",
                  CORPUS / "smartctl/hdd/glpi-agent__resources__linux__smartctl__sample3.txt"),
                 ("inventory", "show", a1), ("inventory", "show", a2), ("inventory", "list"),
                 ("inventory", "history", a1), ("inventory", "search", "Aspire"),
                 ("parts", "list"), ("parts", "stock"), ("inventory", "verify"),
                 ("stats", "--year", year), ("operator", "who"), ("printers",)):
        fr(*args)
    fr("checkout", a1, "--to", "don", "--org", "X", code=11)           # already out
    fr("inventory", "status", "SOL-A-26-99999", "prêt", code=10)
    fr("checkout", a5, "--to", "zz", "--org", "X", code=2)
    texts["fr"] += log
    leaks = _leaks(texts["fr"], ENGLISH, allowed=WORKSHOP_WORDS)
    assert not leaks, "English in French output:\n" + "\n".join(leaks)
    assert not _untranslated(texts["fr"]), _untranslated(texts["fr"])

    # The same papers and reports in English: no French.
    en_log: list[str] = []
    en = lambda *a, **k: _run(cli, a, "en", en_log, **k)   # noqa: E731
    enj = lambda *a: _json(cli, a, "en")                   # noqa: E731
    for doc in (enj("lot", "attestation", lot_id, "--out", out),
                enj("lot", "certificate", lot_id, "--out", out)):
        _checked_pdf(doc["pdf"], tmp_path, kept, "en", texts)
    rec = enj("receipt", a2, "--out", out)
    sale_en = _checked_pdf(rec["pdf"], tmp_path, kept, "en", texts)
    assert "Sales receipt" in sale_en and "85.00" in sale_en and "L217-7" in sale_en
    _checked_pdf(rec["sheet_pdf"], tmp_path, kept, "en", texts)
    en("sheet", a1, "--out", tmp_path / "sheet-en.pdf")
    _checked_pdf(tmp_path / "sheet-en.pdf", tmp_path, kept, "en", texts)
    en("stats", "--year", year, "--pdf", tmp_path / "report-en.pdf")
    _checked_pdf(tmp_path / "report-en.pdf", tmp_path, kept, "en", texts)
    for args in (("inventory", "show", a1), ("inventory", "list"), ("inventory", "history", a1),
                 ("parts", "list"), ("parts", "stock"), ("operator", "list"),
                 ("certificate", "show", certs[a1]["json"]), ("stats", "--year", year)):
        en(*args)
    texts["en"] += en_log
    leaks = _leaks(texts["en"], FRENCH, allowed=WORKSHOP_WORDS + ("Emmaüs Connect", "atelier@",
                                                                   "3 rue du Port"))
    assert not leaks, "French in English output:\n" + "\n".join(leaks)

    keep = os.environ.get("REEMPLOI_DOCS_OUT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for pdf in kept:
            shutil.copy(pdf, Path(keep) / pdf.name)
        for lang in ("fr", "en"):          # every line printed, for a read-through
            (Path(keep) / f"output-{lang}.txt").write_text("\n".join(texts[lang]), encoding="utf-8")
