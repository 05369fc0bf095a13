"""Plivo's callback fields, what their values mean, and the Report they make.

Status callback (sent to the `url` of the send request), Plivo's message status callbacks page:
MessageUUID, From, To, Type, Status, Units, TotalRate, TotalAmount, MCC, MNC, ErrorCode,
ParentMessageUUID, PartInfo, Sequence, MessageTime, QueuedTime, SentTime, DeliveryReportTime,
requester_ip, PowerpackUUID. Inbound message (sent to the Application's Message URL):
MessageUUID, From, To, Type, Text (SMS) or Body (MMS, WhatsApp), Units, TotalRate, TotalAmount,
MessageIntent, PowerpackUUID, and MediaCount with Media0… for media. Every field is kept, those
this app does not know too; the ones it reads must have their documented shape.
"""

import re

from werkzeug.exceptions import BadRequest

from shared.callback import (
    DIGITS,
    UUID,
    WORD,
    check_shapes,
    optional_int,
    optional_time,
    required,
    shape,
)
from shared.report import Codes, Report

# https://www.plivo.com/docs/messaging/troubleshooting/error-codes/ and the Delivery Reports
# tutorial (seed 000). (text, retryable): temporary, so sending again later may work.
CODES = Codes(
    provider="plivo",
    statuses={"queued": "queued", "sent": "sent", "delivered": "delivered",
              "read": "delivered",  # WhatsApp only
              "undelivered": "undelivered", "failed": "failed",
              "rejected": "rejected",  # older docs only
              "received": "received"},  # an inbound message
    errors={
        "10": ("Invalid Message", False), "20": ("Network Error", True),
        "30": ("Spam Detected", False), "40": ("Invalid Source Number", False),
        "50": ("Invalid Destination Number", False), "60": ("Loop Detected", False),
        "70": ("Destination Permanently Unavailable", False),
        "80": ("Destination Temporarily Unavailable", True),
        "90": ("No Route Available", False), "100": ("Prohibited by Carrier", False),
        "110": ("Message Too Long", False),
        "200": ("Source number blocked by STOP from destination", False),
        "201": ("US toll-free to Canadian destinations blocked", False),
        "300": ("Failed to dispatch message", True), "420": ("Message expired", True),
        "450": ("Destination country barred (geo permissions)", False),
        "451": ("Messages-per-hour threshold blocked", True),
        "900": ("Insufficient credit", True), "910": ("Account disabled", False),
        "1000": ("Unknown Error", True),
    },
    success=frozenset({"", "0", "000"}),  # the message record says "000"
    unknown="Plivo error",
)

AMOUNT = shape(r"[0-9]{1,10}(\.[0-9]{1,10})?", "an amount such as 0.0065")
NUMBER = shape(DIGITS, "a whole number")
UUIDS = shape(UUID, "a UUID")
# Every documented field and its shape (blank allowed: Plivo sends "" for what does not apply);
# None: free text, or a time (parsed strictly as one). plivo_app.recut leans on these shapes.
FIELD_SHAPES = {
    "MessageUUID": UUIDS, "ParentMessageUUID": UUIDS, "PowerpackUUID": UUIDS,
    "PartInfo": shape(r"[0-9]{1,3} of [0-9]{1,3}", 'like "1 of 3"'),
    "Status": shape(r"[a-z][a-z_-]{0,29}", "a lower-case word such as delivered"),
    "Type": shape(r"sms|mms|whatsapp", "sms, mms or whatsapp"),
    "ErrorCode": NUMBER, "Units": NUMBER, "Sequence": NUMBER, "MCC": NUMBER, "MNC": NUMBER,
    "MediaCount": NUMBER, "TotalRate": AMOUNT, "TotalAmount": AMOUNT,
    "From": shape(r"\+?[0-9]{1,15}|[A-Za-z0-9][A-Za-z0-9 ._-]{0,10}",
                  "a number or a sender id that begins with a letter or digit"),
    "To": shape(r"\+?[0-9]{1,15}", "a phone number"),
    "MessageIntent": shape(r"[a-z]{1,20}", "optout, optin, help or blank"),
    "requester_ip": shape(r"[0-9a-fA-F.:]{2,45}", "an IP address"),
    # WhatsApp only; and the message object's names, should a callback carry them too.
    "ConversationID": shape(r"[0-9a-fA-F-]{1,64}", "a hexadecimal id"),
    "ConversationOrigin": shape(WORD, "a word such as service"),
    "ConversationExpirationTimestamp": NUMBER,
    "DestinationCountryISO2": shape(r"[A-Z]{2}", "a two-letter country code"),
    "MessageState": shape(WORD, "a word such as delivered"),
    "Text": None, "Body": None, "MessageTime": None, "QueuedTime": None, "SentTime": None,
    "DeliveryReportTime": None,
}
SHAPES = {name: rule for name, rule in FIELD_SHAPES.items() if rule}
MEDIA_URL = shape(r"https?://[^\s]{1,2000}", "a URL")
MEDIA_TYPE = shape(r"[a-z]{1,20}/[A-Za-z0-9.+-]{1,60}", "a media type such as image/jpeg")
TIMES = ("MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime")
# Which time says when a status happened.
STATUS_TIME = {"queued": "QueuedTime", "sent": "SentTime", "delivered": "DeliveryReportTime",
               "undelivered": "DeliveryReportTime", "read": "DeliveryReportTime"}
ALWAYS_SENT = ("MessageUUID", "From", "To")
# Media of an MMS or WhatsApp message: Media0, Media1… (URLs), MediaContentType0…, MediaUrl0….
MEDIA_FIELD = re.compile(r"(Media|MediaUrl|MediaContentType)[0-9]{1,2}", re.ASCII)
# An inbound message has its text, or media: an MMS of only a picture has MediaCount and the
# media URLs and no Body at all. A status callback has none of these.
INBOUND_ONLY = ("Text", "Body", "MediaCount")
PART_INFO = re.compile(r"^\s*(\d+)\s+of\s+(\d+)\s*$")


def check(fields: dict[str, str]) -> None:
    """400 unless the fields this app reads have their shapes, and those Plivo always sends are
    there: none left that could absorb the signed bytes of the next (plivo_app.recut)."""
    for name in fields:
        if "&" in name or "=" in name or not name.isprintable() or " " in name:
            raise BadRequest(f"The field name {name[:40]!r} has characters Plivo never uses in "
                             "one.")
    media = {name: MEDIA_TYPE if name.startswith("MediaContentType") else MEDIA_URL
             for name in fields if MEDIA_FIELD.fullmatch(name)}
    check_shapes(fields, SHAPES | media)
    for name in ALWAYS_SENT:
        required(fields, name, "Plivo sends it on every message callback")
    carried = [name for name in fields if name in INBOUND_ONLY or MEDIA_FIELD.fullmatch(name)]
    if "Status" in fields and carried:
        raise BadRequest(f"A status callback (it has Status) never carries {carried[0]}; "
                         "only an inbound message does.")
    if "Text" in fields and "Body" in fields:
        raise BadRequest("An inbound message has Text (SMS) or Body (MMS, WhatsApp), not both.")


def parse(fields: dict[str, str]) -> Report:
    check(fields)
    message_uuid = fields["MessageUUID"].strip()
    times = {name: optional_time(fields, name) for name in TIMES}
    common = {"codes": CODES, "message_id": message_uuid, "fields": fields,
              "from_number": fields["From"], "to_number": fields["To"]}
    if "Status" in fields:
        status = required(fields, "Status", "a status callback says queued, sent, delivered…")
        return Report(
            **common, kind="DLR", status=status, error_code=fields.get("ErrorCode"),
            group_id=_group_id(message_uuid, fields), part_info=fields.get("PartInfo") or None,
            network=fields.get("MCC", "") + fields.get("MNC", ""),
            sequence=optional_int(fields, "Sequence"),
            occurred_at=times[STATUS_TIME.get(status.lower(), "MessageTime")]
            or times["MessageTime"],
            sent_at=times["QueuedTime"] or times["MessageTime"])
    if any(name in fields for name in INBOUND_ONLY):
        return Report(**common, kind="inbound", status="received", direction="inbound",
                      text=fields.get("Text", fields.get("Body")),
                      occurred_at=times["MessageTime"], sent_at=times["MessageTime"])
    raise BadRequest("Status is missing (a status callback has it), and so are Text and Body "
                     "(an inbound message has one of them).")


def _group_id(message_uuid: str, fields: dict[str, str]) -> str | None:
    """Older docs (and Plivo's Delivery Reports tutorial): every part of a long SMS has its own
    MessageUUID and ParentMessageUUID names the first part. Current docs send one report per
    message with the field "reserved". Group only when there really are several parts."""
    parent = fields.get("ParentMessageUUID", "").strip()
    match = PART_INFO.match(fields.get("PartInfo", ""))
    if parent and (parent != message_uuid or (match and int(match.group(2)) > 1)):
        return parent
    return None


def refused_inbound(fields: dict[str, str], reason: str) -> Report | None:
    """An inbound message Plivo signed but this app could not read, kept as undelivered.

    Plivo marks an inbound message undelivered when the Message URL does not answer 2xx; the
    delivery-rate alerts count these locally. Only a recognisable inbound message is kept: its
    names, ids and addresses must be Plivo's (a re-cut callback never is).
    """
    if "Status" in fields or not any(name in fields for name in INBOUND_ONLY):
        return None
    try:
        check(fields)
    except BadRequest:
        return None
    return Report(codes=CODES, kind="inbound", message_id=fields["MessageUUID"].strip(),
                  status="undelivered", fields=fields, direction="inbound",
                  from_number=fields["From"], to_number=fields["To"], note=reason)
