"""reemploi installed as a user installs it, for the whole-command benchmarks (issue 16).

A station runs ``scripts/install.sh`` without ``--dev``: ``pip install .`` into a venv,
a normal (not editable) install whose bytecode pip compiled at install time. The
development venv is an editable install instead (``pip install -e``): its
``__editable___reemploi_*_finder`` is imported by ``site`` at every start, with
``pathlib``, ``urllib.parse`` and ``importlib.util`` behind it, ~15–20 ms of every
command here (``python -X importtime -c pass``) that no user pays. So a figure "as a
user sees it" runs this checkout installed the user's way.

The venv is kept outside the repository (``$XDG_CACHE_HOME/reemploi-bench``, else
``~/.cache/reemploi-bench``) and rebuilt only when the checkout's package sources
changed (a SHA-256 over ``pyproject.toml`` and ``reemploi/``, kept in the venv): the
first build fetches the dependencies through pip (~30 s), later ones reinstall
reemploi alone (``--no-deps``, a few seconds).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

STAMP = "reemploi-source.sha256"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reemploi-bench"


def source_digest(root: Path) -> str:
    """SHA-256 over what ``pip install .`` installs: pyproject and the package files."""
    h = hashlib.sha256()
    files = [root / "pyproject.toml"] + sorted(
        p for p in (root / "reemploi").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".marshal"))
    for path in files:
        h.update(str(path.relative_to(root)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def user_install(root: Path, venv: Path | None = None) -> Path:
    """The venv's directory, holding ``root`` installed as ``scripts/install.sh`` does
    for a station (``pip install .``); built or refreshed when needed."""
    venv = venv or cache_dir() / "venv"
    python = venv / "bin" / "python"
    digest = source_digest(root)
    stamp = venv / STAMP
    if stamp.exists() and stamp.read_text().strip() == digest and python.exists():
        return venv
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        extra: list[str] = []                 # first time: dependencies too
    else:
        extra = ["--no-deps", "--force-reinstall"]
    print(f"installing this checkout into {venv} (pip install .) ...", file=sys.stderr)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # pip compiles the bytecode, as on a station
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *extra, str(root)], check=True, env=env, stdout=subprocess.DEVNULL)
    stamp.write_text(digest + "\n")
    return venv


def user_env(env: dict) -> dict:
    """``env`` for the installed command: bytecode from the installation itself (pip
    wrote it), so no private ``PYTHONPYCACHEPREFIX`` and no checkout on the path."""
    env = dict(env)
    for name in ("PYTHONPYCACHEPREFIX", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env
