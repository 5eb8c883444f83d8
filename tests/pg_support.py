"""A throw-away PostgreSQL cluster for the tests and the central benchmark.

Debian's PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin), run as the ``postgres``
user when we are root (initdb refuses root), in a temporary directory, listening only
on a unix socket inside it (no TCP port to collide with another run). ~1.5 s to start.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess  # tests may drive tools directly; the package may not
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("REEMPLOI_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PgCluster:
    def __init__(self, settings: dict | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="reemploi-pg-"))
        self.data = self.dir / "data"
        self.settings = {"max_connections": "100", "fsync": "on", **(settings or {})}
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")
            os.chown(self.dir, self._user.pw_uid, self._user.pw_gid)
        os.chmod(self.dir, 0o755)

    def _run(self, argv: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._user else []
        subprocess.run(prefix + argv, check=True, capture_output=True, text=True,
                       env={**os.environ, "LC_ALL": "C"}, cwd=self.dir)

    def start(self) -> "PgCluster":
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                   "postgres", "-E", "UTF8", "--no-instructions", "--no-sync"])
        opts = " ".join(f"-c {k}={v}" for k, v in {
            "listen_addresses": "''", "unix_socket_directories": str(self.dir),
            **self.settings}.items())
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
                   "-o", opts, "-w", "start"])
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.dir}"

    def create_db(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
