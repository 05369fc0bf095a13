"""Where outbound messages fail: delivery by destination country, and the networks with the most
undelivered messages, for the pictures page.

Both read the window's outbound messages through the index on (direction, sent_at), as the
alerts do (alerts.queries), and group them by the columns stored with each message, `country`
(the handset's ISO code) and `network` (MCC+MNC or Vonage's network code): no raw field is read.
"""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.engine import Connection

from alerts import queries
from alerts.queries import ErrorGroup
from alerts.rules import Counts
from alerts.text import by_count
from shared.store import messages
from sms_log.countries import country_name

LEADING_CODES = 2  # error codes shown beside a country or a network: one line each
TOP_NETWORKS = 10


class Place(NamedTuple):
    country: str | None  # None: numbers no country was told for (sender ids, short codes)
    name: str
    counts: Counts
    codes: list[ErrorGroup]  # its leading error codes, most frequent first

    @property
    def pending(self) -> int:
        return self.counts.total - self.counts.final


class Network(NamedTuple):
    network: str
    country: str | None  # the country most of its messages went to
    counts: Counts
    codes: list[ErrorGroup]


def _leading(groups: list[ErrorGroup]) -> list[ErrorGroup]:
    return sorted(groups, key=by_count)[:LEADING_CODES]


def worst_first(place: Place) -> tuple:
    """Lowest delivery rate first; then the most messages. Countries with nothing final yet,
    and messages without a country, come last."""
    rate = place.counts.rate
    return place.country is None, rate is None, rate or 0, -place.counts.total, place.name


def countries(conn: Connection, provider: str, start: datetime, end: datetime) -> list[Place]:
    counted = queries.country_counts(conn, start, end, provider)
    codes = queries.undelivered_codes_by(conn, messages.c.country, provider, start, end)
    places = [Place(country, country_name(country) if country else "no country",
                    counts, _leading(codes.get(country, [])))
              for (_provider, country), counts in counted.items()]
    return sorted(places, key=worst_first)


def failing_networks(conn: Connection, provider: str, start: datetime,
                     end: datetime) -> list[Network]:
    """The TOP_NETWORKS networks with the most undelivered messages in the window."""
    counted = queries.counts_by(conn, "outbound", start, end, provider,
                                by=(messages.c.network, messages.c.country))
    merged: dict[str, tuple[Counts, dict[str | None, int]]] = {}
    for (_provider, network, country), counts in counted.items():
        if network is None:
            continue
        total, where = merged.get(network, (Counts(), {}))
        merged[network] = (Counts(*(a + b for a, b in zip(total, counts, strict=True))),
                           {**where, country: where.get(country, 0) + counts.total})
    codes = queries.undelivered_codes_by(conn, messages.c.network, provider, start, end)
    failing = [Network(network, max(where, key=where.get), counts,
                       _leading(codes.get(network, [])))
               for network, (counts, where) in merged.items() if counts.undelivered]
    failing.sort(key=lambda n: (-n.counts.undelivered, -n.counts.total, n.network))
    return failing[:TOP_NETWORKS]
