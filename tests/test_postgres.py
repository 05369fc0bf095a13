"""Several app instances on one database, as behind a load balancer in front of one PostgreSQL.

The fake providers deliver every report of a campaign to two running instances at once, so each
report reaches the database twice at nearly the same moment (what a provider's retry and a
load balancer's own retry can do). The database is the suite's: PostgreSQL when
TEST_DATABASE_URL is set (CI's second run), otherwise one SQLite file both instances open.
"""

import os
import random
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared.report import Report
from shared.store import Store, events
from simulator.delivery import Deliverer
from simulator.scenarios import build, expectations
from tests.callbacks import MESSAGE_UUID, message, plivo_post, status_callback
from tests.codes import CODES
from tests.servers import running_app
from tests.signing import fake_plivo, fake_vonage
from tests.stored import stored_message

TIME_SCALE = 0.002  # a campaign of a few provider-minutes plays in well under a second
FAKE_PROVIDERS = {"plivo_app": fake_plivo, "nexmo_app": fake_vonage}


def deliver_to_both(provider, played, base_urls):
    """Plays the same reports at every instance in parallel; returns each one's deliveries."""
    results = {}

    def play(base_url):
        results[base_url] = Deliverer(provider, f"{base_url}{provider.path}",
                                      time_scale=TIME_SCALE, concurrency=6).run(played)

    threads = [threading.Thread(target=play, args=(url,)) for url in base_urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("module", ["plivo_app", "nexmo_app"])
def test_two_instances_given_every_report_at_once_store_each_report_exactly_once(
        module, database_url):
    provider = FAKE_PROVIDERS[module]()
    played = build("campaign", provider, random.Random(6), datetime.now(UTC), TIME_SCALE,
                   messages=40, delivery_rate=0.7)
    with running_app(module, database_url) as (_, first), \
            running_app(module, database_url) as (_, second):
        results = deliver_to_both(provider, played, [first, second])

    reports = sum(len(message.steps) for message in played)
    for base_url, deliveries in results.items():
        assert len(deliveries) == reports
        not_2xx = [a.status for d in deliveries for a in d.attempts if not a.acknowledged]
        assert not_2xx == [], f"{base_url} answered {not_2xx}"

    expected = expectations(provider, played)
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(events)
                                  .where(events.c.provider == provider.name)).scalar_one()
        assert stored == sum(e.events for e in expected.values())  # each report exactly once
        for message_id, expectation in expected.items():
            message = stored_message(store, message_id, provider=provider.name)
            assert message is not None, message_id
            assert (message["state"], len(message["events"])) == (
                expectation.state, expectation.events), message_id
    finally:
        store.engine.dispose()


def test_two_instances_agree_on_a_message_whose_reports_race_each_other(database_url):
    """Every report of one message, sent to both instances at the same instant: the final
    state wins however the four requests interleave, and each report is stored once."""
    provider = FAKE_PROVIDERS["plivo_app"]()
    played = build("lifecycle", provider, random.Random(7), datetime.now(UTC), 0.0)
    with running_app("plivo_app", database_url) as (_, first), \
            running_app("plivo_app", database_url) as (_, second):
        results = deliver_to_both(provider, played, [first, second])
    assert all(d.acknowledged for deliveries in results.values() for d in deliveries)
    store = Store(database_url)
    try:
        message = stored_message(store, played[0].message_ids[0], provider="plivo")
        assert (message["state"], len(message["events"])) == ("delivered", 3)
    finally:
        store.engine.dispose()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="cuts the app's connections on a PostgreSQL server")
def test_a_report_after_the_server_dropped_the_apps_connection_is_stored(plivo, database_url):
    """A database restart or failover closes the connection the app keeps between reports;
    the next report is stored on a new connection instead of being refused."""
    assert plivo_post(plivo, status_callback("sent", sequence=2)).status_code == 200
    url = make_url(database_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        cut = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                           {"name": url.query["application_name"]}).scalar_one()
    admin.dispose()
    assert cut >= 1
    assert plivo_post(plivo, status_callback("delivered", sequence=3)).status_code == 200
    assert message(plivo, MESSAGE_UUID)["state"] == "delivered"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="SQLite lets one writer in at a time: no row locks to deadlock on")
@pytest.mark.parametrize("held", ["event", "message"])
def test_a_commit_locks_its_rows_in_key_order_so_two_instances_never_deadlock(
        database_url, held):
    """Another instance's transaction holds the row of report A; this one commits B then A,
    as they arrived. It must wait on A before touching B, so the other instance can still take
    B and finish: taken in arrival order, B then A, each would wait on the other."""
    store = Store(database_url)
    store.ensure_tables()
    a, b = (store._rows(Report(codes=CODES["plivo"], kind="DLR", message_id=f"m-{n}",
                               status="delivered", fields={"MessageUUID": f"m-{n}"}))
            for n in ("a", "b"))
    row = {"event": (0, store._insert_event), "message": (1, store._upsert_message)}
    index, statement = row[held]
    other = store.engine.raw_connection()
    outcome = {}

    def write_b_then_a():
        try:
            outcome["results"] = store._write([b, a])
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcome["error"] = error

    try:
        cursor = other.cursor()
        cursor.execute("SET lock_timeout = '5s'")
        cursor.execute(*statement(a[index]))
        writer = threading.Thread(target=write_b_then_a)
        writer.start()
        deadline, waiting = time.monotonic() + 30, 0
        with store.engine.connect() as conn:  # until the writer waits on the row of A
            while writer.is_alive() and time.monotonic() < deadline:
                waiting = conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND application_name = current_setting('application_name')")).scalar_one()
                if waiting:
                    break
                conn.rollback()  # pg_stat_activity is read once per transaction
                time.sleep(0.01)
        assert waiting == 1, outcome
        cursor.execute(*statement(b[index]))  # deadlock detected here when taken B then A
        other.commit()
        writer.join(10)
    finally:
        other.close()
        store.engine.dispose()
    assert "error" not in outcome, outcome.get("error")
    if held == "event":  # the other instance stored both events first: these are its retries
        assert outcome["results"] == [(None, True), (None, True)]
    else:
        assert outcome["results"] == [("delivered", False), ("delivered", False)]
