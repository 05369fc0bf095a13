"""Both receivers added to somebody else's Flask app in a few lines (Flask's init_app convention),
with that app's own config and its own routes and error pages left alone."""

import pytest
from flask import Flask

import nexmo_app
import plivo_app
import sms_log
from tests import payloads
from tests.callbacks import SEED_DELIVERED, VONAGE_PATH, plivo_post
from tests.signing import (
    PLIVO_AUTH_TOKEN,
    VONAGE_SIGNATURE_METHOD,
    VONAGE_SIGNATURE_SECRET,
    vonage_signed,
)


def host_app(database_url: str, log: bool = True) -> Flask:
    app = Flask(__name__)
    app.config.update(
        DATABASE_URL=database_url,
        PLIVO_AUTH_TOKEN=PLIVO_AUTH_TOKEN,
        VONAGE_SIGNATURE_SECRET=VONAGE_SIGNATURE_SECRET,
        VONAGE_SIGNATURE_METHOD=VONAGE_SIGNATURE_METHOD,
    )

    @app.get("/")
    def home():
        return "the host app's own page"

    plivo_app.init_app(app)
    nexmo_app.init_app(app)
    if log:
        sms_log.init_app(app)
    return app


def test_a_signed_report_to_each_embedded_receiver_is_stored(database_url):
    client = host_app(database_url).test_client()

    plivo_fields = payloads.plivo_status()
    assert plivo_post(client, plivo_fields).status_code == 200
    assert client.post(VONAGE_PATH, data=vonage_signed(SEED_DELIVERED)).status_code == 204

    listed = client.get("/messages", headers={"Accept": "application/json"}).get_json()
    assert {(m["provider"], m["message_id"]) for m in listed["messages"]} == {
        ("plivo", plivo_fields["MessageUUID"]), ("vonage", SEED_DELIVERED["messageId"])}


def test_a_receiver_alone_adds_no_log_pages_and_keeps_healthz(database_url):
    client = host_app(database_url, log=False).test_client()
    assert plivo_post(client, payloads.plivo_status()).status_code == 200
    assert client.get("/messages").status_code == 404
    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").text == "ok\n"


def test_the_log_comes_after_a_receiver():
    with pytest.raises(RuntimeError, match="after a receiver"):
        sms_log.init_app(Flask(__name__))


def test_the_host_apps_settings_come_before_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", "a-token-from-the-environment")
    client = host_app(database_url).test_client()
    assert plivo_post(client, payloads.plivo_status()).status_code == 200


def test_the_host_apps_own_pages_keep_their_own_answers(database_url):
    app = host_app(database_url)
    app.config["MAX_CONTENT_LENGTH"] = None
    client = app.test_client()
    assert client.get("/").text == "the host app's own page"
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    # The receiver's own refusals stay plain sentences for the provider's debug log.
    refused = client.post("/delivery", data={"Status": "delivered"})
    assert refused.status_code == 403 and refused.mimetype == "text/plain"


def test_an_app_with_both_receivers_draws_each_providers_pictures_and_metrics(database_url):
    client = host_app(database_url).test_client()
    assert client.post(VONAGE_PATH, data=vonage_signed(SEED_DELIVERED)).status_code == 204
    for provider in ("plivo", "vonage"):
        page = client.get(f"/pictures?provider={provider}").get_data(as_text=True)
        assert f"Delivery · {provider.capitalize()}" in page
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'sms_delivery_messages{direction="outbound",provider="vonage"}' in metrics
    assert 'sms_delivery_messages{direction="outbound",provider="plivo"}' in metrics
