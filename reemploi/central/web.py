"""The staff web view: server-rendered HTML, French first, usable without JavaScript.

Reading pages need any role; deciding a match needs technician; enrolments, keys,
incidents and accounts are in ``web_admin`` (coordinator).
"""

from __future__ import annotations

import datetime as dt

from flask import (Blueprint, Response, abort, g, make_response, redirect, render_template,
                   request, url_for)

from .. import i18n
from . import auth, figures, matching, queries, stations
from .auth import Role
from .exports import render_export
from .webauth import (LOGIN_CSRF_COOKIE, SESSION_COOKIE, cookie_kwargs, load_user,
                      new_login_csrf, require)

bp = Blueprint("web", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no /\\host that browsers read as one, no
    scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("web.inventory")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), request.form.get("csrf")):
            abort(400, "CSRF")
        user = auth.check_login(g.conn, request.form.get("login", ""),
                                request.form.get("password", ""))
        if user is not None:
            token, _ = auth.open_session(g.conn, user)
            resp = redirect(_safe_next(request.form.get("next")))
            resp.set_cookie(SESSION_COOKIE, token, **cookie_kwargs())
            resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
            return resp
        error = i18n.tr("Wrong login or password", g.lang)
    csrf = new_login_csrf()
    resp = make_response(render_template("login.html", csrf=csrf, error=error,
                                         next=request.values.get("next", "")),
                         401 if error else 200)
    resp.set_cookie(LOGIN_CSRF_COOKIE, csrf, **cookie_kwargs())
    return resp


@bp.post("/logout")
@require()
def logout():
    auth.close_session(g.conn, request.cookies.get(SESSION_COOKIE))
    resp = redirect(url_for("web.login"))
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@bp.get("/")
def home():
    load_user()
    return redirect(url_for("web.inventory" if g.user else "web.login"))


@bp.get("/inventory")
@require()
def inventory():
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    station = request.args.get("station", "")
    page = max(0, request.args.get("page", 0, type=int))
    rows = queries.search(g.conn, q, status, station, page)
    return render_template("inventory.html", rows=rows, q=q, status=status, station=station,
                           page=page, more=len(rows) == queries.PAGE,
                           stations=stations.ids(g.conn))


@bp.get("/machines/<asset_id>")
@require()
def machine(asset_id: str):
    view = queries.machine(g.conn, asset_id)
    return render_template("machine.html", view=view, doc=view.main)


@bp.get("/machines/<asset_id>/evidence.jsonl")
@require()
def evidence(asset_id: str):
    body = queries.evidence_lines(g.conn, asset_id)
    return Response(body, mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{asset_id}-journal.jsonl"'})


@bp.get("/lots")
@require()
def lots():
    return render_template("lots.html", lots=queries.lots(g.conn),
                           donors=queries.donors(g.conn))


@bp.get("/stations")
@require()
def station_list():
    return render_template("stations.html", stations=stations.overview(g.conn),
                           enrolments=stations.pending_enrolments(g.conn),
                           incidents=stations.incidents(g.conn))


@bp.get("/matches")
@require()
def matches():
    return render_template("matches.html", matches=matching.pending(g.conn))


@bp.post("/matches/<int:match_id>/<decision>")
@require(Role.TECHNICIAN)
def decide(match_id: int, decision: str):
    if decision == "confirm":
        matching.confirm(g.conn, match_id, g.user.login)
    elif decision == "reject":
        matching.reject(g.conn, match_id, g.user.login)
    else:
        abort(404)
    return redirect(url_for("web.matches"), code=303)


def _year() -> int:
    year = request.args.get("year", type=int) or dt.date.today().year
    return min(max(year, 2000), 2100)


@bp.get("/figures")
@require()
def figures_page():
    year = _year()
    station = request.args.get("station", "")
    figs = figures.year_figures(g.conn, year, station)
    return render_template("figures.html", f=figs, year=year, station=station,
                           stations=stations.ids(g.conn))


@bp.get("/figures.<fmt>")
@require()
def figures_export(fmt: str):
    if fmt not in ("csv", "xlsx", "pdf"):
        abort(404)
    figs = figures.year_figures(g.conn, _year(), request.args.get("station", ""))
    data, mimetype = render_export(figs, fmt, g.lang)
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="chiffres-{figs.year}.{fmt}"'})
