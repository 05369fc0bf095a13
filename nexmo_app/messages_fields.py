"""The Messages API's webhooks (JSON), turned into Reports.

Message status, https://developer.vonage.com/en/api/messages#message-status and
https://developer.vonage.com/en/messages/concepts/messages-status-callbacks : message_uuid, to,
from, timestamp (ISO 8601), status (submitted, delivered, rejected, undeliverable; read on some
channels), channel, client_ref, and nested objects: error {type, title, detail, instance},
usage {currency, price}, destination {network_code}, sms {count_total}.
Inbound message: message_uuid, to, from, timestamp, channel, message_type, text,
sms {num_messages}, usage. Unlike the SMS API, `to` is the handset on a status webhook and
your number on an inbound one, as the words say.

Every field is kept as sent, nested objects included (Report.fields holds the JSON document).
One message_uuid stands for the whole text, however many SMS parts it took. Unlike the SMS
API's `sig`, `timestamp` and `nonce`, nothing in the body belongs to the signature: the JWT
(whose iat and jti may be new on a retry) travels in the Authorization header, so the whole body
tells a retry from a new report.
"""

import re

from shared.report import Report
from shared.webhook import MAX_ID_LENGTH, bad_request, optional_time, required

# error.type is a link to the error table ending in the code: …/api-errors/messages#1320
CODE_IN_LINK = re.compile(r"#(\d+)$")
COUNT = re.compile(r"[0-9]{1,9}", re.ASCII)


def _text(fields: dict, name: str) -> str | None:
    """A top-level string field; anything else in its place is a malformed webhook."""
    value = fields.get(name)
    if value is None or isinstance(value, str):
        if value and "\x00" in value:
            raise bad_request(f"The field {name!r} contains a NUL character.")
        return value
    raise bad_request(f"The field {name!r} must be a string, not {type(value).__name__}.")


def _object(fields: dict, name: str) -> dict:
    value = fields.get(name) or {}
    if not isinstance(value, dict):
        raise bad_request(f"The field {name!r} must be an object, not {type(value).__name__}.")
    return value


def error_code(fields: dict) -> str | None:
    """error.title holds the code (1320, as a number or a string); older webhooks put it in
    error.code, and error.type always ends with it."""
    error = _object(fields, "error")
    for candidate in (error.get("title"), error.get("code")):
        if isinstance(candidate, int | str) and not isinstance(candidate, bool):
            if str(candidate).strip().isdigit():
                return str(candidate).strip()
    match = CODE_IN_LINK.search(str(error.get("type") or ""))
    return match.group(1) if match else None


def parts(fields: dict) -> str | None:
    """sms.count_total: how many SMS parts the text took (one webhook for them all)."""
    count = str(_object(fields, "sms").get("count_total") or "")
    # [0-9] only: str.isdigit() also says yes to "²", which int() refuses.
    return f"{count} parts" if COUNT.fullmatch(count) and int(count) > 1 else None


def parse_status(fields: dict) -> Report:
    message_uuid = required(_plain(fields), "message_uuid", "every message status carries it")
    status = required(_plain(fields), "status", "a message status says submitted, delivered…")
    timestamp = optional_time(_plain(fields), "timestamp")
    return Report(
        provider="vonage", kind="DLR", message_id=message_uuid, status=status, fields=fields,
        direction="outbound", error_code=error_code(fields), from_number=_text(fields, "from"),
        to_number=_text(fields, "to"), client_ref=_text(fields, "client_ref") or None,
        part_info=parts(fields), occurred_at=timestamp, sent_at=timestamp,
    )


def parse_inbound(fields: dict) -> Report:
    message_uuid = required(_plain(fields), "message_uuid", "every inbound message carries it")
    timestamp = optional_time(_plain(fields), "timestamp")
    return Report(
        provider="vonage", kind="inbound", message_id=message_uuid, status="inbound",
        fields=fields, direction="inbound", from_number=_text(fields, "from"),
        to_number=_text(fields, "to"), text=_text(fields, "text"),
        occurred_at=timestamp, sent_at=timestamp,
    )


def refused_inbound(fields: dict, reason: str) -> Report | None:
    """A signed inbound message this app could not read, kept as rejected (by this app) with
    the reason, so the inbound delivery-rate alert (shared.alerts) counts it as not delivered.
    Needs a usable message_uuid."""
    message_uuid = fields.get("message_uuid")
    if not isinstance(message_uuid, str) or not 0 < len(message_uuid.strip()) <= MAX_ID_LENGTH:
        return None
    return Report(provider="vonage", kind="inbound", message_id=message_uuid.strip(),
                  status="rejected", fields=fields, direction="inbound", note=reason)


def _plain(fields: dict) -> dict[str, str]:
    """The top-level string fields, for the shared readers of required ids and times."""
    return {name: value for name in ("message_uuid", "status", "timestamp")
            if (value := _text(fields, name)) is not None}
