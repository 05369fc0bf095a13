"""The Messages API endpoints: message status at /webhooks/message-status, inbound SMS at
/webhooks/inbound (the Status URL and Inbound URL of your Vonage application).

Both are JSON, signed with a JWT (nexmo_app.jwt_check). Vonage retries a webhook that is not
answered 2xx, so each handler answers as soon as the report is committed. Loaded on the first
Messages API webhook (nexmo_app.init_app registers these views by name).
"""

from flask import Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed, UnsupportedMediaType

from nexmo_app import PATH, jwt_check
from nexmo_app.json_body import json_object
from nexmo_app.messages_fields import parse_inbound, parse_status, refused_inbound
from nexmo_app.wrong_api import is_sms_api, sms_api_at_messages_api_path
from shared.callback import body, read_fields
from shared.receiver import accept, accept_parsed, not_signed, retry_later

# Vonage's signed webhooks page: "In the rare case of an Internal Error, it is possible that the
# Callback Service will send an unsigned callback. By returning an HTTP 5xx response, a retry
# will be triggered." A 401 would lose the report; a 503 has it sent again, signed.
UNSIGNED = ("The webhook has no Authorization header: Vonage signs every Messages API webhook, "
            "and sends one unsigned only after an internal error; retry later, signed.")


def verified_webhook() -> dict:
    """The webhook's JSON document once Vonage is known to have sent it; else a 4xx or 503."""
    if request.mimetype != "application/json":
        fields = read_fields(request)
        if is_sms_api(fields):  # the SMS API's GET or POST (form) setting
            raise sms_api_at_messages_api_path(fields, PATH)
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype!r} is not JSON, which the Messages API posts.")
    raw = body(request)
    fields = json_object(raw)
    if is_sms_api(fields):  # the SMS API's POST-JSON setting
        raise sms_api_at_messages_api_path(fields, PATH)
    if current_app.config["VONAGE_SIGNATURE_SECRET"] and "Authorization" not in request.headers:
        raise retry_later(UNSIGNED, reason="unsigned")
    if reason := jwt_check.check(request, raw):
        raise not_signed(reason)
    return fields


def message_status():
    accept(parse_status(verified_webhook()))
    return Response("Messages API status stored\n", mimetype="text/plain")


def inbound_message():
    accept_parsed(parse_inbound, refused_inbound, verified_webhook())
    return Response("Messages API inbound message stored\n", mimetype="text/plain")
