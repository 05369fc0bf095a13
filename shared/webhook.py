"""Reading a provider's callback off the request, strictly, and the answers for bad ones.

Werkzeug parses forms and JSON leniently (bytes that are not UTF-8 become U+FFFD, a repeated key
keeps its first value), which would store something the provider never sent. Callbacks are
small, so the body is decoded here by hand with the standard library and every problem becomes
a 400 that names it.
"""

import json
from datetime import datetime
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from shared.report import as_naive_utc

MAX_FIELDS = 100
MAX_VALUE_LENGTH = 10_000  # a long inbound SMS arrives joined: 1,600 characters and more
MAX_ID_LENGTH = 100
FORM_TYPES = ("application/x-www-form-urlencoded", "")


def bad_request(sentence: str) -> BadRequest:
    return BadRequest(description=sentence)


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise bad_request(f"The {where} is not valid UTF-8 (byte {err.start}).") from None


def _parse_pairs(text: str, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS,
                         errors="strict")
    except UnicodeDecodeError:
        raise bad_request(f"The {where} has percent-escapes that are not UTF-8.") from None
    except ValueError:
        raise bad_request(f"The {where} has more than {MAX_FIELDS} fields.") from None


def _no_duplicates(pairs, where: str) -> dict:
    fields: dict = {}
    for key, value in pairs:
        if key in fields:
            raise bad_request(f"The field {key!r} appears more than once in the {where}.")
        fields[key] = value
    return fields


def _json_fields(raw: bytes) -> dict[str, str]:
    try:
        document = json.loads(_decode(raw, "JSON body"),
                              object_pairs_hook=lambda p: _no_duplicates(p, "JSON body"))
    except json.JSONDecodeError as err:
        raise bad_request(f"The body is not valid JSON: {err.msg} at position {err.pos}.") from None
    if not isinstance(document, dict):
        raise bad_request("The JSON body must be an object of fields, not "
                          f"{type(document).__name__}.")
    fields = {}
    for key, value in document.items():
        if isinstance(value, bool) or isinstance(value, dict | list):
            raise bad_request(f"The field {key!r} must be a string, not {type(value).__name__}.")
        fields[key] = "" if value is None else str(value)
        try:  # JSON escapes can spell a lone surrogate ("\ud800"), which is not text
            (key + fields[key]).encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request(f"The field {key!r} is not valid Unicode text.") from None
    return fields


def read_fields(request: Request) -> dict[str, str]:
    """The callback's fields: the query string on GET; the form or JSON body on POST."""
    if request.method == "GET":
        where = "query string"
        fields = _no_duplicates(_parse_pairs(_decode(request.query_string, where), where), where)
    elif request.mimetype == "application/json":
        fields = _json_fields(request.get_data(cache=True))
    elif request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype!r} is not a form or JSON body.")
    else:
        where = "form body"
        fields = _no_duplicates(
            _parse_pairs(_decode(request.get_data(cache=True), where), where), where)
    if len(fields) > MAX_FIELDS:
        raise bad_request(f"The request has more than {MAX_FIELDS} fields.")
    for key, value in fields.items():
        if len(value) > MAX_VALUE_LENGTH or len(key) > 100:
            raise bad_request(f"The field {key[:100]!r} is longer than the provider ever sends.")
        if "\x00" in value or "\x00" in key:
            raise bad_request(f"The field {key!r} contains a NUL character.")
    return fields


def required(fields: dict[str, str], name: str, what: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise bad_request(f"{name} is missing: {what}.")
    if len(value) > MAX_ID_LENGTH:
        raise bad_request(f"{name} is longer than {MAX_ID_LENGTH} characters.")
    return value


def optional_int(fields: dict[str, str], name: str) -> int | None:
    value = fields.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise bad_request(f"{name} must be a whole number, got {value[:40]!r}.")
    return int(value)


def optional_time(fields: dict[str, str], name: str) -> datetime | None:
    """A provider time ("2018-10-25 12:10:26", Plivo adds microseconds), as naive UTC."""
    value = fields.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(
            f"{name} is not a time like 2018-10-25 12:10:26: {value[:40]!r}.") from None
    try:
        return as_naive_utc(parsed)
    except OverflowError:
        raise bad_request(f"{name} is out of range: {value[:40]!r}.") from None
