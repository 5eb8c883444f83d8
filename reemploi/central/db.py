"""PostgreSQL access: one connection pool per process, and the versioned migrations.

Migrations are the ``migrations/NNNN_name.sql`` files shipped as package data, applied
in order, each in its own transaction together with its row in ``schema_migrations``;
an advisory lock makes two servers starting at once apply each file once.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Iterator

import psycopg
from psycopg.rows import dict_row

from .errors import DatabaseUnavailable

MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Arbitrary constant for pg_advisory_xact_lock: "reemploi migrations".
MIGRATION_LOCK = 0x7265656D


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order."""
    out = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = MIGRATION_RE.match(entry.name)
        if m:
            out.append((int(m[1]), m[2], entry.read_text(encoding="utf-8")))
    return sorted(out)


def connect(url: str, **kw) -> psycopg.Connection:
    try:
        return psycopg.connect(url, row_factory=dict_row, **kw)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(url=_redact(url), why=str(exc).strip()) from None


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def migrate(conn: psycopg.Connection) -> list[int]:
    """Apply the migrations not applied yet; return their versions."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "version integer PRIMARY KEY, name text NOT NULL, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        done = {r["version"] for r in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in migrations():
            if version in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (version, name))
            applied.append(version)
    return applied


def pending(conn: psycopg.Connection) -> list[int]:
    try:
        done = {r["version"] for r in conn.execute("SELECT version FROM schema_migrations")}
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        done = set()
    return [v for v, _, _ in migrations() if v not in done]


class Pool:
    """A small psycopg pool (psycopg_pool), opened lazily in each gunicorn worker
    (connections must not cross a fork). Connections are in autocommit mode: a page's
    reads need no BEGIN and ROLLBACK round trips, and every write runs in an explicit
    ``conn.transaction()``."""

    def __init__(self, url: str, size: int = 4) -> None:
        self.url = url
        self.size = size
        self._pool = None

    def _open(self):
        from psycopg_pool import ConnectionPool
        self._pool = ConnectionPool(self.url, min_size=1, max_size=self.size, open=True,
                                    kwargs={"row_factory": dict_row, "autocommit": True},
                                    timeout=10)
        return self._pool

    def connection(self) -> Iterator[psycopg.Connection]:
        pool = self._pool or self._open()
        return pool.connection()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
