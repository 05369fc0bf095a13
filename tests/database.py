"""A throwaway PostgreSQL schema per test, when the suite runs against a server.

`TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest` runs every test that
uses the `database_url` fixture against that server. Each test gets a new, empty schema in that
database, and a URL whose connections see only it (`search_path`), so tests cannot see each
other's rows and nothing needs a migration. A schema costs milliseconds where a database costs a
third of a second, which over the whole suite is minutes.

Afterwards the test's connections (every one carries the schema's name as its
`application_name`, so even those of app processes the test started are found) are closed and
the schema is dropped with everything in it. A server that cannot be reached fails the test with
one line naming the URL: a run meant for PostgreSQL must never pass without it.
"""

import contextlib
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool


class DatabaseUnreachable(RuntimeError):
    pass


def _admin(server_url: str):
    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"TEST_DATABASE_URL must be a postgresql+psycopg:// URL, not "
                         f"{url.render_as_string(hide_password=True)}")
    return url, create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextlib.contextmanager
def fresh_database(server_url: str):
    """Yields a URL of an empty schema of its own on the server; drops it afterwards."""
    url, admin = _admin(server_url)
    name = f"sms_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as err:
        admin.dispose()
        raise DatabaseUnreachable(
            f"TEST_DATABASE_URL={url.render_as_string(hide_password=True)} cannot be reached: "
            f"{str(err.orig).strip().splitlines()[0]}") from None
    query = {**url.query, "options": f"-csearch_path={name}", "application_name": name}
    try:
        yield url.set(query=query).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                         {"name": name})
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()
