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


def window_counts(conn: Connection, direction: str, start: datetime, end: datetime,
                  provider: str | None = None) -> dict[str, Counts]:
    """Per provider: every message placed in [start, end), and how many ended each way."""
    rows = conn.execute(
        select(messages.c.provider, messages.c.outcome, func.count())
        .where(_in_window(direction, start, end, provider))
        .group_by(messages.c.provider, messages.c.outcome))
    tally: dict[str, dict[str, int]] = {}
    for name, outcome, count in rows:
        tally.setdefault(name, {})[outcome] = count
    return {name: Counts(total=sum(by_outcome.values()),
                         delivered=by_outcome.get("delivered", 0),
                         undelivered=sum(by_outcome.get(o, 0) for o in UNDELIVERED))
            for name, by_outcome in tally.items()}


class ErrorGroup(NamedTuple):
    code: str | None
    text: str | None  # what the code says, as explained when its report arrived
    retryable: bool | None  # True temporary, False permanent, None not in the provider's table
    count: int


def undelivered_by_code(conn: Connection, provider: str, start: datetime,
                        end: datetime) -> list[ErrorGroup]:
    """The window's undelivered outbound messages grouped by the provider's error code."""
    m = messages.c
    where = and_(_in_window("outbound", start, end, provider), m.outcome.in_(UNDELIVERED))
    groups: dict[str | None, ErrorGroup] = {}
    for code, text, retryable, count in conn.execute(
            select(m.error_code, m.error_text, m.retryable, func.count()).where(where)
            .group_by(m.error_code, m.error_text, m.retryable)):
        seen = groups.get(code)  # the same code explained two ways (the table changed since)
        groups[code] = ErrorGroup(code, text if seen is None else seen.text or text,
                                  retryable, count + (seen.count if seen else 0))
    return list(groups.values())


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
