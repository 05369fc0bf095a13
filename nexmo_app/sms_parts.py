"""How many SMS parts a text takes, in GSM-7 and in UCS-2 (what Vonage calls `unicode`).

Vonage's SMS API sends `text` as GSM-7 unless the request says `type=unicode`; a character
outside the GSM-7 alphabet then arrives garbled (https://developer.vonage.com/en/messaging/sms/
guides/concatenation-and-encoding). The Messages API picks the encoding itself.

GSM-7 (3GPP TS 23.038): 160 characters in one SMS, 153 per part once split (the rest of each
part holds the header that joins them); the extension table's characters (€, [, ], {, }, \\, ~,
^, |, form feed) take two, an escape and the character, and are never split across parts.
UCS-2: 70 UTF-16 code units in one SMS, 67 per part; a character outside the Basic Multilingual
Plane (most emoji) takes two units, a surrogate pair, never split either.
"""

from typing import NamedTuple

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (units in a single SMS, units per part of a split one)
GSM7_LIMITS = (160, 153)
UCS2_LIMITS = (70, 67)


class Parts(NamedTuple):
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def gsm7_units(char: str) -> int | None:
    """Septets one character takes in GSM-7; None when GSM-7 cannot carry it."""
    if char in GSM7_BASIC:
        return 1
    if char in GSM7_EXTENSION:
        return 2
    return None


def ucs2_units(char: str) -> int:
    return len(char.encode("utf-16-le")) // 2


def is_gsm7(text: str) -> bool:
    return all(gsm7_units(c) is not None for c in text)


def _count(sizes: list[int], limits: tuple[int, int]) -> tuple[int, int]:
    """(units, parts): parts filled in order, a character that does not fit opening the next."""
    single, per_part = limits
    units = sum(sizes)
    if units <= single:
        return units, 1 if units else 0
    parts, room = 1, per_part
    for size in sizes:
        if size > room:
            parts, room = parts + 1, per_part
        room -= size
    return units, parts


def gsm7_parts(text: str) -> Parts | None:
    """None when the text has a character outside GSM-7."""
    sizes = [gsm7_units(c) for c in text]
    if None in sizes:
        return None
    return Parts("GSM-7", *_count(sizes, GSM7_LIMITS))


def ucs2_parts(text: str) -> Parts:
    return Parts("UCS-2", *_count([ucs2_units(c) for c in text], UCS2_LIMITS))


def outside_gsm7(text: str) -> str:
    """The characters GSM-7 cannot carry, each once, in order."""
    return "".join(dict.fromkeys(c for c in text if gsm7_units(c) is None))


def describe(text: str) -> str:
    """One line for the send script: the parts in either encoding, and which one is used."""
    ucs2 = ucs2_parts(text)
    gsm = gsm7_parts(text)
    ucs2_words = f"UCS-2 {ucs2.parts} part{'s' * (ucs2.parts != 1)} ({ucs2.units} units)"
    if gsm is None:
        return (f"Sending as unicode (UCS-2): {ucs2_words}; GSM-7 cannot carry "
                f"{outside_gsm7(text)!r}.")
    return (f"Sending as GSM-7: {gsm.parts} part{'s' * (gsm.parts != 1)} ({gsm.units} "
            f"septets); as unicode it would take {ucs2_words}.")
