"""A JSON callback body, read strictly: one object, UTF-8, no repeated key, no lone surrogate,
no number Vonage never sends (Plivo posts forms only, so the JSON reader lives here).

Python's json module reads 1e999 as infinity (written back as the bare word Infinity, not JSON),
thousands of digits slowly or not at all (a ValueError past 4,300 digits: a 500), and keeps the
last of two repeated keys; each becomes a 400 that names it here.
"""

import json
import math

from werkzeug.exceptions import BadRequest

from shared.callback import MAX_FIELDS, no_duplicates, text

MAX_INT_DIGITS = 30


def json_object(raw: bytes) -> dict:
    """Nested values are kept as they came (the Vonage Messages API nests objects)."""
    try:
        document = json.loads(text(raw, "JSON body"), parse_int=_short_int,
                              parse_float=_finite_float, parse_constant=_no_constant,
                              object_pairs_hook=lambda p: no_duplicates(p, "JSON body"))
    except json.JSONDecodeError as err:
        raise BadRequest(f"The body is not valid JSON: {err.msg} at position {err.pos}.") from None
    except RecursionError:  # [[[[… a thousand deep fits in 2 KB
        raise BadRequest("The JSON body is nested too deeply to be a callback.") from None
    if not isinstance(document, dict):
        raise BadRequest("The JSON body must be an object of fields, not "
                         f"{type(document).__name__}.")
    if len(document) > MAX_FIELDS:
        raise BadRequest(f"The request has more than {MAX_FIELDS} fields.")
    try:  # JSON escapes can spell a lone surrogate ("\ud800"), which is not text
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("The JSON body has a string that is not valid Unicode text.") from None
    return document


def flat_fields(raw: bytes) -> dict[str, str]:
    """A JSON body of string fields (the SMS API's POST-JSON receipt), as a form would be."""
    fields = {}
    for key, value in json_object(raw).items():
        if isinstance(value, bool | dict | list):
            raise BadRequest(f"The field {key!r} must be a string, not {type(value).__name__}.")
        fields[key] = "" if value is None else str(value)
    return fields


def _short_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise BadRequest(f"The JSON body holds a number of {len(digits)} digits.")
    return int(digits)


def _finite_float(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):
        raise BadRequest(f"The JSON body holds a number too large to be a number: {number[:40]}.")
    return value


def _no_constant(name: str):
    raise BadRequest(f"The JSON body holds {name}, which is not JSON.")
