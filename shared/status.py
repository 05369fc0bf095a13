"""Interpret one provider status and error code: never raises, whatever the provider sent."""

from typing import NamedTuple

from shared.states import STATES, outcome
from shared.status_tables import ERROR_CODES, STATUS_MAP, SUCCESS_CODES, UNKNOWN_CODE_NAME


class Interpretation(NamedTuple):
    state: str
    final: bool
    outcome: str
    error_code: str | None  # None when the provider reported success or no code
    error_text: str | None
    retryable: bool | None  # None when there is no error, or the code is unknown


def normalize_error_code(provider: str, code: str | None) -> str | None:
    code = (code or "").strip()
    return None if code in SUCCESS_CODES[provider] else code


def explain_error(provider: str, code: str | None) -> tuple[str | None, bool | None]:
    """(text, retryable) for an error code; an unknown code still gets a text."""
    if code is None:
        return None, None
    known = ERROR_CODES[provider].get(code.lstrip("0") or "0")
    if known is None:
        return f"unknown {UNKNOWN_CODE_NAME[provider]} {code}", None
    return known


def interpret(provider: str, status: str, error_code: str | None, to_number: str | None = None,
              state: str | None = None):
    """`state` skips the status table: the send scripts' record of a send call is "queued"."""
    state = state or STATUS_MAP[provider].get((status or "").strip().lower(), "unknown")
    code = normalize_error_code(provider, error_code)
    text, retryable = explain_error(provider, code)
    return Interpretation(
        state=state,
        final=STATES[state].final,
        outcome=outcome(state, to_number),
        error_code=code,
        error_text=text,
        retryable=retryable,
    )
