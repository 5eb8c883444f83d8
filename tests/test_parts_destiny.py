"""A part kept for destruction or recycling is not reusable stock, wherever stock shows.

Found walking the workshop's day (qa17): the Latitude's failing disk, harvested
``--for destruction`` as custody demands, was counted by ``parts stock`` as a disk
ready for reuse, listed "En stock", and offered to a trainee at the atelier's "your
parts" screen; picking it ended the sitting with exit 8 and nothing of it recorded.
Machines are recorded ones (tests/fixtures/machines), the CLI the real one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import MACHINES, ROOT

FAILING = MACHINES / "latitude-e5410-failing-disk"  # one disk, SMART health failed
DESKTOP = MACHINES / "aspire-m3920-desktop"


def _ok(result):
    assert result.exit_code == 0, result.output
    text = result.output.strip()
    return json.loads(text) if text.startswith(("{", "[")) else text


def _shop(cli, home):
    """A laptop whose failing disk is kept for destruction, one RAM stick into stock."""
    ids = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids",
                   "--json", "--home", home]))["ids"]
    _ok(cli(["grade", "--replay", FAILING, "--asset", ids[0], "--json", "--home", home]))
    dead = _ok(cli(["parts", "harvest", ids[0], "--kind", "disk", "--for", "destruction",
                    "--reason", "SMART en échec", "--json", "--home", home]))["id"]
    ram = _ok(cli(["parts", "harvest", ids[1], "--kind", "ram", "--facts", "type=DDR3",
                   "--facts", "size_gb=4", "--json", "--home", home]))["id"]
    return dead, ram


def test_stock_leaves_out_what_is_kept_for_destruction(cli, tmp_path):
    home = tmp_path / "shop"
    dead, ram = _shop(cli, home)
    lines = _ok(cli(["parts", "stock", "--json", "--home", home]))
    assert [line["ids"] for line in lines] == [[ram]]
    text = _ok(cli(["parts", "stock", "--home", home, "--lang", "fr"]))
    assert "Disque" not in text and "Barrette de RAM" in text
    # The list still shows the part, as what it is kept for, not "in stock".
    listed = _ok(cli(["parts", "list", "--home", home, "--lang", "fr"]))
    dead_line = next(line for line in listed.splitlines() if dead in line)
    assert "En stock" not in dead_line and "destruction" in dead_line.lower()


def test_the_atelier_does_not_offer_a_part_kept_for_destruction(cli, tmp_path):
    home = tmp_path / "shop"
    dead, ram = _shop(cli, home)
    env = {**os.environ, "REEMPLOI_HOME": str(home), "REEMPLOI_STATION": "A",
           "LANG": "fr_FR.UTF-8"}
    keys = "Léa\nPaul\n" + "\n" * 40          # then end of input: the sitting stops
    done = subprocess.run([sys.executable, "-m", "reemploi", "atelier", "--replay", DESKTOP,
                           "--out", tmp_path / "carnets"], cwd=ROOT, env=env, input=keys,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "TES PIÈCES" in done.stdout
    assert ram in done.stdout and dead not in done.stdout
    # The stick in French units, as the carnet writes it ("4 Go"), not "4 GB".
    line = next(l for l in done.stdout.splitlines() if ram in l)
    assert "DDR3 4 Go" in line, line


def test_a_disk_taken_out_is_not_on_the_machine_label_nor_its_sheet(cli, tmp_path):
    """The Latitude's failing disk, harvested for destruction, was still printed on
    the machine's label ("HDD 500 Go") and on its sheet's specifications: the person
    who gets the machine would read a disk it no longer has."""
    import subprocess
    home = tmp_path / "shop"
    [a, b] = _ok(cli(["intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids",
                      "--json", "--home", home]))["ids"]
    for asset in (a, b):
        _ok(cli(["grade", "--replay", FAILING, "--asset", asset, "--json", "--home", home]))
    _ok(cli(["parts", "harvest", a, "--kind", "disk", "--for", "destruction", "--reason",
             "SMART en échec", "--json", "--home", home]))

    def text(*args) -> str:
        out = tmp_path / f"{args[0]}-{args[1]}.pdf"
        _ok(cli([*args, "--out", out, "--home", home, "--lang", "fr"]))
        return subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True,
                              text=True, check=True).stdout
    assert "HDD 500 Go" not in text("label", a)
    assert "Hitachi" not in text("sheet", a).split("Historique")[0]
    # The other machine still has its disk: both papers say so.
    assert "HDD 500 Go" in text("label", b)
    assert "Hitachi" in text("sheet", b).split("Historique")[0]


def test_a_sitting_stopped_by_ctrl_c_is_recorded(tmp_path):
    """Ctrl-C (or SIGTERM, SIGHUP) during an atelier sitting ended it with exit 130 and
    nothing of it recorded: the steps done, the time spent, gone from the trainee's
    record and the figures. Typed "q", the same sitting was recorded."""
    import signal
    import time
    home = tmp_path / "shop"
    env = {**os.environ, "REEMPLOI_HOME": str(home), "REEMPLOI_STATION": "A",
           "LANG": "fr_FR.UTF-8"}
    proc = subprocess.Popen([sys.executable, "-m", "reemploi", "atelier", "--replay", DESKTOP,
                             "--out", tmp_path / "carnets"], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        proc.stdin.write("Léa\nPaul\n\n\n")      # names, then step 1 and 2 read
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        seen = ""
        while "ÉTAPE 3" not in seen:
            assert time.monotonic() < deadline and proc.poll() is None, seen
            seen += proc.stdout.read1(4096) if hasattr(proc.stdout, "read1") else \
                proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    sittings = [json.loads(l) for l in (home / "journal.jsonl").read_text().splitlines()
                if '"atelier.session"' in l]
    assert len(sittings) == 1, err
    assert sittings[0]["payload"]["steps"][:2] == ["safety", "motherboard"], sittings
