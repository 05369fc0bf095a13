"""Plivo's callback fields, turned into a Report.

Status callback (sent to the `url` of the send request):
https://www.plivo.com/docs/messaging/api/message/message-status-callbacks — MessageUUID, From,
To, Type, Status, Units, TotalRate, TotalAmount, MCC, MNC, ErrorCode, ParentMessageUUID,
PartInfo, Sequence, MessageTime, QueuedTime, SentTime, DeliveryReportTime, requester_ip,
PowerpackUUID, and for WhatsApp ConversationID, ConversationOrigin,
ConversationExpirationTimestamp. Inbound message (sent to the Application's Message URL):
MessageUUID, From, To, Type, Text (SMS) or Body (MMS, WhatsApp), Units, TotalRate, TotalAmount,
MessageIntent, PowerpackUUID, and MediaCount with Media0… for media.

Every field Plivo sends is kept, those this app does not know too. But Plivo V3 signs the
sorted fields as key+value with no separator, so the bytes of one genuine callback can be cut
again into other fields: a made-up name ("F", "nt", "D") can swallow the start of the next field
("F" + "rom4477…MessageUUID…Text…"), and one inbound SMS whose text the sender wrote
("…MessageUUID<another id>Statusundelivered") would become a status callback for another
message. A name this app does not know is therefore accepted only when it cannot be such a cut
(`unknown_name_problem`): it is written as Plivo writes names (CamelCase words, or snake_case
like requester_ip), it is not the start of one of Plivo's names nor begins with one, and its
value holds none of Plivo's names. A cut must begin exactly where the next genuine name begins
and swallow at least one genuine name, so it always breaks one of these rules.

Against re-cuts among Plivo's own names: every field has a strict shape except the free ones
(Text, Body, Media URLs); a status callback carries none of those; the fields Plivo always sends
(MessageUUID, From, To, Type, and Status on a status callback) must be there. The bytes of To,
Type and the fields after them are then pinned as their own fields. What remains: the free text
of an inbound message (the sender's own words) can absorb only bytes its sender wrote, and a
media URL can absorb the names and values that follow it up to MessageUUID (MediaCount,
MessageIntent), changing how a message reads, never which message it is.
"""

import re

from werkzeug.exceptions import BadRequest

from shared.multipart import PART_INFO
from shared.report import Report
from shared.webhook import (
    ADDRESS,
    DIGITS,
    UUID,
    WORD,
    bad_request,
    check_shapes,
    optional_int,
    optional_time,
    required,
    shape,
)

AMOUNT = shape(r"[0-9]{1,10}(\.[0-9]{1,10})?", "an amount such as 0.0065")
NUMBER = shape(DIGITS, "a whole number")
FREE = None  # free text (Text, Body), or a time (parsed strictly as one, in parse)
# Every field Plivo sends on messaging callbacks, and its documented shape (blank values are
# allowed: Plivo sends "" for what does not apply).
FIELD_SHAPES = {
    "MessageUUID": shape(UUID, "a UUID"),
    "ParentMessageUUID": shape(UUID, "a UUID"),
    "PowerpackUUID": shape(UUID, "a UUID"),
    "PartInfo": shape(r"[0-9]{1,3} of [0-9]{1,3}", 'like "1 of 3"'),
    "Status": shape(WORD, "a word such as delivered"),
    "Type": shape(r"sms|mms|whatsapp", "sms, mms or whatsapp"),
    "ErrorCode": NUMBER,
    "Units": NUMBER,
    "Sequence": NUMBER,
    "MCC": NUMBER,
    "MNC": NUMBER,
    "MediaCount": NUMBER,
    "TotalRate": AMOUNT,
    "TotalAmount": AMOUNT,
    "From": shape(ADDRESS, "a phone number or sender id"),
    "To": shape(ADDRESS, "a phone number or sender id"),
    "MessageIntent": shape(r"[a-z]{1,20}", "optout, optin, help or blank"),
    "requester_ip": shape(r"[0-9a-fA-F.:]{2,45}", "an IP address"),
    # WhatsApp only. ConversationID is Meta's hex conversation id.
    "ConversationID": shape(r"[0-9a-fA-F-]{1,64}", "a hexadecimal id"),
    "ConversationOrigin": shape(WORD, "a word such as service"),
    "ConversationExpirationTimestamp": NUMBER,
    # Named in the message object (destination_country_iso2, message_state), should a callback
    # carry them too.
    "DestinationCountryISO2": shape(r"[A-Z]{2}", "a two-letter country code"),
    "MessageState": shape(WORD, "a word such as delivered"),
    "Text": FREE,
    "Body": FREE,
    "MessageTime": FREE,
    "QueuedTime": FREE,
    "SentTime": FREE,
    "DeliveryReportTime": FREE,
}
# Media of an MMS or WhatsApp message: Media0, Media1… (URLs), MediaContentType0…, MediaUrl0….
MEDIA_FIELD = re.compile(r"(Media|MediaUrl|MediaContentType)[0-9]{1,2}", re.ASCII)
MEDIA_URL = shape(r"https?://[^\s]{1,2000}", "a URL")
MEDIA_TYPE = shape(r"[a-z]{1,20}/[A-Za-z0-9.+-]{1,60}", "a media type such as image/jpeg")
ALWAYS_SENT = ("MessageUUID", "From", "To")
# A status callback has no text of its sender's: none of these.
INBOUND_ONLY = ("Text", "Body", "MediaCount")
# Every field this app reads, and its documented shape.
SHAPES = {name: rule for name, rule in FIELD_SHAPES.items() if rule is not FREE}

# How Plivo writes a field name: CamelCase words (DeliveryReportTime, MCC, Media0) or snake_case
# (requester_ip). A name it does not know must look like one of these.
PLIVO_NAME = re.compile(r"[A-Z][A-Za-z]*[0-9]{0,2}|[a-z]+(_[a-z0-9]+)+", re.ASCII)
# Plivo's names a cut would have to swallow; "To" is left out of values (free text says "To"
# often, and To is always sent as a field of its own, shaped as an address).
KNOWN_NAMES = tuple(sorted(FIELD_SHAPES, key=len, reverse=True))
NAMES_IN_VALUES = tuple(name for name in KNOWN_NAMES if len(name) > 2) + ("Media",)
# Characters of any field name, checked first so the 400 for "Extra Field=1&" says so.
FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)

# Which of Plivo's time fields says when a status happened.
STATUS_TIME_FIELD = {
    "queued": "QueuedTime",
    "sent": "SentTime",
    "delivered": "DeliveryReportTime",
    "undelivered": "DeliveryReportTime",
    "read": "DeliveryReportTime",
}
TIME_FIELDS = ("MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime")
# An inbound message has its text, or media: an MMS or WhatsApp message of only a picture comes
# with MediaCount and the Media URLs and no Body at all.
INBOUND_FIELDS = ("Text", "Body", "MediaCount")


def _group_id(message_uuid: str, fields: dict[str, str]) -> str | None:
    """Older docs (and Plivo's Delivery Reports tutorial): every part of a long SMS has its own
    MessageUUID and ParentMessageUUID names the first part. Current docs send one report per
    message with the field "reserved". Group only when there really are several parts."""
    parent = fields.get("ParentMessageUUID", "").strip()
    match = PART_INFO.match(fields.get("PartInfo", ""))
    if parent and (parent != message_uuid or (match and int(match.group(2)) > 1)):
        return parent
    return None


def unknown_name_problem(name: str, value: str, plivo_style: bool = True) -> str | None:
    """Why a field name Plivo's docs do not list could be signed bytes cut again; None if not.
    `plivo_style`: the name must also be written as Plivo writes names (not so for a name of
    the host's own in the URL's query)."""
    if len(name) > 40 or not (PLIVO_NAME if plivo_style else FIELD_NAME).fullmatch(name):
        return "is not written as Plivo writes its field names"
    for known in KNOWN_NAMES:
        # "To" is left out of the second test: To is always sent and shaped, so a cut that
        # swallowed it would fail anyway, and names such as TotalTax would be refused for nothing.
        if known.startswith(name) or (len(known) > 2 and name.startswith(known)):
            return f"could be the start of Plivo's {known} cut off"
    for known in NAMES_IN_VALUES:
        if known in name:
            return f"holds Plivo's field name {known}"
        if known in value:
            return f"holds Plivo's field name {known} in its value"
    return None


def _shapes(fields: dict[str, str]) -> dict:
    """The shape of every field this app knows; a 400 naming an unknown one that could be a
    re-cut of signed bytes (module docstring)."""
    shapes = {}
    for name, value in fields.items():
        if name in FIELD_SHAPES:
            rule = FIELD_SHAPES[name]
        elif MEDIA_FIELD.fullmatch(name):
            rule = MEDIA_TYPE if name.startswith("MediaContentType") else MEDIA_URL
        elif problem := unknown_name_problem(name, value):
            raise bad_request(f"The field {name[:40]!r} is not one Plivo sends: it {problem}, so "
                              "it could be the signed bytes of other fields cut again.")
        else:
            rule = FREE  # kept as sent
        if rule is not FREE:
            shapes[name] = rule
    return shapes


def check_post_query(query: dict[str, str]) -> None:
    """400 unless a POST callback's URL query could not hold cut fields.

    V3 signs a POST as the URL's sorted query, ".", then the body's fields: the start of a
    genuine body, cut at a "." its sender wrote, could be moved into the query, where no field
    check would see it. So the query may carry only names of the host's own (e.g. ?tenant=acme):
    none of Plivo's, none that could be a cut, and no Plivo name in its values.
    """
    for name, value in query.items():
        problem = ("is a field Plivo sends in the body" if name in FIELD_SHAPES
                   or MEDIA_FIELD.fullmatch(name)
                   else unknown_name_problem(name, value, plivo_style=False))
        if problem:
            raise bad_request(f"The URL's query field {name[:40]!r} {problem}: on a POST "
                              "callback it could be the signed bytes of the body cut again.")


def check(fields: dict[str, str]) -> None:
    """400 unless every field is one of Plivo's, of its shape, and those Plivo always sends are
    there: no field left that could absorb the signed bytes of the next one (module docstring)."""
    check_shapes(fields, FIELD_NAME, _shapes(fields), "Plivo")
    for name in ALWAYS_SENT:
        required(fields, name, "Plivo sends it on every message callback")
    carried = [name for name in fields if name in INBOUND_ONLY or MEDIA_FIELD.fullmatch(name)]
    if "Status" in fields:
        if carried:
            raise bad_request(f"A status callback (it has Status) never carries {carried[0]}; "
                              "only an inbound message does.")
    elif "Text" in fields and "Body" in fields:
        raise bad_request("An inbound message has Text (SMS) or Body (MMS, WhatsApp), not both.")


def parse(fields: dict[str, str]) -> Report:
    check(fields)
    message_uuid = required(fields, "MessageUUID", "every Plivo callback carries it")
    times = {name: optional_time(fields, name) for name in TIME_FIELDS}
    if "Status" in fields:
        status = required(fields, "Status", "a status callback says queued, sent, delivered…")
        time_field = STATUS_TIME_FIELD.get(status.lower(), "MessageTime")
        return Report(
            provider="plivo", kind="DLR", message_id=message_uuid, status=status,
            fields=fields, direction="outbound", error_code=fields.get("ErrorCode"),
            from_number=fields.get("From"), to_number=fields.get("To"),
            group_id=_group_id(message_uuid, fields), part_info=fields.get("PartInfo") or None,
            sequence=optional_int(fields, "Sequence"),
            occurred_at=times[time_field] or times["MessageTime"],
            sent_at=times["QueuedTime"] or times["MessageTime"],
        )
    if any(name in fields for name in INBOUND_FIELDS):
        return Report(
            provider="plivo", kind="inbound", message_id=message_uuid, status="received",
            fields=fields, direction="inbound", from_number=fields.get("From"),
            to_number=fields.get("To"), text=fields.get("Text", fields.get("Body")),
            occurred_at=times["MessageTime"], sent_at=times["MessageTime"],
        )
    raise bad_request("Status is missing (a status callback has it), and so are Text and Body "
                      "(an inbound message has one of them).")


def refused_inbound(fields: dict[str, str], reason: str) -> Report | None:
    """An inbound message Plivo signed but this app could not accept, kept as undelivered.

    Plivo marks an inbound message undelivered when the Message URL does not answer 2xx; the
    delivery-rate alerts (shared.alerts) count these locally. Needs a usable MessageUUID to be
    recorded at all; anything else is not recognisably an inbound message.
    """
    is_inbound = "Status" not in fields and any(name in fields for name in INBOUND_FIELDS)
    if not is_inbound:
        return None
    try:  # a re-cut callback is never kept: its names, ids and addresses must be Plivo's
        check(fields)
    except BadRequest:
        return None
    message_uuid = fields["MessageUUID"].strip()
    return Report(
        provider="plivo", kind="inbound", message_id=message_uuid, status="undelivered",
        fields=fields, direction="inbound", from_number=fields["From"], to_number=fields["To"],
        note=reason,
    )
