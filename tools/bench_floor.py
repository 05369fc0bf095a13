"""The least any receiver must do, for `make bench BENCH_ARGS=--floor`: how close to the bare
route a report can get on this machine, whatever the app does.

    read        reads the form body and parses it, nothing else
    check       reads it and checks Plivo's V3 signature as plivo_app does (with the SDK)
    insert      reads it and inserts the body into SQLite with the standard library's sqlite3,
                one commit per report (the workers' writers wait in SQLite's busy timeout)
    durable     check, then insert: the least a verified, durable receiver does

Each is a WSGI app for gunicorn (`tools.bench_floor:read` …) on the same paths as the real
ones, so it takes the same pre-signed requests.
"""

import hmac
import os
import sqlite3
import threading
from urllib.parse import parse_qsl

from flask import Flask, Response, request

import nexmo_app
import plivo_app
from plivo_app import signature
from plivo_app.simulate import sign_v3

DATABASE = os.environ.get("BENCH_FLOOR_DATABASE", "bench-floor.db")
PATHS = (plivo_app.PATH, nexmo_app.PATH)


def _app(handle) -> Flask:
    app = Flask(__name__)
    for path in PATHS:
        app.add_url_rule(path, path, handle, methods=["GET", "POST"])
    app.add_url_rule("/healthz", "healthz", lambda: Response("ok", mimetype="text/plain"))
    return app


def _read():
    fields = dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    return Response("ok" if fields else "empty", mimetype="text/plain")


def _check():
    fields = dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    expected = sign_v3(request.method, request.url, fields,
                                 request.headers.get(signature.V3_NONCE, ""),
                                 os.environ["PLIVO_AUTH_TOKEN"])
    given = request.headers.get("X-Plivo-Signature-V3", "")
    ok = hmac.compare_digest(expected.encode(), given.encode())
    return Response("ok" if ok else "forged", status=200 if ok else 403, mimetype="text/plain")


class _Inserter:
    def __init__(self):
        self.local = threading.local()

    def __call__(self):
        body = request.get_data(as_text=True)
        fields = dict(parse_qsl(body, keep_blank_values=True))
        connection = getattr(self.local, "connection", None)
        if connection is None:  # one per thread (gthread), opened after gunicorn forked
            connection = self.local.connection = sqlite3.connect(
                DATABASE, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS reports "
                               "(id INTEGER PRIMARY KEY, raw TEXT NOT NULL)")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO reports (raw) VALUES (?)", (body,))
        connection.execute("COMMIT")
        return Response("ok" if fields else "empty", mimetype="text/plain")


def _checked(store):
    def handle():
        answer = _check()
        return store() if answer.status_code == 200 else answer
    return handle


read = _app(_read)
check = _app(_check)
insert = _app(_Inserter())
durable = _app(_checked(_Inserter()))
