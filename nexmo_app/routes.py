"""The Vonage endpoint: delivery receipts arrive at /webhooks/delivery-receipt.

The dashboard offers three ways to send them (GET, POST form, POST JSON); all three work here.
Vonage retries a receipt that is not answered 2xx, so the handler answers 204 as soon as the
report is committed.
"""

from flask import Response, current_app, request

from nexmo_app.fields import parse
from nexmo_app.wrong_api import is_messages_api, messages_api_at_sms_api_path
from shared.answers import receiver_blueprint
from shared.app import accept, refuse, signed_url
from shared.webhook import json_object, read_fields

blueprint = receiver_blueprint("vonage", __name__)
PATH = "/webhooks/delivery-receipt"  # the `callback` given when sending (send_sms.py)


@blueprint.route(PATH, methods=["GET", "POST"])
def delivery_receipt():
    if (document := _messages_api_webhook()) is not None:
        raise messages_api_at_sms_api_path(inbound="message_type" in document)
    fields = read_fields(request)
    verifier = current_app.extensions["vonage_verifier"]
    if verifier:
        reason = verifier.check(fields)
        if reason:
            raise refuse(reason, signed_url())
    accept(parse(fields))
    return Response(status=204)


def _messages_api_webhook() -> dict | None:
    """The document of a Messages API webhook sent here by mistake ({} when only its Bearer
    token shows it), else None. A receipt's JSON is parsed here only if it names message_uuid."""
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    body = request.get_data(cache=True)
    if request.mimetype == "application/json" and b'"message_uuid"' in body:
        document = json_object(body)
        if is_messages_api(document):
            return document
    return {} if bearer else None
