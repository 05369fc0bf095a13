"""A delivery report in the providers' common shape, and what it means.

Each provider package turns its callback into a `Report`, with its own words for statuses and
error codes as data (`Codes`). Every word maps onto one of a few normalized states (the
README's "What the statuses mean"); `rank` orders them, so a late or out-of-order callback never
moves a message backwards: the store takes a report's state only when it ranks higher.
`unknown` is final but ranks below the other final states, so a real answer that arrives after
an "unknown" receipt still wins.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, NamedTuple

# The country of a phone number (ISO 3166-1 alpha-2), or None: set by an extra that knows
# countries (sms_log, with phonenumbers). The core only stores what it says.
country_of = None


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


class Codes(NamedTuple):
    """One provider's words, as data: what its statuses mean, what its error codes say."""

    provider: str  # plivo | vonage: the name the store keeps
    statuses: dict[str, str]  # the provider's status word -> a state of STATES
    errors: dict[str, tuple[str, bool]]  # code -> (text, retryable: sending again may work)
    success: frozenset[str]  # codes that mean "no error"
    unknown: str  # how a code missing from `errors` is named: "unknown Plivo error 777"

    def explain(self, code: str | None) -> tuple[str | None, bool | None]:
        """(text, retryable); an unknown code still gets a text, and retryable None."""
        if code is None:
            return None, None
        return self.errors.get(code.lstrip("0") or "0") or (f"unknown {self.unknown} {code}", None)


class Interpretation(NamedTuple):
    state: str
    final: bool
    outcome: str
    error_code: str | None  # None when the provider reported success or no code
    error_text: str | None
    retryable: bool | None  # None when there is no error, or the code is unknown


def is_north_american(number: str | None) -> bool:
    """+1 numbers (US and Canada), written with or without the plus, as both providers do."""
    digits = (number or "").lstrip("+")
    return len(digits) == 11 and digits.startswith("1") and digits.isdigit()


def outcome(state: str, to_number: str | None) -> str:
    """The outcome delivery rates count. The US and Canada return no delivery receipts, so a
    message there stays `sent` for ever: Plivo's Delivery Alerts FAQ counts it as delivered."""
    if state == "sent" and is_north_american(to_number):
        return "delivered"
    return STATES[state].outcome


def interpret(codes: Codes, status: str, error_code: str | None, to_number: str | None = None,
              state: str | None = None) -> Interpretation:
    """Never raises, whatever the provider sent. `state` skips the status table (a send call)."""
    state = state or codes.statuses.get((status or "").strip().lower(), "unknown")
    code = (error_code or "").strip()
    code = None if code in codes.success else code
    text, retryable = codes.explain(code)
    return Interpretation(state, STATES[state].final, outcome(state, to_number), code, text,
                          retryable)


def utcnow() -> datetime:
    """Naive UTC: the one time zone the store keeps (SQLite has no time zones)."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_naive_utc(moment: datetime) -> datetime:
    """A time as the store keeps it; one without an offset is taken as UTC already.
    Raises OverflowError when the offset moves it out of the calendar (year 1 or 9999)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True, eq=False)
class Report:
    codes: Codes  # whose report it is, and what its words mean
    kind: str  # DLR | inbound | send
    message_id: str
    status: str  # the provider's own word, kept verbatim
    # Everything the provider sent, known or not: strings, except the nested JSON objects of
    # the Vonage Messages API, kept as they came.
    fields: dict[str, Any]
    direction: str = "outbound"
    error_code: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    text: str | None = None
    group_id: str | None = None  # multipart: the id that ties the parts together
    part_info: str | None = None
    client_ref: str | None = None
    network: str | None = None  # the handset's network as the provider names it (MCC+MNC…)
    sequence: int | None = None  # Plivo orders the callbacks of one message with it
    occurred_at: datetime | None = None  # when the provider says this status happened
    sent_at: datetime | None = None  # when the provider says the message was sent
    received_at: datetime = field(default_factory=utcnow)
    # Fields that differ between two deliveries of the same report (Vonage's signing
    # timestamp and nonce), left out of the duplicate check.
    volatile_fields: frozenset[str] = frozenset()
    dedupe_key_override: str | None = None
    note: str | None = None  # why this app could not accept the message, when it could not

    @property
    def provider(self) -> str:
        return self.codes.provider

    @property
    def handset(self) -> str | None:
        """The number at the far end: the recipient of an outbound message, the sender of an
        inbound one."""
        return self.from_number if self.direction == "inbound" else self.to_number

    @cached_property
    def country(self) -> str | None:
        return country_of(self.handset) if country_of and self.handset else None

    @cached_property
    def interpretation(self) -> Interpretation:
        # A send call is "queued" whatever the provider calls its success (Vonage: status 0).
        return interpret(self.codes, self.status, self.error_code, self.to_number,
                         state="queued" if self.kind == "send" else None)

    @cached_property
    def raw_json(self) -> str:
        return json.dumps(self.fields, sort_keys=True, ensure_ascii=False)

    @cached_property
    def dedupe_key(self) -> str:
        """Same key for a provider's retry of this report, a different one for any other."""
        if self.dedupe_key_override:
            return self.dedupe_key_override
        text = self.raw_json
        if self.volatile_fields:
            stable = {k: v for k, v in self.fields.items() if k not in self.volatile_fields}
            text = json.dumps(stable, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.kind}\n{text}".encode()).hexdigest()

    def describe(self, stored_state: str | None = None, duplicate: bool = False) -> str:
        """The log line: plivo DLR 5b40a428… → +447700900111 undelivered (final): 50 Invalid
        Destination Number, permanent"""
        i = self.interpretation
        line = (f"{self.provider} {self.kind} {short_id(self.message_id)} → "
                f"{self.handset or '?'} {i.state} ({'final' if i.final else 'pending'})")
        if i.error_code:
            kind = {True: "temporary", False: "permanent", None: "unknown whether temporary"}
            line += f": {i.error_code} {i.error_text}, {kind[i.retryable]}"
        if self.note:
            line += f": {self.note}"
        if duplicate:
            return line + " [duplicate: already stored]"
        if stored_state and stored_state != i.state:
            line += f" [late: message stays {stored_state}]"
        return line


def short_id(message_id: str) -> str:
    return message_id if len(message_id) <= 10 else message_id[:8] + "…"
