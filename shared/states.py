"""The normalized states every provider status maps onto (the README's "What the statuses mean").

`rank` orders states so a late or out-of-order callback never moves a message backwards: a
report only replaces the stored state when its rank is higher (or equal, see `shared.store`).
`unknown` is final but ranks below the other final states, so a real answer that arrives after
an "unknown" receipt still wins.
"""

from typing import NamedTuple


class State(NamedTuple):
    final: bool
    outcome: str  # pending | delivered | failed | unknown: what delivery rates count
    rank: int


STATES: dict[str, State] = {
    "queued": State(final=False, outcome="pending", rank=0),
    "sent": State(final=False, outcome="pending", rank=1),
    "unknown": State(final=True, outcome="unknown", rank=2),
    "delivered": State(final=True, outcome="delivered", rank=3),
    "undelivered": State(final=True, outcome="failed", rank=3),
    "failed": State(final=True, outcome="failed", rank=3),
    "rejected": State(final=True, outcome="failed", rank=3),
    "expired": State(final=True, outcome="failed", rank=3),
    "received": State(final=True, outcome="delivered", rank=3),
}


def is_north_american(number: str | None) -> bool:
    """+1 numbers (US and Canada), written with or without the plus, as both providers do."""
    digits = (number or "").lstrip("+")
    return len(digits) == 11 and digits.startswith("1") and digits.isdigit()


def outcome(state: str, to_number: str | None) -> str:
    """The outcome delivery rates count.

    The US and Canada return no delivery receipts, so a message there stays `sent` forever:
    Plivo's Delivery Alerts FAQ says to count "sent + delivered" as delivered.
    """
    if state == "sent" and is_north_american(to_number):
        return "delivered"
    return STATES[state].outcome
