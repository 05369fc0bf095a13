"""The benchmark's yardstick: the same callback paths on a Flask route that reads, checks and
stores nothing (`gunicorn 'tools.bench_bare:app'`)."""

from flask import Flask, Response

import nexmo_app
import plivo_app

app = Flask(__name__)


@app.route(plivo_app.PATH, methods=["GET", "POST"])
@app.route(nexmo_app.PATH, methods=["GET", "POST"])
def bare():
    return Response("ok", mimetype="text/plain")


@app.route("/healthz")
def healthz():
    return Response("ok", mimetype="text/plain")
