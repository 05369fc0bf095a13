"""The Vonage endpoint: delivery receipts arrive at /webhooks/delivery-receipt.

The dashboard offers three ways to send them (GET, POST form, POST JSON); all three work here.
Vonage retries a receipt that is not answered 2xx, so the handler answers 204 as soon as the
report is committed.
"""

from flask import Blueprint, Response, current_app, request

from nexmo_app.fields import parse
from shared.app import accept, refuse, signed_url
from shared.webhook import read_fields

blueprint = Blueprint("vonage", __name__)


@blueprint.route("/webhooks/delivery-receipt", methods=["GET", "POST"])
def delivery_receipt():
    fields = read_fields(request)
    verifier = current_app.extensions["vonage_verifier"]
    if verifier:
        reason = verifier.check(fields)
        if reason:
            raise refuse(reason, signed_url())
    accept(parse(fields))
    return Response(status=204)
