"""What both Flask apps have in common: settings, storage, error answers, the log pages."""

import logging

from flask import Blueprint, Flask, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, Unauthorized
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import answers, config, hosts, logs, metrics
from shared.message_log import blueprint as message_log
from shared.report import Report
from shared.store import Store

log = logging.getLogger(__name__)


# Settings a receiver reads: from app.config when the host app set them, else the environment.
SETTINGS = {
    "DATABASE_URL": config.database_url,
    "PUBLIC_BASE_URL": config.public_base_url,
    "TRUST_PROXY": lambda: config.env_flag("TRUST_PROXY"),
    "LOG_PAGE_PASSWORD": lambda: config.env("LOG_PAGE_PASSWORD"),
    "ALLOW_UNSIGNED_CALLBACKS": lambda: config.env_flag("ALLOW_UNSIGNED_CALLBACKS"),
}


def standalone_app(import_name: str, test_config: dict | None = None) -> Flask:
    """The Flask app `flask --app plivo_app run` serves: logging set up, settings given."""
    logs.configure(config.env("LOG_FORMAT", "text"), config.env("LOG_LEVEL", "INFO"))
    app = Flask(import_name)
    app.config.update(test_config or {})
    # A wrong path or method (404, 405) answers one plain sentence too, not werkzeug's HTML
    # page. On this app only: a host app that embeds a receiver keeps its own error pages.
    app.register_error_handler(HTTPException, answers.plain_answer)
    return app


def init_receiver(app: Flask, provider: str, blueprint: Blueprint) -> None:
    """Add one provider's receiver to any Flask app (Flask's extension convention): its
    callback blueprint, and once per app the store, the log pages and the plain error answers.
    Both receivers can share one app and one database."""
    receivers = app.extensions.setdefault("sms_receivers", [])
    if not receivers:
        for name, default in SETTINGS.items():
            if app.config.get(name) is None:
                app.config[name] = default()
        if app.config["TRUST_PROXY"]:
            # One proxy (ngrok, a load balancer) in front: trust its X-Forwarded-* headers so
            # request.url is the URL the provider called and signed.
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
        app.extensions["sms_trusted_hosts"] = hosts.trusted_hosts(
            setting(app, "TRUSTED_HOSTS"), app.config["PUBLIC_BASE_URL"])
        app.extensions["store"] = Store(app.config["DATABASE_URL"])
        app.register_blueprint(message_log)
    receivers.append(provider)
    app.register_blueprint(blueprint)


def setting(app: Flask, name: str, default: str | None = None) -> str | None:
    """A setting from app.config when the host app set it, else from the environment."""
    return app.config.get(name) or config.env(name, default)


def flag(app: Flask, name: str) -> bool:
    """A true/false setting: app.config (a bool or a word) first, else the environment."""
    value = app.config.get(name)
    if value is None or value == "":
        return config.env_flag(name)
    return value is True or str(value).strip().lower() in config.TRUE_WORDS


def signing_secret(app: Flask, name: str, where: str) -> str | None:
    """The secret callbacks are checked with; an app without one refuses to start (fail closed)."""
    secret = setting(app, name)
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

    Behind ngrok or a TLS-terminating proxy the request arrives at http://localhost:5000/...;
    with PUBLIC_BASE_URL set the public address is put in front of the path and query instead.
    Without it the Host is one of TRUSTED_HOSTS (shared.hosts checked it before the route ran),
    so a client cannot choose the URL its signature is checked against. The query is read as
    UTF-8, as the provider encoded it (shared.webhook refused it otherwise).
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        base = f"{request.scheme}://{request.host}{request.script_root}"
    query = request.query_string.decode("utf-8", "replace")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def refuse(reason: str, url: str, challenge: str | None = None) -> HTTPException:
    """A callback that failed its signature check: 403 (401 with a `challenge` scheme such as
    "bearer", when the credentials are missing), nothing stored, the reason logged."""
    log.warning("refused %s %s: %s (checked against %s)", request.method, request.path,
                reason, url)
    metrics.refused(answers.provider(), "signature")
    sentence = f"Signature check failed: {reason}."
    if challenge:
        return Unauthorized(description=sentence, www_authenticate=WWWAuthenticate(challenge))
    return Forbidden(description=sentence)


def accept(report: Report) -> None:
    """Store, then log; returns only once the report is committed, so the caller may answer 2xx."""
    with metrics.storing(report.provider):
        state, duplicate = current_app.extensions["store"].save(report)
    metrics.received(report)
    logs.log_report(report, state, duplicate)


def accept_parsed(parse, refused, fields: dict) -> None:
    """Store what `parse` makes of a callback's fields. When it cannot (a BadRequest) and the
    fields are a signed inbound message, `refused` keeps it first as not delivered, with the
    reason, so the inbound delivery-rate alert counts it; then the 400 goes out."""
    try:
        report = parse(fields)
    except BadRequest as problem:
        if kept := refused(fields, problem.description):
            accept(kept)
        raise
    accept(report)
