"""Accounts, sessions, CSRF and API tokens.

Passwords: werkzeug's ``generate_password_hash`` (scrypt, RFC 7914, random salt; the
hash names its method and parameters, so they can be raised later and old hashes
still verify). Sessions are server-side: the cookie holds 32 random bytes, the
database their SHA-256 (a stolen database does not yield live cookies); logout and a
disabled account end them at once. CSRF: a synchronizer token per session, in a
hidden field of every form, compared in constant time on every POST (OWASP CSRF
cheat sheet); the login form, before any session, uses a token in a signed cookie.
API tokens are random, shown once, stored hashed, and carry a role.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import psycopg
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import BadInput, NotFound
from .errors import Duplicate
from ..i18n import N_

SESSION_TTL = timedelta(hours=12)


class Role(str, enum.Enum):
    COORDINATOR = "coordinator"      # everything: enrolments, keys, incidents, accounts
    TECHNICIAN = "technician"        # reads, and decides matches
    READ_ONLY = "read-only"          # reads


RANK = {Role.READ_ONLY: 0, Role.TECHNICIAN: 1, Role.COORDINATOR: 2}


@dataclass(frozen=True)
class User:
    id: int
    login: str
    display_name: str
    role: Role
    csrf: str = ""

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(conn: psycopg.Connection, login: str, password: str, role: str,
                display_name: str = "") -> int:
    if len(password) < 10:
        raise BadInput(what="password", why=N_("at least 10 characters"))
    role = Role(role).value
    try:
        with conn.transaction():
            return conn.execute("INSERT INTO users (login, display_name, password_hash, role) "
                                "VALUES (%s, %s, %s, %s) RETURNING id",
                                (login, display_name or login,
                                 generate_password_hash(password), role)).fetchone()["id"]
    except psycopg.errors.UniqueViolation:
        raise Duplicate(what=login) from None


def set_password(conn: psycopg.Connection, login: str, password: str) -> None:
    if len(password) < 10:
        raise BadInput(what="password", why=N_("at least 10 characters"))
    with conn.transaction():
        cur = conn.execute("UPDATE users SET password_hash = %s WHERE login = %s",
                           (generate_password_hash(password), login))
        if cur.rowcount != 1:
            raise NotFound(what=login)
        conn.execute("DELETE FROM sessions WHERE user_id = (SELECT id FROM users "
                     "WHERE login = %s)", (login,))


def check_login(conn: psycopg.Connection, login: str, password: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE login = %s AND active", (login,)).fetchone()
    if row is None:
        # Same work as a real check, so timing does not tell which logins exist.
        check_password_hash(generate_password_hash("x"), password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return User(row["id"], row["login"], row["display_name"], Role(row["role"]))


def open_session(conn: psycopg.Connection, user: User) -> tuple[str, str]:
    """New session for ``user``: (cookie token, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with conn.transaction():
        conn.execute("DELETE FROM sessions WHERE expires_at < now()")
        conn.execute("INSERT INTO sessions (token_hash, user_id, csrf, expires_at) "
                     "VALUES (%s, %s, %s, %s)",
                     (_sha(token), user.id, csrf, datetime.now(timezone.utc) + SESSION_TTL))
    return token, csrf


def session_user(conn: psycopg.Connection, token: str | None) -> User | None:
    if not token:
        return None
    row = conn.execute("SELECT u.id, u.login, u.display_name, u.role, s.csrf FROM sessions s "
                       "JOIN users u ON u.id = s.user_id WHERE s.token_hash = %s "
                       "AND s.expires_at > now() AND u.active", (_sha(token),)).fetchone()
    if row is None:
        return None
    return User(row["id"], row["login"], row["display_name"], Role(row["role"]), row["csrf"])


def close_session(conn: psycopg.Connection, token: str | None) -> None:
    if token:
        with conn.transaction():
            conn.execute("DELETE FROM sessions WHERE token_hash = %s", (_sha(token),))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def create_token(conn: psycopg.Connection, name: str, role: str) -> str:
    token = "rmp_" + secrets.token_urlsafe(32)
    with conn.transaction():
        conn.execute("INSERT INTO api_tokens (token_hash, name, role) VALUES (%s, %s, %s)",
                     (_sha(token), name, Role(role).value))
    return token


def revoke_token(conn: psycopg.Connection, name: str) -> int:
    with conn.transaction():
        return conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE name = %s "
                            "AND revoked_at IS NULL", (name,)).rowcount


def token_user(conn: psycopg.Connection, header: str | None) -> User | None:
    """``Authorization: Bearer <token>`` → a pseudo-user with the token's role."""
    if not header or not header.startswith("Bearer "):
        return None
    row = conn.execute("SELECT name, role FROM api_tokens WHERE token_hash = %s "
                       "AND revoked_at IS NULL", (_sha(header[7:].strip()),)).fetchone()
    if row is None:
        return None
    return User(0, "token:" + row["name"], row["name"], Role(row["role"]))

