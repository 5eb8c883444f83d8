"""The sync endpoints stations call (``reemploi.sync.client``), under /v1/sync/.

    POST /v1/sync/enrol      JSON {prefix, code, workshop, public_key, genesis, restore,
                             signature} → {state, code?, station, fingerprint, server_key}
    GET  /v1/sync/status     ?station=&fingerprint= → {state, head_seq, head_hash}
    POST /v1/sync/push       raw journal lines (gzip allowed), head in headers → receipt
    GET  /v1/sync/lines      ?from=&limit=, signed pull headers → raw lines (restore)
"""

from __future__ import annotations

import base64
import gzip
import io
import time

from flask import Blueprint, Response, current_app, g, jsonify, request

from ..sync import protocol as P
from . import ingest, stations
from .errors import BadRequest, BadSignature, StationNotActive, StationUnknown
from .keys import signature_ok
from ..i18n import N_

bp = Blueprint("sync", __name__, url_prefix="/v1/sync")


def _key():
    return current_app.extensions["reemploi_key"]


def _network() -> str:
    return current_app.config["REEMPLOI"].network


@bp.post("/enrol")
def enrol():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(why=N_("JSON body"))
    try:
        public_key = base64.b64decode(str(data["public_key"]), validate=True)
        out = stations.request(g.conn, prefix=str(data["prefix"]).upper(),
                               code=str(data["code"]).upper(),
                               workshop=str(data.get("workshop") or ""), public_key=public_key,
                               genesis=str(data.get("genesis") or ""),
                               restore=bool(data.get("restore")),
                               signature=str(data["signature"]))
    except (KeyError, ValueError):
        raise BadRequest(why=N_("enrolment fields")) from None
    return jsonify({**out, "network": _network(), "server_key": _key().fingerprint,
                    "server_public_key": _key().public_b64})


@bp.get("/status")
def status():
    station = request.args.get("station", "")
    state = stations.status(g.conn, station, request.args.get("fingerprint", ""))
    row = g.conn.execute("SELECT head_seq, head_hash, folded_seq FROM stations "
                         "WHERE station_id = %s",
                         (station,)).fetchone()
    return jsonify({"state": state, "head_seq": row["head_seq"] if row else 0,
                    "head_hash": row["head_hash"] if row else "",
                    "folded_seq": row["folded_seq"] if row else 0,
                    "network": _network(), "server_key": _key().fingerprint,
                    "receipt": ingest.last_receipt(g.conn, station) if row else None})


def _body() -> bytes:
    data = request.get_data(cache=False)
    if request.headers.get("Content-Encoding") == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
                data = fh.read(P.MAX_BODY + 1)
        except (OSError, EOFError):
            raise BadRequest(why=N_("gzip body")) from None
    if len(data) > P.MAX_BODY:
        raise BadRequest(why=N_("body too large"))
    return data


@bp.post("/push")
def push():
    h = request.headers
    try:
        station, seq, hash_ = h[P.H_STATION], int(h[P.H_SEQ]), h[P.H_HASH]
        signature = h[P.H_SIGNATURE]
    except (KeyError, ValueError):
        raise BadRequest(why=N_("sync headers")) from None
    result = ingest.push(g.conn, _key(), _network(), station, seq, hash_, signature, _body())
    if result.stored:
        current_app.extensions["reemploi_folder"].submit(station)
    return jsonify({"stored": result.stored, "receipt": result.receipt})


@bp.get("/lines")
def lines():
    """Raw lines of the calling station, for ``sync pull --restore``: the request is
    signed by the station's active key and fresh (a captured request expires)."""
    h = request.headers
    try:
        station, stamp, signature = h[P.H_STATION], int(h[P.H_TIME]), h[P.H_SIGNATURE]
        start = int(request.args.get("from", "1"))
        limit = min(int(request.args.get("limit", "20000")), P.MAX_PUSH_LINES)
    except (KeyError, ValueError):
        raise BadRequest(why=N_("sync headers")) from None
    row = g.conn.execute("SELECT status, public_key FROM stations WHERE station_id = %s",
                         (station,)).fetchone()
    if row is None:
        raise StationUnknown(station=station)
    if row["status"] != "active":
        raise StationNotActive(station=station, state=row["status"])
    if abs(time.time() - stamp) > P.PULL_WINDOW_S or not signature_ok(
            row["public_key"], P.pull_message(station, stamp), signature):
        ingest.record_incident(g.conn, station, "bad-signature", None, {"what": "pull"})
        raise BadSignature(station=station)
    body = b"".join(ingest.lines_from(g.conn, station, max(start, 1), limit))
    return Response(body, mimetype="application/x-ndjson")
