"""Receive Vonage (Nexmo) SMS delivery receipts at /webhooks/delivery-receipt.

    flask --app nexmo_app run --port 5001

Nexmo's Delivery receipts guide is one route that reads the receipt and answers 204. This one
checks, before it answers, that Vonage sent it (its `sig`, or the token in the callback URL),
reads every field strictly, and commits the report: "204" means stored. The dashboard sends
receipts as GET, POST or POST-JSON; all three work. The Messages API's webhooks arrive at
/webhooks/message-status and /webhooks/inbound (nexmo_app.messages_api).

In your own Flask app, `nexmo_app.init_app(app)` adds this receiver alone.
"""

from flask import Flask, Response, request

from nexmo_app import signature
from nexmo_app.fields import parse
from nexmo_app.json_body import flat_fields
from nexmo_app.wrong_api import (
    MESSAGES_API_INBOUND_PATH,
    MESSAGES_API_STATUS_PATH,
    messages_api_at_sms_api_path,
    messages_api_webhook,
)
from shared import setting
from shared.callback import read_fields
from shared.receiver import accept, init_receiver, not_signed, receiver_blueprint

__all__ = ["PATH", "PORT_VARIABLE", "DEFAULT_PORT", "init_app", "create_app"]
PATH = "/webhooks/delivery-receipt"  # the `callback` given when sending (send_sms.py)
PORT_VARIABLE, DEFAULT_PORT = "VONAGE_PORT", "5001"
blueprint = receiver_blueprint("vonage", __name__)


@blueprint.route(PATH, methods=["GET", "POST"])
def delivery_receipt():
    if (document := messages_api_webhook(request)) is not None:
        raise messages_api_at_sms_api_path(inbound="message_type" in document)
    fields = read_fields(request, flat_fields)  # the query on GET, the form or JSON body on POST
    if reason := signature.check(request, fields):
        raise not_signed(reason)
    accept(parse(fields))
    return Response(status=204)


# The Messages API's views load with their first webhook (GET too, only to tell an SMS API
# account set to GET where its receipts belong).
@blueprint.route(MESSAGES_API_STATUS_PATH, methods=["GET", "POST"])
def message_status():
    from nexmo_app import messages_api

    return messages_api.message_status()


@blueprint.route(MESSAGES_API_INBOUND_PATH, methods=["GET", "POST"])
def inbound_message():
    from nexmo_app import messages_api

    return messages_api.inbound_message()


def init_app(app: Flask) -> None:
    """Settings come from app.config first, then the environment (.env.example lists them)."""
    init_receiver(app, blueprint, ("VONAGE_SIGNATURE_SECRET", "VONAGE_CALLBACK_TOKEN"),
                  "Vonage (signed webhooks, or the token in the callback URL)")
    method = setting(app, "VONAGE_SIGNATURE_METHOD", "md5hash")
    if method not in signature.METHODS:
        raise SystemExit(f"VONAGE_SIGNATURE_METHOD must be one of "
                         f"{', '.join(signature.METHODS)}, not {method!r}")
    window = setting(app, "VONAGE_SIGNATURE_WINDOW_SECONDS", signature.RETRY_HORIZON_SECONDS)
    app.config.update(VONAGE_SIGNATURE_METHOD=method,
                      VONAGE_SIGNATURE_WINDOW_SECONDS=int(window))


def create_app(test_config: dict | None = None) -> Flask:
    """The standalone app: this receiver, and the SMS log (sms_log/) when it is here."""
    from shared.app import standalone_app

    return standalone_app(__name__, init_app, test_config, extras=("sms_log",))
