"""The alerts already raised: at most one per provider, direction and clock hour, and one per
destination country too.

The primary key is (provider, direction, hour), and an alert is claimed with an insert that does
nothing on conflict. Whichever process inserts first raises the alert; every other process, at
the same moment or after a restart, finds the row and stays quiet. Plivo's Delivery Alerts FAQ: "at
most, one email alert per hour (each for inbound and outbound)".

A per-country alert keeps its country in the `direction` column: "outbound:FR" (`key`). The
table of a database made before that rule has this very primary key, and SQLite cannot change a
table's primary key in place: a country column would need the table rebuilt in every existing
database. In `direction` it needs nothing, and the rows written before read as they did.
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, inspect, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from shared.store import insert_for

alerts = Table(
    "delivery_alerts", MetaData(),
    Column("provider", String, primary_key=True),
    Column("direction", String, primary_key=True),
    Column("hour", DateTime, primary_key=True),  # the UTC clock hour of the evaluation
    Column("raised_at", DateTime, nullable=False),
    Column("text", Text, nullable=False),  # the alert line, as printed and emailed
    Column("emailed_at", DateTime),
    Column("email_error", Text),  # why the email could not be sent; the alert stands
)


_created: set[str] = set()


def ensure_table(engine: Engine) -> None:
    """Created on first use, beside the receiver's tables."""
    if engine.url.render_as_string() not in _created:
        try:
            alerts.create(engine, checkfirst=True)
        except DBAPIError:
            # Two processes checking at once (cron and `watch`, say) can both find it missing;
            # the second CREATE then fails on the table the first just made.
            if not inspect(engine).has_table(alerts.name):
                raise
        _created.add(engine.url.render_as_string())


def key(direction: str, country: str | None = None) -> str:
    """What the `direction` column holds: "outbound", "inbound", or "outbound:FR"."""
    return f"{direction}:{country}" if country else direction


def split_key(stored: str) -> tuple[str, str | None]:
    """("outbound", "FR") from "outbound:FR"; ("inbound", None) from "inbound"."""
    direction, _, country = stored.partition(":")
    return direction, country or None


def clock_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def claim(conn: Connection, provider: str, direction: str, now: datetime, text: str) -> bool:
    """Record the alert; True only for the one caller whose insert created the row."""
    # RETURNING, not rowcount: a row comes back only when this insert created it, on every
    # driver (psycopg's rowcount for ON CONFLICT DO NOTHING is not reliable through SQLAlchemy).
    insert = insert_for(conn.engine)(alerts).on_conflict_do_nothing(
        index_elements=["provider", "direction", "hour"]).returning(alerts.c.hour)
    return conn.execute(insert, {"provider": provider, "direction": direction,
                                 "hour": clock_hour(now), "raised_at": now,
                                 "text": text}).first() is not None


def note_email(conn: Connection, provider: str, direction: str, now: datetime,
               sent_at: datetime | None, error: str | None) -> None:
    conn.execute(update(alerts).where(
        alerts.c.provider == provider, alerts.c.direction == direction,
        alerts.c.hour == clock_hour(now)).values(emailed_at=sent_at, email_error=error))
