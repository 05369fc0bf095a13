"""Receive Plivo's SMS delivery reports and inbound messages at /delivery.

    flask --app plivo_app run --port 5000

Plivo's Delivery Reports tutorial is one route that reads From, To, Text and Status and answers.
This one checks, before it answers, that Plivo signed the callback and that its fields are
Plivo's, and commits the report: "200" means stored. Plivo retries a callback not answered 2xx
within 8 seconds, at +60 s, +120 s and +240 s (Plivo's Delivery Alerts FAQ).

In your own Flask app, `plivo_app.init_app(app)` adds this receiver alone.
"""

from flask import Flask, Response, request
from werkzeug.exceptions import BadRequest

from plivo_app import recut, signature
from plivo_app.fields import parse, refused_inbound
from shared import flag
from shared.callback import query_fields, read_fields
from shared.receiver import accept_parsed, init_receiver, not_signed, receiver_blueprint

__all__ = ["PATH", "PORT_VARIABLE", "DEFAULT_PORT", "init_app", "create_app"]
PATH = "/delivery"  # the `url` given when sending (send_sms.py)
PORT_VARIABLE, DEFAULT_PORT = "PLIVO_PORT", "5000"
blueprint = receiver_blueprint("plivo", __name__)


@blueprint.route(PATH, methods=["GET", "POST"])
def delivery():
    fields = read_fields(request)  # the query on GET, the form body on POST
    if reason := signature.check(request, fields):
        raise not_signed(reason)
    query = query_fields(request) if request.method == "POST" else fields
    if problem := recut.problem(request.method, query, fields):
        raise BadRequest(problem)
    # Kept with the report: your own query parameters (?ref=A17) beside what Plivo sent.
    accept_parsed(parse, refused_inbound, query | fields)
    return Response("Delivery status reported", mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Settings come from app.config first, then the environment (.env.example lists them)."""
    init_receiver(app, blueprint, ("PLIVO_AUTH_TOKEN",), "Plivo (X-Plivo-Signature-V3)")
    app.config["PLIVO_ACCEPT_V2"] = flag(app, "PLIVO_ACCEPT_V2")


def create_app(test_config: dict | None = None) -> Flask:
    """The standalone app: this receiver, and the SMS log (sms_log/) when it is here."""
    from shared.app import standalone_app

    return standalone_app(__name__, init_app, test_config, extras=("sms_log",))
