"""The least any receiver must do, for `make bench`: what a verified, durable report costs on
this machine, whatever the app does. The apps' CPU per report is held to these floors'.

    read              reads the form body and parses it, nothing else
    check             reads it and checks Plivo's V3 signature
    insert            reads it and inserts the body into SQLite with the standard library's
                      sqlite3, one commit per report (other workers wait in the busy timeout)
    durable           check, then insert: the least a verified, durable Plivo receiver does
    durable_vonage    the same for a Vonage SMS API receipt: its md5hash `sig`, then insert
    durable_postgres  Plivo's check, then the body inserted into PostgreSQL with psycopg
                      (BENCH_FLOOR_POSTGRES_URL), one connection per thread, one commit each

Each is a WSGI app for gunicorn (`tools.bench_floor:durable` …) taking POST form bodies on the
same paths as the real ones, so it takes the same pre-signed requests. A report whose signature
does not match gets 403 and is not stored. The checks are written here by hand from the
providers' documents with the standard library, as any receiver could write them, so a floor
depends on nothing of the apps but their paths.
"""

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
from urllib.parse import parse_qsl

import psycopg
from flask import Flask, Response, request

import nexmo_app
import plivo_app

DATABASE = os.environ.get("BENCH_FLOOR_DATABASE", "bench-floor.db")
PATHS = (plivo_app.PATH, nexmo_app.PATH)


def _app(handle) -> Flask:
    app = Flask(__name__)
    for path in PATHS:
        app.add_url_rule(path, path, handle, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", lambda: Response("ok", mimetype="text/plain"))
    return app


def _answer(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


# -- the signature checks ----------------------------------------------------------------------

def plivo_v3_matches(url: str, headers, fields: dict[str, str]) -> bool:
    """Plivo's V3 signature of a POST callback:
    https://www.plivo.com/docs/messaging/concepts/signature-validation
    base64(HMAC-SHA256(auth token, URL + "?" + [sorted query + "."] + every body parameter
    as key+value, sorted by key, + "." + nonce)); the header may hold several, comma-separated.
    """
    origin, _, query = url.partition("?")
    signed_query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(query,
                                                                     keep_blank_values=True)))
    body = "".join(key + fields[key] for key in sorted(fields))
    base = f"{origin}?{signed_query}.{body}" if signed_query else f"{origin}?{body}"
    nonce = headers.get("X-Plivo-Signature-V3-Nonce", "")
    key = os.environ["PLIVO_AUTH_TOKEN"].encode()
    expected = base64.b64encode(hmac.new(key, f"{base}.{nonce}".encode(), hashlib.sha256).digest())
    given = headers.get("X-Plivo-Signature-V3", "").split(",")
    return any([hmac.compare_digest(expected, sig.strip().encode()) for sig in given])


def vonage_md5hash_matches(fields: dict[str, str]) -> bool:
    """Vonage's `sig` with the dashboard's default method, md5hash:
    https://developer.vonage.com/en/getting-started/concepts/signing-messages
    every parameter but sig, sorted by key, `&` and `=` in values replaced by `_`, joined as
    &k=v; then md5(that + signature secret) in hex.
    """
    signed = "".join(f"&{key}={fields[key].replace('&', '_').replace('=', '_')}"
                     for key in sorted(fields) if key != "sig")
    secret = os.environ["VONAGE_SIGNATURE_SECRET"]
    expected = hashlib.md5((signed + secret).encode()).hexdigest().encode()
    return hmac.compare_digest(expected, fields.get("sig", "").lower().encode())


def _plivo_check(fields: dict[str, str]) -> bool:
    return plivo_v3_matches(request.url, request.headers, fields)


# -- the stores --------------------------------------------------------------------------------

class _PerThread:
    """One connection per thread (gthread), opened on first use, after gunicorn forked."""

    def __init__(self):
        self.local = threading.local()

    def connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.connect()
        return connection


class SQLiteInsert(_PerThread):
    def connect(self):
        connection = sqlite3.connect(DATABASE, timeout=10, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS reports "
                           "(id INTEGER PRIMARY KEY, raw TEXT NOT NULL)")
        return connection

    def __call__(self, body: str) -> None:
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO reports (raw) VALUES (?)", (body,))
        connection.execute("COMMIT")


class PostgresInsert(_PerThread):
    def connect(self):
        # A SQLAlchemy URL (postgresql+psycopg://…) or libpq's own (postgresql://…).
        url = os.environ["BENCH_FLOOR_POSTGRES_URL"].replace("postgresql+psycopg://",
                                                              "postgresql://", 1)
        connection = psycopg.connect(url)
        with connection.transaction():  # the workers' first threads arrive together
            connection.execute("SELECT pg_advisory_xact_lock(19)")
            connection.execute("CREATE TABLE IF NOT EXISTS reports "
                               "(id BIGSERIAL PRIMARY KEY, raw TEXT NOT NULL)")
        return connection

    def __call__(self, body: str) -> None:
        connection = self.connection()
        connection.execute("INSERT INTO reports (raw) VALUES (%s)", (body,))
        connection.commit()


# -- the routes --------------------------------------------------------------------------------

def _read():
    fields = dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    return _answer("ok" if fields else "empty")


def _checked(check, insert=None):
    """Reads the body, checks its signature (403 when it does not match), inserts it."""
    def handle():
        body = request.get_data(as_text=True)
        if not check(dict(parse_qsl(body, keep_blank_values=True))):
            return _answer("signature does not match", 403)
        if insert:
            insert(body)
        return _answer("ok")
    return handle


def _inserted(insert):
    def handle():
        body = request.get_data(as_text=True)
        fields = dict(parse_qsl(body, keep_blank_values=True))
        insert(body)
        return _answer("ok" if fields else "empty")
    return handle


read = _app(_read)
check = _app(_checked(_plivo_check))
insert = _app(_inserted(SQLiteInsert()))
durable = _app(_checked(_plivo_check, SQLiteInsert()))
durable_vonage = _app(_checked(vonage_md5hash_matches, SQLiteInsert()))
durable_postgres = _app(_checked(_plivo_check, PostgresInsert()))
