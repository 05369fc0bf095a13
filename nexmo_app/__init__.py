"""Receive Vonage (Nexmo) SMS delivery receipts: `flask --app nexmo_app run --port 5001`."""

from flask import Flask

from nexmo_app.routes import blueprint
from nexmo_app.signature import DEFAULT_WINDOW_SECONDS, Verifier
from shared.app import create_base_app, signing_secret
from shared.config import env


def create_app(test_config: dict | None = None) -> Flask:
    app = create_base_app(__name__, "vonage", test_config)
    secret = signing_secret(app, "VONAGE_SIGNATURE_SECRET", "Vonage (signed webhooks, sig)")
    app.extensions["vonage_verifier"] = secret and Verifier(
        secret,
        app.config.get("VONAGE_SIGNATURE_METHOD") or env("VONAGE_SIGNATURE_METHOD", "md5hash"),
        int(app.config.get("VONAGE_SIGNATURE_WINDOW_SECONDS")
            or env("VONAGE_SIGNATURE_WINDOW_SECONDS", str(DEFAULT_WINDOW_SECONDS))),
    )
    app.register_blueprint(blueprint)
    return app
