"""Vonage's SMS API delivery receipt fields, what their values mean, and the Report they make.

https://developer.vonage.com/en/api/sms#delivery-receipt — all values are strings:
msisdn (the recipient), to (your sender id), network-code, messageId, price, status, scts,
err-code, api-key, message-timestamp (UTC), client-ref; timestamp, nonce and sig when signed.
Note the names: `to` is YOUR number or sender id, `msisdn` the handset the SMS went to.
"""

from werkzeug.exceptions import BadRequest

from shared.callback import DIGITS, UUID, WORD, check_shapes, optional_time, required, shape
from shared.report import Codes, Report

# A phone number (E.164 with or without "+", or a short code), or an alphanumeric sender id of at
# most 11 characters (the GSM limit): "+14155550100", "447547232824", "Nexmo CLI".
ADDRESS = r"\+?[0-9]{1,15}|[A-Za-z0-9 ._-]{1,11}"

# The receipt's status, and its err-code (non-zero: not delivered), from Nexmo's Delivery
# receipts guide and https://api.support.vonage.com/hc/en-us/articles/204014733 .
# (text, retryable): temporary, so sending again later may work.
CODES = Codes(
    provider="vonage",
    statuses={"accepted": "sent", "buffered": "sent", "delivered": "delivered",
              "failed": "failed", "rejected": "rejected", "expired": "expired",
              "unknown": "unknown"},
    errors={
        "1": ("Unknown", True), "2": ("Absent Subscriber - Temporary", True),
        "3": ("Absent Subscriber - Permanent", False), "4": ("Call Barred by User", False),
        "5": ("Portability Error", False), "6": ("Anti-Spam Rejection", False),
        "7": ("Handset Busy", True), "8": ("Network Error", True),
        "9": ("Illegal Number", False), "10": ("Illegal Message", False),
        "11": ("Unroutable", False), "12": ("Destination Unreachable", True),
        "13": ("Subscriber Age Restriction", False), "14": ("Number Blocked by Carrier", False),
        "15": ("Prepaid Insufficient Funds", True), "16": ("Gateway Quota Exceeded", True),
        "50": ("Entity Filter", False), "51": ("Header Filter", False),
        "52": ("Content Filter", False), "53": ("Consent Filter", False),
        "54": ("Regulation Error", False), "99": ("General Error", True),
    },
    success=frozenset({"", "0"}),  # err-code 0 is Delivered
    unknown="Vonage err-code",
)
# Every field this app reads, and its documented shape; network-code ("23410", "US-TOLL-FREE")
# and client-ref stay free text.
SHAPES = {
    # 16 hex digits in receipts (seed 002); the API reference's example has 17; or a UUID.
    "messageId": shape(rf"[0-9a-fA-F]{{16,18}}|{UUID}", "16 hex digits or a UUID"),
    "status": shape(WORD, "a word such as delivered"),
    "err-code": shape(DIGITS, "a whole number"),
    "msisdn": shape(ADDRESS, "a phone number"),
    "to": shape(ADDRESS, "a phone number or sender id"),
}
# Signing fields change when Vonage signs a retried receipt again; they are not the report.
SIGNING_FIELDS = frozenset({"timestamp", "nonce", "sig"})


def parse(fields: dict[str, str]) -> Report:
    for name in fields:
        # `sig` signs "&name=value…" with & and = replaced in values only: a name holding one
        # would be signed fields cut again ("err-code=0&message-timestamp").
        if "&" in name or "=" in name:
            raise BadRequest(f"The field name {name[:40]!r} has characters Vonage never uses "
                             "in one.")
    check_shapes(fields, SHAPES)
    message_id = required(fields, "messageId", "every delivery receipt carries it")
    status = required(fields, "status", "a receipt says accepted, delivered, failed…")
    timestamp = optional_time(fields, "message-timestamp")
    return Report(
        codes=CODES, kind="DLR", message_id=message_id, status=status, fields=fields,
        error_code=fields.get("err-code"), from_number=fields.get("to"),
        to_number=fields.get("msisdn"), client_ref=fields.get("client-ref") or None,
        network=fields.get("network-code"), occurred_at=timestamp, sent_at=timestamp,
        volatile_fields=SIGNING_FIELDS)
