"""Vonage's delivery receipt fields, turned into a Report.

https://developer.vonage.com/en/api/sms#delivery-receipt — all values are strings:
msisdn (the recipient), to (your sender id), network-code, messageId, price, status, scts,
err-code, api-key, message-timestamp (UTC), client-ref; timestamp, nonce and sig when signed.
Note the names: `to` is YOUR number or sender id, `msisdn` the handset the SMS went to.
"""

import re

from shared.report import Report
from shared.webhook import ADDRESS, DIGITS, UUID, WORD, check_shapes, optional_time, required, shape

# Vonage's field names: messageId, err-code, message-timestamp, api-key… Never `&` or `=`: the
# signing string is `&name=value…` with those replaced in values only, so a name holding them
# could re-cut signed fields.
FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)
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

# Signing fields change when Vonage re-signs a retried receipt; they are not the report.
SIGNING_FIELDS = frozenset({"timestamp", "nonce", "sig"})


def parse(fields: dict[str, str]) -> Report:
    check_shapes(fields, FIELD_NAME, SHAPES, "Vonage")
    message_id = required(fields, "messageId", "every delivery receipt carries it")
    status = required(fields, "status", "a receipt says accepted, delivered, failed…")
    timestamp = optional_time(fields, "message-timestamp")
    return Report(
        provider="vonage", kind="DLR", message_id=message_id, status=status, fields=fields,
        direction="outbound", error_code=fields.get("err-code"),
        from_number=fields.get("to"), to_number=fields.get("msisdn"),
        client_ref=fields.get("client-ref") or None,
        occurred_at=timestamp, sent_at=timestamp, volatile_fields=SIGNING_FIELDS,
    )
