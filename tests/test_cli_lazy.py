"""The CLI imports a command's module only to run (or describe) that command:
``reemploi --help`` lists every command from its summary, in the reader's language,
and reads the same before and after the modules are loaded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reemploi import i18n
from reemploi.cli.main import COMMANDS

ROOT = Path(__file__).resolve().parent.parent

# In a fresh interpreter (this one has loaded everything): the root help, the command
# modules it imported, then the same help once every command is loaded.
SCRIPT = """
import io, json, sys
from contextlib import redirect_stdout
from reemploi.cli.main import cli
def render():
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            cli.main(args=["--lang", sys.argv[1], "--help"], prog_name="reemploi")
        except SystemExit:
            pass
    return out.getvalue()
lazy = render()
loaded = sorted(m for m in sys.modules if m.startswith("reemploi.cli.") and m.endswith("_cmd"))
heavy = sorted(m for m in ("reportlab", "cryptography", "openpyxl", "qrcode", "PIL", "tinydb",
                           "psycopg", "flask", "zstandard") if m in sys.modules)
cli.commands                      # loads every command module
print(json.dumps({"lazy": lazy, "loaded": loaded, "heavy": heavy, "full": render()}))
"""


@pytest.fixture(scope="module", params=["fr", "en"])
def helps(request):
    out = subprocess.run([sys.executable, "-c", SCRIPT, request.param], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return request.param, json.loads(out.stdout)


def test_root_help_imports_no_command_module(helps):
    _, h = helps
    assert h["loaded"] == [] and h["heavy"] == []


def test_root_help_lists_every_command_in_the_readers_language(helps):
    lang, h = helps
    for _module, name, summary in COMMANDS:
        line = next(ln for ln in h["lazy"].splitlines() if ln.split()[:1] == [name])
        assert " ".join(line.split()[1:]) == " ".join(i18n._(summary, lang).split())
    if lang == "fr":
        assert "Commandes\u00a0:" in h["lazy"] and "Describe this machine" not in h["lazy"]


def test_root_help_reads_the_same_once_the_commands_are_loaded(helps):
    _, h = helps
    assert h["lazy"] == h["full"]


def test_each_summary_is_the_loaded_commands_short_help():
    from reemploi.cli.main import cli
    for _module, name, summary in COMMANDS:
        assert cli.commands[name].short_help == summary


# What each everyday command may import among the heavy libraries (issue 16: a PDF
# library or a cipher loaded by a command that never uses it is start-up time for
# nothing). A regression here names the command and the library.
HEAVY = ("reportlab", "cryptography", "openpyxl", "odf", "qrcode", "PIL", "tinydb", "psycopg",
         "flask", "zstandard", "psutil", "reportlab.platypus")
RUN = """
import json, sys
from reemploi.cli.main import main
main(sys.argv[1:])
print(json.dumps(sorted(m for m in %r if m in sys.modules)), file=sys.stderr)
""" % (HEAVY,)
MACHINE = ROOT / "tests" / "fixtures" / "machines" / "latitude-e5410-failing-disk"


def _heavy_imports(tmp_path, *argv: str) -> list[str]:
    env = {**os.environ, "REEMPLOI_HOME": str(tmp_path / "home"),
           "REEMPLOI_STATION": "T", "LANG": "en_US.UTF-8"}
    out = subprocess.run([sys.executable, "-c", RUN, *argv], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    return json.loads(out.stderr.strip().splitlines()[-1])


def test_everyday_commands_import_no_library_they_do_not_use(tmp_path):
    assert _heavy_imports(tmp_path, "probe", "--json", "--replay", str(MACHINE)) == []
    assert _heavy_imports(tmp_path, "parse", "--help") == []
    assert _heavy_imports(tmp_path, "stats") == []           # the summary: no PDF, no XLSX
    made = subprocess.run([sys.executable, "-m", "reemploi", "intake", "--donor", "Mairie",
                           "--device", "laptop:1", "--create-ids"], cwd=ROOT, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "REEMPLOI_HOME": str(tmp_path / "home"),
                               "REEMPLOI_STATION": "T"})
    asset = made.stdout.split()[-1]
    assert _heavy_imports(tmp_path, "inventory", "show", asset) == ["tinydb"]   # the store
    # A label draws on a canvas: no platypus, the sheet's (with xml.sax's urllib, http
    # and email), ~0.1 s of a label command's start-up (issue 16).
    out = tmp_path / "labels.pdf"
    assert _heavy_imports(tmp_path, "label", "--payload", "REE-T-26-00001", "--out",
                          str(out)) == ["PIL", "qrcode", "reportlab"]
    assert _heavy_imports(tmp_path, "label", asset, "--out", str(out)) == \
        ["PIL", "qrcode", "reportlab", "tinydb"]
