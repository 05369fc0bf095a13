"""Acknowledged means committed: nothing a provider was told 2xx about is ever lost."""

import json
import signal
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, func, select

from shared.store import events
from tests.payloads import plivo_status, vonage_receipt
from tests.servers import free_port, running_app, start_app
from tests.signing import plivo_headers, vonage_signed


def post_form(url: str, fields: dict, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                     headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def stored_event_count(database_url: str, **where) -> int:
    engine = create_engine(database_url)
    query = select(func.count()).select_from(events)
    for column, value in where.items():
        query = query.where(events.c[column] == value)
    with engine.connect() as conn:
        count = conn.execute(query).scalar_one()
    engine.dispose()
    return count


def test_reports_acknowledged_before_a_kill_9_are_all_there_after_restart(database_url):
    port = free_port()
    process, base_url = start_app("plivo_app", database_url, port=port)
    acknowledged = []
    try:
        for n in range(40):
            fields = plivo_status(MessageUUID=f"00000000-0000-4000-8000-{n:012d}", Status="sent")
            url = f"{base_url}/delivery"
            if post_form(url, fields, plivo_headers(fields, url=url)) == 200:
                acknowledged.append(fields["MessageUUID"])
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert len(acknowledged) == 40
    with running_app("plivo_app", database_url, port=port) as (_, base_url):
        for message_uuid in acknowledged:
            with urllib.request.urlopen(f"{base_url}/messages/{message_uuid}") as response:
                assert response.status == 200


def test_the_same_report_delivered_by_many_threads_at_once_is_stored_once(database_url):
    with running_app("nexmo_app", database_url) as (_, base_url):
        url = f"{base_url}/webhooks/delivery-receipt"
        fields = vonage_signed(vonage_receipt(status="delivered"))
        start = threading.Barrier(16)

        def deliver(_):
            start.wait()
            return post_form(url, fields)

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(deliver, range(16)))
    assert answers == [204] * 16
    assert stored_event_count(database_url, message_id="0B00000127FDBC63") == 1


def test_different_reports_of_one_message_at_once_end_in_the_final_state(database_url):
    with running_app("plivo_app", database_url) as (_, base_url):
        url = f"{base_url}/delivery"
        reports = [plivo_status(Status=s, Sequence=str(n))
                   for n, s in enumerate(["queued", "sent", "delivered"] * 4, start=1)]
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(
                lambda f: post_form(url, f, plivo_headers(f, url=url)), reports))
        assert answers == [200] * 12
        with urllib.request.urlopen(
                f"{base_url}/messages/{reports[0]['MessageUUID']}") as response:
            message = json.load(response)
    assert message["state"] == "delivered"
    assert len(message["events"]) == 12
