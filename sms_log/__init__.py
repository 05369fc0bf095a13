"""The SMS log beside a receiver: every message and its reports (/messages), delivery as
pictures (/pictures), and counters for Prometheus (/metrics).

    plivo_app.init_app(app)    # a receiver first: the log reads its store
    sms_log.init_app(app)

It listens to the receiver's signals (the metrics) and tells it how to place a number in a
country (phonenumbers); the receiver never calls it.
"""

from flask import Flask

from shared import report, setting
from sms_log import countries, metrics  # noqa: F401  (metrics connects to the signals)
from sms_log.pages import blueprint


def init_app(app: Flask) -> None:
    if "sms_store" not in app.extensions:
        raise RuntimeError("sms_log.init_app(app) comes after a receiver's init_app(app): "
                           "the log reads the receiver's store")
    app.config["LOG_PAGE_PASSWORD"] = setting(app, "LOG_PAGE_PASSWORD")
    report.country_of = countries.country_of
    app.register_blueprint(blueprint)
