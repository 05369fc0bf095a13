"""Storing a report: one transaction of two statements, or of many reports' statements.

1. insert the event, doing nothing if its dedupe key is already there (a provider retry);
2. upsert the message: create it if unknown, otherwise take the report's state only when it
   does not move the message backwards (`_applies`).
Reports saved by several threads at once share one transaction (shared.group_commit). SQLite
(the default) and PostgreSQL share the code; the tables are shared.schema's, and what happens
when the database is not there is shared.outages'.
"""

import threading
import time

from sqlalchemy import and_, case, func, not_, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from shared import outages
from shared.group_commit import GroupCommit
from shared.outages import Reconnect, StorageUnavailable
from shared.report import STATES, Report, utcnow
from shared.schema import add_new_columns, events, insert_for, make_engine, messages, metadata


def _applies(new, old):
    """Whether a report's state replaces the stored one. Higher rank wins (queued < sent <
    unknown < final). At equal rank Plivo's Sequence decides when both have one; without it a
    pending state may be refreshed, a final one is kept."""
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
        self.check_files = outages.writable_files(url)
        self.bounded = outages.bounded(self.engine)  # for what answers a provider, /healthz
        self._locked_out = False  # SQLite: the last write waited out the busy timeout
        self._tables_ready = False
        self._create_lock = threading.Lock()
        # Reports saved at the same moment share one transaction: 1,102 µs of server CPU per
        # Plivo report against 1,272 µs with one commit each (SQLite, gunicorn.conf.py, 16
        # connections), and the threads of a worker do not queue on SQLite's lock.
        self._group = GroupCommit(
            self._write, isolated=lambda error: not isinstance(error, StorageUnavailable))
        insert = insert_for(self.engine)
        # RETURNING tells whether the row was inserted (psycopg's rowcount for ON CONFLICT DO
        # NOTHING comes back as -1 through SQLAlchemy).
        self._insert_event = _Compiled(insert(events).on_conflict_do_nothing(
            index_elements=["provider", "dedupe_key"]).returning(events.c.id), self.engine)
        upsert = insert(messages)
        new, applies = upsert.excluded, _applies(upsert.excluded, messages.c)
        take = {c: case((applies, new[c]), else_=messages.c[c])
                for c in ("status", "state", "rank", "final", "outcome", "error_code",
                          "error_text", "retryable", "sequence")}
        keep_first = {c: func.coalesce(messages.c[c], new[c])
                      for c in ("from_number", "to_number", "text", "group_id", "part_info",
                                "client_ref", "country", "network", "sent_at")}
        self._upsert_message = _Compiled(upsert.on_conflict_do_update(
            index_elements=["provider", "message_id"],
            set_={**take, **keep_first, "updated_at": new.updated_at},
        ).returning(messages.c.state), self.engine)

    def errors(self):
        """Around any use of the engine: an unreachable database becomes StorageUnavailable."""
        return outages.translated(self.engine, self.check_files)

    def ensure_tables(self) -> None:
        """Tables are created (and new columns added) on first use: no migration step."""
        if self._tables_ready:
            return
        # Requests arriving together wait for the first one's attempt, never longer than a
        # connection attempt, and do not try again when it failed: each answers 503 in time.
        waited = not self._create_lock.acquire(blocking=False)
        if waited and not self._create_lock.acquire(timeout=outages.CONNECT_TIMEOUT):
            raise outages.unavailable("the tables are still being created")
        try:
            if self._tables_ready:
                return
            if waited:
                raise outages.unavailable("creating the tables failed a moment ago")
            with self.errors():
                self._create_tables()
        finally:
            self._create_lock.release()

    def _create_tables(self, attempts: int = 5) -> None:
        for attempt in range(attempts):
            try:
                with self.engine.begin() as conn:
                    metadata.create_all(conn)
                    add_new_columns(conn)
                break
            except DBAPIError as err:
                # Another process is creating them at the same moment, one table ahead: looking
                # again finds what it made. PostgreSQL's OperationalError is the connection.
                lost = self.engine.dialect.name != "sqlite" and isinstance(err, OperationalError)
                if lost or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        self._tables_ready = True

    def save(self, report: Report) -> tuple[str, bool]:
        """Store a report; returns (the message's state afterwards, whether it was a duplicate)
        only after the transaction that holds it committed: the caller may then acknowledge."""
        self.ensure_tables()
        return self._group.submit(self._rows(report))

    def _rows(self, report: Report) -> tuple[dict, dict]:
        i = report.interpretation
        event = {
            "provider": report.provider, "message_id": report.message_id,
            "dedupe_key": report.dedupe_key, "kind": report.kind, "status": report.status,
            "state": i.state, "error_code": i.error_code, "error_text": i.error_text,
            "sequence": report.sequence, "occurred_at": report.occurred_at,
            "received_at": report.received_at, "raw": report.raw_json, "note": report.note,
        }
        now = utcnow()
        message = {
            "provider": report.provider, "message_id": report.message_id,
            "direction": report.direction, "from_number": report.from_number,
            "to_number": report.to_number, "text": report.text, "status": report.status,
            "state": i.state, "rank": STATES[i.state].rank, "final": i.final,
            "outcome": i.outcome, "error_code": i.error_code, "error_text": i.error_text,
            "retryable": i.retryable, "sequence": report.sequence, "group_id": report.group_id,
            "part_info": report.part_info, "client_ref": report.client_ref,
            "country": report.country, "network": report.network or None,
            # Placed in time by the provider's word, else by when the report arrived.
            "sent_at": report.sent_at or report.received_at, "created_at": now, "updated_at": now,
        }
        return event, message

    def _write(self, batch) -> list[tuple[str | None, bool]]:
        """Write (event, message) pairs in one transaction: one result per pair."""
        with self.bounded():
            try:
                results = self._write_once(batch, may_reconnect=True)
            except Reconnect:
                # Safe even if the first commit did land: the events are then duplicates.
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
            if self._locked_out:  # outages: wait briefly while another program holds the lock
                cursor.execute(f"PRAGMA busy_timeout={outages.LOCKED_OUT_WAIT_MS}")
            # Rows are locked in one order on every instance, every event before any message,
            # each by its key: two instances writing the same reports in arrival order could
            # deadlock, and PostgreSQL aborted one transaction, a 503 for every report in it.
            new = []
            for i in sorted(range(len(batch)), key=lambda i: _key(batch[i][0], "dedupe_key")):
                cursor.execute(*self._insert_event(batch[i][0]))
                if cursor.fetchall():
                    new.append(i)  # else a provider's retry: it changes nothing
            for i in sorted(new, key=lambda i: _key(batch[i][1], "message_id")):
                cursor.execute(*self._upsert_message(batch[i][1]))
                results[i] = (cursor.fetchall()[0][0], False)
            conn.commit()
        except BaseException as err:
            outages.failed_write(self.engine, conn, err, may_reconnect)
            raise
        if self._locked_out:
            cursor.execute(f"PRAGMA busy_timeout={outages.SQLITE_BUSY_TIMEOUT * 1000}")
        conn.close()  # back to the pool
        return results


def _key(row: dict, name: str) -> tuple[str, str]:
    return row["provider"], row[name]


class _Compiled:
    """A statement compiled once for the engine's dialect: (SQL, parameters) per execution, run
    on the DBAPI cursor: 74 µs of CPU per report against 124 µs through Connection.execute
    (SQLite, both statements and the commit). Only the columns whose type this driver needs
    converted (SQLite has no DateTime) go through SQLAlchemy's own bind processors, so values
    are stored exactly as SQLAlchemy would store them."""

    def __init__(self, statement, engine: Engine):
        self.statement, self.dialect, self.sql = statement, engine.dialect, None

    def __call__(self, values: dict) -> tuple:
        if self.sql is None:  # compiled for the keys of the first call; every call passes them
            compiled = self.statement.compile(dialect=self.dialect, column_keys=list(values))
            self.positions = compiled.positiontup  # None for named parameter styles
            self.processors = {
                name: processor for name, bind in compiled.binds.items()
                if (processor := bind.type.dialect_impl(self.dialect)
                    .bind_processor(self.dialect)) is not None}
            self.sql = str(compiled)
        if self.processors:
            values = dict(values)
            for name, processor in self.processors.items():
                values[name] = processor(values[name])
        if self.positions is not None:
            return self.sql, tuple(values[name] for name in self.positions)
        return self.sql, values
