"""A delivery report in the providers' common shape, ready to interpret, log and store."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from shared.status import Interpretation, interpret

# What a report is, in the words the log line uses.
KINDS = ("DLR", "inbound", "send")


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
    provider: str  # plivo | vonage
    kind: str  # one of KINDS
    message_id: str
    status: str  # the provider's own word, kept verbatim
    # Everything the provider sent, known or not: strings, except the nested JSON objects of
    # the Vonage Messages API, kept as they came (raw_json stores them verbatim).
    fields: dict[str, Any]
    direction: str = "outbound"
    error_code: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    text: str | None = None
    group_id: str | None = None  # multipart: the id that ties the parts together
    part_info: str | None = None
    client_ref: str | None = None
    sequence: int | None = None  # Plivo orders the callbacks of one message with it
    occurred_at: datetime | None = None  # when the provider says this status happened
    sent_at: datetime | None = None  # when the provider says the message was sent
    received_at: datetime = field(default_factory=utcnow)
    # Fields that differ between two deliveries of the same report (Vonage's signing
    # timestamp and nonce), left out of the duplicate check.
    volatile_fields: frozenset[str] = frozenset()
    dedupe_key_override: str | None = None
    note: str | None = None  # why this app could not accept the message, when it could not

    @cached_property
    def interpretation(self) -> Interpretation:
        # A send call is "queued" whatever the provider calls its success (Vonage: status 0).
        return interpret(self.provider, self.status, self.error_code, self.to_number,
                         state="queued" if self.kind == "send" else None)

    @cached_property
    def raw_json(self) -> str:
        return json.dumps(self.fields, sort_keys=True, ensure_ascii=False)

    @cached_property
    def dedupe_key(self) -> str:
        """Same key for a provider's retry of this report, a different one for any other."""
        if self.dedupe_key_override:
            return self.dedupe_key_override
        if self.volatile_fields:
            stable = {k: v for k, v in self.fields.items() if k not in self.volatile_fields}
            text = json.dumps(stable, sort_keys=True, ensure_ascii=False)
        else:
            text = self.raw_json
        return hashlib.sha256(f"{self.kind}\n{text}".encode()).hexdigest()
