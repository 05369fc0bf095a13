"""Reading a provider's callback off the request, strictly: its fields, and their shapes.

Werkzeug parses forms leniently (bytes that are not UTF-8 become U+FFFD, a repeated key keeps
its first value), which would store something the provider never sent. Callbacks are small, so
the body is decoded here with the standard library, and every problem becomes a 400 that names
it. An app that takes JSON bodies (Vonage) passes its own reader to `read_fields`.
"""

import re
from datetime import datetime
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from shared.report import as_naive_utc

MAX_FIELDS = 100
MAX_VALUE_LENGTH = 10_000  # a long inbound SMS arrives joined: 1,600 characters and more
MAX_ID_LENGTH = 100
FORM_TYPES = ("application/x-www-form-urlencoded", "")


def text(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"The {where} is not valid UTF-8 (byte {err.start}).") from None


def no_duplicates(pairs, where: str) -> dict:
    fields: dict = {}
    for key, value in pairs:
        if key in fields:
            raise BadRequest(f"The field {key!r} appears more than once in the {where}.")
        fields[key] = value
    return fields


def _form(raw: bytes, where: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(text(raw, where), keep_blank_values=True, max_num_fields=MAX_FIELDS,
                          errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"The {where} has percent-escapes that are not UTF-8.") from None
    except ValueError:
        raise BadRequest(f"The {where} has more than {MAX_FIELDS} fields.") from None
    return no_duplicates(pairs, where)


def body(request: Request) -> bytes:
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A chunked body (no Content-Length): werkzeug's LimitedStream stops at the limit
        # without a word, so a body that reached it was cut short.
        raise RequestEntityTooLarge(f"The body is larger than {limit} bytes; a callback is "
                                    "well under 2 KB.")
    return raw


def query_fields(request: Request) -> dict[str, str]:
    """The URL's query, read as strictly as a body (Plivo signs a POST's query too)."""
    return _form(request.query_string, "query string")


def read_fields(request: Request, json_fields=None) -> dict[str, str]:
    """The callback's fields: the query string on GET; on POST the form body, or the JSON body
    read by `json_fields` when the app takes JSON."""
    if request.method == "GET":
        fields = query_fields(request)
    elif request.mimetype == "application/json" and json_fields:
        fields = json_fields(body(request))
    elif request.mimetype in FORM_TYPES:
        fields = _form(body(request), "form body")
    else:
        raise UnsupportedMediaType(f"Content-Type {request.mimetype!r} is not a form"
                                   f"{' or JSON' if json_fields else ''} body.")
    for key, value in fields.items():
        if len(value) > MAX_VALUE_LENGTH or len(key) > 100:
            raise BadRequest(f"The field {key[:100]!r} is longer than the provider ever sends.")
        if "\x00" in value or "\x00" in key:
            raise BadRequest(f"The field {key!r} contains a NUL character.")
    return fields


# Shapes both providers' documented fields share (re.ASCII: [0-9] only, no other digits).
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
DIGITS = r"[0-9]{1,10}"
WORD = r"[A-Za-z][A-Za-z_-]{0,29}"


def shape(pattern: str, what: str) -> tuple[re.Pattern, str]:
    return re.compile(pattern, re.ASCII), what


def check_shapes(fields: dict[str, str], shapes: dict[str, tuple[re.Pattern, str]]) -> None:
    """400 unless each documented field the app reads has its documented shape (blank allowed:
    `required` says when it is not). A field that must be a UUID, digits or a word cannot hold
    the next field's name and value: signed bytes cut again into other fields fail here."""
    for name, (pattern, what) in shapes.items():
        value = fields.get(name, "")
        if value.strip() and not pattern.fullmatch(value):
            raise BadRequest(f"{name} must be {what}, not {value[:40]!r}.")


def required(fields: dict[str, str], name: str, what: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise BadRequest(f"{name} is missing: {what}.")
    if len(value) > MAX_ID_LENGTH:
        raise BadRequest(f"{name} is longer than {MAX_ID_LENGTH} characters.")
    return value


def optional_int(fields: dict[str, str], name: str) -> int | None:
    value = fields.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise BadRequest(f"{name} must be a whole number, got {value[:40]!r}.")
    return int(value)


def optional_time(fields: dict[str, str], name: str) -> datetime | None:
    """A provider time ("2018-10-25 12:10:26", Plivo adds microseconds), as naive UTC."""
    value = fields.get(name, "").strip()
    if not value:
        return None
    try:
        return as_naive_utc(datetime.fromisoformat(value))
    except ValueError:
        raise BadRequest(
            f"{name} is not a time like 2018-10-25 12:10:26: {value[:40]!r}.") from None
    except OverflowError:
        raise BadRequest(f"{name} is out of range: {value[:40]!r}.") from None
