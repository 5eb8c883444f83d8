"""The station, the atelier, the live stick and the doctor, walked in French through
the real CLI: every line printed (stdout and stderr, refusals included) is checked for
English words and catalogue entries left in English, as the lot walk does for the
papers (tests/test_paperwork_e2e.py).

Real things: a recorded machine (tests/fixtures/machines/thinkbook-nvme-live-usb) taken
to ready by an unattended profile that wipes a real loop device; parts harvested from
recorded laptops into a Jerry; a live stick written from an ISO made by xorriso here
(the fixture of tests/test_stick_make.py) onto a loop device.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import MACHINES
from french_support import ENGLISH, ENGLISH_MORE, leaks, untranslated
from test_stick_make import iso  # noqa: F401  (the module-scoped ISO fixture)

pytestmark = pytest.mark.root
MiB = 1 << 20
# Names that are the same in both languages or come from the hardware, not from us.
NOT_OURS = ("AMD Ryzen 7 5700U with Radeon Graphics", "Emmabuntüs", "SMART", "NIST",
            "reemploi station", "reemploi-boot.service")


def _run(cli, log: list, *args, code: int = 0):
    result = cli(["--lang", "fr", *[str(a) for a in args]])
    assert result.exit_code == code, (args, result.output)
    if "--json" not in args:                  # JSON keeps codes for programs
        log.append(result.output)
    return result


def _profile(tmp_path: Path, disk: str) -> Path:
    path = tmp_path / "poste.toml"
    path.write_text(f"""
[station]
asset = "identity"
lang = "fr"
replay = "{MACHINES / 'thinkbook-nvme-live-usb'}"
disks = ["{disk}"]
require_persistence = false
ready_when = ["ready", "ready-after-upgrade"]

[checklist]
keyboard = "ok"
wifi = "ok"
webcam = "ok"
cosmetic = "A"

[wipe]
method = "zero"
verify = "full"

[image]
name = "none"

[documents]
printer = ""
""", encoding="utf-8")
    return path


def test_station_atelier_stick_and_doctor_in_french(cli, loopdev, iso, tmp_path):  # noqa: F811
    log: list[str] = []
    fr = lambda *a, **k: _run(cli, log, *a, **k)      # noqa: E731
    fr("doctor")
    fr("operator", "add", "Camille", "--role", "technicienne")

    # The station: a machine from asset id to ready, then the same run again (all done).
    disk = loopdev(16 * MiB)
    profile = _profile(tmp_path, disk.path)
    first = fr("station", "--profile", profile, "--operator", "Camille", "--lines").output
    assert "Étape 5/9" in first and "passe 1" in first and "reste" in first
    fr("station", "--profile", profile, "--lines")
    bad = tmp_path / "mauvais.toml"
    bad.write_text('[wipe]\nmethod = "tout-broyer"\n', encoding="utf-8")
    fr("station", "--profile", bad, "--lines", code=7)

    # The atelier: people, a Jerry built from two harvested parts (no disk: a disk part
    # needs its own wipe first, custody), its story and carnet.
    fr("atelier", "add", "Léa")
    fr("atelier", "add", "Tom", "--role", "formateur")
    fr("atelier", "people")
    lot = json.loads(fr("intake", "--donor", "Mairie", "--device", "portable:2",
                        "--create-ids", "--json").output)
    a, b = lot["ids"]
    parts = [json.loads(fr("parts", "harvest", a, "--kind", "barrette", "--json").output)["id"],
             json.loads(fr("parts", "harvest", b, "--kind", "alimentation", "--json").output)["id"]]
    from reemploi.atelier.record import Atelier
    from reemploi.inventory.store import Inventory
    home = tmp_path / "home"                           # the cli fixture's REEMPLOI_HOME
    inv = Inventory.open(home, "T", "Camille")
    at = Atelier(inv, home)
    jerry = at.build("Bidule", parts, at.person("Léa"))
    fr("atelier", "show", jerry)
    fr("atelier", "show", a, code=10)                  # not a Jerry: said in French
    carnet = json.loads(fr("atelier", "carnet", jerry, "--out", tmp_path / "carnets",
                           "--json").output)
    fr("atelier", "verify", carnet["json"])

    # The stick: written, then the refusals (not an ISO; too small for persistence).
    stick = loopdev(320 * MiB)
    fr("stick", "make", iso, stick.path, "--yes")
    not_iso = tmp_path / "x.img"
    not_iso.write_bytes(b"\0" * 65536)
    fr("stick", "make", not_iso, stick.path, "--yes", code=7)
    fr("stick", "make", iso, loopdev(64 * MiB).path, "--yes", code=8)

    found = leaks(log, ENGLISH + ENGLISH_MORE, allowed=NOT_OURS)
    assert not found, "English in French output:\n" + "\n".join(found)
    assert not untranslated(log), untranslated(log)
