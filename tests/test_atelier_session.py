"""A whole atelier sitting through the real CLI, driven by the keyboard in tmux.

A trainee (Léa) builds a Jerry from three parts harvested from three donated machines,
answers the quiz and gets her carnet; another trainee (Tom) signs the final check. The
machine is a recorded one (tests/fixtures/machines/aspire-m3920-desktop) replayed
through ``--replay``: everything else is real — the terminal, the journal, the
station key, reportlab, pdftotext and Debian's headless Chromium.
"""

from __future__ import annotations

from test_image_support import wiped_in_a_dock

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import MACHINES, ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed")

# The last prompt on screen → what the trainee types.
ANSWERS = [
    ("Ton prénom", "Léa"),
    ("Le prénom de ton formateur", "Camille"),
    ("Tape leurs numéros", "1 2 3"),
    ("Choisis un nom", "Bidule"),
    ("Ta réponse (un numéro)", "1"),
    ("Prénom de la personne qui vérifie", "Tom"),
    ("Tout marche", "o"),
    ("Appuie sur Entrée", ""),
]


def _reemploi(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "REEMPLOI_HOME": str(home), "REEMPLOI_STATION": "A", "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, "-m", "reemploi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=check, timeout=120)


def _stock(home: Path) -> None:
    """A donation of three machines, one part harvested from each (the CLI a volunteer uses)."""
    _reemploi(home, "intake", "--donor", "Mairie de Villeurbanne", "--device", "desktop:3",
              "--create-ids")
    out = _reemploi(home, "inventory", "list", "--json").stdout
    ids = sorted(d["id"] for d in json.loads(out) if d.get("kind", "machine") == "machine")
    assert len(ids) == 3, out
    for machine, kind, facts in zip(ids, ("ram", "disk", "psu"),
                                    (["type=DDR3", "form_factor=DIMM", "size_gb=4"],
                                     ["media=hdd", "size_gb=500", "weight_kg=0.45"],
                                     ["watts=300"])):
        _reemploi(home, "parts", "harvest", machine, "--kind", kind,
                  *[x for f in facts for x in ("--facts", f)])
    from reemploi.inventory.store import Inventory
    for disk in Inventory.open(home, "T").parts(part_kind="disk"):
        wiped_in_a_dock(home, disk["id"])  # a disk goes into a Jerry only once wiped
    _reemploi(home, "atelier", "add", "Tom")


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"reemploi-atelier-{os.getpid()}"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, check=True, timeout=30).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "atelier")

    def history(self) -> str:
        return self.run("capture-pane", "-p", "-J", "-S", "-", "-t", "atelier")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _drive(tmux: Tmux, done: Path, limit: float = 240) -> list[str]:
    """Answer each prompt as it appears, until the command has exited."""
    typed, last, deadline = [], None, time.monotonic() + limit
    while time.monotonic() < deadline:
        if done.exists():
            return typed
        screen = tmux.screen().rstrip()
        tail = screen.splitlines()[-1] if screen else ""
        answer = next((a for prompt, a in ANSWERS if prompt in tail), None)
        if answer is not None and screen != last:
            tmux.run("send-keys", "-t", "atelier", "-l", answer)
            tmux.run("send-keys", "-t", "atelier", "Enter")
            typed.append(answer)
            last = screen
        time.sleep(0.15)
    raise AssertionError("the sitting did not end; screen:\n" + tmux.screen())


def _text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def _chromium(html: Path, tmp: Path) -> tuple[Path, str]:
    common = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync"]
    png = tmp / "carnet.png"
    subprocess.run(common + [f"--user-data-dir={tmp / 'chrome-shot'}", f"--screenshot={png}",
                             "--window-size=1100,1500", html.as_uri()],
                   capture_output=True, check=True, timeout=120)
    dom = subprocess.run(common + [f"--user-data-dir={tmp / 'chrome-dom'}", "--dump-dom",
                                   html.as_uri()],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return png, dom


def test_a_trainee_builds_a_jerry_and_gets_a_signed_carnet(tmp_path):
    home, out = tmp_path / "home", tmp_path / "carnets"
    _stock(home)
    done = tmp_path / "exit-code"
    cmd = (f"cd {ROOT} && REEMPLOI_HOME={home} REEMPLOI_STATION=A LANG=C.UTF-8 "
           f"{sys.executable} -m reemploi --lang fr atelier "
           f"--replay {MACHINES / 'aspire-m3920-desktop'} --out {out}; "
           f"echo $? > {done}; sleep 60")
    tmux = Tmux(tmp_path)
    try:
        tmux.run("new-session", "-d", "-s", "atelier", "-x", "100", "-y", "40", cmd)
        typed = _drive(tmux, done)
        history = tmux.history()
    finally:
        tmux.kill()
    assert done.read_text().strip() == "0", history
    assert "Léa" in typed and "Tom" in typed and typed.count("1") >= 5
    # Keyboard-only screens, in simple French, never a raw code or a traceback.
    assert "ÉTAPE 1 SUR 11\u00a0: LA SÉCURITÉ" in history
    assert "Traceback" not in history and "None" not in history
    assert "Le disque dur garde tes fichiers" in history

    pdf = next(out.glob("carnet-*.pdf"))
    html = pdf.with_suffix(".html")
    signed = pdf.with_suffix(".json")
    text = _text(pdf)
    for needle in ("Léa a construit le Jerry « Bidule »", "Mairie de Villeurbanne",
                   "La mémoire vive", "Le disque dur", "L'alimentation",
                   "5.1 Résoudre des problèmes techniques",
                   "5.2 Évoluer dans un environnement numérique",
                   "travaillée", "Vérification finale par Tom", "bonnes réponses sur"):
        assert needle in text, needle
    assert "certifiée" not in text     # only Pix certifies (décret 2019-919)
    carnet = json.loads(signed.read_text())["certificate"]
    for part in carnet["parts"]:
        assert f"Vient de l'ordinateur {part['from_asset']}, donné par Mairie de Villeurbanne" \
            in text
    assert len(carnet["parts"]) == 3 and carnet["quiz"]["total"] >= 5
    assert carnet["peer_check"]["ok"] is True

    png, dom = _chromium(html, tmp_path)
    from PIL import Image
    with Image.open(png) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50       # not a blank page
    page = re.sub(r"<[^>]+>", " ", dom.split("<script", 1)[0])
    page = " ".join(page.split())
    for needle in ("Carnet de montage", "Bidule", "Mairie de Villeurbanne",
                   "5.1 Résoudre des problèmes techniques", "travaillée"):
        assert needle in page, needle

    # The signature verifies, from the JSON and from the page alone; a changed byte does not.
    for f in (signed, html):
        assert _reemploi(home, "atelier", "verify", str(f)).returncode == 0
    forged = tmp_path / "forged.json"
    forged.write_text(signed.read_text().replace("Bidule", "Bidulf"))
    bad = _reemploi(home, "atelier", "verify", str(forged), check=False)
    assert bad.returncode == 12, bad.stderr
    assert "Traceback" not in bad.stderr

    # The journal knows the Jerry as built (never received), its trainee only by id.
    story = json.loads(_reemploi(home, "atelier", "show", carnet["jerry"]["asset_id"],
                                 "--json").stdout)
    assert story["name"] == "Bidule" and story["trainee"] == "Léa" and story["sittings"] == 1
    assert {p["from_asset"] for p in story["parts"]} == {p["from_asset"] for p in carnet["parts"]}
