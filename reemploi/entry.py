"""The installed ``reemploi`` command and ``python -m reemploi``.

Before importing the CLI (click, the model, the command's modules: ~0.2 s), a live
``probe`` starts its tools so they run meanwhile (probe/early.py, issue 16). Every
command line is then parsed by click exactly as before.
"""

from __future__ import annotations

import sys


def run() -> None:
    from .probe.early import start
    start(sys.argv[1:])
    from .cli.main import run as cli_run
    cli_run()
