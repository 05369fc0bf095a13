"""GET /healthz: 200 when a report could be stored now, 503 when not, for load balancers and
uptime checks. Open to any Host: it shows nothing and checks no signature. Loaded on the first
probe.

SELECT 1 is not enough: a read-only PostgreSQL (a standby) answers it and refuses every report,
and so does a table another session locked; a SQLite file another program holds locked lets it
through and holds every write back. So the probe asks for what a report needs: the INSERT's lock
(not waited for), or a write transaction that can start; and gives it back at once.
"""

from flask import Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.outages import StorageUnavailable
from shared.receiver import plain, retry_later


def healthz():
    if ping(current_app.extensions["sms_store"]):
        return Response("ok\n", mimetype="text/plain")
    return plain(retry_later("storage unavailable", seconds=30))


def ping(store) -> bool:
    """Whether a report could be stored now: the database answers, and takes writes."""
    try:
        store.check_files()
        with store.bounded():
            store.ensure_tables()
            with store.engine.connect() as conn:
                if store.engine.dialect.name == "postgresql":
                    if conn.execute(text("SHOW transaction_read_only")).scalar() != "off":
                        return False
                    conn.execute(text("LOCK TABLE events, messages IN ROW EXCLUSIVE MODE NOWAIT"))
                    conn.rollback()
                    return True
                driver = conn.connection.driver_connection
                driver.execute("BEGIN IMMEDIATE")
                driver.execute("ROLLBACK")
        return True
    except (SQLAlchemyError, StorageUnavailable, store.engine.dialect.loaded_dbapi.Error):
        return False
