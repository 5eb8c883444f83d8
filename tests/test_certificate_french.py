"""A certificate read in French reads as French (qa17's walk): the person who wiped
signs under a date written as French forms write it ("06/12/2026", as every other date
of the certificate), not "2026-12-06"; ``certificate show`` puts the French space
before its colon ("… (sans numéro de série) : réussi"). A real wipe of a real loop
device, a real certificate, pdftotext.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

from conftest import needs_root


@needs_root
def test_a_certificate_in_french_dates_and_spaces_as_french_does(cli, loopdev, tmp_path):
    home = tmp_path / "shop"
    made = cli(["intake", "--donor", "Mairie", "--device", "laptop:1", "--create-ids", "--json",
                "--home", home])
    [asset] = json.loads(made.output)["ids"]
    disk = loopdev(32 << 20)
    wiped = cli(["wipe", disk.path, "--asset", asset, "--yes", "--verify", "sample", "--json",
                 "--home", home])
    assert wiped.exit_code == 0, wiped.output
    issued = cli(["certificate", "issue", "--asset", asset, "--out", tmp_path / "certs",
                  "--json", "--home", home, "--lang", "fr"])
    assert issued.exit_code == 0, issued.output
    info = json.loads(issued.output)
    text = subprocess.run(["pdftotext", "-layout", info["pdf"], "-"], capture_output=True,
                          text=True, check=True).stdout
    signer = text[text.index("Personne ayant effectué"):]
    dated = re.search(r"^\s*Date\s+(\S+)", signer, re.M)
    assert dated and dated.group(1) == date.today().strftime("%d/%m/%Y"), signer[:400]
    shown = cli(["certificate", "show", info["json"], "--home", home, "--lang", "fr"])
    assert shown.exit_code == 0, shown.output
    line = shown.output.splitlines()[1]
    assert re.match(r"\s+\(sans numéro de série\)\s:\sréussi, ", line), line
