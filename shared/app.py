"""What both Flask apps have in common: settings, storage, error answers, the log pages."""

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import config, logs
from shared.message_log import blueprint as message_log
from shared.report import Report
from shared.store import StorageUnavailable, Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a callback is well under 2 KB; anything near this is not one


def create_base_app(import_name: str, provider: str, test_config: dict | None = None) -> Flask:
    logs.configure(config.env("LOG_FORMAT", "text"), config.env("LOG_LEVEL", "INFO"))
    app = Flask(import_name)
    app.config.update(
        PROVIDER=provider,
        DATABASE_URL=config.database_url(),
        PUBLIC_BASE_URL=config.public_base_url(),
        TRUST_PROXY=config.env_flag("TRUST_PROXY"),
        LOG_PAGE_PASSWORD=config.env("LOG_PAGE_PASSWORD"),
        ALLOW_UNSIGNED_CALLBACKS=config.env_flag("ALLOW_UNSIGNED_CALLBACKS"),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
    )
    app.config.update(test_config or {})
    if app.config["TRUST_PROXY"]:
        # One proxy (ngrok, a load balancer) in front: trust its X-Forwarded-* headers so
        # request.url is the URL the provider called and signed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
    app.extensions["store"] = Store(app.config["DATABASE_URL"])
    app.register_blueprint(message_log)
    app.register_error_handler(HTTPException, _plain_error)
    app.register_error_handler(StorageUnavailable, _storage_unavailable)
    return app


def _plain_error(error: HTTPException):
    """Every refusal is one plain sentence a person can read in the provider's debug log."""
    response = error.get_response()
    response.set_data(f"{error.description}\n")
    response.mimetype = "text/plain"
    return response


def _storage_unavailable(_error):
    # 503 tells the provider to retry later (Plivo: +60 s, +120 s, +240 s).
    return Response("Storage is unavailable; retry later.\n", status=503, mimetype="text/plain",
                    headers={"Retry-After": "60"})


def signing_secret(app: Flask, name: str, where: str) -> str | None:
    """The secret callbacks are checked with; an app without one refuses to start (fail closed)."""
    secret = app.config.get(name) or config.env(name)
    if secret:
        return secret
    if app.config["ALLOW_UNSIGNED_CALLBACKS"]:
        log.warning("%s is not set and ALLOW_UNSIGNED_CALLBACKS=true: callbacks are NOT "
                    "checked, anyone who finds the URL can write reports", name)
        return None
    raise SystemExit(f"{name} is not set: it checks that callbacks come from {where} "
                     "(see .env.example). Set ALLOW_UNSIGNED_CALLBACKS=true to run without it.")


def signed_url() -> str:
    """The URL the provider called, which is what it signed.

    Behind ngrok or a TLS-terminating proxy request.url says http://localhost:5000/...; with
    PUBLIC_BASE_URL set the public address is put in front of the path and query instead.
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def refuse(reason: str, url: str) -> Forbidden:
    """A callback that failed its signature check: 403, nothing stored, the reason logged."""
    log.warning("refused %s %s: %s (checked against %s)", request.method, request.path,
                reason, url)
    return Forbidden(description=f"Signature check failed: {reason}.")


def accept(report: Report) -> None:
    """Store, then log; returns only once the report is committed, so the caller may answer 2xx."""
    state, duplicate = current_app.extensions["store"].save(report)
    logs.log_report(report, state, duplicate)
