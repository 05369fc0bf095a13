"""What the pictures page shows, as numbers: each hour as the alert rules see it, undelivered
messages by error code, delivery by country and the top failing networks (by_country), and the
alerts raised.

Every figure comes from the alerts: the same window counts (queries), the same rules (rules),
so an hour marked here is one `python -m alerts check` at the end of that hour would
alert on. Hours are clock hours, as `watch` evaluates them (at :00, the hour before).
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Connection

from alerts import queries, record, rules
from alerts.queries import ErrorGroup
from alerts.rules import BASELINE_DAYS, Counts, InboundFigures, OutboundFigures
from alerts.text import by_count
from sms_log import by_country
from sms_log.by_country import Network, Place

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MAX_HOURS = 7 * 24


class Hour(NamedTuple):
    start: datetime
    outbound: OutboundFigures
    inbound: InboundFigures


class Pictures(NamedTuple):
    provider: str
    start: datetime
    end: datetime
    hours: list[Hour]
    errors: list[ErrorGroup]
    refusals: list[tuple[str | None, int]]
    alerts: list[dict]
    countries: list[Place]  # worst first
    networks: list[Network]  # most undelivered first


def hours(conn: Connection, provider: str, start: datetime, end: datetime) -> list[Hour]:
    """Each clock hour in [start, end), judged by the alert rules. Outbound hour-windows are
    counted once each, though every hour's baseline reads the same hour on 7 earlier days."""
    outbound: dict[datetime, Counts] = {}

    def counted(hour: datetime) -> Counts:
        if hour not in outbound:
            outbound[hour] = queries.window_counts(
                conn, "outbound", hour, hour + HOUR, provider).get(provider, Counts())
        return outbound[hour]

    judged = []
    hour = start
    while hour < end:
        previous = [counted(hour - back * DAY) for back in range(1, BASELINE_DAYS + 1)]
        inbound = queries.window_counts(conn, "inbound", hour, hour + HOUR, provider)
        judged.append(Hour(hour, rules.outbound_figures(counted(hour), previous),
                           rules.inbound_figures(inbound.get(provider, Counts()))))
        hour += HOUR
    return judged


def errors(conn: Connection, provider: str, start: datetime, end: datetime) -> list[ErrorGroup]:
    """Undelivered outbound messages in the window by error code, most frequent first."""
    return sorted(queries.undelivered_by_code(conn, provider, start, end), key=by_count)


def raised_alerts(conn: Connection, provider: str, start: datetime, end: datetime) -> list[dict]:
    """The alerts raised in the window, newest first; a per-country one has its `country`."""
    record.ensure_table(conn.engine)
    table = record.alerts
    raised = []
    for row in conn.execute(
            select(table).where(table.c.provider == provider, table.c.raised_at >= start,
                                table.c.raised_at < end + HOUR)
            .order_by(table.c.raised_at.desc(), table.c.direction)).mappings():
        direction, country = record.split_key(row["direction"])
        raised.append({**row, "direction": direction, "country": country})
    return raised


def pictures(conn: Connection, provider: str, end: datetime, span: int) -> Pictures:
    """The `span` clock hours that end at `end` (a clock hour)."""
    start = end - span * HOUR
    reasons = queries.refusal_reasons(conn, provider, start, end)
    return Pictures(provider, start, end, hours(conn, provider, start, end),
                    errors(conn, provider, start, end),
                    sorted(reasons, key=lambda r: -r[1]),
                    raised_alerts(conn, provider, start, end),
                    by_country.countries(conn, provider, start, end),
                    by_country.failing_networks(conn, provider, start, end))
