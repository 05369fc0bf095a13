"""Signed requests that deliver the providers' callbacks (tests/payloads.py) to the test apps."""

import json
from urllib.parse import urlencode

from tests import payloads
from tests.signing import plivo_headers, vonage_bearer, vonage_signed

PLIVO_URL = "http://localhost/delivery"
VONAGE_PATH = "/webhooks/delivery-receipt"

MESSAGE_UUID = payloads.plivo_status()["MessageUUID"]
INBOUND_UUID = payloads.plivo_inbound()["MessageUUID"]


def status_callback(status: str, message_uuid: str = MESSAGE_UUID, sequence: int | None = None,
                    error_code: str = "", **extra: str) -> dict[str, str]:
    """A Plivo status callback with this status; without a sequence, without `Sequence`."""
    fields = payloads.plivo_status(Status=status, MessageUUID=message_uuid,
                                   ErrorCode=error_code, **extra)
    if sequence is not None:
        fields["Sequence"] = str(sequence)
    elif "Sequence" not in extra:
        del fields["Sequence"]
    return fields


def plivo_post(client, fields: dict[str, str]):
    """POST a form-encoded callback, signed as Plivo signs it."""
    return client.post(PLIVO_URL, data=fields, headers=plivo_headers(fields))


def plivo_get(client, fields: dict[str, str]):
    """GET with the fields in the query string (a send request with method="GET")."""
    url = f"{PLIVO_URL}?{urlencode(fields)}"
    return client.get(url, headers=plivo_headers({}, url=url, method="GET"))


# Seed 002 ("Delivery receipts"): the two receipts of one SMS, exactly as printed there.
SEED_ACCEPTED = payloads.vonage_receipt()
SEED_DELIVERED = payloads.vonage_receipt(
    status="delivered", scts="1810251310", **{"message-timestamp": "2018-10-25 12:10:29"})


def vonage_get(client, fields: dict[str, str], now: float | None = None):
    """The dashboard's GET setting: the signed receipt in the query string."""
    return client.get(f"{VONAGE_PATH}?{urlencode(vonage_signed(fields, now=now))}")


def vonage_post_form(client, fields: dict[str, str], now: float | None = None):
    """The dashboard's POST setting: a form-encoded body."""
    return client.post(VONAGE_PATH, data=vonage_signed(fields, now=now))


def vonage_post_json(client, fields: dict[str, str], now: float | None = None):
    """The dashboard's POST-JSON setting."""
    return client.post(VONAGE_PATH, json=vonage_signed(fields, now=now))


def message(client, message_id: str) -> dict:
    """What /messages/<id> says about a message, as JSON."""
    response = client.get(f"/messages/{message_id}", headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def stored_ids(client) -> list[str]:
    """The ids /messages lists, newest first."""
    rows = client.get("/messages", headers={"Accept": "application/json"}).get_json()
    return [row["message_id"] for row in rows["messages"]]


def assert_400_naming(response, *words: str) -> None:
    """A 400 whose answer is one plain sentence containing each of `words`."""
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    sentence = response.get_data(as_text=True)
    assert sentence.endswith(".\n") and sentence.count("\n") == 1, sentence
    for word in words:
        assert word in sentence, sentence


# -- Vonage Messages API ----------------------------------------------------------------------

MESSAGE_STATUS_PATH = "/webhooks/message-status"
MESSAGES_INBOUND_PATH = "/webhooks/inbound"


def messages_api_post(client, path: str, document: dict, now: float | None = None, **claims):
    """A Messages API webhook: the JSON body, and a JWT over it, as Vonage signs them."""
    body = json.dumps(document).encode()
    return client.post(path, data=body, content_type="application/json",
                       headers=vonage_bearer(body, now=now, **claims))
