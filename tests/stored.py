"""Messages written straight into the store, by the hundred: one statement each batch, every
row interpreted by the same function the store uses."""

import itertools
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from alerts.check import check
from shared.report import STATES, Report, utcnow
from shared.store import Store, events, messages
from sms_log import queries
from tests.codes import CODES, interpret

HOUR = datetime(2026, 1, 10, 12, 0)  # the window a check at 2026-01-10T13:00Z evaluates
UK = "+447700900111"
_ids = itertools.count()


def rows(provider, status, count, start, error_code=None, to=UK, direction="outbound",
         country=None, network=None):
    """`count` messages whose last report said `status`, sent a second apart from `start`
    (placed in `country`, on `network`, only when given)."""
    i = interpret(provider, status, error_code, to)
    return [{
        "provider": provider, "message_id": f"m{next(_ids)}", "direction": direction,
        "to_number": to, "country": country, "network": network,
        "status": status, "state": i.state, "rank": STATES[i.state].rank,
        "final": i.final, "outcome": i.outcome, "error_code": i.error_code,
        "error_text": i.error_text, "retryable": i.retryable,
        "sent_at": start + timedelta(seconds=n), "created_at": start, "updated_at": start,
    } for n in range(count)]


def add(store, *batches):
    with store.engine.begin() as conn:
        conn.execute(insert(messages), [row for batch in batches for row in batch])


def previous_days(store, provider, delivered, undelivered, days=range(1, 8), hour=HOUR,
                  failure="undelivered", code="50", country=None):
    for back in days:
        start = hour - timedelta(days=back)
        add(store, rows(provider, "delivered", delivered, start, country=country),
            rows(provider, failure, undelivered, start + timedelta(minutes=20), code,
                 country=country))


def seed_example_hour(store, provider="plivo", hour=HOUR, failure="undelivered",
                      codes=("50", "80")):
    """Seed 001's example: 260 sent, 182 delivered (70%), 78 undelivered."""
    add(store, rows(provider, "delivered", 182, hour),
        rows(provider, failure, 39, hour + timedelta(minutes=10), codes[0]),
        rows(provider, failure, 39, hour + timedelta(minutes=20), codes[1]))


def refused(store, n, at, reason="MessageTime is not a time like 2018-10-25 12:10:26: 'x'."):
    """Inbound messages the Plivo app received but could not accept, stored as it stores them."""
    for _ in range(n):
        uuid = f"in-{next(_ids)}"
        store.save(Report(codes=CODES["plivo"], kind="inbound", direction="inbound",
                          status="undelivered", message_id=uuid, fields={"MessageUUID": uuid},
                          note=reason, received_at=at))


def clock_hour():
    return utcnow().replace(minute=0, second=0, microsecond=0)


def bad_hour(database_url, capsys=None):
    """Seed 001's example in the last full hour, 7 good days before it, 20 inbound messages of
    which 4 refused; then the check at this hour raises both alerts."""
    store = Store(database_url)
    store.ensure_tables()
    hour = clock_hour() - timedelta(hours=1)
    seed_example_hour(store, hour=hour)
    previous_days(store, "plivo", delivered=190, undelivered=10, hour=hour)
    add(store, rows("plivo", "received", 16, hour + timedelta(minutes=5), direction="inbound"))
    refused(store, 4, hour + timedelta(minutes=30))
    raised = check(store, clock_hour())
    if capsys:
        capsys.readouterr()
    return store, hour, raised


def stored_message(store, message_id: str, provider: str | None = None) -> dict | None:
    """The message as the log reads it: its row, its events and its parts."""
    store.ensure_tables()
    with store.engine.connect() as conn:
        return queries.message(conn, message_id, provider)


def event_count(store) -> int:
    store.ensure_tables()
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(events)).scalar_one()
