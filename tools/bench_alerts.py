"""How the cost of `check` grows with history: `python -m tools.bench_alerts`; and what the
pictures page costs over 1M messages: `python -m tools.bench_alerts --pictures [--database-url U]`.

Fills two SQLite stores in a temporary directory, one with 10k reports and one with 1M, and
times `check` on each. Both hold the same recent traffic (the evaluated hour and the same hour on
the previous 7 days: 300 outbound messages per provider and 20 inbound ones in each); the rest is
history spread over the other hours of the past year. With the range queries on
ix_messages_time the two checks read the same rows, so the ratio should stay near 1 (goal: under
3). Sample tooling: bulk inserts go straight into the tables, not through Store.save.

--pictures fills one store with the larger size (SQLite in a temporary directory, or a throwaway
schema on the PostgreSQL server of --database-url) and times GET /pictures (24 hours ending at
the evaluated hour, rendered by the Plivo app) against `SELECT count(*) FROM messages` on the same
store, taken in turns: the ratio says how many full counts of the table one page costs.
"""

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from itertools import chain, islice

from sqlalchemy import text

from alerts.check import check
from nexmo_app.fields import CODES as VONAGE
from plivo_app import create_app
from plivo_app.fields import CODES as PLIVO
from shared.report import STATES, interpret
from shared.store import Store, events, messages
from tests.database import fresh_database

NOW = datetime(2026, 1, 10, 13, 0)
WINDOW = NOW - timedelta(hours=1)
HISTORY_DAYS = 365
BATCH = 50_000
RUNS = 15
FAILURE = {"plivo": ("undelivered", "50"), "vonage": ("failed", "9")}
CODES = {"plivo": PLIVO, "vonage": VONAGE}


def _kinds():
    """A few message shapes, interpreted once; rows copy them."""
    shapes = {}
    for provider in FAILURE:
        failed, code = FAILURE[provider]
        for name, status, error in (("delivered", "delivered", None), ("failed", failed, code)):
            i = interpret(CODES[provider], status, error, "+447700900111")
            shapes[provider, name] = {
                "provider": provider, "direction": "outbound", "to_number": "+447700900111",
                "status": status, "state": i.state, "rank": STATES[i.state].rank,
                "final": i.final, "outcome": i.outcome, "error_code": i.error_code,
                "error_text": i.error_text, "retryable": i.retryable}
    i = interpret(PLIVO, "received", None)
    shapes["plivo", "inbound"] = {
        "provider": "plivo", "direction": "inbound", "to_number": "+14155550100",
        "status": "received", "state": i.state, "rank": STATES[i.state].rank, "final": i.final,
        "outcome": i.outcome, "error_code": None}
    return shapes


def _recent(shapes):
    """The rows the check reads: the hour (70% delivered) and 7 previous days (95%)."""
    for back in range(8):
        start = WINDOW - timedelta(days=back)
        delivered = 210 if back == 0 else 285
        for provider in FAILURE:
            for n in range(300):
                kind = "delivered" if n < delivered else "failed"
                yield shapes[provider, kind], start + timedelta(seconds=n * 11)
        for n in range(20):
            yield shapes["plivo", "inbound"], start + timedelta(seconds=n * 150)


def _history(shapes, count):
    """Everything else: spread over the past year, never inside the hour-window 12:00–13:00."""
    kinds = list(shapes.values())
    first_day = NOW.replace(hour=0) - timedelta(days=HISTORY_DAYS)
    for n in range(count):
        day = first_day + timedelta(days=n % HISTORY_DAYS, hours=13)
        yield kinds[n % len(kinds)], day + timedelta(seconds=(n * 7919) % (23 * 3600))


def _insert_sql(table, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


MESSAGE_COLUMNS = ("provider", "direction", "to_number", "status", "state", "rank", "final",
                   "outcome", "error_code", "message_id", "sent_at", "created_at", "updated_at")
EVENT_COLUMNS = ("provider", "status", "state", "error_code", "message_id", "dedupe_key", "kind",
                 "occurred_at", "received_at", "raw")


def _batches(total: int):
    """(message rows, event rows) tuples, BATCH reports at a time."""
    shapes = _kinds()
    shape_values = {id(shape): tuple(shape[c] for c in MESSAGE_COLUMNS[:9])
                    for shape in shapes.values()}
    recent = list(_recent(shapes))
    rows = chain(recent, _history(shapes, total - len(recent)))
    n = 0
    while batch := list(islice(rows, BATCH)):
        message_rows, event_rows = [], []
        for i, (shape, at) in enumerate(batch, start=n):
            stamp = at.isoformat(" ", "microseconds")
            values = shape_values[id(shape)]
            message_rows.append((*values, f"m{i}", stamp, stamp, stamp))
            event_rows.append((values[0], values[3], values[4], values[8], f"m{i}", f"d{i}",
                               "DLR", stamp, stamp, "{}"))
        yield message_rows, event_rows
        n += len(batch)


def fill(store: Store, total: int) -> float:
    """Insert `total` reports (one message row and one event row each); returns seconds.

    SQLite: plain DB-API executemany with tuples (SQLAlchemy's per-row parameter processing
    would take most of the time), times in the format SQLAlchemy's SQLite DateTime stores.
    PostgreSQL: COPY, the server's bulk load."""
    started = time.perf_counter()
    if store.engine.dialect.name == "postgresql":
        _copy(store, total)
    else:
        message_sql, event_sql = (_insert_sql(messages, MESSAGE_COLUMNS),
                                  _insert_sql(events, EVENT_COLUMNS))
        with store.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB: index pages in memory
            for message_rows, event_rows in _batches(total):
                conn.exec_driver_sql(message_sql, message_rows)
                conn.exec_driver_sql(event_sql, event_rows)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # what a long-lived database has; the planner uses it
    return time.perf_counter() - started


def _copy(store: Store, total: int) -> None:
    connection = store.engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            for message_rows, event_rows in _batches(total):
                for table, columns, rows in ((messages, MESSAGE_COLUMNS, message_rows),
                                             (events, EVENT_COLUMNS, event_rows)):
                    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) "
                                     "FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
        connection.commit()
    finally:
        connection.close()


def time_checks(stores: list[Store]) -> list[list[float]]:
    """Seconds of each `check`, RUNS per store, taken in turns so a noisy machine slows both
    alike. The first run of each raises and records the alerts; the timed ones find them
    already raised, but still evaluate every rule and query every window."""
    with contextlib.redirect_stdout(io.StringIO()):
        for store in stores:
            check(store, NOW)
        durations: list[list[float]] = [[] for _ in stores]
        for _ in range(RUNS):
            for store, taken in zip(stores, durations, strict=True):
                started = time.perf_counter()
                check(store, NOW)
                taken.append(time.perf_counter() - started)
    return durations


def raised(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM delivery_alerts")).scalar_one()


def query_plan(store: Store) -> str:
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT provider, outcome, count(*) FROM messages "
            "WHERE direction = 'outbound' AND sent_at >= :a AND sent_at < :b "
            "GROUP BY provider, outcome"), {"a": WINDOW, "b": NOW}).all()
    return "; ".join(row[-1] for row in rows)


COUNT = "SELECT count(*) FROM messages"
PAGES = {"GET /pictures (24 h)": f"/pictures?hours=24&end={NOW.isoformat()}",
         "GET /messages (first page)": "/messages"}


def time_pages(store: Store) -> dict[str, list[float]]:
    """Seconds of each page and of SELECT count(*), RUNS each, in turns."""
    app = create_app({"DATABASE_URL": store.url, "PLIVO_AUTH_TOKEN": "bench"})
    client = app.test_client()
    for url in PAGES.values():  # warm: the first request also builds templates and pools
        response = client.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, response.get_data(as_text=True)
    taken: dict[str, list[float]] = {name: [] for name in [*PAGES, COUNT]}
    for _ in range(RUNS):
        for name, url in PAGES.items():
            started = time.perf_counter()
            assert client.get(url, headers={"Accept": "text/html"}).status_code == 200
            taken[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        with store.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
        taken[COUNT].append(time.perf_counter() - started)
    app.extensions["store"].engine.dispose()
    return taken


def bench_pictures(size: int, database_url: str | None) -> int:
    with contextlib.ExitStack() as stack:
        if database_url:
            url = stack.enter_context(fresh_database(database_url))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        store = Store(url)
        store.ensure_tables()
        print(f"{size:>9,} reports on {store.engine.dialect.name}: filled in "
              f"{fill(store, size):.1f} s", flush=True)
        taken = time_pages(store)
        store.engine.dispose()
    count = statistics.median(taken[COUNT])
    for name, seconds in taken.items():
        median = statistics.median(seconds)
        print(f"{name:<30} {median * 1000:7.1f} ms median, {min(seconds) * 1000:7.1f} ms "
              f"fastest of {RUNS}" + ("" if name == COUNT else f": {median / count:.2f}x the "
                                      "count query"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_alerts")
    parser.add_argument("--sizes", type=int, nargs=2, default=(10_000, 1_000_000),
                        metavar=("SMALL", "LARGE"), help="reports in each store")
    parser.add_argument("--pictures", action="store_true",
                        help="time the pictures page against a count query, on LARGE reports")
    parser.add_argument("--database-url", metavar="URL",
                        help="--pictures on this PostgreSQL server (a throwaway schema), "
                             "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    if args.pictures:
        return bench_pictures(args.sizes[1], args.database_url)
    with tempfile.TemporaryDirectory() as directory:
        stores = []
        for size in args.sizes:
            store = Store(f"sqlite:///{directory}/bench-{size}.db")
            store.ensure_tables()
            print(f"{size:>9,} reports: filled in {fill(store, size):.1f} s", flush=True)
            stores.append(store)
        durations = time_checks(stores)
        for size, store, taken in zip(args.sizes, stores, durations, strict=True):
            print(f"{size:>9,} reports: check {statistics.median(taken) * 1000:.2f} ms median, "
                  f"{min(taken) * 1000:.2f} ms fastest of {RUNS}; alerts raised: {raised(store)}")
        print(f"query plan: {query_plan(stores[-1])}")
        for store in stores:
            store.engine.dispose()
    timings = [statistics.median(taken) for taken in durations]
    ratio = timings[1] / timings[0]
    print(f"check time ratio {args.sizes[1]:,} / {args.sizes[0]:,} reports: {ratio:.2f}x "
          f"(goal: under 3x)")
    return 0 if ratio < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
