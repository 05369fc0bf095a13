"""Every storage fault is a 503 with Retry-After within 5 s (Plivo gives up at 8 s and then
retries), and /healthz says 503 whenever a report could not be stored."""

import os
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from sqlalchemy.engine import make_url

from shared.store import Store
from tests.callbacks import plivo_post, status_callback
from tests.proxy import BreakableProxy
from tests.servers import running_app
from tests.signing import plivo_app_on, plivo_headers

SECOND_UUID = "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c7"
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL")


def timed(call, give_up_after: float = 30):
    """(the answer, seconds it took). Called in a thread of its own: a hung call fails the test
    after `give_up_after` seconds instead of hanging the suite."""
    start, answer = time.monotonic(), []

    def call_and_keep():
        try:
            answer.append(call())
        except BaseException as error:  # noqa: BLE001 - raised again below, in the test
            answer.append(error)

    thread = threading.Thread(target=call_and_keep, daemon=True)
    thread.start()
    thread.join(give_up_after)
    assert answer, f"no answer after {give_up_after} s"
    if isinstance(answer[0], BaseException):
        raise answer[0]
    return answer[0], time.monotonic() - start


def assert_fast_503(response, elapsed):
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert elapsed < 5, f"answered after {elapsed:.1f} s"


# -- SQLite ---------------------------------------------------------------------------------

def test_a_sqlite_database_locked_by_another_writer_is_503_within_5_s(tmp_path):
    url = f"sqlite:///{tmp_path}/sms.db"
    client = plivo_app_on(url).test_client()
    assert plivo_post(client, status_callback("sent")).status_code == 200
    other = sqlite3.connect(tmp_path / "sms.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        assert_fast_503(*timed(lambda: plivo_post(client, status_callback("delivered"))))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert plivo_post(client, status_callback("delivered")).status_code == 200


@pytest.mark.parametrize("lock", ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"])
def test_healthz_says_503_while_another_program_holds_the_sqlite_write_lock(tmp_path, lock):
    url = f"sqlite:///{tmp_path}/sms.db"
    client = plivo_app_on(url).test_client()
    assert client.get("/healthz").status_code == 200
    other = sqlite3.connect(tmp_path / "sms.db", isolation_level=None)
    other.execute(lock)
    try:
        assert client.get("/healthz").status_code == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.get("/healthz").status_code == 200


def _make_unwritable(paths: list[str]) -> list[str]:
    """chattr +i when root (root ignores file modes), else chmod; the undo command."""
    if os.geteuid() != 0:
        for path in paths:
            os.chmod(path, 0o444)
        return ["chmod", "644", *paths]
    if not shutil.which("chattr") or subprocess.run(
            ["chattr", "+i", *paths], capture_output=True).returncode != 0:
        pytest.skip("this filesystem cannot make a file immutable (chattr +i)")
    return ["chattr", "-i", *paths]


def _post(base_url: str, message_uuid: str):
    fields = status_callback("delivered", message_uuid=message_uuid)
    url = f"{base_url}/delivery"
    request = urllib.request.Request(url, data=urlencode(fields).encode(),
                                     headers=plivo_headers(fields, url=url))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def test_a_burst_bigger_than_the_servers_threads_at_a_locked_sqlite_is_each_503_within_5_s(
        tmp_path):
    """gunicorn.conf.py serves 2 × 8 requests at a time; the rest wait their turn. Each turn
    used to wait out the whole busy timeout again: 40 at once, the last 503 after 12 s."""
    database = tmp_path / "sms.db"
    command = ("-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", "127.0.0.1:{port}",
               "plivo_app:create_app()")
    with running_app("plivo_app", f"sqlite:///{database}", command=command) as (_, base_url):
        assert _post(base_url, SECOND_UUID)[0] == 200
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the database
        try:
            with ThreadPoolExecutor(40) as pool:
                answers = list(pool.map(lambda n: timed(lambda: _post(
                    base_url, f"5b40a428-bfc7-4daf-9d40-{n:012d}")), range(40)))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert [code for (code, _), _ in answers] == [503] * 40
        assert max(elapsed for _, elapsed in answers) < 5
        assert _post(base_url, "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c8")[0] == 200  # at once


def test_sqlite_files_made_unwritable_under_a_running_app_give_503_not_a_dead_worker(tmp_path):
    database = tmp_path / "sms.db"
    with running_app("plivo_app", f"sqlite:///{database}") as (process, base_url):
        assert _post(base_url, SECOND_UUID)[0] == 200
        files = [str(p) for p in tmp_path.iterdir() if p.name.startswith("sms.db")]
        assert any(name.endswith("-shm") for name in files)  # WAL's memory-mapped index
        undo = _make_unwritable(files)
        try:
            start = time.monotonic()
            status, headers = _post(base_url, "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c8")
            assert (status, time.monotonic() - start < 5) == (503, True)
            assert headers["Retry-After"]
            with pytest.raises(urllib.error.HTTPError) as health:
                urllib.request.urlopen(f"{base_url}/healthz", timeout=5)
            assert health.value.code == 503
            assert process.poll() is None, "the app died (SIGBUS is -7)"
        finally:
            subprocess.run(undo, check=True)
        assert _post(base_url, "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c8")[0] == 200


# -- PostgreSQL -----------------------------------------------------------------------------

@pytest.fixture
def proxied(database_url):
    """(the proxy, the test database's URL through it)."""
    url = make_url(database_url)
    proxy = BreakableProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
    finally:
        proxy.close()


@postgres_only
@pytest.mark.parametrize("mode", ["refuse", "stall"])
def test_a_postgres_that_refuses_or_blackholes_new_connections_is_503_within_5_s(proxied,
                                                                               mode):
    proxy, url = proxied
    client = plivo_app_on(url).test_client()
    assert plivo_post(client, status_callback("sent")).status_code == 200
    proxy.set_mode(mode)
    assert_fast_503(*timed(lambda: plivo_post(
        client, status_callback("delivered", message_uuid=SECOND_UUID))))
    health, elapsed = timed(lambda: client.get("/healthz"))
    assert (health.status_code, elapsed < 5) == (503, True)
    proxy.set_mode("forward")
    assert plivo_post(client, status_callback("delivered")).status_code == 200
    assert client.get("/healthz").status_code == 200


@postgres_only
def test_a_postgres_that_stops_answering_on_an_open_connection_is_503_within_5_s(proxied):
    """The connection the app keeps between reports stays open and passes nothing (a frozen
    server or proxy whose kernel still acknowledges): no error ever comes, only silence."""
    proxy, url = proxied
    client = plivo_app_on(url).test_client()
    assert plivo_post(client, status_callback("sent")).status_code == 200
    proxy.set_mode("freeze")
    assert_fast_503(*timed(lambda: plivo_post(
        client, status_callback("delivered", message_uuid=SECOND_UUID))))
    health, elapsed = timed(lambda: client.get("/healthz"))
    assert (health.status_code, elapsed < 5) == (503, True)
    proxy.set_mode("forward")  # drops the frozen connections, as a restart of the server would
    assert plivo_post(client, status_callback("delivered")).status_code == 200
    assert client.get("/healthz").status_code == 200


@postgres_only
def test_a_postgres_that_freezes_in_the_middle_of_a_write_is_503_within_5_s(proxied):
    """The freeze comes after the pooled connection's pre-ping passed, while the report is
    written, and other connections wait in the pool: the retry must not try each of them."""
    proxy, url = proxied
    app = plivo_app_on(url)
    client = app.test_client()
    assert plivo_post(client, status_callback("sent")).status_code == 200
    pooled = [app.extensions["sms_store"].engine.raw_connection() for _ in range(3)]
    for connection in pooled:
        connection.close()  # back to the pool, open
    proxy.freeze_at = b"INSERT INTO events"
    assert_fast_503(*timed(lambda: plivo_post(
        client, status_callback("delivered", message_uuid=SECOND_UUID))))
    proxy.freeze_at = None
    proxy.set_mode("forward")
    assert plivo_post(client, status_callback("delivered")).status_code == 200


def test_requests_arriving_together_at_a_postgres_blackholed_from_the_start_are_each_503_in_5_s():
    # The tables are not made yet: every request needs them, and the first one's attempt holds
    # the others only as long as one connection attempt (2 s) may take.
    proxy = BreakableProxy("127.0.0.1", 9)
    proxy.set_mode("stall")
    app = plivo_app_on(f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/test")

    def post(index: int):
        uuid = f"5b40a428-bfc7-4daf-9d40-3a0ee4a9a0{index}0"
        fields = status_callback("delivered", message_uuid=uuid)
        return timed(lambda: plivo_post(app.test_client(), fields))

    try:
        with ThreadPoolExecutor(5) as pool:
            answers = list(pool.map(post, range(5)))
    finally:
        proxy.close()
    for response, elapsed in answers:
        assert_fast_503(response, elapsed)


@postgres_only
def test_a_read_only_postgres_is_503_and_healthz_says_so(database_url):
    Store(database_url).ensure_tables()  # made while it could still write
    url = make_url(database_url)
    options = f"{url.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    read_only = url.update_query_dict({"options": options}).render_as_string(
        hide_password=False)
    client = plivo_app_on(read_only).test_client()
    assert_fast_503(*timed(lambda: plivo_post(client, status_callback("delivered"))))
    assert client.get("/healthz").status_code == 503


@postgres_only
@pytest.mark.parametrize("mode", ["SHARE", "ACCESS EXCLUSIVE"])
def test_a_postgres_table_locked_by_another_session_is_503_and_healthz_says_so(plivo_app,
                                                                              mode):
    """LOCK TABLE, or an ALTER TABLE or CREATE INDEX a person runs: a report's INSERT would
    wait behind it, and /healthz must say so at once rather than 200."""
    client = plivo_app.test_client()
    assert plivo_post(client, status_callback("sent")).status_code == 200
    store = plivo_app.extensions["sms_store"]
    other = store.engine.raw_connection()
    try:
        other.cursor().execute(f"LOCK TABLE events IN {mode} MODE")
        health, elapsed = timed(lambda: client.get("/healthz"))
        assert (health.status_code, elapsed < 1) == (503, True)
        assert_fast_503(*timed(lambda: plivo_post(
            client, status_callback("delivered", message_uuid=SECOND_UUID))))
    finally:
        other.rollback()
        other.close()
    assert client.get("/healthz").status_code == 200
    assert plivo_post(client, status_callback("delivered")).status_code == 200
