"""The database: its tables, and an engine tuned for them.

One row per message (`messages`: its state so far, never moved backwards), one per distinct
report (`events`: every field the provider sent, verbatim). Tables are created on first use,
and columns added since an earlier version are added to its database: no migration step.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shared import outages

metadata = sa.MetaData()

messages = sa.Table(
    "messages", metadata,
    sa.Column("provider", sa.String, primary_key=True),
    sa.Column("message_id", sa.String, primary_key=True),
    sa.Column("direction", sa.String, nullable=False),
    sa.Column("from_number", sa.String),
    sa.Column("to_number", sa.String),
    sa.Column("text", sa.Text),
    sa.Column("status", sa.String, nullable=False),  # the provider's word for the effective state
    sa.Column("state", sa.String, nullable=False),
    sa.Column("rank", sa.SmallInteger, nullable=False),
    sa.Column("final", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("error_code", sa.String),
    sa.Column("error_text", sa.Text),  # what the provider's error code says, as it was explained
    sa.Column("retryable", sa.Boolean),  # temporary (sending again may work) or permanent
    sa.Column("sequence", sa.Integer),
    sa.Column("group_id", sa.String),
    sa.Column("part_info", sa.String),
    sa.Column("client_ref", sa.String),
    sa.Column("country", sa.String(2)),  # ISO 3166-1 alpha-2 of the handset's number, when known
    sa.Column("network", sa.String),  # the handset's network as the provider names it (MCC+MNC…)
    sa.Column("sent_at", sa.DateTime),  # when the provider says it was sent: what alerts go by
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_messages_time", "direction", "sent_at"),
    # The parts of a long message; with outcome, also the log's counts of all other messages
    # (group_id IS NULL) without reading the table: 290 → 50 ms over 1M (tools.bench_alerts).
    sa.Index("ix_messages_parts", "provider", "group_id", "outcome"),
    # The log's pages, newest first, in one order even where times are equal.
    sa.Index("ix_messages_log", "updated_at", "message_id"),
    sa.Index("ix_messages_country", "country", "updated_at"),
    sa.Index("ix_messages_network", "network", "updated_at"),
)

events = sa.Table(
    "events", metadata,
    # BIGINT on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    sa.Column("provider", sa.String, nullable=False),
    sa.Column("message_id", sa.String, nullable=False),
    sa.Column("dedupe_key", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("error_code", sa.String),
    sa.Column("error_text", sa.Text),
    sa.Column("sequence", sa.Integer),
    sa.Column("occurred_at", sa.DateTime),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # every field the provider sent, as JSON, verbatim
    sa.Column("note", sa.Text),  # why the app could not accept it (a refused inbound message)
    sa.UniqueConstraint("provider", "dedupe_key", name="uq_events_dedupe"),
    sa.Index("ix_events_message", "provider", "message_id"),
)


def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers and the writer run side by side; synchronous=NORMAL in WAL mode still
    # survives a killed process (only an OS crash can lose the last commits). One writer at a
    # time: the busy timeout makes another process (a second worker, the alerts job) wait,
    # bounded; threads of one process take turns in one group commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={outages.SQLITE_BUSY_TIMEOUT * 1000}")
    # A checkpoint (copying the WAL into the database, with an fsync) every 10,000 pages rather
    # than 1,000: a report's commit took 133 µs with the default and 51 µs with this.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": outages.SQLITE_BUSY_TIMEOUT})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = outages.CONNECT_TIMEOUT  # libpq waits for ever
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                           pool_timeout=outages.POOL_TIMEOUT, connect_args=connect_args)
    if engine.dialect.driver == "psycopg":
        from shared.answer_within import connect

        sa.event.listen(engine, "do_connect", connect)
    return engine


def insert_for(engine: sa.Engine):
    """The dialect's INSERT, the one with ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[engine.dialect.name]


def add_new_columns(conn) -> None:
    """A database made by an earlier version gets the columns and indexes added since."""
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        have = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(conn.dialect)
                conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
        for index in table.indexes:
            index.create(conn, checkfirst=True)


