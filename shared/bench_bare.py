"""The benchmark's yardstick: the same callback paths on a Flask route that reads, checks and
stores nothing (`gunicorn 'shared.bench_bare:app'`)."""

from flask import Flask, Response

app = Flask(__name__)


@app.route("/delivery", methods=["GET", "POST"])
@app.route("/webhooks/delivery-receipt", methods=["GET", "POST"])
def bare():
    return Response("ok", mimetype="text/plain")


@app.route("/healthz")
def healthz():
    return Response("ok", mimetype="text/plain")
