"""The probe's click-free path (reemploi/cli/probe_plain.py, issue 16) against click's.

A plain live probe's command line skips click. These tests hold it to click's
behaviour: which command lines it takes (and that every other one still reaches
click), and, for those it takes, the same stdout, stderr and exit code, byte for
byte: in-process on every recorded machine (tests/fixtures/machines, real outputs
replayed through the runner) and a broken recording, in French and English, JSON and
text; and as whole processes on this machine, live, including a reader that goes
away (a closed pipe) and a stream that is not UTF-8.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reemploi.cli import probe_plain
from reemploi.cli.probe_plain import Form, recognise
from reemploi.probe import folder

ROOT = Path(__file__).resolve().parent.parent
MACHINES = sorted(p for p in (ROOT / "tests" / "fixtures" / "machines").iterdir()
                  if (p / "commands").is_dir())


@pytest.mark.parametrize("words, form", [
    (["probe"], Form()),
    (["probe", "--json"], Form(as_json=True)),
    (["probe", "--no-smart", "--json"], Form(as_json=True, no_smart=True)),
    (["--debug", "probe", "--json"], Form(as_json=True, debug=True)),
    (["--lang", "en", "probe"], Form(root_lang="en")),
    (["--lang=fr", "--debug", "probe", "--lang", "en"], Form(debug=True, root_lang="fr", lang="en")),
    (["probe", "--lang=en", "--json"], Form(as_json=True, lang="en")),
])
def test_the_plain_probe_command_lines_are_recognised(words, form):
    assert recognise(words, {}) == form


@pytest.mark.parametrize("words", [
    [], ["probe", "--help"], ["probe", "-h"], ["--help"], ["--version"],
    ["probe", "--replay", "m"], ["probe", "--record", "m"],
    ["probe", "--jsn"], ["probe", "--json=yes"], ["probe", "--json", "--json"],
    ["probe", "--debug"],                      # a root option after the command: click's error
    ["--debug", "--debug", "probe"], ["probe", "probe"], ["probe", "extra"],
    ["probe", "--lang"], ["probe", "--lang", "de"], ["probe", "--lang", "FR"],
    ["probe", "--lang="], ["probe", "--lang", "en", "--lang", "fr"],
    ["probe", "--", "--json"], ["doctor"], ["grade", "--json"], ["doctor", "probe"],
])
def test_every_other_command_line_is_left_to_click(words):
    assert recognise(words, {}) is None


def test_shell_completion_is_left_to_click():
    assert recognise(["probe"], {"_REEMPLOI_COMPLETE": "bash_complete"}) is None


@pytest.fixture
def signals():
    """probe_plain.main, like cli.main.main, sets and then ignores the stop signals:
    give this test process its own back."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _click_words(form: Form) -> list[str]:
    words = ["--debug"] * form.debug + (["--lang", form.root_lang] if form.root_lang else [])
    words.append("probe")
    words += ["--json"] * form.as_json + ["--no-smart"] * form.no_smart
    return words + (["--lang", form.lang] if form.lang else [])


FORMS = [Form(as_json=True), Form(), Form(lang="en"), Form(as_json=True, no_smart=True, lang="en"),
         Form(root_lang="en")]


@pytest.mark.parametrize("form", FORMS, ids=lambda f: " ".join(_click_words(f)))
@pytest.mark.parametrize("machine", MACHINES, ids=lambda p: p.name)
def test_both_paths_print_the_same_for_every_recorded_machine(machine, form, capsys, signals,
                                                               monkeypatch, tmp_path):
    from reemploi.cli.main import cli
    monkeypatch.setenv("REEMPLOI_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("REEMPLOI_LANG", raising=False)
    code = probe_plain.main(form, session=folder.replaying(machine))
    out = capsys.readouterr()
    theirs = CliRunner().invoke(cli, _click_words(form) + ["--replay", str(machine)])
    assert (out.out, out.err, code) == (theirs.stdout, theirs.stderr, theirs.exit_code)
    assert code == 0 and out.out


@pytest.mark.parametrize("lang, words", [("fr", "Aucun enregistrement"),
                                         ("en", "No recording")])
def test_a_failure_reads_and_exits_the_same(lang, words, capsys, signals, monkeypatch,
                                            tmp_path):
    """A recording that lacks lspci's output (a broken machine folder): the typed
    error, its translation and its exit code, through both paths."""
    from reemploi.cli.main import cli
    machine = tmp_path / "machine"
    shutil.copytree(ROOT / "tests" / "fixtures" / "machines" / "latitude-e5410-failing-disk", machine,
                    symlinks=True)
    (machine / "commands" / "lspci__-vmmnnk").unlink()
    monkeypatch.setenv("REEMPLOI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REEMPLOI_LANG", lang)
    form = Form(as_json=True)
    code = probe_plain.main(form, session=folder.replaying(machine))
    out = capsys.readouterr()
    theirs = CliRunner().invoke(cli, _click_words(form) + ["--replay", str(machine)])
    assert (out.out, out.err, code) == (theirs.stdout, theirs.stderr, theirs.exit_code)
    assert code == 14 and words in out.err and "Traceback" not in out.err


# ---------------------------------------------------------------- whole processes, live

def _env(tmp_path: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.pop("REEMPLOI_LANG", None)
    return dict(env, REEMPLOI_HOME=str(tmp_path / "home"), **extra)


def _installed(words: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    """The installed command (reemploi.entry, as ``python -m reemploi``)."""
    return subprocess.run([sys.executable, "-m", "reemploi", *words], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, **kw)


def _through_click(words: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    """The same command line given to click's command as before (cli.main.run)."""
    code = "import sys; from reemploi.cli.main import run; sys.argv[0] = 'reemploi'; run()"
    return subprocess.run([sys.executable, "-c", code, *words], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, **kw)


_STAMP = re.compile(rb'"probed_at": "[^"]*"')


@pytest.mark.parametrize("words", [["probe", "--json"], ["probe"], ["--lang", "en", "probe"],
                                   ["probe", "--no-smart", "--lang=en", "--json"]])
def test_the_installed_command_prints_what_click_printed(words, tmp_path):
    env = _env(tmp_path, LANG="fr_FR.UTF-8")
    ours, theirs = _installed(words, env), _through_click(words, env)
    # Only the probe's own clock differs when the two runs straddle a second.
    assert _STAMP.sub(b"", ours.stdout) == _STAMP.sub(b"", theirs.stdout)
    assert (ours.stderr, ours.returncode) == (theirs.stderr, theirs.returncode) == (b"", 0)


def test_a_stream_that_is_not_utf8_is_written_as_click_writes_it(tmp_path):
    """plain.echo hands a stream that is not UTF-8 to click.echo. (English here: a
    Latin-1 stream cannot hold the French text's narrow no-break space, and both
    paths then fail alike, with a traceback: a gap of the click command too.)"""
    env = _env(tmp_path, PYTHONIOENCODING="latin-1", REEMPLOI_LANG="en")
    ours, theirs = _installed(["probe"], env), _through_click(["probe"], env)
    assert (ours.stdout, ours.stderr, ours.returncode) == \
        (theirs.stdout, theirs.stderr, theirs.returncode)
    assert ours.returncode == 0 and b"RAM: " in ours.stdout


def test_a_reader_that_goes_away_ends_both_the_same(tmp_path):
    """``reemploi probe --json | head -c 1``: click stops quietly with status 1."""
    env = _env(tmp_path)
    results = []
    for via_click in (False, True):
        code = ("import subprocess, sys; p = subprocess.Popen(sys.argv[1:], "
                "stdout=subprocess.PIPE, stderr=subprocess.PIPE); p.stdout.close(); "
                "err = p.stderr.read(); sys.stdout.write(str(p.wait()) + '|' + err.decode())")
        argv = ([sys.executable, "-m", "reemploi", "probe", "--json"] if not via_click else
                [sys.executable, "-c", "import sys; from reemploi.cli.main import run; "
                 "sys.argv[0] = 'reemploi'; run()", "probe", "--json"])
        res = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        results.append(res.stdout)
    assert results[0] == results[1] == "1|"


@pytest.mark.parametrize("words, code, text", [
    (["probe", "--help"], 0, "--no-smart"),
    (["probe", "--jsn"], 2, "--jsn"),
    (["probe", "--lang", "de"], 2, "de"),
    (["probe", "--debug"], 2, "--debug"),
])
def test_other_command_lines_still_go_through_click(words, code, text, tmp_path):
    env = _env(tmp_path, REEMPLOI_LANG="fr")
    res = _installed(words, env, text=True)
    assert res.returncode == code and text in (res.stdout + res.stderr)
    assert "Traceback" not in res.stderr
    assert (res.stdout, res.stderr, res.returncode) == \
        tuple(getattr(_through_click(words, env, text=True), k)
              for k in ("stdout", "stderr", "returncode"))


def test_click_is_imported_only_when_click_has_the_command_line(tmp_path):
    env = _env(tmp_path)
    click = re.compile(r"\|\s+click$", re.MULTILINE)
    imports = lambda *words: subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reemploi", *words], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120).stderr
    assert not click.search(imports("probe", "--json"))
    assert not click.search(imports("--lang", "en", "probe"))
    assert click.search(imports("probe", "--json", "--replay", str(MACHINES[0])))
    assert click.search(imports("probe", "--help"))


def test_a_command_line_left_to_click_runs_with_garbage_collection(monkeypatch, capsys,
                                                                   signals):
    """The entry turns the collector off while it decides (issue 16) and back on when
    click takes the command line."""
    import gc
    from reemploi import entry
    monkeypatch.setattr(sys, "argv", ["reemploi", "probe", "--help"])
    try:
        with pytest.raises(SystemExit) as ended:
            entry.run()
        assert ended.value.code == 0 and "--no-smart" in capsys.readouterr().out
        assert gc.isenabled()
    finally:
        gc.enable()
