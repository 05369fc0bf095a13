"""Vonage SMS API accounts without signed receipts: a secret token in the callback URL
(VONAGE_CALLBACK_TOKEN) tells Vonage's receipts from anyone else's, on GET, form and JSON."""

import json
from urllib.parse import parse_qsl, urlencode

import pytest
import responses

from nexmo_app import create_app
from nexmo_app import send_sms as vonage_send
from tests.callbacks import MESSAGE_STATUS_PATH, SEED_DELIVERED, VONAGE_PATH, message, stored_ids
from tests.payloads import vonage_message_status

TOKEN = "tok-8J5kQ2mR7xW1vN4pZ9cL3yH6"


@pytest.fixture
def vonage(database_url):
    """A Vonage app with a token and no signature secret."""
    return create_app({"DATABASE_URL": database_url, "VONAGE_CALLBACK_TOKEN": TOKEN}).test_client()


def receipt(client, how: str, token: str | None):
    query = f"?{urlencode({'token': token})}" if token is not None else ""
    if how == "GET":
        separator = "&" if query else "?"
        return client.get(f"{VONAGE_PATH}{query}{separator}{urlencode(SEED_DELIVERED)}")
    if how == "form":
        return client.post(f"{VONAGE_PATH}{query}", data=SEED_DELIVERED)
    return client.post(f"{VONAGE_PATH}{query}", json=SEED_DELIVERED)


@pytest.mark.parametrize("how", ["GET", "form", "JSON"])
def test_a_receipt_with_the_token_is_stored_without_the_token(vonage, how):
    assert receipt(vonage, how, TOKEN).status_code == 204
    fields = message(vonage, SEED_DELIVERED["messageId"])["events"][0]["fields"]
    assert fields == SEED_DELIVERED  # the token is this app's secret, not part of the report


@pytest.mark.parametrize("how", ["GET", "form", "JSON"])
@pytest.mark.parametrize("token, words", [(None, "has no ?token="),
                                          (TOKEN + "x", "is not VONAGE_CALLBACK_TOKEN"),
                                          ("", "has no ?token=")])
def test_a_receipt_without_the_token_or_with_another_is_403_and_not_stored(vonage, how, token,
                                                                          words):
    response = receipt(vonage, how, token)
    assert response.status_code == 403, response.text
    assert words in response.text
    assert stored_ids(vonage) == []


def test_the_token_does_not_open_the_messages_api_which_vonage_always_signs(vonage):
    response = vonage.post(MESSAGE_STATUS_PATH, json=vonage_message_status())
    assert response.status_code == 403
    assert "VONAGE_SIGNATURE_SECRET is not set" in response.text
    assert stored_ids(vonage) == []


def test_the_send_script_puts_the_token_in_the_callback_it_sends(monkeypatch, database_url):
    for name, value in {"DATABASE_URL": database_url, "VONAGE_API_KEY": "abcd1234",
                        "VONAGE_API_SECRET": "a1B2c3D4e5F6g7H8", "VONAGE_FROM": "AcmeInc",
                        "PUBLIC_BASE_URL": "https://abc123.ngrok.app",
                        "VONAGE_CALLBACK_TOKEN": TOKEN}.items():
        monkeypatch.setenv(name, value)
    answer = {"message-count": "1", "messages": [{"to": "447700900000", "status": "0",
                                                  "message-id": "0A0000000123ABCD1"}]}
    with responses.RequestsMock() as api:
        api.post("https://rest.nexmo.com/sms/json", body=json.dumps(answer))
        assert vonage_send.main(["--to", "447700900000", "--text", "Hi"]) == 0
        callback = dict(parse_qsl(api.calls[0].request.body))["callback"]
    assert callback == f"https://abc123.ngrok.app/webhooks/delivery-receipt?token={TOKEN}"
