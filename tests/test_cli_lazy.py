"""The CLI imports a command's module only to run (or describe) that command:
``reemploi --help`` lists every command from its summary, in the reader's language,
and reads the same before and after the modules are loaded."""

import json
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
