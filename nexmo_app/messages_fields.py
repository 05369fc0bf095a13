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

from werkzeug.exceptions import BadRequest

from shared.callback import MAX_ID_LENGTH, optional_time, required
from shared.report import Codes, Report

# Statuses and error.title codes of the Messages API's SMS webhooks (an SMS's expired, failed
# or rejected receipt all arrive as "rejected"), https://developer.vonage.com/api-errors/messages .
# Its codes are 1000 and up, so they never clash with the SMS API's err-codes.
CODES = Codes(
    provider="vonage",
    statuses={"submitted": "sent", "delivered": "delivered", "rejected": "rejected",
              "read": "delivered",  # WhatsApp, Viber, Messenger, RCS
              "undeliverable": "undelivered",
              "inbound": "received"},  # an inbound message (it has no status of its own)
    errors={
        "1000": ("Throttled", True), "1010": ("Missing params", False),
        "1020": ("Invalid params", False), "1021": ("Invalid tag", False),
        "1022": ("Invalid template", False), "1030": ("Internal error", True),
        "1040": ("Invalid message", False), "1050": ("Number barred", False),
        "1060": ("Partner account barred", False), "1070": ("Partner quota exceeded", True),
        "1080": ("Account not enabled for REST", False), "1090": ("Message too long", False),
        "1100": ("Communication Failed", True), "1110": ("Invalid Signature", False),
        "1120": ("Illegal Sender Address - rejected", False), "1130": ("Invalid TTL", False),
        "1140": ("Facility not allowed", False), "1150": ("Invalid Message class", False),
        "1160": ("Non White-listed Destination", False),
        "1170": ("Invalid or Missing Msisdn Param", False),
        "1180": ("Absent Subscriber Temporary", True),
        "1190": ("Absent Subscriber Permanent", False), "1200": ("Portability Error", False),
        "1210": ("Anti-Spam Rejection", False), "1220": ("Handset Busy", True),
        "1230": ("Network Error", True), "1240": ("Illegal Number", False),
        "1241": ("Too many send requests", True), "1250": ("Unroutable", False),
        "1251": ("Unable to route traffic to a destination", False),
        "1260": ("Destination unreachable", True), "1270": ("Subscriber Age Restriction", False),
        "1280": ("Number Blocked by Carrier", False),
        "1282": ("Message blocked by provider", False),
        "1290": ("Pre-Paid - Insufficient funds", True),
        "1300": ("Not part of the provider network", False),
        "1310": ("Not suitable device", False), "1320": ("Message already sent", False),
        "1330": ("Unknown", True), "1331": ("Provider error", True),
        "1340": ("Outside of the allowed window", False),
        "1350": ("Phone matching fee not paid", False),
        "1360": ("TTL was activated, or message expired before delivered", True),
        "1370": ("Expired access Token", False), "1380": ("Invalid resource", False),
        "1381": ("Resource size is too large", False),
        "1382": ("Resource type is invalid", False), "1400": ("Unsupported channel", False),
        "1410": ("Invalid channel parameters", False), "1420": ("Invalid sender", False),
        "1430": ("Invalid recipient", False), "1440": ("Invalid message type", False),
        "1450": ("Invalid client reference", False), "1451": ("Invalid context", False),
        "1460": ("Daily message limit exceeded", True),
        "1461": ("Auto-limiting of messages by Provider", True),
        "1470": ("Fraud Defender Traffic Rule", False),
        "1472": ("Fraud Defender SMS Burst Protection", True), "1473": ("AIT Protection", False),
        "1480": ("Entity Filter", False), "1481": ("Header Filter", False),
        "1482": ("Content Filter", False), "1483": ("Consent Filter", False),
        "1484": ("Regulation Error", False),
    },
    success=frozenset({"", "0"}),
    unknown="Vonage Messages API error",
)

# error.type is a link to the error table ending in the code: …/api-errors/messages#1320
CODE_IN_LINK = re.compile(r"#(\d+)$")
COUNT = re.compile(r"[0-9]{1,9}", re.ASCII)


def _text(fields: dict, name: str) -> str | None:
    """A top-level string field; anything else in its place is a malformed webhook."""
    value = fields.get(name)
    if value is None or isinstance(value, str):
        if value and "\x00" in value:
            raise BadRequest(f"The field {name!r} contains a NUL character.")
        return value
    raise BadRequest(f"The field {name!r} must be a string, not {type(value).__name__}.")


def _object(fields: dict, name: str) -> dict:
    value = fields.get(name) or {}
    if not isinstance(value, dict):
        raise BadRequest(f"The field {name!r} must be an object, not {type(value).__name__}.")
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
        codes=CODES, kind="DLR", message_id=message_uuid, status=status, fields=fields,
        direction="outbound", error_code=error_code(fields), from_number=_text(fields, "from"),
        to_number=_text(fields, "to"), client_ref=_text(fields, "client_ref") or None,
        part_info=parts(fields), occurred_at=timestamp, sent_at=timestamp,
        network=_network(fields),
    )


def _network(fields: dict) -> str | None:
    """destination.network_code, "23410", kept as sent (a number is read as its digits)."""
    code = _object(fields, "destination").get("network_code")
    return str(code) if isinstance(code, str | int) and not isinstance(code, bool) else None


def parse_inbound(fields: dict) -> Report:
    message_uuid = required(_plain(fields), "message_uuid", "every inbound message carries it")
    timestamp = optional_time(_plain(fields), "timestamp")
    return Report(
        codes=CODES, kind="inbound", message_id=message_uuid, status="inbound",
        fields=fields, direction="inbound", from_number=_text(fields, "from"),
        to_number=_text(fields, "to"), text=_text(fields, "text"),
        occurred_at=timestamp, sent_at=timestamp,
    )


def refused_inbound(fields: dict, reason: str) -> Report | None:
    """A signed inbound message this app could not read, kept as rejected (by this app) with
    the reason, so the inbound delivery-rate alert counts it as not delivered.
    Needs a usable message_uuid."""
    message_uuid = fields.get("message_uuid")
    if not isinstance(message_uuid, str) or not 0 < len(message_uuid.strip()) <= MAX_ID_LENGTH:
        return None
    return Report(codes=CODES, kind="inbound", message_id=message_uuid.strip(),
                  status="rejected", fields=fields, direction="inbound", note=reason)


def _plain(fields: dict) -> dict[str, str]:
    """The top-level string fields, for the shared readers of required ids and times."""
    return {name: value for name in ("message_uuid", "status", "timestamp")
            if (value := _text(fields, name)) is not None}
