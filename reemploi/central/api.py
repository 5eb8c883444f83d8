"""The JSON API for scripts, versioned under /v1/ (documented in docs/central.md).

Authentication: ``Authorization: Bearer <token>`` (``reemploi server token create`` or
the accounts page). Read-only tokens read everything below; nothing here writes.

    GET /v1/assets?q=&status=&station=&page=     list / search (50 per page)
    GET /v1/assets/<asset id>                    the folded record, its linked group,
                                                 merged history
    GET /v1/lots, /v1/donors, /v1/stations
    GET /v1/matches                              pending matches
    GET /v1/figures?year=&station=               the year's figures (as /figures)
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask import Blueprint, g, jsonify, request

from ..errors import Refused
from . import auth, figures, matching, queries, stations

bp = Blueprint("api", __name__, url_prefix="/v1")


class TokenRequired(Refused):
    msg = "A valid API token is required (Authorization: Bearer ...)"


@bp.before_request
def _token():
    if request.path.startswith("/v1/sync/"):
        return None
    g.user = auth.token_user(g.conn, request.headers.get("Authorization"))
    if g.user is None:
        raise TokenRequired()
    return None


def _json(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return None
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


@bp.get("/assets")
def assets():
    rows = queries.search(g.conn, request.args.get("q", ""), request.args.get("status", ""),
                          request.args.get("station", ""),
                          max(0, request.args.get("page", 0, type=int)))
    return jsonify({"assets": _json(rows)})


@bp.get("/assets/<asset_id>")
def asset(asset_id: str):
    view = queries.machine(g.conn, asset_id)
    return jsonify(_json({"asset_id": asset_id,
                          "group": [{"station": m["station_id"], "asset_id": m["asset_id"]}
                                    for m in view.members],
                          "record": view.main, "history": view.history,
                          "certificates": view.certificates}))


@bp.get("/lots")
def lots():
    return jsonify({"lots": _json(queries.lots(g.conn))})


@bp.get("/donors")
def donors():
    return jsonify({"donors": _json(queries.donors(g.conn))})


@bp.get("/stations")
def station_list():
    return jsonify({"stations": _json(stations.overview(g.conn)),
                    "incidents": _json(stations.incidents(g.conn))})


@bp.get("/matches")
def matches():
    return jsonify({"matches": _json(matching.pending(g.conn))})


@bp.get("/figures")
def year_figures():
    year = request.args.get("year", type=int) or dt.date.today().year
    figs = figures.year_figures(g.conn, year, request.args.get("station", ""))
    return jsonify(_json(dataclasses.asdict(figs)))
