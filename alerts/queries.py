"""The alert rules' questions to the store, each a range scan of ix_messages_time.

Every query is bounded by `direction = ? AND sent_at >= ? AND sent_at < ?`, the leading columns
of the index (direction, sent_at), so the database reads only the rows of the hour-window it
asks about: the cost follows the hour's messages, not the size of the history.
"""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from alerts.rules import Counts
from shared.store import events, messages

# Final outcomes that are not a delivery. `unknown` is final (the provider will say no more) and
# counts as undelivered: nobody confirmed the message arrived, and a failing route often shows
# up as a wave of "unknown" receipts, which leaving them out would hide.
UNDELIVERED = ("failed", "unknown")


def _in_window(direction: str, start: datetime, end: datetime, provider: str | None):
    condition = and_(messages.c.direction == direction, messages.c.sent_at >= start,
                     messages.c.sent_at < end)
    if provider:
        condition = and_(condition, messages.c.provider == provider)
    return condition


def counts_by(conn: Connection, direction: str, start: datetime, end: datetime,
              provider: str | None = None, by: tuple = ()) -> dict[tuple, Counts]:
    """Per provider, and per value of each column in `by` (messages.c.country, .network): every
    message placed in [start, end), and how many ended each way. The keys are tuples,
    (provider, *values). The columns are the message's own, stored when its report arrived: no
    raw field is read."""
    keys = [messages.c.provider, *by]
    rows = conn.execute(
        select(*keys, messages.c.outcome, func.count())
        .where(_in_window(direction, start, end, provider))
        .group_by(*keys, messages.c.outcome))
    tally: dict[tuple, dict[str, int]] = {}
    for *key, outcome, count in rows:
        tally.setdefault(tuple(key), {})[outcome] = count
    return {key: Counts(total=sum(by_outcome.values()),
                        delivered=by_outcome.get("delivered", 0),
                        undelivered=sum(by_outcome.get(o, 0) for o in UNDELIVERED))
            for key, by_outcome in tally.items()}


def window_counts(conn: Connection, direction: str, start: datetime, end: datetime,
                  provider: str | None = None) -> dict[str, Counts]:
    """Per provider: every message placed in [start, end), and how many ended each way."""
    return {key[0]: counts
            for key, counts in counts_by(conn, direction, start, end, provider).items()}


def country_counts(conn: Connection, start: datetime, end: datetime,
                   provider: str | None = None) -> dict[tuple[str, str | None], Counts]:
    """Outbound, per (provider, destination country); None: a number no country was told for."""
    return counts_by(conn, "outbound", start, end, provider, by=(messages.c.country,))


class ErrorGroup(NamedTuple):
    code: str | None
    text: str | None  # what the code says, as explained when its report arrived
    retryable: bool | None  # True temporary, False permanent, None not in the provider's table
    count: int


def _undelivered(conn: Connection, provider: str, start: datetime, end: datetime,
                 by: tuple = (), where: tuple = ()) -> dict[tuple, list[ErrorGroup]]:
    m = messages.c
    condition = and_(_in_window("outbound", start, end, provider), m.outcome.in_(UNDELIVERED),
                     *where)
    found: dict[tuple, dict[str | None, ErrorGroup]] = {}
    for *key, code, text, retryable, count in conn.execute(
            select(*by, m.error_code, m.error_text, m.retryable, func.count()).where(condition)
            .group_by(*by, m.error_code, m.error_text, m.retryable)):
        groups = found.setdefault(tuple(key), {})
        seen = groups.get(code)  # the same code explained two ways (the table changed since)
        groups[code] = ErrorGroup(code, text if seen is None else seen.text or text,
                                  retryable, count + (seen.count if seen else 0))
    return {key: list(groups.values()) for key, groups in found.items()}


def undelivered_by_code(conn: Connection, provider: str, start: datetime, end: datetime,
                        country: str | None = None) -> list[ErrorGroup]:
    """The window's undelivered outbound messages (to `country`, when given) grouped by the
    provider's error code."""
    where = () if country is None else (messages.c.country == country,)
    return _undelivered(conn, provider, start, end, where=where).get((), [])


def undelivered_codes_by(conn: Connection, column, provider: str, start: datetime,
                         end: datetime) -> dict[str | None, list[ErrorGroup]]:
    """The same for each value of `column` (messages.c.country or .network), in one query."""
    return {key[0]: groups
            for key, groups in _undelivered(conn, provider, start, end, by=(column,)).items()}


def refusal_reasons(conn: Connection, provider: str, start: datetime,
                    end: datetime) -> list[tuple[str | None, int]]:
    """The hour's undelivered inbound messages grouped by why this app refused them (the note
    kept on the refused report's event)."""
    where = and_(_in_window("inbound", start, end, provider), messages.c.outcome == "failed")
    noted = and_(events.c.provider == messages.c.provider,
                 events.c.message_id == messages.c.message_id, events.c.note.is_not(None))
    return [(note, count) for note, count in conn.execute(
        select(events.c.note, func.count()).select_from(messages.outerjoin(events, noted))
        .where(where).group_by(events.c.note))]
