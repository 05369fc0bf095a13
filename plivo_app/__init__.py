"""Receive Plivo SMS delivery reports and inbound messages: `flask --app plivo_app run`.

In your own Flask app: `plivo_app.init_app(app)` adds /delivery and the log pages.
"""

from flask import Flask

from plivo_app.routes import PATH, blueprint
from shared.app import flag, init_receiver, signing_secret, standalone_app

__all__ = ["PATH", "PORT_VARIABLE", "DEFAULT_PORT", "init_app", "create_app"]
PORT_VARIABLE, DEFAULT_PORT = "PLIVO_PORT", "5000"


def init_app(app: Flask) -> None:
    """Settings come from app.config first, then the environment (.env.example lists them)."""
    init_receiver(app, "plivo", blueprint)
    app.config["PLIVO_AUTH_TOKEN"] = signing_secret(
        app, "PLIVO_AUTH_TOKEN", "Plivo (X-Plivo-Signature-V3)")
    app.config["PLIVO_ACCEPT_V2"] = flag(app, "PLIVO_ACCEPT_V2")


def create_app(test_config: dict | None = None) -> Flask:
    app = standalone_app(__name__, test_config)
    init_app(app)
    return app
