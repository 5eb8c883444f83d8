"""reemploi's loggers import ``logging`` only when a record can go somewhere.

Whole processes (``python -m reemploi``) on this machine, and in-process checks with
pytest's caplog: a command without --debug never imports logging, --debug still
prints its lines, and a record at WARNING or worse is still made and routed exactly
as ``logging`` routes it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from conftest import MACHINES
from reemploi.lazylog import getLogger

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, *args] + (["-c", code] if code else [])
    return subprocess.run(argv, cwd=ROOT, env={**os.environ, "LC_ALL": "C"},
                          capture_output=True, text=True, timeout=120)


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:")}


def test_a_live_probe_without_debug_never_imports_logging():
    # (A replay imports concurrent.futures, which imports logging itself.)
    done = _python("-X", "importtime", "-m", "reemploi", "probe", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    modules = _imported(done.stderr)
    assert "reemploi.lazylog" in modules and "reemploi.system.runner" in modules
    assert "logging" not in modules


def test_debug_still_prints_the_log_lines():
    done = _python("-m", "reemploi", "--debug", "probe", "--replay",
                   str(MACHINES / "aspire-es1-non-root"), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DEBUG reemploi." in done.stderr


def test_warnings_before_logging_is_imported_go_where_logging_sends_them():
    # Without any set-up, logging's last-resort handler prints a warning's message: ours too.
    bare = _python(code="import sys; from reemploi.lazylog import getLogger\n"
                        "getLogger('reemploi.t').debug('quiet'); "
                        "assert 'logging' not in sys.modules\n"
                        "getLogger('reemploi.t').warning('heard %s', 1)")
    assert bare.returncode == 0 and bare.stderr == "heard 1\n"
    # The command's set-up (no --debug): nothing printed; logging not even imported for
    # it, and applied as soon as something else imports logging.
    quiet = _python(code="import sys; from reemploi.lazylog import getLogger, setup\n"
                         "setup(False); assert 'logging' not in sys.modules\n"
                         "getLogger('reemploi.t').warning('hidden')\n"
                         "getLogger('reemploi.t').error('hidden too')\n"
                         "assert 'logging' not in sys.modules\n"
                         "import logging; getLogger('reemploi.t').warning('made')\n"
                         "assert logging.getLogger().level == logging.WARNING")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""


def test_records_reach_caplog(caplog):
    log = getLogger("reemploi.lazytest")
    with caplog.at_level(logging.DEBUG, logger="reemploi.lazytest"):
        log.debug("step %d", 1)
        log.warning("careful")
        try:
            raise OSError("gone")
        except OSError:
            log.exception("failed")
        assert log.isEnabledFor(logging.DEBUG)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "step 1"), ("WARNING", "careful"), ("ERROR", "failed")]
    assert caplog.records[-1].exc_info is not None
