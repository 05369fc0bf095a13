"""Signed bytes cut again into other fields: the cut itself, recognised.

The attack. Plivo V3 signs a POST as its URL, "?", the URL's own query (k=v sorted, "&"-joined)
and "." when it has one, then the body's fields sorted by name as name+value with nothing
between; a GET as its URL, "?" and every query field, Plivo's and the user's, k=v sorted and
"&"-joined, values decoded. So one genuine callback's bytes can be cut into other fields under
the same signature: "From+4477…MessageUUID2a8f…Text…" read as a field "F" that swallows From,
MessageUUID and Text, so that an inbound SMS whose sender wrote "MessageUUID<another id>Status
undelivered" becomes another message's status callback; a body read as a GET query at the "="
and "&" its sender wrote; the start of a body moved into a POST URL's query at a ".".

The rule. A cut changes what a report says only by making a documented field begin where Plivo
wrote something else: where the bytes hold its name and then a character its value can begin
with (VALUE_START; on a GET "&Name=" and such a character), an occurrence. Each occurrence must
be the callback's own field of that name, or one that cannot begin a field, because
(a) it lies in the value of Text or Body (the sender's own words); or
(b) the callback's own field of that name came before it, with no Text or Body before that one
    (a field comes once: only free text could hide the first one); or
(c) it would make a status callback an inbound message or the other way round (Status before a
    Text, Body or Media…; Text or Body before a Status, Text or Body); or
(d) a name Plivo always sends (From, MessageUUID, To) that sorts before it has no field before it;
(e) the sorted order forbids a field of that name there: after Text or Body when the free text
    came before it; else after the last of the callback's documented fields before it; else
    after the first byte of the signed fields (or of a body after a POST query's ".").
It also refuses "&" or "=" in a query's names, and Plivo's names in a POST URL's own query.
fields.py holds each documented field to its shape (To a phone number, From beginning with a
letter, digit or +, Status a lower-case word), and MessageUUID, From and To to being there.

Why a report Plivo sent passes. (1) Plivo's documented fields have their shapes; (2) MessageUUID,
From and To come always, Status only on a status callback, Text or Body (not both) only on an
inbound message; (3) nothing Plivo has not documented (a field it adds, a media URL, the user's
own query) holds an occurrence that (a)-(e) let begin a field: "From the team",
ErrorCodeDescription, SentTimeUTC, CarrierFees, requester_ip, ?ref=A17 hold none; FromName holds
From after From itself (b). Plivo's own fields are the callback's own, the sender's words are (a).
Why every cut that changes a field the app reads is refused: docs/security.md, "The re-cut rule";
tests/test_recut_rule.py checks both halves on generated callbacks and their cuts.
"""

import re
from itertools import accumulate

from plivo_app.fields import ALWAYS_SENT, MEDIA_FIELD

HEX = "0-9a-fA-F"
TIME_START = r"0-9\s"  # Plivo writes 2026-11-23 10:00:00.114411; the app reads it stripped
# What a value of each documented field can begin with: a character class, or None for free text
# (which can begin with anything, or be empty and still say the message is an inbound one).
VALUE_START = {
    "MessageUUID": HEX, "ParentMessageUUID": HEX, "PowerpackUUID": HEX, "PartInfo": "0-9",
    "Status": "a-z", "Type": "smw", "ErrorCode": "0-9", "Units": "0-9", "Sequence": "0-9",
    "MCC": "0-9", "MNC": "0-9", "MediaCount": "0-9", "TotalRate": "0-9", "TotalAmount": "0-9",
    "From": "+0-9A-Za-z", "To": "+0-9", "MessageIntent": "a-z", "requester_ip": "0-9a-fA-F.:",
    "ConversationID": "0-9a-fA-F-", "ConversationOrigin": "A-Za-z",
    "ConversationExpirationTimestamp": "0-9", "DestinationCountryISO2": "A-Z",
    "MessageState": "A-Za-z", "MessageTime": TIME_START, "QueuedTime": TIME_START,
    "SentTime": TIME_START, "DeliveryReportTime": TIME_START, "Text": None, "Body": None,
}
# Media of an MMS or WhatsApp message (fields.MEDIA_FIELD): URLs and media types.
MEDIA_START = {r"Media[0-9]{1,2}": "h", r"MediaUrl[0-9]{1,2}": "h",
               r"MediaContentType[0-9]{1,2}": "a-z"}
# One pass over the signed bytes finds every occurrence; "=?" lets the same pattern find a GET's
# "Name=value". Where one name holds another (ParentMessageUUID, MessageUUID), see _cut_at.
OCCURRENCE = re.compile("|".join(
    [re.escape(name) + (f"(?==?[{start}])" if start else "")
     for name, start in sorted(VALUE_START.items(), key=lambda item: -len(item[0]))]
    + [f"{name}(?==?[{start}])" for name, start in MEDIA_START.items()]))  # \s: any, as strip()
FREE_TEXT = ("Text", "Body")


def layout(method: str, query: dict[str, str], body: dict[str, str]):
    """What V3 signs after "URL?" (plivo_app.signature.v3_base); the name of the field that
    begins at each position in it; and where Plivo's fields begin (a GET's whole query, a POST's
    body after its URL's own query and ".")."""
    if method == "GET" or not body:
        signed, names_at = _joined(query, "&", "=", 0)
        return signed, names_at, 0 if method == "GET" else len(signed) + 1
    if not query:
        signed, names_at = _joined(body, "", "", 0)
        return signed, names_at, 0
    head, names_at = _joined(query, "&", "=", 0)
    tail, body_names_at = _joined(body, "", "", len(head) + 1)
    return f"{head}.{tail}", names_at | body_names_at, len(head) + 1


def _joined(fields: dict[str, str], separator: str, equals: str, offset: int):
    """Fields signed as V3 signs them from `offset` on, and the position of each name."""
    names = sorted(fields)
    pieces = [f"{name}{equals}{fields[name]}{separator}" for name in names]
    starts = accumulate(map(len, pieces), initial=offset)
    return "".join(pieces).removesuffix(separator), dict(zip(starts, names, strict=False))


def problem(method: str, query: dict[str, str], body: dict[str, str]) -> str | None:
    """None when this signed callback is not a cut of another; otherwise why it could be, in one
    sentence. Runs after the signature check, before the fields are parsed: one regex pass over
    the signed bytes, about 15 µs for a status callback of 20 fields."""
    for name in query:
        if "&" in name or "=" in name:
            return (f"The query field {name[:40]!r} holds & or =, so its signed bytes read as "
                    "other fields.")
        if method == "POST" and body and _documented(name):
            return (f"The URL's query field {name[:40]!r} is a field Plivo sends in the body: on "
                    "a POST callback it could be the signed bytes of the body cut again.")
    signed, names_at, plivo_from = layout(method, query, body)
    sent = query if method == "GET" else body
    if not (at := _cut_at(signed, names_at, plivo_from, sent, method == "GET")):
        return None
    name, at = at
    field = names_at[max(start for start in names_at if start <= at)]  # the one holding `at`
    if at < plivo_from:
        subject = f"The URL's query field {field[:40]!r}"
    elif _documented(field):
        subject = field
    else:
        subject = f"The field {field[:40]!r} is not one Plivo sends: it"
    return (f"{subject} holds Plivo's field name {name} where the signed bytes could be cut "
            f"again into a field {name} of their own.")


def _documented(name: str) -> bool:
    return name in VALUE_START or bool(MEDIA_FIELD.fullmatch(name))


def _cut_at(signed: str, names_at: dict[int, str], plivo_from: int, sent: dict[str, str],
            get: bool) -> tuple[str, int] | None:
    """The first occurrence in `signed` that could begin a field and is not one, as (name,
    position); None if there is none. `sent` holds Plivo's fields, which begin at
    `plivo_from`; `get`: they are signed as Name=value. (a)-(e): the module docstring."""
    own_at: dict[str, int] = {}  # the callback's own documented fields met so far
    last_own = None
    free = None  # (name, position, value start, end) of Text or Body
    status_seen = False

    def could_begin(name: str, at: int) -> bool:
        if free and free[2] <= at < free[3]:
            return False  # (a)
        first = own_at.get(name)
        if first is not None and (free is None or free[1] > first):
            return False  # (b)
        if (status_seen and name.startswith(("Text", "Body", "Media"))) or (
                free and name in ("Status", "Text", "Body")):
            return False  # (c)
        if any(always < name and always not in own_at for always in ALWAYS_SENT):
            return False  # (d)
        return name > (free[0] if free else last_own or _first_byte_before(signed, at))  # (e)

    for match in OCCURRENCE.finditer(signed):
        name = match.group()
        at, end = match.span()
        if names_at.get(at) == name and at >= plivo_from:
            own_at[name] = at
            last_own = name
            if name in FREE_TEXT:
                value_start = end + get
                free = (name, at, value_start, value_start + len(sent[name]))
            elif name == "Status":
                status_seen = True
        elif (name in FREE_TEXT or signed[end:end + 1] != "=" or not at
              or signed[at - 1] == "&") and could_begin(name, at):
            return name, at  # (a "Name=" inside a value begins no field, even on a GET)
        # ParentMessageUUID holds MessageUUID, which the pass above stepped over.
        if (name == "ParentMessageUUID" and signed[end:end + 1] != "="
                and could_begin("MessageUUID", at + 6)):
            return "MessageUUID", at + 6
    return None


def _first_byte_before(signed: str, at: int) -> str:
    """The lowest first byte of a sorted run of fields that could hold `at`: the start of the
    signed fields, or of a body behind a POST query's "." (a query holds an "=" before it)."""
    lowest = signed[0]
    equals = signed.find("=", 0, at)
    dot = signed.find(".", equals + 1, at) if equals >= 0 else -1
    while dot >= 0:
        lowest = min(lowest, signed[dot + 1])
        dot = signed.find(".", dot + 1, at)
    return lowest
