"""Any command-line arguments (issue 11, property-based): a documented exit code and
never a traceback (exit 1). The commands here touch no hardware: intake, inventory,
label, sheet, stats, parse, certificate verify, image list/write --dry-run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from reemploi.cli.main import cli
from reemploi.errors import ExitCode

DOCUMENTED = {int(c) for c in ExitCode} - {int(ExitCode.INTERNAL)}

_HOME = Path(tempfile.mkdtemp(prefix="reemploi-args-"))

# Text a person could type or paste: letters, digits, punctuation, accents, spaces,
# controls and the odd surrogate-free astral character.
# (No NUL: a real command line cannot hold one, argv entries are C strings.)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=80)
_word = st.one_of(_text, st.sampled_from([
    "", "-", "--", "laptop:2:5,5", "desktop:1", "laptop:-1", "laptop:1e9", "x:y:z",
    "REE-A-26-00001", "LOT-A-26-0001", "https://x.org/m/REE-A-26-00001", "9" * 400,
    "2026-02-30", "1e999", "NaN", "../../etc/passwd", "/dev/null", "/proc/version",
    "a" * 5000, "é", "\x01", "--help"]))

COMMANDS = [
    ["intake", "--donor"], ["intake", "--donor", "X", "--device"],
    ["intake", "--donor", "X", "--device", "laptop:1", "--weight"],
    ["intake", "--donor", "X", "--device", "laptop:1", "--date"],
    ["inventory", "show"], ["inventory", "status", "REE-A-26-00001"],
    ["inventory", "list", "--status"], ["inventory", "history"],
    ["label"], ["label", "--lot"], ["sheet"], ["checkout", "REE-A-26-00001", "--to"],
    ["stats", "--year"], ["stats", "--month"], ["stats", "--start"],
    ["parse", "smartctl"], ["parse"], ["certificate", "verify"],
    ["image", "write", "--dry-run"], ["image", "list", "--lang"],
]


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, args, env={"REEMPLOI_HOME": str(_HOME),
                                              "REEMPLOI_STATION": "T", "LANG": "C"},
                              catch_exceptions=True)


def setup_module(module):
    res = _invoke(["intake", "--donor", "Mairie", "--device", "laptop:2", "--create-ids"])
    assert res.exit_code == 0, res.output


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.sampled_from(COMMANDS), st.lists(_word, min_size=0, max_size=3))
def test_any_arguments_give_a_documented_exit_code(command, words):
    res = _invoke([*command, *words])
    detail = f"{command + words!r}: exit {res.exit_code}\n{res.output[-2000:]}"
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        import traceback
        detail += "".join(traceback.format_exception(res.exception))
        raise AssertionError(detail)
    assert res.exit_code in DOCUMENTED, detail
    assert "Traceback" not in res.output, detail
