"""The web view's gate: who is logged in, what their role allows, CSRF on every POST."""

from __future__ import annotations

import functools
import secrets

from flask import abort, current_app, g, redirect, request, url_for

from ..errors import Refused
from . import auth
from .auth import Role

SESSION_COOKIE = "reemploi_session"
LOGIN_CSRF_COOKIE = "reemploi_login_csrf"


class Forbidden(Refused):
    msg = "Your role ({role}) does not allow this"


def load_user() -> None:
    g.user = auth.session_user(g.conn, request.cookies.get(SESSION_COOKIE))


def require(role: Role = Role.READ_ONLY):
    """Page for logged-in staff with at least ``role``; POSTs must carry the CSRF token."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            load_user()
            if g.user is None:
                return redirect(url_for("web.login", next=request.full_path))
            if not g.user.can(role):
                raise Forbidden(role=g.user.role.value)
            if request.method == "POST" and not auth.csrf_ok(g.user.csrf,
                                                             request.form.get("csrf")):
                abort(400, "CSRF")
            return view(*args, **kwargs)
        return inner
    return wrap


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def cookie_kwargs() -> dict:
    return {"httponly": True, "samesite": "Lax",
            "secure": current_app.config["REEMPLOI"].secure_cookies, "path": "/"}
