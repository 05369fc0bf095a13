"""Vonage's delivery receipt fields, turned into a Report.

https://developer.vonage.com/en/api/sms#delivery-receipt — all values are strings:
msisdn (the recipient), to (your sender id), network-code, messageId, price, status, scts,
err-code, api-key, message-timestamp (UTC), client-ref; timestamp, nonce and sig when signed.
Note the names: `to` is YOUR number or sender id, `msisdn` the handset the SMS went to.
"""

from shared.report import Report
from shared.webhook import optional_time, required

# Signing fields change when Vonage re-signs a retried receipt; they are not the report.
SIGNING_FIELDS = frozenset({"timestamp", "nonce", "sig"})


def parse(fields: dict[str, str]) -> Report:
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
