"""The public machine page, ``/m/<asset id>``: what a label's QR code opens.

A recipient or a buyer sees the model, its specifications, its grade, that its disks
were erased (method, date, certificate fingerprint) and which workshop refurbished it.
Nothing personal: no donor, no serial, no operator, no lot (``queries.public_view``
builds it from an allow-list). Set the stations' ``qr_payload`` to
``https://<server>/m/{id}``.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template

from . import queries

bp = Blueprint("public", __name__)


@bp.get("/m/<asset_id>")
def machine(asset_id: str):
    return render_template("public.html", m=queries.public_view(g.conn, asset_id))


@bp.get("/m/<asset_id>.json")
def machine_json(asset_id: str):
    return jsonify(queries.public_view(g.conn, asset_id))
