"""What a simulated provider is made of, and what it plays.

A scenario decides *what happens* to each message (a `Plan`: delivered, or failed with a code,
in how many parts). The provider package turns a plan into its own wire format: the callbacks it
would send (`Step`s, each with the exact fields), how it signs a request, and how it retries.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from shared.report import Codes


@dataclass(frozen=True)
class RetryPolicy:
    """How a provider treats a callback that was not answered 2xx.

    `gaps` are the waits between attempts, in seconds; the callback is given up after the last.
    `retry_statuses` says which HTTP answers are retried (None: every non-2xx); no answer at all
    (refused connection, timeout) is always retried.
    """
    timeout: float  # seconds the provider waits for an answer
    gaps: tuple[float, ...]
    retry_statuses: frozenset[int] | None = None

    def retries(self, status: int | None) -> bool:
        return status is None or self.retry_statuses is None or status in self.retry_statuses


@dataclass(frozen=True)
class Plan:
    """What happens to one message, in words the provider's status table knows."""
    final_status: str  # the provider's word: delivered, undelivered, failed, received…
    error_code: str | None = None
    parts: int = 1
    inbound: bool = False
    malformed: bool = False  # sent with a field the receiver cannot read: refused on purpose
    country: str | None = None  # the handset's (simulator.handsets); None: drawn by weight
    network: str | None = None  # its network, MCC+MNC; None: one of the country's


@dataclass(frozen=True)
class Step:
    """One callback the provider sends, `at` seconds (provider time) after the message began."""
    at: float
    message_id: str
    status: str
    fields: dict[str, str]
    error_code: str | None = None
    label: str = ""  # what the output calls it, e.g. "duplicate"
    refusal_expected: bool = False  # malformed on purpose: the receiver should not take it


@dataclass
class SimulatedMessage:
    plan: Plan
    steps: list[Step]
    message_ids: list[str]  # one per part


@dataclass(frozen=True)
class Request:
    """An HTTP request exactly as the provider would make it."""
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] | None = None  # form body
    json: dict[str, Any] | None = None  # JSON body


def with_query(url: str, fields: dict[str, str]) -> str:
    """The URL of a GET callback: the fields in the query string, after any already there."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(fields)}"


class FakeProvider:
    """The wire format of one provider. plivo_app.simulate and nexmo_app.simulate subclass it."""

    name = ""  # the provider's name in the store: plivo | vonage
    codes: Codes  # what its status words and error codes mean
    title = ""  # how people write it: Plivo, Vonage
    module = ""  # python -m <module>
    path = ""  # the app's callback path
    port_variable = ""  # PLIVO_PORT / VONAGE_PORT
    default_port = ""
    retry: RetryPolicy
    scenarios: tuple[str, ...] = ()
    http_methods: tuple[str, ...] = ("POST",)
    # (weight, final status word, error code): how messages fail in a campaign
    failures: tuple[tuple[int, str, str], ...] = ()
    # The same, when one country's carrier filters what it takes for spam (country-degradation)
    filtered: tuple[tuple[int, str, str], ...] = ()

    def message(self, plan: Plan, rng: random.Random, start: datetime,
                time_scale: float) -> SimulatedMessage:
        """The callbacks this provider sends for a message that goes as planned."""
        raise NotImplementedError

    def request(self, url: str, fields: dict[str, str], http_method: str) -> Request:
        """One attempt at delivering a callback, signed afresh (a new nonce each time)."""
        raise NotImplementedError

    def target(self, url: str) -> str:
        """Where the callbacks for `url` go, as the first line of a run names it."""
        return url

    def check_credentials(self) -> None:
        """Exit with one clear line when a secret the provider signs with is missing."""
