"""The Flask application: one factory, shared by gunicorn and the tests.

Why Flask: the web view is server-rendered HTML with forms (no JavaScript needed),
which is what Flask + Jinja2 do plainly; the work per request is a few indexed SQL
queries on a synchronous psycopg connection, so an async framework would add an
event loop and async drivers without making a page faster; and Flask, Jinja2 and
Werkzeug (its password hashing) are packaged in Debian, so a workshop's server can
be kept up to date by ``apt``. gunicorn (pre-fork, a few threads per worker) serves it.
"""

from __future__ import annotations


from flask import Flask, Response, g, jsonify, render_template, request

from .. import i18n
from ..errors import (BadInput, Conflict, IntegrityError, NotFound, ReemploiError, Refused)
from .config import ServerConfig
from .db import Pool
from .errors import BadSignature, ChainBroken, DatabaseUnavailable, Fork
from .keys import load_or_create
from ..lazylog import getLogger

log = getLogger(__name__)


def http_status(exc: ReemploiError) -> int:
    """Each typed error's HTTP status (the sync client maps them back)."""
    for kind, status in ((Fork, 409), (ChainBroken, 422), (BadSignature, 403),
                         (NotFound, 404), (Refused, 403), (IntegrityError, 409),
                         (Conflict, 409), (BadInput, 400), (DatabaseUnavailable, 503)):
        if isinstance(exc, kind):
            return status
    return 500


def pick_language() -> str:
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted in i18n.LANGUAGES:
        return wanted
    best = request.accept_languages.best_match(i18n.LANGUAGES)
    return best or i18n.DEFAULT_LANGUAGE


def create_app(config: ServerConfig) -> Flask:
    app = Flask(__name__)
    app.config["REEMPLOI"] = config
    app.config["MAX_CONTENT_LENGTH"] = 80 << 20
    app.config["SESSION_COOKIE_SECURE"] = config.secure_cookies
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.extensions["reemploi_pool"] = Pool(config.database_url, size=config.workers + 6)
    app.extensions["reemploi_key"] = load_or_create(config.key_file)
    from .folder import Background
    app.extensions["reemploi_folder"] = Background(app.extensions["reemploi_pool"])

    @app.before_request
    def _open() -> None:
        g.lang = pick_language()
        g.conn_cm = app.extensions["reemploi_pool"].connection()
        g.conn = g.conn_cm.__enter__()

    @app.teardown_request
    def _close(exc) -> None:
        cm = g.pop("conn_cm", None)
        if cm is not None:
            cm.__exit__(None, None, None)

    @app.context_processor
    def _globals() -> dict:
        return {"_": lambda m, **kw: i18n.tr(m, g.lang, **kw), "lang": g.get("lang", "fr"),
                "num": lambda v, d=0: i18n.number(v, g.lang, d),
                "status_name": lambda s: status_name(s, g.lang), "event_text": event_text,
                "network": config.network, "user": g.get("user")}

    @app.errorhandler(ReemploiError)
    def _error(exc: ReemploiError):
        status = http_status(exc)
        text = exc.render(lambda m: i18n._(m, g.get("lang", "fr")))
        if request.path.startswith("/v1/"):
            return jsonify({"error": type(exc).__name__, "message": text,
                            "exit_code": int(exc.exit_code), **_public_params(exc)}), status
        return render_template("error.html", message=text, status=status), status

    @app.errorhandler(404)
    def _not_found(exc):
        if request.path.startswith("/v1/"):
            return jsonify({"error": "NotFound", "message": "not found"}), 404
        return render_template("error.html", message=i18n.tr("Page not found", g.lang),
                               status=404), 404

    @app.get("/healthz")
    def _health() -> Response:
        g.conn.execute("SELECT 1")
        return Response("ok\n", mimetype="text/plain")

    from . import api, public, sync_api, web, web_admin
    app.register_blueprint(sync_api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(web_admin.bp)
    return app


def status_name(status: str | None, lang: str) -> str:
    """The inventory command's own words for a status (inventory.describe)."""
    from ..inventory.describe import STATUS_NAMES
    return i18n.tr(STATUS_NAMES[status], lang) if status in STATUS_NAMES else (status or "–")


def event_text(ev: dict) -> str:
    """One history line, as ``inventory history`` writes it (inventory.describe)."""
    from ..inventory.describe import event_detail, event_name
    lang = g.get("lang", "fr")
    name = event_name(ev["type"], lang)
    detail = event_detail(ev["type"], ev.get("payload"), ev.get("asset_id"), lang)
    return i18n.tr("{name}: {detail}", lang, name=name, detail=detail) if detail else name


def _public_params(exc: ReemploiError) -> dict:
    """Parameters safe to return to a client (numbers and ids, for the sync client)."""
    return {k: v for k, v in exc.params.items()
            if k in ("seq", "station", "server_hash", "station_hash", "state")}
