"""The workshop story the statistics tests count, written by the real stages.

Nothing in the journal is typed by hand: lots, ids, parts and checkouts come from the
real CLI (``intake``, ``parts``, ``checkout``, ``inventory status``); grades from
``grade --replay`` on machines recorded in tests/fixtures/machines (their verdicts,
probes and disks are what the grading stage makes of those recordings); erasures from
``wipe`` on real loop devices, one of them cut by Ctrl-C through the wipe stage's own
functions (test_certificate.py does the same); the certificate from ``certificate
issue``; the image from ``image write`` of a master built by sfdisk and mkfs.ext4
(test_image_support.build_master); the Jerry from the atelier's ``Atelier.build``.

The story is made once per test session (loop devices, wipes and the image take a
few seconds) and copied into each test's data directory.

Dates: lots and checkouts carry their own business date (December of last year and
January of this year, to test the year boundary); every other event is stamped by the
journal with the real time of the test run, "now", always in THIS year.

| id | what | grade (from its recording) | after |
|---|---|---|---|
| L1 | laptop, lot A | A (medion-usb-dock) | its disk out; a refurbished disk wiped (zero), certified, imaged; ready; given 10 Jan Y1 |
| L2 | laptop, lot A | C (aspire-es1-non-root) | its disk out; a refurbished disk wiped (prng); ready; sold 28 Dec Y0, 80 EUR |
| L3 | laptop, lot A | parts-only (latitude-d600-32bit) | RAM and PSU harvested; dismantled 20 Jan Y1 |
| S1, S2 | screens, lot A | — | S1 diagnosed, ready, given 10 Jan Y1; S2 recycled 12 Jan Y1 |
| D1 | desktop, lot B | B (aspire-m3920-desktop) | its disks out; L3's RAM installed (a repair); ready; given 25 Jan Y1 |
| D2 | desktop, lot B | — | a wipe cut by Ctrl-C (interrupted: a failed erasure) |
| R1 | "robot", lot B | — | recycled 22 Jan Y1 |
| N1 | laptop, no lot, 2.0 kg | — | received today |
| J1 | the Jerry "Bidule", built today from L3's PSU | — | never received |
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import MACHINES, LoopDevice, is_root

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()
Y1 = TODAY.year            # this year
Y0 = Y1 - 1                # last year: the December side of the boundary
NOW_MONTH = TODAY.strftime("%Y-%m")
MiB = 1 << 20

SETTINGS = """[workshop]
name = "Atelier Test"
siret = "12345678900012"
departement = "69"
"""
RECORDED = {"L1": "medion-usb-dock", "L2": "aspire-es1-non-root",
            "L3": "latitude-d600-32bit", "D1": "aspire-m3920-desktop"}


def run(home: Path, *args) -> dict:
    """One real ``reemploi`` command on ``home``, its --json output parsed."""
    from click.testing import CliRunner
    from reemploi.cli.main import cli

    result = CliRunner().invoke(cli, [*map(str, args), "--home", str(home), "--json"],
                                env={"REEMPLOI_STATION": "T"}, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.output)


def _checkout_words() -> list[str]:
    """Checkouts here are entered after their business date; when the inventory asks
    for the reason of a backdated departure (issue 10's custody), say it."""
    from click.testing import CliRunner
    from reemploi.cli.main import cli
    shown = CliRunner().invoke(cli, ["checkout", "--help"]).output
    return ["--backdated", "entered from the paper register"] if "--backdated" in shown else []


def _interrupted_wipe(home: Path, asset: str, path: str) -> None:
    """The wipe stage's own functions, cut by Ctrl-C once bytes are written."""
    from reemploi.context import Context
    from reemploi.wipe import run as wiperun

    ctx = Context(home=home, station="T", operator="Camille")
    options = wiperun.WipeOptions(method="zero", verify="sample", asset_id=asset)
    jobs = wiperun.prepare(ctx, [path], options)

    def progress_for(job):
        def progress(phase, done, total):
            if done:
                raise KeyboardInterrupt
        return progress
    wiperun.record_all(ctx, wiperun.run_all(ctx, jobs, options, progress_for=progress_for))


def make_story(home: Path, scratch: Path) -> dict[str, str]:
    from reemploi.atelier.record import Atelier
    from reemploi.inventory.store import Inventory
    from test_image_support import build_master

    home.mkdir(parents=True)
    (home / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    backdated = _checkout_words()
    ids: dict[str, str] = {}
    # Lot A, 20 Dec Y0, Mairie: 3 laptops weighed together 7.5 kg, 2 screens unweighed.
    a = run(home, "intake", "--donor", "Mairie de Lyon", "--donor-kind", "public", "--date",
            f"{Y0}-12-20", "--device", "laptop:3:7.5", "--device", "screen:2", "--create-ids")["ids"]
    ids.update(L1=a[0], L2=a[1], L3=a[2], S1=a[3], S2=a[4])
    # Lot B, 15 Jan Y1, company: 2 desktops unweighed, 1 device of a kind we do not know.
    b = run(home, "intake", "--donor", "Entreprise X", "--date", f"{Y1}-01-15",
            "--device", "desktop:2", "--device", "robot:1", "--create-ids")["ids"]
    ids.update(D1=b[0], D2=b[1], R1=b[2])
    # Lot C, 3 Jan Y1, Mairie again: 2 laptops, the lot weighed as a whole 6.0 kg, no ids.
    run(home, "intake", "--donor", "Mairie de Lyon", "--donor-kind", "public", "--date",
        f"{Y1}-01-03", "--device", "laptop:2", "--weight", "6.0")
    inv = Inventory.open(home, "T", "Camille")
    # A laptop brought in alone (no lot), weighed 2.0 kg: received today.
    ids["N1"] = inv.create_asset("machine", "laptop", weight_kg=2.0)

    def checkout(aid, to, org, day, *extra):
        run(home, "checkout", aid, "--to", to, "--org", org, "--date", day, *backdated, *extra)

    def status(aid, to):
        run(home, "inventory", "status", aid, to)

    for nick, folder in RECORDED.items():
        run(home, "grade", "--replay", MACHINES / folder, "--asset", ids[nick])

    def disks_out(aid):
        # The donor's disks leave the machine (for destruction, as in the lot walk of
        # test_paperwork_e2e): the machine goes out with a refurbished, wiped disk.
        # Kept for destruction: custody lets a disk leave unwiped only declared so.
        for disk in run(home, "inventory", "show", aid)["probe"]["disks"]:
            run(home, "parts", "harvest", aid, "--kind", "disk", "--serial", disk["serial"] or "",
                "--disk", disk["identity"], "--for", "destruction", "--reason", "broyage")

    master, _files = build_master(scratch, 32 * MiB)
    loops = [LoopDevice(scratch / f"disk{i}.img", 48 * MiB) for i in range(3)]
    try:
        # L1: a refurbished disk wiped (the default method), certified, imaged; given.
        disks_out(ids["L1"])
        wiped = run(home, "wipe", loops[0].path, "--asset", ids["L1"], "--yes")["records"][0]
        assert wiped["result"] == "success"
        run(home, "certificate", "issue", "--asset", ids["L1"], "--event", wiped["event_id"],
            "--out", scratch / "certs", "--no-pdf")
        assert run(home, "image", "write", master, loops[0].path, "--asset", ids["L1"],
                   "--yes")["result"] == "success"
        status(ids["L1"], "ready")
        checkout(ids["L1"], "given", "Secours populaire", f"{Y1}-01-10")
        # L2: a refurbished disk wiped with random data; sold 28 Dec Y0.
        disks_out(ids["L2"])
        wiped = run(home, "wipe", loops[1].path, "--asset", ids["L2"], "--method", "prng",
                    "--yes")["records"][0]
        assert wiped["result"] == "success"
        status(ids["L2"], "ready")
        checkout(ids["L2"], "sold", "Particulier", f"{Y0}-12-28", "--price", "80")
        # D2: its wipe cut by Ctrl-C.
        _interrupted_wipe(home, ids["D2"], loops[2].path)
    finally:
        for loop in loops:
            loop.detach()
    # L3: parts only; its RAM and PSU harvested, then dismantled 20 Jan Y1.
    ram = run(home, "parts", "harvest", ids["L3"], "--kind", "ram", "--facts", "size_mb=4096")["id"]
    psu = run(home, "parts", "harvest", ids["L3"], "--kind", "psu", "--facts", "watts=300")["id"]
    checkout(ids["L3"], "dismantled", "Atelier (pièces)", f"{Y1}-01-20")
    # D1: its disks out, L3's RAM installed (a repair, not a machine built here); given.
    disks_out(ids["D1"])
    run(home, "parts", "install", ram, ids["D1"])
    status(ids["D1"], "ready")
    checkout(ids["D1"], "given", "Emmaüs Connect", f"{Y1}-01-25")
    # Screens: S1 checked and given 10 Jan Y1; S2 recycled 12 Jan Y1.
    status(ids["S1"], "diagnosed")
    status(ids["S1"], "ready")
    checkout(ids["S1"], "given", "Secours populaire", f"{Y1}-01-10")
    checkout(ids["S2"], "recycled", "Ecosystem", f"{Y1}-01-12")
    # The unknown device goes to recycling 22 Jan Y1 (its lot came on the 15th).
    checkout(ids["R1"], "recycled", "Ecosystem", f"{Y1}-01-22")
    # The Jerry: built today by a trainee from L3's PSU.
    inv = Inventory.open(home, "T", "Camille")
    atelier = Atelier(inv, home)
    ids["J1"] = atelier.build("Bidule", [psu], atelier.add_person("Léa", "trainee"))
    return ids


@pytest.fixture(scope="session")
def story(tmp_path_factory):
    """(data directory, ids) of the story, made once; copy it with ``copy_story``."""
    if not is_root() or shutil.which("losetup") is None:
        pytest.skip("the story's wipes need root and losetup for loop devices")
    base = tmp_path_factory.mktemp("stats-story")
    ids = make_story(base / "home", base)
    return base / "home", ids


def copy_story(story, home: Path) -> dict[str, str]:
    src, ids = story
    shutil.copytree(src, home, symlinks=True)
    return dict(ids)
