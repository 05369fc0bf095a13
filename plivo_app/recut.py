"""Signed bytes cut again into other fields: refused.

Plivo V3 signs the sorted fields as key+value with no separator, so the bytes of one genuine
callback can be cut again into other fields with the same signature: a made-up name ("F") can
swallow the start of the next field ("F" + "rom4477…MessageUUID…Text…"), and one inbound SMS
whose text the sender wrote ("…MessageUUID<another id>Statusundelivered") would become a status
callback for another message. A name this app does not know is accepted only when it cannot be
such a cut: it is written as Plivo writes names (CamelCase words, or snake_case like
requester_ip), it is not the start of one of Plivo's names nor begins with one, and its value
holds none of Plivo's names. A cut must begin exactly where the next genuine name begins and
swallow at least one genuine name, so it always breaks one of these rules.
"""

import re

from plivo_app.fields import MEDIA_FIELD

DOCUMENTED = (
    "MessageUUID", "ParentMessageUUID", "PowerpackUUID", "PartInfo", "Status", "Type",
    "ErrorCode", "Units", "Sequence", "MCC", "MNC", "MediaCount", "TotalRate", "TotalAmount",
    "From", "To", "MessageIntent", "requester_ip", "ConversationID", "ConversationOrigin",
    "ConversationExpirationTimestamp", "DestinationCountryISO2", "MessageState", "Text", "Body",
    "MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime")
PLIVO_NAME = re.compile(r"[A-Z][A-Za-z]*[0-9]{0,2}|[a-z]+(_[a-z0-9]+)+", re.ASCII)
FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}", re.ASCII)
KNOWN_NAMES = tuple(sorted(DOCUMENTED, key=len, reverse=True))
NAMES_IN_VALUES = tuple(name for name in KNOWN_NAMES if len(name) > 2) + ("Media",)


def unknown_name_problem(name: str, value: str, plivo_style: bool = True) -> str | None:
    if len(name) > 40 or not (PLIVO_NAME if plivo_style else FIELD_NAME).fullmatch(name):
        return "is not written as Plivo writes its field names"
    for known in KNOWN_NAMES:
        if known.startswith(name) or (len(known) > 2 and name.startswith(known)):
            return f"could be the start of Plivo's {known} cut off"
    for known in NAMES_IN_VALUES:
        if known in name:
            return f"holds Plivo's field name {known}"
        if known in value:
            return f"holds Plivo's field name {known} in its value"
    return None


def problem(method: str, query: dict[str, str], body: dict[str, str]) -> str | None:
    """None, or why these fields could be the signed bytes of other fields cut again."""
    fields = query if method == "GET" else body
    for name, value in fields.items():
        if not FIELD_NAME.fullmatch(name):
            return f"The field name {name[:40]!r} has characters Plivo never uses in one."
        if name in DOCUMENTED or MEDIA_FIELD.fullmatch(name):
            continue
        if reason := unknown_name_problem(name, value):
            return (f"The field {name[:40]!r} is not one Plivo sends: it {reason}, so it could "
                    "be the signed bytes of other fields cut again.")
    if method == "GET":
        return None
    for name, value in query.items():
        reason = ("is a field Plivo sends in the body" if name in DOCUMENTED
                  or MEDIA_FIELD.fullmatch(name)
                  else unknown_name_problem(name, value, plivo_style=False))
        if reason:
            return (f"The URL's query field {name[:40]!r} {reason}: on a POST callback it could "
                    "be the signed bytes of the body cut again.")
    return None
