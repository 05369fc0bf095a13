"""The country of a phone number, with phonenumbers (Google's libphonenumber metadata).

Both providers write numbers in E.164, with or without the "+": "+447700900111", "447547232824".
A number libphonenumber cannot place in one region (a range reserved for fiction, a new block)
still tells its country calling code, whose main region is taken: 44 is GB, 1 is US. A sender
id ("AcmeInc") or a short code has no country.
"""

from functools import lru_cache

import phonenumbers
from phonenumbers import geocoder

UNKNOWN = "unknown"  # the metrics' label for a message whose country cannot be told


# A message's reports come one after another (queued, sent, delivered): parsed once.
@lru_cache(maxsize=4096)
def country_of(number: str) -> str | None:
    digits = number.strip().lstrip("+")
    if not (digits.isascii() and digits.isdigit()) or len(digits) < 8:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    region = (phonenumbers.region_code_for_number(parsed)
              or phonenumbers.region_code_for_country_code(parsed.country_code))
    return region if region and region.isalpha() and region != "ZZ" else None


@lru_cache(maxsize=512)
def country_name(iso: str) -> str:
    """"France" for FR, in English, from libphonenumber's geocoding data (the name of its own
    example number's country); the code itself where it has none."""
    example = phonenumbers.example_number(iso)
    return (geocoder.country_name_for_number(example, "en") if example else "") or iso
