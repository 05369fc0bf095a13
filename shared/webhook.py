"""Reading a provider's callback off the request, strictly, and the answers for bad ones.

Werkzeug parses forms and JSON leniently (bytes that are not UTF-8 become U+FFFD, a repeated key
keeps its first value), which would store something the provider never sent. Callbacks are
small, so the body is decoded here by hand with the standard library and every problem becomes
a 400 that names it.
"""

import json
import math
import re
from datetime import datetime
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from shared.report import as_naive_utc

MAX_FIELDS = 100
MAX_VALUE_LENGTH = 10_000  # a long inbound SMS arrives joined: 1,600 characters and more
MAX_ID_LENGTH = 100
MAX_INT_DIGITS = 30
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


def json_object(raw: bytes) -> dict:
    """A JSON body that must be one object: strict UTF-8, no repeated key, no lone surrogate.
    Nested values are kept as they came (the Vonage Messages API nests objects)."""
    try:
        document = json.loads(_decode(raw, "JSON body"), parse_int=_short_int,
                              parse_float=_finite_float, parse_constant=_no_constant,
                              object_pairs_hook=lambda p: _no_duplicates(p, "JSON body"))
    except json.JSONDecodeError as err:
        raise bad_request(f"The body is not valid JSON: {err.msg} at position {err.pos}.") from None
    except RecursionError:  # [[[[… a thousand deep fits in 2 KB
        raise bad_request("The JSON body is nested too deeply to be a callback.") from None
    if not isinstance(document, dict):
        raise bad_request("The JSON body must be an object of fields, not "
                          f"{type(document).__name__}.")
    try:  # JSON escapes can spell a lone surrogate ("\ud800"), which is not text
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("The JSON body has a string that is not valid Unicode text.") from None
    return document


def _json_fields(raw: bytes) -> dict[str, str]:
    document = json_object(raw)
    fields = {}
    for key, value in document.items():
        if isinstance(value, bool) or isinstance(value, dict | list):
            raise bad_request(f"The field {key!r} must be a string, not {type(value).__name__}.")
        fields[key] = "" if value is None else str(value)
    return fields


def _short_int(digits: str) -> int:
    # int() of thousands of digits is slow, and Python refuses over 4,300 with a ValueError
    # (a 500); no provider sends a number longer than a price or a count.
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise bad_request(f"The JSON body holds a number of {len(digits)} digits.")
    return int(digits)


def _finite_float(text: str) -> float:
    # 1e999 is valid JSON that Python reads as infinity, which json.dumps writes back as the
    # bare word Infinity: not JSON. No provider sends a number that large.
    value = float(text)
    if not math.isfinite(value):
        raise bad_request(f"The JSON body holds a number too large to be a number: {text[:40]}.")
    return value


def _no_constant(name: str):
    raise bad_request(f"The JSON body holds {name}, which is not JSON.")


def _body(request: Request) -> bytes:
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(raw) >= limit:
        # A chunked body (no Content-Length): werkzeug's LimitedStream stops at the limit
        # without a word, so a body that reached it was cut short.
        raise RequestEntityTooLarge(f"The body is larger than {limit} bytes; a callback is "
                                    "well under 2 KB.")
    return raw


def query_fields(request: Request) -> dict[str, str]:
    """The URL's query, read as strictly as a body (a POST's query is signed by Plivo too)."""
    where = "query string"
    return _no_duplicates(_parse_pairs(_decode(request.query_string, where), where), where)


def read_fields(request: Request) -> dict[str, str]:
    """The callback's fields: the query string on GET; the form or JSON body on POST."""
    if request.method == "GET":
        fields = query_fields(request)
    elif request.mimetype == "application/json":
        fields = _json_fields(_body(request))
    elif request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype!r} is not a form or JSON body.")
    else:
        where = "form body"
        fields = _no_duplicates(
            _parse_pairs(_decode(_body(request), where), where), where)
    if len(fields) > MAX_FIELDS:
        raise bad_request(f"The request has more than {MAX_FIELDS} fields.")
    for key, value in fields.items():
        if len(value) > MAX_VALUE_LENGTH or len(key) > 100:
            raise bad_request(f"The field {key[:100]!r} is longer than the provider ever sends.")
        if "\x00" in value or "\x00" in key:
            raise bad_request(f"The field {key!r} contains a NUL character.")
    return fields


# Shapes both providers' documented fields share (re.ASCII: [0-9] only, no other digits).
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
DIGITS = r"[0-9]{1,10}"
WORD = r"[A-Za-z][A-Za-z_-]{0,29}"
# A phone number (E.164 with or without "+", or a short code), or an alphanumeric sender id of at
# most 11 characters (the GSM limit): "+14155550100", "447547232824", "Nexmo CLI".
ADDRESS = r"\+?[0-9]{1,15}|[A-Za-z0-9 ._-]{1,11}"


def shape(pattern: str, what: str) -> tuple[re.Pattern, str]:
    return re.compile(pattern, re.ASCII), what


def check_shapes(fields: dict[str, str], name_shape: re.Pattern,
                 shapes: dict[str, tuple[re.Pattern, str]], provider: str) -> None:
    """Refuse a field name the provider never uses, or a documented field of the wrong shape.

    Signatures join names and values (Plivo V3: with no separator; Vonage: `&k=v`, with `&` and
    `=` replaced in values only), so the same signed bytes can be cut into other fields. A field
    the app reads that must be a UUID, digits or a word cannot hold the next field's name and
    value, and a name cannot hold `&` or `=`: a re-cut report fails here.
    """
    for name in fields:
        if not name_shape.fullmatch(name):
            raise bad_request(f"The field name {name[:40]!r} has characters {provider} never "
                              "uses in one.")
    for name, (pattern, what) in shapes.items():
        value = fields.get(name, "")
        if value.strip() and not pattern.fullmatch(value):  # blank: `required` says so
            raise bad_request(f"{name} must be {what}, not {value[:40]!r}.")


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
