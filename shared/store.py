"""Storage on SQLAlchemy Core: one row per message, one row per distinct report.

Storing a report is one transaction of two statements:
1. insert the event, doing nothing if its dedupe key is already there (a provider retry);
2. upsert the message: create it if unknown, otherwise take the report's state only when it
   does not move the message backwards (see `_applies`).
Both statements are built and compiled once, then run with bound parameters. On SQLite the
transaction runs under shared.writer_lock, one writer at a time. SQLite (the default) and
PostgreSQL share the code; only the upsert construct is dialect-specific.
"""

import contextlib
import logging
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
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.report import Report, utcnow
from shared.states import STATES
from shared.writer_lock import writer_lock

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
    Index("ix_messages_group", "provider", "group_id"),
    Index("ix_messages_updated", "updated_at"),
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


CREATE_ATTEMPTS = 5


class StorageUnavailable(Exception):
    """The database did not answer; the caller answers 503 so the provider retries."""


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers and the writer run side by side; synchronous=NORMAL in WAL mode still
    # survives a killed process (only an OS crash can lose the last commits). Reports are
    # written under shared.writer_lock; the busy timeout makes any other writer (the alerts
    # job, another program) wait instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


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
        self._tables_ready = False
        self._create_lock = threading.Lock()
        self._writer_lock = writer_lock(self.engine)
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
        # The hot path runs these two as SQL compiled once, on a DBAPI connection from the
        # engine's pool: SQLAlchemy's per-execution machinery cost more than the database did.
        self._insert_event_sql = _Compiled(self._insert_event, self.engine)
        self._upsert_message_sql = _Compiled(self._upsert_message, self.engine)

    # -- schema and health -------------------------------------------------------------

    def ensure_tables(self) -> None:
        """Tables are created on first use, so a fresh clone needs no migration step."""
        if self._tables_ready:
            return
        with self._create_lock, self.errors():
            if self._tables_ready:
                return
            for attempt in range(CREATE_ATTEMPTS):
                try:
                    metadata.create_all(self.engine)
                    break
                except DBAPIError:
                    # Another process (a second worker or instance) is creating them at the
                    # same moment, one table or index ahead of this one: checking again finds
                    # what it made. A database that does not answer is an outage: raised.
                    if attempt == CREATE_ATTEMPTS - 1 or not self.ping():
                        raise
                    time.sleep(0.05 * (attempt + 1))
            self._tables_ready = True

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:  # includes a pool with no free connection
            return False

    def errors(self):
        """Around any use of the engine: an unreachable database becomes StorageUnavailable."""
        return _translate_errors()

    # -- writing -----------------------------------------------------------------------

    def save(self, report: Report) -> tuple[str, bool]:
        """Store a report; returns (the message's state afterwards, whether it was a duplicate).

        Returns only after the transaction committed: the caller may then acknowledge.
        """
        self.ensure_tables()
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
        try:
            return self._save_once(event, message, may_reconnect=True)
        except _Reconnect:
            # The pooled connection had gone away (a database restart); the pool checks the
            # next one before handing it out. Saving again is safe even if the first commit
            # did land: the event is then a duplicate.
            return self._save_once(event, message, may_reconnect=False)

    def _save_once(self, event: dict, message: dict,
                   may_reconnect: bool) -> tuple[str | None, bool]:
        with self.errors():
            conn = self.engine.raw_connection()
        try:
            with self._writer_lock:
                cursor = conn.cursor()
                cursor.execute(*self._insert_event_sql(event))
                inserted = bool(cursor.fetchall())
                if inserted:  # a provider's retry changes nothing
                    cursor.execute(*self._upsert_message_sql(message))
                    state = cursor.fetchall()[0][0]
                conn.commit()
        except BaseException as err:
            self._discard(conn, err, may_reconnect)
            raise
        conn.close()  # back to the pool
        return (state, False) if inserted else (None, True)

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
            raise _Reconnect() from err
        if isinstance(err, dbapi.OperationalError | dbapi.InterfaceError) or disconnected:
            log.warning("storage unavailable: %s", err)
            raise StorageUnavailable(str(err)) from err

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

    def recent_messages(self, limit: int = 200, provider: str | None = None) -> list[dict]:
        self.ensure_tables()
        query = select(messages).order_by(messages.c.updated_at.desc()).limit(limit)
        if provider:
            query = query.where(messages.c.provider == provider)
        with self.errors(), self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def event_count(self) -> int:
        self.ensure_tables()
        with self.errors(), self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events)).scalar_one()


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

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if isinstance(exc, PoolTimeout):  # every pooled connection busy for 30 s
            log.warning("storage unavailable: %s", exc)
            raise StorageUnavailable(str(exc)) from exc
        if exc is not None and isinstance(exc, OperationalError | DBAPIError) and (
                isinstance(exc, OperationalError) or exc.connection_invalidated):
            log.warning("storage unavailable: %s", exc.orig if hasattr(exc, "orig") else exc)
            raise StorageUnavailable(str(getattr(exc, "orig", exc))) from exc
        return False

