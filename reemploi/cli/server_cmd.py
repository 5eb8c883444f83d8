"""``reemploi server``: the central server (PostgreSQL, web view, sync endpoints)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import i18n
from .common import emit, json_option
from .words import SERVER_ROLE_NAMES, WordChoice

_ = i18n._


def _config(path: Path | None):
    from ..central.config import load_config
    return load_config(path)


def _conn(path: Path | None):
    from ..central.db import connect
    return connect(_config(path).database_url)


config_option = click.option("--config", "config_path", type=click.Path(path_type=Path),
                             default=None, envvar="REEMPLOI_SERVER_CONFIG",
                             help="Server configuration (TOML). Default: REEMPLOI_SERVER_CONFIG, "
                                  "then the REEMPLOI_* environment variables.")


@click.group()
def server() -> None:
    """Central server: many stations' journals in PostgreSQL, web view, public pages."""


@server.command()
@config_option
@click.option("--listen", default=None, help="Address and port, e.g. 127.0.0.1:8080.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="gunicorn worker processes.")
def run(config_path, listen, workers) -> None:
    """Apply pending migrations, then serve (gunicorn)."""
    from dataclasses import replace
    from ..central import db, folder, serve
    config = _config(config_path)
    config = replace(config, **{k: v for k, v in (("listen", listen), ("workers", workers))
                                if v is not None})
    with db.connect(config.database_url, autocommit=True) as conn:
        db.migrate(conn)
        folder.catch_up_all(conn)     # lines stored while no server was folding
    click.echo(i18n.tr("reemploi server listening on {listen}", listen=config.listen), err=True)
    serve.run(config)


@server.command()
@config_option
@json_option
def migrate(config_path, as_json) -> None:
    """Create or upgrade the database schema (versioned SQL files)."""
    from ..central import db
    with _conn(config_path) as conn:
        applied = db.migrate(conn)
    emit({"applied": applied}, as_json, lambda r: i18n.tr(
        "Migrations applied: {list}", list=", ".join(map(str, r["applied"])) or "-"))


@server.command()
@config_option
@json_option
def fold(config_path, as_json) -> None:
    """Fold every stored line not folded yet into the inventory tables."""
    from ..central import folder
    from ..central.db import connect
    with connect(_config(config_path).database_url, autocommit=True) as conn:
        n = folder.catch_up_all(conn)
    emit({"folded": n}, as_json, lambda r: i18n.tr("{n} lines folded into the inventory",
                                                   n=r["folded"]))


@server.group()
def user() -> None:
    """Workshop staff accounts."""


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)


@user.command("add")
@config_option
@click.argument("login")
@click.option("--role", type=WordChoice(SERVER_ROLE_NAMES),
              required=True, help="What the account may do.")
@click.option("--name", default="", help="Name shown in the web view.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_add(config_path, login, role, name, password_stdin) -> None:
    """Create an account."""
    from ..central import auth
    with _conn(config_path) as conn:
        auth.create_user(conn, login, _password(password_stdin), role, name)
    click.echo(i18n.tr("Account {login} created ({role})", login=login, role=_(role)))


@user.command("passwd")
@config_option
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_passwd(config_path, login, password_stdin) -> None:
    """Change a password (ends that account's sessions)."""
    from ..central import auth
    with _conn(config_path) as conn:
        auth.set_password(conn, login, _password(password_stdin))
    click.echo(i18n.tr("Password of {login} changed", login=login))


@server.group()
def token() -> None:
    """API tokens for scripts (JSON API under /v1/)."""


@token.command("create")
@config_option
@click.argument("name")
@click.option("--role", type=WordChoice(SERVER_ROLE_NAMES),
              default="read-only", show_default=True, help="What the token may read.")
def token_create(config_path, name, role) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    from ..central import auth
    with _conn(config_path) as conn:
        click.echo(auth.create_token(conn, name, role))


@token.command("revoke")
@config_option
@click.argument("name")
def token_revoke(config_path, name) -> None:
    """Revoke every token with this name."""
    from ..central import auth
    with _conn(config_path) as conn:
        n = auth.revoke_token(conn, name)
    click.echo(i18n.tr("{n} token(s) revoked", n=n))


@server.command()
@config_option
@click.argument("code")
@click.option("--operator", default="cli", show_default=True,
              help="Who approves (recorded in the server's journal).")
@json_option
def approve(config_path, code, operator, as_json) -> None:
    """Approve a station's enrolment by its one-time code (as the web view does)."""
    from ..central import stations
    with _conn(config_path) as conn:
        out = stations.approve(conn, code, operator)
    emit(out, as_json, lambda r: i18n.tr("Station {station} approved (key {fingerprint})", **r))


@server.command()
@config_option
@click.argument("station")
@click.option("--operator", default="cli", show_default=True,
              help="Who revokes (recorded in the server's journal).")
def revoke(config_path, station, operator) -> None:
    """Revoke a station's key: its pushes are refused until it enrols again."""
    from ..central import stations
    with _conn(config_path) as conn:
        stations.revoke(conn, station, operator)
    click.echo(i18n.tr("Key of station {station} revoked", station=station))
