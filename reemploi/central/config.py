"""Server configuration: a TOML file, overridden by environment variables.

    [server]
    database_url = "postgresql:///reemploi"     # libpq URL or "host=/run/postgresql dbname=..."
    listen = "127.0.0.1:8080"
    network = "Réseau des ateliers"             # the workshop network's name (web view, receipts)
    key_file = "/var/lib/reemploi-server/server_ed25519"
    workers = 2
    public_url = "https://inventaire.example.org"   # what labels' QR codes point at
    secure_cookies = true                          # behind HTTPS (a reverse proxy)

Environment (what systemd's ``Environment=`` or a container sets): REEMPLOI_DATABASE_URL,
REEMPLOI_LISTEN, REEMPLOI_NETWORK, REEMPLOI_SERVER_KEY, REEMPLOI_WORKERS,
REEMPLOI_PUBLIC_URL, REEMPLOI_SECURE_COOKIES. ``REEMPLOI_SERVER_CONFIG`` names the TOML
file when no ``--config`` is given.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..errors import BadInput
from ..syserr import reason

ENV = {"database_url": "REEMPLOI_DATABASE_URL", "listen": "REEMPLOI_LISTEN",
       "network": "REEMPLOI_NETWORK", "key_file": "REEMPLOI_SERVER_KEY",
       "workers": "REEMPLOI_WORKERS", "threads": "REEMPLOI_THREADS", "public_url": "REEMPLOI_PUBLIC_URL",
       "secure_cookies": "REEMPLOI_SECURE_COOKIES"}


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = "postgresql:///reemploi"
    listen: str = "127.0.0.1:8080"
    network: str = "Réseau reemploi"
    key_file: str = "/var/lib/reemploi-server/server_ed25519"
    workers: int = 2
    threads: int = 4
    public_url: str = ""
    secure_cookies: bool = False

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "127.0.0.1", int(port)


def _typed(name: str, value: object, source: str) -> object:
    kind = {f.name: f.type for f in fields(ServerConfig)}[name]
    try:
        if kind == "int":
            return int(value)  # type: ignore[arg-type]
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(text)
            return text in ("1", "true", "yes")
    except (TypeError, ValueError):
        raise BadInput(what=source, why=f"{name}: {value!r}") from None
    return str(value)


def load_config(path: Path | None = None, environ: dict | None = None) -> ServerConfig:
    """The file (if any), then the environment on top."""
    env = os.environ if environ is None else environ
    path = path or (Path(env["REEMPLOI_SERVER_CONFIG"]) if env.get("REEMPLOI_SERVER_CONFIG")
                    else None)
    values: dict = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(what=str(path), why=reason(exc)) from None
        section = data.get("server", {})
        unknown = set(section) - set(ENV)
        if unknown or not isinstance(section, dict):
            raise BadInput(what=str(path), why="unknown keys in [server]: "
                           + ", ".join(sorted(map(str, unknown))))
        values = {k: _typed(k, v, str(path)) for k, v in section.items()}
    for name, var in ENV.items():
        if env.get(var):
            values[name] = _typed(name, env[var], var)
    config = replace(ServerConfig(), **values)
    try:
        config.host_port
    except ValueError:
        raise BadInput(what="listen", why=config.listen) from None
    return config
