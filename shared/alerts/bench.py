"""How the cost of `check` grows with history: `python -m shared.alerts.bench`.

Fills two SQLite stores in a temporary directory, one with 10k reports and one with 1M, and
times `check` on each. Both hold the same recent traffic (the evaluated hour and the same hour on
the previous 7 days: 300 outbound messages per provider and 20 inbound ones in each); the rest is
history spread over the other hours of the past year. With the range queries on
ix_messages_time the two checks read the same rows, so the ratio should stay near 1 (goal: under
3). Sample tooling: bulk inserts go straight into the tables, not through Store.save.
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

from shared.alerts.check import check
from shared.states import STATES
from shared.status import interpret
from shared.store import Store, events, messages

NOW = datetime(2026, 1, 10, 13, 0)
WINDOW = NOW - timedelta(hours=1)
HISTORY_DAYS = 365
BATCH = 50_000
RUNS = 15
FAILURE = {"plivo": ("undelivered", "50"), "vonage": ("failed", "9")}


def _kinds():
    """A few message shapes, interpreted once; rows copy them."""
    shapes = {}
    for provider in FAILURE:
        failed, code = FAILURE[provider]
        for name, status, error in (("delivered", "delivered", None), ("failed", failed, code)):
            i = interpret(provider, status, error, "+447700900111")
            shapes[provider, name] = {
                "provider": provider, "direction": "outbound", "to_number": "+447700900111",
                "status": status, "state": i.state, "rank": STATES[i.state].rank,
                "final": i.final, "outcome": i.outcome, "error_code": i.error_code}
    i = interpret("plivo", "received", None)
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


def fill(store: Store, total: int) -> float:
    """Insert `total` reports (one message row and one event row each); returns seconds.

    Plain DB-API executemany with tuples: SQLAlchemy's per-row parameter processing would take
    most of the time. Times are written in the format SQLAlchemy's SQLite DateTime stores."""
    started = time.perf_counter()
    shapes = _kinds()
    message_sql, event_sql = (_insert_sql(messages, MESSAGE_COLUMNS),
                              _insert_sql(events, EVENT_COLUMNS))
    shape_values = {id(shape): tuple(shape[c] for c in MESSAGE_COLUMNS[:9])
                    for shape in shapes.values()}
    recent = list(_recent(shapes))
    rows = chain(recent, _history(shapes, total - len(recent)))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MB: index pages in memory
        n = 0
        while batch := list(islice(rows, BATCH)):
            message_rows, event_rows = [], []
            for i, (shape, at) in enumerate(batch, start=n):
                stamp = at.isoformat(" ", "microseconds")
                values = shape_values[id(shape)]
                message_rows.append((*values, f"m{i}", stamp, stamp, stamp))
                event_rows.append((values[0], values[3], values[4], values[8], f"m{i}", f"d{i}",
                                   "DLR", stamp, stamp, "{}"))
            conn.exec_driver_sql(message_sql, message_rows)
            conn.exec_driver_sql(event_sql, event_rows)
            n += len(batch)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # what a long-lived database has; the planner uses it
    return time.perf_counter() - started


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.alerts.bench")
    parser.add_argument("--sizes", type=int, nargs=2, default=(10_000, 1_000_000),
                        metavar=("SMALL", "LARGE"), help="reports in each store")
    args = parser.parse_args(argv)
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
