"""The store keeps values exactly as SQLAlchemy would, so time-range queries find them."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import select

from shared.health import ping
from shared.report import Report
from shared.store import Store, events, messages
from tests.codes import CODES


def test_a_time_on_the_second_is_found_by_a_range_starting_at_that_second(database_url):
    store = Store(database_url)
    at = datetime(2026, 1, 10, 12, 0, 0)
    store.save(Report(codes=CODES["vonage"], kind="DLR", message_id="0B00000127FDBC63",
                      status="delivered", fields={"messageId": "0B00000127FDBC63"},
                      occurred_at=at, sent_at=at, received_at=at))
    with store.engine.connect() as conn:
        found = conn.execute(select(messages.c.sent_at).where(messages.c.sent_at >= at)).all()
        occurred = conn.execute(select(events.c.occurred_at)).scalar_one()
    assert found == [(at,)]
    assert occurred == at


def test_saves_from_many_threads_give_every_connection_back_to_the_pool(database_url):
    store = Store(database_url)
    reports = [Report(codes=CODES["plivo"], kind="DLR", message_id=f"m-{n}", status="sent",
                      fields={"MessageUUID": f"m-{n}"}) for n in range(60)]
    store.ensure_tables()
    with ThreadPoolExecutor(30) as pool:
        results = list(pool.map(store.save, reports))
    assert results == [("sent", False)] * 60
    assert store.engine.pool.checkedout() == 0
    assert ping(store)
