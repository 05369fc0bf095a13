"""The Messages API endpoints: message status at /webhooks/message-status, inbound SMS at
/webhooks/inbound (the Status URL and Inbound URL of your Vonage application).

Both are JSON, signed with a JWT (nexmo_app.jwt_check). Vonage retries a webhook that is not
answered 2xx, so each handler answers as soon as the report is committed.
"""


from flask import Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed, UnsupportedMediaType

from nexmo_app import jwt_check
from nexmo_app.messages_fields import parse_inbound, parse_status, refused_inbound
from nexmo_app.routes import PATH as RECEIPT_PATH
from nexmo_app.wrong_api import (
    MESSAGES_API_INBOUND_PATH,
    MESSAGES_API_STATUS_PATH,
    is_sms_api,
    sms_api_at_messages_api_path,
)
from shared.answers import receiver_blueprint
from shared.app import accept, accept_parsed, refuse, signed_url
from shared.webhook import json_object, read_fields

blueprint = receiver_blueprint("vonage_messages", __name__, provider="vonage")


def verified_webhook() -> dict:
    """The webhook's JSON document once its token checks out; a 4xx that names why not."""
    if request.mimetype != "application/json":
        fields = read_fields(request)
        if is_sms_api(fields):  # the SMS API's GET or POST (form) setting
            raise sms_api_at_messages_api_path(fields, RECEIPT_PATH)
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype!r} is not JSON, which the Messages API posts.")
    body = request.get_data(cache=True)
    fields = json_object(body)
    if is_sms_api(fields):  # the SMS API's POST-JSON setting
        raise sms_api_at_messages_api_path(fields, RECEIPT_PATH)
    verifier = current_app.extensions["vonage_verifier"]
    if verifier:
        try:
            jwt_check.check(request.headers.get("Authorization"), body, verifier.secret)
        except jwt_check.Refused as refused:
            raise refuse(refused.reason, signed_url(),
                         challenge="bearer" if refused.status == 401 else None) from None
    return fields


# GET too, only to tell an SMS API account set to GET where its receipts belong.
@blueprint.route(MESSAGES_API_STATUS_PATH, methods=["GET", "POST"])
def message_status():
    accept(parse_status(verified_webhook()))
    return Response("Messages API status stored\n", mimetype="text/plain")


@blueprint.route(MESSAGES_API_INBOUND_PATH, methods=["GET", "POST"])
def inbound_message():
    accept_parsed(parse_inbound, refused_inbound, verified_webhook())
    return Response("Messages API inbound message stored\n", mimetype="text/plain")
