"""Storage on SQLAlchemy Core: one row per message, one row per distinct report.

Storing a report is one transaction of two statements:
1. insert the event, doing nothing if its dedupe key is already there (a provider retry);
2. upsert the message: create it if unknown, otherwise take the report's state only when it
   does not move the message backwards (see `_applies`).
Both statements are built and compiled once, then run with bound parameters. Reports saved by
several threads at once share one transaction (shared.group_commit). SQLite (the default) and
PostgreSQL share the code; only the upsert construct is dialect-specific.
"""

import contextlib
import logging
import os
import threading
import time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    create_engine,
    event,
    func,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.group_commit import GroupCommit
from shared.report import Report, utcnow
from shared.states import STATES

log = logging.getLogger(__name__)

metadata = MetaData()

messages = Table(
    "messages", metadata,
    Column("provider", String, primary_key=True),
    Column("message_id", String, primary_key=True),
    Column("direction", String, nullable=False),
    Column("from_number", String),
    Column("to_number", String),
    Column("text", Text),
    Column("status", String, nullable=False),  # the provider's word for the effective state
    Column("state", String, nullable=False),
    Column("rank", SmallInteger, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("outcome", String, nullable=False),
    Column("error_code", String),
    Column("sequence", Integer),
    Column("group_id", String),
    Column("part_info", String),
    Column("client_ref", String),
    Column("sent_at", DateTime),  # when the provider says it was sent; alerts place it by this
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_messages_time", "direction", "sent_at"),
    # The parts of a long message; with outcome, also the log's counts of all other messages
    # (group_id IS NULL) without reading the table: 290 → 50 ms over 1M (tools.bench_alerts).
    Index("ix_messages_parts", "provider", "group_id", "outcome"),
    # The log's pages, newest first, in one order even where times are equal.
    Index("ix_messages_log", "updated_at", "message_id"),
)

events = Table(
    "events", metadata,
    # BIGINT on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("provider", String, nullable=False),
    Column("message_id", String, nullable=False),
    Column("dedupe_key", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("status", String, nullable=False),
    Column("state", String, nullable=False),
    Column("error_code", String),
    Column("sequence", Integer),
    Column("occurred_at", DateTime),
    Column("received_at", DateTime, nullable=False),
    Column("raw", Text, nullable=False),  # every field the provider sent, as JSON, verbatim
    Column("note", Text),  # why the app could not accept it (a refused inbound message)
    UniqueConstraint("provider", "dedupe_key", name="uq_events_dedupe"),
    Index("ix_events_message", "provider", "message_id"),
)

# The delivery alerts already raised (shared.alerts.record): at most one per provider,
# direction and UTC clock hour, which the primary key enforces across processes.
delivery_alerts = Table(
    "delivery_alerts", metadata,
    Column("provider", String, primary_key=True),
    Column("direction", String, primary_key=True),
    Column("hour", DateTime, primary_key=True),  # the UTC clock hour of the evaluation
    Column("raised_at", DateTime, nullable=False),
    Column("text", Text, nullable=False),  # the alert line, as printed and emailed
    Column("emailed_at", DateTime),
    Column("email_error", Text),  # why the email could not be sent; the alert stands
)


# Nonces of signatures that sign no timestamp and no body (Plivo V2): each is accepted once,
# on every instance that shares the database. Kept for good: without a time in what was signed,
# a nonce forgotten is a nonce that can be replayed.
nonces = Table(
    "nonces", metadata,
    Column("scope", String, primary_key=True),  # e.g. "plivo-v2"
    Column("nonce", String, primary_key=True),
    Column("seen_at", DateTime, nullable=False),
)


CREATE_ATTEMPTS = 5
# Every wait on the database is bounded, so a report that cannot be stored gets its 503 (and
# the provider its retry) well inside Plivo's 8 s: connecting (a database that accepts and
# never answers), a free pooled connection, SQLite's lock.
CONNECT_TIMEOUT_SECONDS = 2
POOL_TIMEOUT_SECONDS = 2
SQLITE_BUSY_TIMEOUT_SECONDS = 3
# Once a write waited out the whole busy timeout, the next ones wait this long while the lock
# is still held: a burst bigger than the threads comes in waves, and each wave waited 3 s (40
# at once: the last 503 after 12 s). A write that finds the lock free takes it at once.
SQLITE_LOCKED_OUT_WAIT_MS = 250
# A PostgreSQL that stops answering on an open connection (shared/answer_within.py): a report's
# two statements take milliseconds; this plus one reconnect attempt stays inside 5 s.
ANSWER_TIMEOUT_SECONDS = 2
# PostgreSQL error classes that mean "not now" rather than a bug (SQLSTATE, Appendix A):
# 08 connection, 25006 read-only transaction, 53 insufficient resources (disk full, too many
# connections), 57P admin shutdown / cannot connect now, 58 system error (I/O).
# https://www.postgresql.org/docs/current/errcodes-appendix.html
OUTAGE_SQLSTATES = ("08", "25006", "53", "57P", "58")


class StorageUnavailable(Exception):
    """The database did not answer; the caller answers 503 so the provider retries."""


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers and the writer run side by side; synchronous=NORMAL in WAL mode still
    # survives a killed process (only an OS crash can lose the last commits). SQLite lets one
    # writer in at a time: the busy timeout makes the others (another worker, the alerts job)
    # wait instead of failing, for a bounded time (then 503). Within a worker, threads already
    # take turns in one group commit, so the waits are between processes only. An OS lock
    # across the workers (flock, which wakes the next writer at once where SQLite's wait
    # sleeps 1, 2, 5… ms) paid 0.76×
    # against 0.65× the bare route with one commit per report; with group commit it measured
    # 0.24× and 0.37× against 0.26× and 0.35× without (`make bench`, two runs each), so it went.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    # A checkpoint (copying the WAL into the database, with an fsync) every 10,000 pages rather
    # than SQLite's 1,000: a report's commit took 133 µs with the default and 51 µs with this
    # (the checkpoints' share of it), as pages rewritten between checkpoints are copied once.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


class _SQLiteFiles:
    """Checked before any connection is touched: are the database files writable?

    WAL mode maps `<db>-shm` into memory. Once that file is made unwritable under a running
    app (chattr +i, a read-only remount), the next write to the mapping, and even closing a
    connection (its checkpoint writes there), kills the whole process with SIGBUS (measured
    here) instead of raising an error. access(2) sees it first, for about a microsecond a
    file, and the connections are then left alone. A change between this check and the write
    can still crash the worker; a rollback journal has no mapping but measured 60 times fewer
    commits a second.
    """

    def __init__(self, path: str):
        self.files = [path, f"{path}-wal", f"{path}-shm"]

    def __call__(self) -> None:
        for name in self.files:
            if not os.access(name, os.W_OK) and os.path.exists(name):
                log.warning("storage unavailable: %s is not writable", name)
                raise StorageUnavailable(f"{name} is not writable")


def _no_check() -> None:
    pass


def file_check(url: str):
    """What to check before using the database: a SQLite file's writability, else nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return _SQLiteFiles(parsed.database)
    return _no_check


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # libpq waits for ever by default; a blackholed database hung every callback.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                           pool_timeout=POOL_TIMEOUT_SECONDS, connect_args=connect_args)
    if engine.dialect.driver == "psycopg":
        from shared.answer_within import connect  # imports psycopg: only where it is the driver
        event.listen(engine, "do_connect", connect)
    return engine


def bounded_answers(engine: Engine):
    """A context in which every wait for the database's answer is bounded (see above)."""
    if engine.dialect.driver != "psycopg":
        return contextlib.nullcontext  # SQLite's waits are its busy timeout
    from shared.answer_within import answer_within
    return lambda: answer_within(ANSWER_TIMEOUT_SECONDS)


def is_outage(err: BaseException, dbapi) -> bool:
    """Whether a DBAPI error means the database cannot take the report now (503, retry later)
    rather than a bug in this code."""
    if isinstance(err, dbapi.OperationalError | dbapi.InterfaceError):
        return True
    sqlstate = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None) or ""
    return sqlstate.startswith(OUTAGE_SQLSTATES)


def insert_for(engine: Engine):
    """The dialect's INSERT, the one with ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[engine.dialect.name]


def _applies(new, old):
    """Whether a report's state replaces the stored one.

    Higher rank wins (queued < sent < unknown < final). At equal rank Plivo's Sequence decides
    when both have one; without it a pending state may be refreshed, a final one is kept.
    """
    return or_(
        new.rank > old.rank,
        and_(new.rank == old.rank, new.sequence > old.sequence),
        and_(new.rank == old.rank, not_(old.final),
             or_(new.sequence.is_(None), old.sequence.is_(None))),
    )


class Store:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._check_files = file_check(url)
        self._bounded = bounded_answers(self.engine)  # for what answers a provider, /healthz
        self._locked_out = False  # SQLite: the last write waited out the busy timeout
        self._tables_ready = False
        self._create_lock = threading.Lock()
        # Reports saved at the same moment share one transaction: under `make bench` (gthread,
        # 2 workers × 8 threads) 0.33× and 0.40× the bare route against 0.25× and 0.37× with
        # one commit each on SQLite, 0.20× and 0.26× against 0.16× and 0.19× on PostgreSQL.
        self._group = GroupCommit(
            self._write, isolated=lambda error: not isinstance(error, StorageUnavailable))
        insert = insert_for(self.engine)

        # RETURNING tells whether the row was inserted: psycopg's rowcount for ON CONFLICT DO
        # NOTHING comes back as -1 through SQLAlchemy, which read as "inserted" every time.
        self._insert_event = insert(events).on_conflict_do_nothing(
            index_elements=["provider", "dedupe_key"]).returning(events.c.id)

        upsert = insert(messages)
        new = upsert.excluded
        applies = _applies(new, messages.c)
        take = {c: case((applies, new[c]), else_=messages.c[c])
                for c in ("status", "state", "rank", "final", "outcome", "error_code", "sequence")}
        keep_first = {c: func.coalesce(messages.c[c], new[c])
                      for c in ("from_number", "to_number", "text", "group_id", "part_info",
                                "client_ref", "sent_at")}
        self._upsert_message = upsert.on_conflict_do_update(
            index_elements=["provider", "message_id"],
            set_={**take, **keep_first, "updated_at": new.updated_at},
        ).returning(messages.c.state)
        # Atomic on both databases: of two instances inserting the same nonce, one gets a row.
        self._insert_nonce = insert(nonces).on_conflict_do_nothing(
            index_elements=["scope", "nonce"]).returning(nonces.c.nonce)
        # The hot path runs these two as SQL compiled once, on a DBAPI connection from the
        # engine's pool: 74 µs of CPU per report against 124 µs through Connection.execute
        # (SQLite, the two statements and the commit), about a tenth of a request.
        self._insert_event_sql = _Compiled(self._insert_event, self.engine)
        self._upsert_message_sql = _Compiled(self._upsert_message, self.engine)

    # -- schema and health -------------------------------------------------------------

    def ensure_tables(self) -> None:
        """Tables are created on first use, so a fresh clone needs no migration step."""
        if self._tables_ready:
            return
        # Requests arriving together wait for the first one's attempt, never longer than a
        # connection attempt takes, and do not try again when it failed: each answers 503 in
        # time, instead of one after another (five requests took 4, 8, 12, 16 and 20 s).
        waited = not self._create_lock.acquire(blocking=False)
        if waited and not self._create_lock.acquire(timeout=CONNECT_TIMEOUT_SECONDS):
            log.warning("storage unavailable: the tables are still being created")
            raise StorageUnavailable("the tables are still being created")
        try:
            if self._tables_ready:
                return
            if waited:
                log.warning("storage unavailable: creating the tables failed a moment ago")
                raise StorageUnavailable("creating the tables failed a moment ago")
            with self.errors():
                self._create_tables()
        finally:
            self._create_lock.release()

    def _create_tables(self) -> None:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(self.engine)
                break
            except DBAPIError as err:
                # Another process (a second worker or instance) is creating them at the same
                # moment, one table or index ahead of this one: checking again finds what it
                # made. A database that does not answer is an outage: raised at once, without a
                # ping that would wait for the connect timeout a second time. (PostgreSQL's
                # OperationalError is the connection; SQLite's also says "already exists".)
                lost = self.engine.dialect.name != "sqlite" and isinstance(err, OperationalError)
                if lost or attempt == CREATE_ATTEMPTS - 1 or not self.ping():
                    raise
                time.sleep(0.05 * (attempt + 1))
        self._tables_ready = True

    def ping(self) -> bool:
        """Whether a report could be stored now: the database answers, and takes writes."""
        try:
            self._check_files()
            self.ensure_tables()
            with self._bounded(), self.engine.connect() as conn:
                if self.engine.dialect.name == "postgresql":
                    # A read-only server (a standby, default_transaction_read_only) answers
                    # SELECT 1 and refuses every report; so does a table another session locked
                    # (LOCK TABLE, ALTER TABLE): the lock a report's INSERT takes, not waited
                    # for, and given back by the rollback.
                    if conn.execute(text("SHOW transaction_read_only")).scalar() != "off":
                        return False
                    conn.execute(text("LOCK TABLE events, messages IN ROW EXCLUSIVE MODE NOWAIT"))
                    conn.rollback()
                    return True
                # SQLite: a lock held by another program (BEGIN EXCLUSIVE) lets SELECT 1
                # through and holds every report back; a write must be able to start, within
                # the busy timeout.
                driver = conn.connection.driver_connection
                driver.execute("BEGIN IMMEDIATE")
                driver.execute("ROLLBACK")
            return True
        except (SQLAlchemyError, StorageUnavailable):  # includes a pool with no free connection
            return False
        except self.engine.dialect.loaded_dbapi.Error:  # raw, from the pool's own reconnect
            return False

    def errors(self):
        """Around any use of the engine: an unreachable database becomes StorageUnavailable."""
        return _translate_errors(self.engine.dialect.loaded_dbapi, self._check_files)

    # -- writing -----------------------------------------------------------------------

    def save(self, report: Report) -> tuple[str, bool]:
        """Store a report; returns (the message's state afterwards, whether it was a duplicate).

        Returns only after the transaction that holds it committed: the caller may then
        acknowledge. Reports saved by other threads at the same moment share that transaction.
        """
        self.ensure_tables()
        return self._group.submit(self._rows(report))

    def _rows(self, report: Report) -> tuple[dict, dict]:
        i = report.interpretation
        now = utcnow()
        event = {
            "provider": report.provider, "message_id": report.message_id,
            "dedupe_key": report.dedupe_key, "kind": report.kind, "status": report.status,
            "state": i.state, "error_code": i.error_code, "sequence": report.sequence,
            "occurred_at": report.occurred_at, "received_at": report.received_at,
            "raw": report.raw_json, "note": report.note,
        }
        message = {
            "provider": report.provider, "message_id": report.message_id,
            "direction": report.direction, "from_number": report.from_number,
            "to_number": report.to_number, "text": report.text, "status": report.status,
            "state": i.state, "rank": STATES[i.state].rank, "final": i.final,
            "outcome": i.outcome, "error_code": i.error_code, "sequence": report.sequence,
            "group_id": report.group_id, "part_info": report.part_info,
            "client_ref": report.client_ref,
            # Placed in time by the provider's word, else by when the report arrived.
            "sent_at": report.sent_at or report.received_at,
            "created_at": now, "updated_at": now,
        }
        return event, message

    def _write(self, batch) -> list[tuple[str | None, bool]]:
        """Write (event, message) pairs in one transaction: one result per pair."""
        with self._bounded():
            try:
                results = self._write_once(batch, may_reconnect=True)
            except _Reconnect:
                # The pooled connection had gone away (a database restart, or it stopped
                # answering); the pool checks the next one before handing it out. Saving
                # again is safe even if the first commit did land: the events are then
                # duplicates.
                results = self._write_once(batch, may_reconnect=False)
            except StorageUnavailable:
                self._locked_out = self.engine.dialect.name == "sqlite"
                raise
        self._locked_out = False
        return results

    def _write_once(self, batch, may_reconnect: bool) -> list[tuple[str | None, bool]]:
        with self.errors():
            conn = self.engine.raw_connection()
        results: list[tuple[str | None, bool]] = [(None, True)] * len(batch)
        try:
            cursor = conn.cursor()
            if self._locked_out:
                cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCKED_OUT_WAIT_MS}")
            # Rows are locked in one order on every instance: every event before any message,
            # each by its key. Two instances writing the same reports at the same moment then
            # wait for each other; in arrival order they could deadlock, and PostgreSQL
            # aborted one transaction, a 503 for every report in it.
            new = []
            for i in sorted(range(len(batch)), key=lambda i: _event_key(batch[i][0])):
                cursor.execute(*self._insert_event_sql(batch[i][0]))
                if cursor.fetchall():
                    new.append(i)
                # else a provider's retry: it changes nothing
            for i in sorted(new, key=lambda i: _message_key(batch[i][1])):
                cursor.execute(*self._upsert_message_sql(batch[i][1]))
                results[i] = (cursor.fetchall()[0][0], False)
            conn.commit()
        except BaseException as err:
            self._discard(conn, err, may_reconnect)
            raise
        if self._locked_out:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        conn.close()  # back to the pool
        return results

    def _discard(self, conn, err: BaseException, may_reconnect: bool) -> None:
        """Roll back and drop the connection; a database error becomes StorageUnavailable."""
        dbapi = self.engine.dialect.loaded_dbapi
        with contextlib.suppress(Exception):
            conn.rollback()
        try:
            disconnected = isinstance(err, dbapi.Error) and self.engine.dialect.is_disconnect(
                err, conn.dbapi_connection, None)
        except Exception:  # asking a broken connection can fail too; then it is not one
            disconnected = False
        with contextlib.suppress(Exception):
            conn.invalidate()
        if disconnected and may_reconnect:
            # The connections pooled beside it are as old (a restart, a frozen server): the
            # retry opens a new one instead of pre-pinging each, which took 2 s more apiece.
            self.engine.dispose()
            raise _Reconnect() from err
        if disconnected or (isinstance(err, dbapi.Error) and is_outage(err, dbapi)):
            log.warning("storage unavailable: %s", err)
            raise StorageUnavailable(str(err)) from err

    def first_use(self, scope: str, nonce: str) -> bool:
        """Remember a nonce; True only the first time it is seen, on any instance."""
        self.ensure_tables()
        with self._bounded(), self.errors(), self.engine.begin() as conn:
            row = conn.execute(self._insert_nonce,
                               {"scope": scope, "nonce": nonce, "seen_at": utcnow()}).first()
        return row is not None

    def forget(self, scope: str, nonce: str) -> None:
        """Undo first_use when the report it let in could not be stored, so its retry is let in.
        Best effort: a database that cannot store the report may not take this either."""
        with contextlib.suppress(SQLAlchemyError), self._bounded(), \
                self.engine.begin() as conn:
            conn.execute(nonces.delete().where(nonces.c.scope == scope, nonces.c.nonce == nonce))

    # -- reading -----------------------------------------------------------------------

    def get_message(self, message_id: str, provider: str | None = None) -> dict[str, Any] | None:
        self.ensure_tables()
        query = select(messages).where(messages.c.message_id == message_id)
        if provider:
            query = query.where(messages.c.provider == provider)
        with self.errors(), self.engine.connect() as conn:
            row = conn.execute(query.limit(1)).mappings().first()
            if row is None:
                return None
            message = dict(row)
            message["events"] = [dict(e) for e in conn.execute(
                select(events).where(events.c.provider == row["provider"],
                                     events.c.message_id == row["message_id"])
                .order_by(events.c.received_at, events.c.id)).mappings()]
            group = row["group_id"]
            message["parts"] = [] if group is None else [dict(p) for p in conn.execute(
                select(messages).where(messages.c.provider == row["provider"],
                                       messages.c.group_id == group)
                .order_by(messages.c.part_info, messages.c.created_at)).mappings()]
        return message

    def event_count(self) -> int:
        self.ensure_tables()
        with self.errors(), self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events)).scalar_one()


def _event_key(event: dict) -> tuple[str, str]:
    return event["provider"], event["dedupe_key"]  # uq_events_dedupe


def _message_key(message: dict) -> tuple[str, str]:
    return message["provider"], message["message_id"]  # the messages' primary key


class _Reconnect(Exception):
    """The connection kept from an earlier report is gone: save again on a fresh one."""


class _Compiled:
    """A statement compiled once for the engine's dialect: (SQL, parameters) per execution.

    Compiled on first use, for the keys it is first given (every later call passes the same).
    Only the columns whose type needs converting for this driver (SQLite has no DateTime) go
    through SQLAlchemy's own bind processors, so values are stored exactly as SQLAlchemy
    would store them.
    """

    def __init__(self, statement, engine: Engine):
        self.statement, self.dialect = statement, engine.dialect
        self.sql = None

    def _compile(self, keys) -> None:
        compiled = self.statement.compile(dialect=self.dialect, column_keys=list(keys))
        self.positions = compiled.positiontup  # None for named parameter styles
        self.processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if processor is not None:
                self.processors[name] = processor
        self.sql = str(compiled)

    def __call__(self, values: dict) -> tuple:
        if self.sql is None:
            self._compile(values)
        if self.processors:
            values = dict(values)
            for name, processor in self.processors.items():
                values[name] = processor(values[name])
        if self.positions is not None:
            return self.sql, tuple(values[name] for name in self.positions)
        return self.sql, values


class _translate_errors:
    """Turns 'the database is not there' into StorageUnavailable; lets real bugs through."""

    def __init__(self, dbapi, check_files):
        self.dbapi, self.check_files = dbapi, check_files

    def __enter__(self):
        self.check_files()
        return self

    def __exit__(self, exc_type, exc, tb):
        if isinstance(exc, PoolTimeout):  # every pooled connection busy for POOL_TIMEOUT
            log.warning("storage unavailable: %s", exc)
            raise StorageUnavailable(str(exc)) from exc
        if isinstance(exc, DBAPIError) and (
                isinstance(exc, OperationalError) or exc.connection_invalidated
                or is_outage(exc.orig, self.dbapi)):
            log.warning("storage unavailable: %s", exc.orig)
            raise StorageUnavailable(str(exc.orig)) from exc
        # engine.raw_connection() hands the driver's own error through unwrapped (psycopg's
        # OperationalError when the server refuses a new connection).
        if isinstance(exc, self.dbapi.Error) and is_outage(exc, self.dbapi):
            log.warning("storage unavailable: %s", exc)
            raise StorageUnavailable(str(exc)) from exc
        return False

