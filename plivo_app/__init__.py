"""Receive Plivo SMS delivery reports and inbound messages: `flask --app plivo_app run`."""

from flask import Flask

from plivo_app.routes import blueprint
from shared.app import create_base_app, signing_secret


def create_app(test_config: dict | None = None) -> Flask:
    app = create_base_app(__name__, "plivo", test_config)
    app.config["PLIVO_AUTH_TOKEN"] = signing_secret(
        app, "PLIVO_AUTH_TOKEN", "Plivo (X-Plivo-Signature-V3)")
    app.register_blueprint(blueprint)
    return app
