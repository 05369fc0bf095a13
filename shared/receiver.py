"""A receiver in any Flask app (Flask's init_app convention): what it does with a report (store
it, log one line, tell whoever listens), and every answer but 2xx it gives, as one plain
sentence the provider's debug log (or a curl) shows: 400 (werkzeug's BadRequest, raised where
the problem is found), 403 `not_signed` (the reason logged beside the URL checked), 503
`retry_later` (not stored now, or unsigned where the provider documents a retry).

Extras never sit on this path: one that needs to know a report was stored or a callback refused
connects to `report_stored` or `callback_refused`, blinker signals as Flask's own are.
"""

import logging
from time import perf_counter

from blinker import Namespace
from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from shared import database_url, env_flag, hosts, public_base_url, setting
from shared.outages import StorageUnavailable
from shared.report import Report
from shared.store import Store

log = logging.getLogger("sms")
signals = Namespace()
# Sent once a report is committed: sender the provider; report, state (the message's state
# afterwards), duplicate (a provider's retry), seconds (how long storing took).
report_stored = signals.signal("report-stored")
# Sent when a callback is answered with an error: sender the provider; reason (signature,
# bad_input, storage or unsigned).
callback_refused = signals.signal("callback-refused")

MAX_BODY_BYTES = 64 * 1024  # a callback is well under 2 KB; anything near this is not one
# Settings a receiver reads: from app.config when the host app set them, else the environment.
SETTINGS = {
    "DATABASE_URL": database_url,
    "PUBLIC_BASE_URL": public_base_url,
    "TRUST_PROXY": lambda: env_flag("TRUST_PROXY"),
    "ALLOW_UNSIGNED_CALLBACKS": lambda: env_flag("ALLOW_UNSIGNED_CALLBACKS"),
}


def receiver_blueprint(provider: str, import_name: str) -> Blueprint:
    """A receiver's blueprint: Host checked, body bounded, every refusal a plain sentence. Set
    on the blueprint, not the app, so a host app keeps its own error pages and body limit."""
    blueprint = Blueprint(provider, import_name)

    @blueprint.before_request
    def before():
        hosts.check_signed_host()
        request.max_content_length = MAX_BODY_BYTES

    @blueprint.errorhandler(HTTPException)
    @blueprint.errorhandler(StorageUnavailable)
    def refused(error):
        if isinstance(error, StorageUnavailable):
            error = retry_later()
        if error.code != 404:
            reason = {401: "signature", 403: "signature", 503: "storage"}.get(error.code)
            callback_refused.send(blueprint.name,
                                  reason=getattr(error, "reason", reason or "bad_input"))
        return plain(error)
    return blueprint


def not_signed(reason: str) -> Forbidden:
    """403: the provider did not sign this, or not for this URL, or not with this secret."""
    log.warning("refused %s %s: %s (checked against %s)", request.method, request.path, reason,
                hosts.signed_url())
    return Forbidden(f"Signature check failed: {reason}.")


def retry_later(sentence: str = "Storage is unavailable; retry later.", seconds: int = 60,
                reason: str = "storage") -> ServiceUnavailable:
    """503: the provider retries (Plivo at +60 s, +120 s, +240 s; Vonage with backoff)."""
    error = ServiceUnavailable(sentence, retry_after=seconds)
    error.reason = reason
    return error


def plain(error: HTTPException):
    """The error's own status and headers (Allow on a 405), its description as plain text."""
    response = error.get_response()
    response.set_data(f"{error.description}\n")
    response.mimetype = "text/plain"
    return response


def init_receiver(app: Flask, blueprint: Blueprint, secrets: tuple[str, ...],
                  signed_by: str) -> None:
    """Add one provider's receiver: its blueprint, and once per app the settings, the store and
    /healthz. Both receivers can share one app and one database. `secrets` name the settings
    callbacks are checked with; with none of them set the app does not start (fail closed)."""
    if "sms_store" not in app.extensions:
        for name, default in SETTINGS.items():
            if app.config.get(name) is None:
                app.config[name] = default()
        if app.config["TRUST_PROXY"]:
            # One proxy (ngrok, a load balancer) in front: trust its X-Forwarded-* headers so
            # request.url is the URL the provider called and signed.
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)
        app.extensions["sms_trusted_hosts"] = hosts.trusted_hosts(
            setting(app, "TRUSTED_HOSTS"), app.config["PUBLIC_BASE_URL"])
        app.extensions["sms_store"] = Store(app.config["DATABASE_URL"])
        app.extensions["sms_receivers"] = []
        app.add_url_rule("/healthz", "sms_healthz", healthz)
    for name in secrets:
        app.config[name] = setting(app, name)
    if not any(app.config[name] for name in secrets):
        if not app.config["ALLOW_UNSIGNED_CALLBACKS"]:
            raise SystemExit(f"{' or '.join(secrets)} is not set: it checks that callbacks come "
                             f"from {signed_by} (see .env.example). Set "
                             "ALLOW_UNSIGNED_CALLBACKS=true to run without it.")
        log.warning("%s is not set and ALLOW_UNSIGNED_CALLBACKS=true: callbacks are NOT "
                    "checked, anyone who finds the URL can write reports", secrets[0])
    app.extensions["sms_receivers"].append(blueprint.name)
    app.register_blueprint(blueprint)


def accept(report: Report) -> None:
    """Store, log, tell; returns only once the report is committed, so the caller may answer
    2xx. Plivo retries what is not answered 2xx within 8 seconds, Vonage too."""
    started = perf_counter()
    state, duplicate = current_app.extensions["sms_store"].save(report)
    seconds = perf_counter() - started
    log.info(report.describe(state, duplicate),
             extra={"report": report, "stored_state": state, "duplicate": duplicate})
    report_stored.send(report.provider, report=report, state=state, duplicate=duplicate,
                       seconds=seconds)


def accept_parsed(parse, refused, fields: dict) -> None:
    """Store what `parse` makes of a callback's fields. When it cannot (a 400) and the fields
    are a signed inbound message, `refused` keeps it first as not delivered, with the reason,
    so the inbound delivery-rate alert counts it; then the 400 goes out."""
    try:
        report = parse(fields)
    except BadRequest as problem:
        if kept := refused(fields, problem.description):
            accept(kept)
        raise
    accept(report)


def healthz():
    from shared.health import healthz  # loaded on the first probe

    return healthz()
