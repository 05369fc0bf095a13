"""Which Vonage API sent a webhook, and the answer when it came to the other API's path.

Each API key has one dashboard setting, API Settings → SMS settings ("Messaging API type"):
SMS API or Messages API. It decides the shape of every SMS webhook the account gets
(https://developer.vonage.com/en/dashboard/control/api-settings). A webhook at the other API's
path means the setting and the configured URLs disagree; the answer says which is which, so the
sender's debug log (or a curl) tells the user what to change. Nothing is stored: the body is not
in the shape this path reads.
"""

from werkzeug.exceptions import BadRequest

from nexmo_app.json_body import json_object

SETTING = "API Settings → SMS settings"
MESSAGES_API_STATUS_PATH = "/webhooks/message-status"
MESSAGES_API_INBOUND_PATH = "/webhooks/inbound"


def is_messages_api(fields: dict) -> bool:
    """A Messages API webhook names its message `message_uuid`; the SMS API's `messageId`."""
    return "message_uuid" in fields


def is_sms_api(fields: dict) -> bool:
    return not is_messages_api(fields) and ("messageId" in fields or "msisdn" in fields)


def messages_api_at_sms_api_path(inbound: bool) -> BadRequest:
    url, path = (("Inbound URL", MESSAGES_API_INBOUND_PATH) if inbound
                 else ("Status URL", MESSAGES_API_STATUS_PATH))
    return BadRequest(
        "This is a Messages API webhook (JSON with message_uuid), but this path takes the SMS "
        f"API's delivery receipts: point the Vonage application's {url} at {path}, or set "
        f"{SETTING} to SMS API.")


def sms_api_at_messages_api_path(fields: dict, receipt_path: str) -> BadRequest:
    if "status" not in fields and "text" in fields:  # an SMS API inbound message
        return BadRequest(
            "This is an SMS API inbound message (msisdn, messageId, text), but this path takes "
            "the Messages API's, and this app receives SMS API delivery receipts only: set "
            f"{SETTING} to Messages API.")
    return BadRequest(
        "This is an SMS API webhook (messageId, msisdn), but this path takes the Messages API's: "
        f"point the Delivery receipts URL at {receipt_path}, or set {SETTING} to Messages API.")


def messages_api_webhook(request) -> dict | None:
    """The document of a Messages API webhook sent to the SMS API's path ({} when only its
    Bearer token shows it), else None. A receipt's JSON is parsed here only if it names
    message_uuid."""
    bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
    body = request.get_data(cache=True)
    if request.mimetype == "application/json" and b'"message_uuid"' in body:
        document = json_object(body)
        if is_messages_api(document):
            return document
    return {} if bearer else None
