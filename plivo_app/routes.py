"""The Plivo endpoint: status callbacks and inbound messages arrive at /delivery.

Plivo retries a callback that is not answered 2xx within 8 seconds, at +60 s, +120 s and +240 s
(Plivo's Delivery Alerts FAQ), so the handler answers as soon as the report is committed.
"""

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import BadRequest

from plivo_app import signature
from plivo_app.fields import parse, refused_inbound
from shared.app import accept, refuse, signed_url
from shared.webhook import read_fields

blueprint = Blueprint("plivo", __name__)


@blueprint.route("/delivery", methods=["GET", "POST"])
def delivery():
    fields = read_fields(request)
    auth_token = current_app.config["PLIVO_AUTH_TOKEN"]
    if auth_token:
        url = signed_url()
        reason = signature.check(request.method, url, request.headers, fields, auth_token)
        if reason:
            raise refuse(reason, url)
    try:
        report = parse(fields)
    except BadRequest as problem:
        if undelivered := refused_inbound(fields, problem.description):
            accept(undelivered)
        raise
    accept(report)
    return Response("Delivery status reported", mimetype="text/plain")
