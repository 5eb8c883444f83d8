"""Coordinator pages: approve enrolments, revoke keys, resolve incidents, accounts and
API tokens. Every action is a POST with the session's CSRF token (``require``)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for

from . import auth, stations
from .auth import Role
from .webauth import require

bp = Blueprint("admin", __name__)


@bp.post("/stations/approve")
@require(Role.COORDINATOR)
def approve():
    stations.approve(g.conn, request.form.get("code", ""), g.user.login)
    return redirect(url_for("web.station_list"), code=303)


@bp.post("/stations/<station>/revoke")
@require(Role.COORDINATOR)
def revoke(station: str):
    stations.revoke(g.conn, station, g.user.login)
    return redirect(url_for("web.station_list"), code=303)


@bp.post("/incidents/<int:incident_id>/resolve")
@require(Role.COORDINATOR)
def resolve(incident_id: int):
    stations.resolve_incident(g.conn, incident_id, g.user.login)
    return redirect(url_for("web.station_list"), code=303)


@bp.get("/accounts")
@require(Role.COORDINATOR)
def accounts():
    users = g.conn.execute("SELECT login, display_name, role, active, created_at FROM users "
                           "ORDER BY login").fetchall()
    tokens = g.conn.execute("SELECT name, role, created_at, revoked_at FROM api_tokens "
                            "ORDER BY created_at DESC").fetchall()
    return render_template("accounts.html", users=users, tokens=tokens,
                           roles=[r.value for r in Role], new_token=None)


@bp.post("/accounts")
@require(Role.COORDINATOR)
def create_account():
    auth.create_user(g.conn, request.form.get("login", "").strip(),
                     request.form.get("password", ""), request.form.get("role", ""),
                     request.form.get("display_name", "").strip())
    return redirect(url_for("admin.accounts"), code=303)


@bp.post("/tokens")
@require(Role.COORDINATOR)
def create_token():
    token = auth.create_token(g.conn, request.form.get("name", "").strip() or "script",
                              request.form.get("role", Role.READ_ONLY.value))
    users = g.conn.execute("SELECT login, display_name, role, active, created_at FROM users "
                           "ORDER BY login").fetchall()
    tokens = g.conn.execute("SELECT name, role, created_at, revoked_at FROM api_tokens "
                            "ORDER BY created_at DESC").fetchall()
    # Shown once, on this page only: the server keeps only its hash.
    return render_template("accounts.html", users=users, tokens=tokens,
                           roles=[r.value for r in Role], new_token=token)
