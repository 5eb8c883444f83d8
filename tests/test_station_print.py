"""The station sends its label and sheet to the station's printer: a real CUPS queue
(cups-pdf) set up by scripts/setup_cups.sh, read back and scanned."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from conftest import MACHINES
from test_printing_cups import _printed, pdf_queue  # noqa: F401  (the real queue fixture)

pytestmark = pytest.mark.root


def test_labels_and_sheet_go_to_the_profiles_printer(cli, pdf_queue, tmp_path):  # noqa: F811
    profile = tmp_path / "print.toml"
    profile.write_text(f'[station]\nsteps = ["probe", "grade", "documents"]\n'
                       f'replay = "{MACHINES / "medion-usb-dock"}"\nrequire_persistence = false\n'
                       f'[documents]\nprinter = "{pdf_queue}"\n')
    started = time.time() - 1
    result = cli(["station", "--profile", profile, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    asset = report["asset_id"]
    docs = report["steps"]["documents"]
    assert docs["printer"] == pdf_queue
    assert {k: v["status"] for k, v in report["steps"].items()} == {
        "probe": "done", "checklist": "skipped", "grade": "done", "wipe": "skipped",
        "certificate": "skipped", "image": "skipped", "documents": "done", "ready": "skipped"}
    for key in ("labels", "sheet"):
        printed = _printed(Path(docs[key]).stem, started)
        stem = tmp_path / f"back-{key}"
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1",
                        "-singlefile", str(printed), str(stem)], check=True)
        found = [c.text for c in zxingcpp.read_barcodes(Image.open(f"{stem}.png"))]
        printed.unlink()
        assert asset in found[0], (key, found)
