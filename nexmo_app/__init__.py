"""Receive Vonage (Nexmo) SMS delivery reports: `flask --app nexmo_app run --port 5001`.

In your own Flask app: `nexmo_app.init_app(app)` adds /webhooks/delivery-receipt (SMS API),
/webhooks/message-status and /webhooks/inbound (Messages API) and the log pages.
"""

from flask import Flask

from nexmo_app import messages_api
from nexmo_app.routes import PATH, blueprint
from nexmo_app.signature import DEFAULT_WINDOW_SECONDS, Verifier
from shared.app import init_receiver, setting, signing_secret, standalone_app

__all__ = ["PATH", "PORT_VARIABLE", "DEFAULT_PORT", "init_app", "create_app"]
PORT_VARIABLE, DEFAULT_PORT = "VONAGE_PORT", "5001"


def init_app(app: Flask) -> None:
    """Settings come from app.config first, then the environment (.env.example lists them)."""
    init_receiver(app, "vonage", blueprint)
    app.register_blueprint(messages_api.blueprint)  # the same secret signs both APIs' webhooks
    secret = signing_secret(app, "VONAGE_SIGNATURE_SECRET", "Vonage (signed webhooks, sig)")
    app.extensions["vonage_verifier"] = secret and Verifier(
        secret,
        setting(app, "VONAGE_SIGNATURE_METHOD", "md5hash"),
        int(setting(app, "VONAGE_SIGNATURE_WINDOW_SECONDS", str(DEFAULT_WINDOW_SECONDS))),
    )


def create_app(test_config: dict | None = None) -> Flask:
    app = standalone_app(__name__, test_config)
    init_app(app)
    return app
