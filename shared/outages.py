"""A database that is not there, or not now: every wait on it bounded, and every such failure
turned into StorageUnavailable, which the receiver answers with 503 so the provider retries.

- Connecting, or waiting for a pooled connection: CONNECT_TIMEOUT and POOL_TIMEOUT seconds.
- SQLite locked by another program: the busy timeout; once a write waited it out, the next ones
  wait LOCKED_OUT_WAIT_MS while it lasts, so a burst does not wait it out once per wave.
- SQLite files made unwritable under a running app (a read-only remount): writing the WAL's
  memory map would kill the process with SIGBUS, so access(2) is asked first (1 µs).
- A PostgreSQL that stops answering on an open connection (frozen, or dropped by a firewall):
  each wait ends after ANSWER_TIMEOUT (shared.answer_within), inside Plivo's 8 s; then the pool
  is disposed and the write tried once on a new connection.
- A read-only server, a full disk, too many connections: OUTAGE_SQLSTATES.
Anything else is a bug in this code, and is let through.
"""

import contextlib
import logging
import os

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2
POOL_TIMEOUT = 2
SQLITE_BUSY_TIMEOUT = 3
LOCKED_OUT_WAIT_MS = 250
# A report's two statements take milliseconds; this plus one reconnect stays inside 5 s.
ANSWER_TIMEOUT = 2
# PostgreSQL error classes that mean "not now" rather than a bug (SQLSTATE, Appendix A):
# 08 connection, 25006 read-only transaction, 53 insufficient resources (disk full, too many
# connections), 57P admin shutdown / cannot connect now, 58 system error (I/O).
# https://www.postgresql.org/docs/current/errcodes-appendix.html
OUTAGE_SQLSTATES = ("08", "25006", "53", "57P", "58")


class StorageUnavailable(Exception):
    """The database did not answer; the caller answers 503 so the provider retries."""


class Reconnect(Exception):
    """The kept connection is gone: write again on a new one."""


def unavailable(problem) -> StorageUnavailable:
    log.warning("storage unavailable: %s", problem)
    return StorageUnavailable(str(problem))


def is_outage(err: BaseException, dbapi) -> bool:
    """Whether a driver's error means the database cannot take the report now."""
    if isinstance(err, dbapi.OperationalError | dbapi.InterfaceError):
        return True
    sqlstate = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None) or ""
    return sqlstate.startswith(OUTAGE_SQLSTATES)


def writable_files(url: str):
    """What to check before touching the database: a SQLite file's -wal and -shm, else nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return lambda: None
    files = [parsed.database + suffix for suffix in ("", "-wal", "-shm")]

    def check() -> None:
        for name in files:
            if not os.access(name, os.W_OK) and os.path.exists(name):
                raise unavailable(f"{name} is not writable")
    return check


@contextlib.contextmanager
def translated(engine: Engine, check_files):
    """Around any use of the engine: a database that is not there becomes StorageUnavailable."""
    check_files()
    dbapi = engine.dialect.loaded_dbapi
    try:
        yield
    except PoolTimeout as err:  # every pooled connection busy for POOL_TIMEOUT
        raise unavailable(err) from err
    except DBAPIError as err:
        if (isinstance(err, OperationalError) or err.connection_invalidated
                or is_outage(err.orig, dbapi)):
            raise unavailable(err.orig) from err
        raise
    except dbapi.Error as err:  # engine.raw_connection() lets the driver's own errors through
        if is_outage(err, dbapi):
            raise unavailable(err) from err
        raise


def bounded(engine: Engine):
    """A context in which every wait for a PostgreSQL answer is bounded (ANSWER_TIMEOUT)."""
    if engine.dialect.driver != "psycopg":
        return contextlib.nullcontext  # SQLite's waits are its busy timeout
    from shared.answer_within import answer_within  # imports psycopg

    return lambda: answer_within(ANSWER_TIMEOUT)


def failed_write(engine: Engine, conn, err: BaseException, may_reconnect: bool) -> None:
    """After a write failed: roll back and drop the connection; raise Reconnect (a connection
    that went away, once) or StorageUnavailable (an outage); a bug's error goes on as it was."""
    dbapi = engine.dialect.loaded_dbapi
    with contextlib.suppress(Exception):
        conn.rollback()
    try:
        disconnected = isinstance(err, dbapi.Error) and engine.dialect.is_disconnect(
            err, conn.dbapi_connection, None)
    except Exception:  # asking a broken connection can fail too; then it is not one
        disconnected = False
    with contextlib.suppress(Exception):
        conn.invalidate()  # in an unknown state: never back to the pool
    if disconnected and may_reconnect:
        # Every pooled connection may be as dead as this one (a restart, a frozen server): a
        # new one is opened rather than each pre-pinged in turn, which took 2 s more apiece.
        engine.dispose()
        raise Reconnect() from err
    if disconnected or (isinstance(err, dbapi.Error) and is_outage(err, dbapi)):
        raise unavailable(err) from err
