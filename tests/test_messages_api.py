"""The Vonage Messages API's webhooks: JSON, signed with a JWT, at /webhooks/message-status and
/webhooks/inbound; and the answer when a webhook reaches the other API's path."""

import json
import time
from datetime import datetime
from urllib.parse import urlencode

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.queries import window_counts
from nexmo_app import jwt_check
from nexmo_app.signature import RETRY_HORIZON_SECONDS
from tests import payloads
from tests.callbacks import (
    MESSAGE_STATUS_PATH,
    MESSAGES_INBOUND_PATH,
    SEED_DELIVERED,
    VONAGE_PATH,
    message,
    messages_api_post,
    stored_ids,
    vonage_post_form,
)
from tests.signing import VONAGE_SIGNATURE_SECRET, vonage_bearer, vonage_signed
from tests.test_bad_input import FUZZ, json_values, mutated, no_server_error

# The tests' signature secret is shorter than the 32 bytes PyJWT asks of an HS256 key, as
# Vonage's own can be; the warning would repeat on every signed request.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

UUID = payloads.vonage_message_status()["message_uuid"]
INBOUND = payloads.vonage_messages_inbound()["message_uuid"]
REJECTED = {"type": "https://developer.vonage.com/api-errors/messages#1320",
            "title": 1320, "detail": "Message already sent",
            "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"}


def status(**overrides) -> dict:
    return payloads.vonage_message_status(**overrides)


def post_status(vonage, document, **kwargs):
    return messages_api_post(vonage, MESSAGE_STATUS_PATH, document, **kwargs)


def assert_refused(response, code: int, *words: str) -> None:
    assert response.status_code == code, response.get_data(as_text=True)
    sentence = response.get_data(as_text=True)
    assert sentence.startswith("Signature check failed:") and sentence.endswith(".\n")
    for word in words:
        assert word in sentence, sentence


# -- message status -----------------------------------------------------------------------------

def test_a_signed_status_is_stored_with_every_field_kept_as_sent(vonage):
    response = post_status(vonage, status())
    assert (response.status_code, response.text) == (200, "Messages API status stored\n")
    m = message(vonage, UUID)
    assert (m["provider"], m["direction"], m["status"], m["state"], m["final"]) == (
        "vonage", "outbound", "submitted", "sent", False)
    assert (m["to"], m["from"], m["client_ref"], m["part_info"]) == (
        "447700900000", "447700900001", "order-42", "2 parts")
    assert m["events"][0]["fields"] == status()  # nested usage, destination, sms included


@pytest.mark.parametrize("word, state, outcome", [
    ("delivered", "delivered", "delivered"), ("read", "delivered", "delivered"),
    ("undeliverable", "undelivered", "failed"), ("rejected", "rejected", "failed"),
    ("deleted", "unknown", "unknown"),
])
def test_each_messages_api_status_maps_onto_the_shared_states(vonage, word, state, outcome):
    assert post_status(vonage, status(status=word)).status_code == 200
    m = message(vonage, UUID)
    assert (m["status"], m["state"], m["outcome"]) == (word, state, outcome)


def test_a_rejected_status_explains_its_error_code_from_vonages_table(vonage):
    assert post_status(vonage, status(status="rejected", error=REJECTED)).status_code == 200
    m = message(vonage, UUID)
    assert (m["error_code"], m["error_text"], m["retryable"]) == (
        "1320", "Message already sent", False)
    assert m["events"][0]["fields"]["error"] == REJECTED


@pytest.mark.parametrize("error, code, retryable", [
    ({"type": "https://developer.vonage.com/api-errors/messages#1230", "title": "1230"},
     "1230", True),
    ({"type": "https://developer.vonage.com/api-errors/messages#1250", "title": "Unroutable"},
     "1250", False),
    ({"code": 1300, "reason": "Not part of the provider network"}, "1300", False),
    ({"title": "1999"}, "1999", None),
])
def test_the_error_code_is_read_from_title_or_type_or_code(vonage, error, code, retryable):
    post_status(vonage, status(status="rejected", error=error))
    m = message(vonage, UUID)
    assert (m["error_code"], m["retryable"]) == (code, retryable)
    assert m["error_text"]


def test_a_retried_status_signed_afresh_is_stored_once_and_answered_again(vonage):
    first = post_status(vonage, status(status="delivered"))
    again = post_status(vonage, status(status="delivered"), now=time.time() + 60)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(message(vonage, UUID)["events"]) == 1


def test_a_late_submitted_never_moves_a_delivered_message_back(vonage):
    post_status(vonage, status(status="delivered", timestamp="2023-05-01T14:00:03.000Z"))
    post_status(vonage, status(status="submitted"))
    m = message(vonage, UUID)
    assert (m["state"], [e["status"] for e in m["events"]]) == (
        "delivered", ["delivered", "submitted"])


def test_a_status_without_message_uuid_or_status_is_a_400_naming_it(vonage):
    document = status()
    del document["status"]
    response = post_status(vonage, document)
    assert response.status_code == 400 and "status is missing" in response.text


def test_a_nested_field_where_text_belongs_is_a_400(vonage):
    response = post_status(vonage, status(to={"number": "447700900000"}))
    assert response.status_code == 400 and "'to' must be a string" in response.text


# -- the JWT ------------------------------------------------------------------------------------

def test_a_status_without_authorization_is_503_so_vonage_sends_it_again_signed(vonage):
    # Vonage's signed webhooks page: after an internal error its callback service may send a
    # webhook unsigned, and a 5xx answer makes it retry.
    response = vonage.post(MESSAGE_STATUS_PATH, json=status())
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] and "no Authorization header" in response.text
    assert stored_ids(vonage) == []


@pytest.mark.parametrize("authorization", [
    "Basic YWJjZDEyMzQ6c2VjcmV0", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c"])
def test_a_malformed_token_is_403(vonage, authorization):
    response = vonage.post(MESSAGE_STATUS_PATH, json=status(),
                           headers={"Authorization": authorization})
    assert_refused(response, 403)
    assert stored_ids(vonage) == []


def test_a_token_signed_with_another_secret_is_403(vonage):
    body = json.dumps(status()).encode()
    response = vonage.post(MESSAGE_STATUS_PATH, data=body, content_type="application/json",
                           headers=vonage_bearer(body, secret="someone-elses-secret"))
    assert_refused(response, 403, "VONAGE_SIGNATURE_SECRET")
    assert stored_ids(vonage) == []


def test_an_unsigned_alg_none_token_is_403(vonage):
    body = json.dumps(status()).encode()
    token = jwt.encode({"iat": int(time.time()), "payload_hash": jwt_check.payload_hash(body)},
                       None, algorithm="none")
    response = vonage.post(MESSAGE_STATUS_PATH, data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert_refused(response, 403)


def test_a_body_changed_under_a_genuine_token_is_403(vonage):
    signed = json.dumps(status(status="rejected")).encode()
    sent = json.dumps(status(status="delivered")).encode()
    response = vonage.post(MESSAGE_STATUS_PATH, data=sent, content_type="application/json",
                           headers=vonage_bearer(signed))
    assert_refused(response, 403, "payload_hash")
    assert stored_ids(vonage) == []


def test_the_hash_covers_the_bytes_sent_not_the_parsed_json(vonage):
    """Whitespace is part of the body Vonage hashed: the same document spelled otherwise fails."""
    signed = json.dumps(status(), separators=(",", ":")).encode()
    sent = json.dumps(status(), indent=2).encode()
    response = vonage.post(MESSAGE_STATUS_PATH, data=sent, content_type="application/json",
                           headers=vonage_bearer(signed))
    assert_refused(response, 403, "payload_hash")


def test_a_token_without_payload_hash_is_403(vonage):
    body = json.dumps(status()).encode()
    token = jwt.encode({"iat": int(time.time()), "iss": "Vonage"}, VONAGE_SIGNATURE_SECRET,
                       algorithm="HS256")
    response = vonage.post(MESSAGE_STATUS_PATH, data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert_refused(response, 403, "no payload_hash")


def test_a_token_issued_hours_ago_is_accepted_as_a_retry_may_carry_one(vonage):
    response = post_status(vonage, status(), now=time.time() - 23 * 3600)
    assert response.status_code == 200


def test_a_token_older_than_vonages_retry_horizon_is_403(vonage):
    response = post_status(vonage, status(),
                           now=time.time() - RETRY_HORIZON_SECONDS - 60)
    assert_refused(response, 403, "iat", "s old", "VONAGE_SIGNATURE_WINDOW_SECONDS")
    assert stored_ids(vonage) == []


def test_a_token_from_a_clock_a_few_seconds_ahead_is_accepted(vonage):
    """vonage-jwt alone refuses any `iat` in the future ("not yet valid")."""
    assert post_status(vonage, status(), now=time.time() + 5).status_code == 200


def test_a_token_issued_an_hour_in_the_future_is_403(vonage):
    assert_refused(post_status(vonage, status(), now=time.time() + 3600), 403)


def test_without_a_secret_and_with_unsigned_allowed_the_token_is_not_checked(database_url):
    from nexmo_app import create_app
    app = create_app({"DATABASE_URL": database_url, "ALLOW_UNSIGNED_CALLBACKS": True})
    client = app.test_client()
    assert client.post(MESSAGE_STATUS_PATH, json=status()).status_code == 200


# -- inbound ------------------------------------------------------------------------------------

def test_an_inbound_sms_is_stored_as_received_with_its_text(vonage):
    document = payloads.vonage_messages_inbound()
    response = messages_api_post(vonage, MESSAGES_INBOUND_PATH, document)
    assert response.status_code == 200
    m = message(vonage, INBOUND)
    assert (m["direction"], m["state"], m["outcome"], m["text"], m["from"], m["to"]) == (
        "inbound", "received", "delivered", "Hello From Vonage!", "447700900000",
        "447700900001")
    assert m["events"][0]["fields"]["sms"] == {"num_messages": "1"}


def test_an_unsigned_inbound_sms_is_503_and_not_stored(vonage):
    response = vonage.post(MESSAGES_INBOUND_PATH, json=payloads.vonage_messages_inbound())
    assert response.status_code == 503
    assert stored_ids(vonage) == []


# -- the other API's webhooks -----------------------------------------------------------------

def assert_names_the_setting_and(response, path: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    sentence = response.get_data(as_text=True)
    assert "API Settings → SMS settings" in sentence and path in sentence, sentence
    assert sentence.endswith(".\n") and sentence.count("\n") == 1


def test_a_messages_api_status_at_the_receipt_path_names_the_setting_and_the_right_path(vonage):
    response = messages_api_post(vonage, VONAGE_PATH, status())
    assert_names_the_setting_and(response, "/webhooks/message-status")
    assert stored_ids(vonage) == []


def test_a_messages_api_inbound_at_the_receipt_path_names_the_inbound_path(vonage):
    response = messages_api_post(vonage, VONAGE_PATH, payloads.vonage_messages_inbound())
    assert_names_the_setting_and(response, "/webhooks/inbound")


def test_an_unsigned_messages_api_body_at_the_receipt_path_still_names_the_setting(vonage):
    response = vonage.post(VONAGE_PATH, json=status())
    assert_names_the_setting_and(response, "/webhooks/message-status")


@pytest.mark.parametrize("send", ["form", "json", "get"])
def test_an_sms_api_receipt_at_the_status_path_names_the_setting_and_the_receipt_path(
        vonage, send):
    signed = vonage_signed(SEED_DELIVERED)
    if send == "form":
        response = vonage.post(MESSAGE_STATUS_PATH, data=signed)
    elif send == "json":
        response = vonage.post(MESSAGE_STATUS_PATH, json=signed)
    else:
        response = vonage.get(f"{MESSAGE_STATUS_PATH}?{urlencode(signed)}")
    assert_names_the_setting_and(response, "/webhooks/delivery-receipt")
    assert stored_ids(vonage) == []


def test_an_sms_api_inbound_message_at_the_inbound_path_names_the_setting(vonage):
    inbound = {"msisdn": "447700900001", "to": "447700900000", "messageId": "0A0000000123ABCD1",
               "text": "Hello", "type": "text", "keyword": "HELLO",
               "message-timestamp": "2023-05-01 14:05:00"}
    response = vonage.post(MESSAGES_INBOUND_PATH, data=inbound)
    assert_names_the_setting_and(response, "to Messages API")
    assert "SMS API inbound message" in response.text


def test_an_sms_api_receipt_at_its_own_path_is_unaffected(vonage):
    assert vonage_post_form(vonage, SEED_DELIVERED).status_code == 204


def test_a_get_without_an_sms_api_receipt_is_405(vonage):
    assert vonage.get(MESSAGE_STATUS_PATH).status_code == 405


# -- the log pages and the alerts count them ------------------------------------------------------

def test_the_log_and_the_alerts_count_messages_api_messages(vonage, vonage_app):
    for n, word in enumerate(("delivered", "delivered", "rejected")):
        post_status(vonage, status(message_uuid=f"aaaaaaaa-bbbb-cccc-dddd-00000000000{n}",
                                   status=word, timestamp=f"2023-05-01T14:0{n}:00.000Z"))
    for n in range(2):
        messages_api_post(vonage, MESSAGES_INBOUND_PATH, payloads.vonage_messages_inbound(
            message_uuid=f"aaaaaaaa-bbbb-cccc-dddd-10000000000{n}",
            timestamp=f"2023-05-01T14:1{n}:00.000Z"))
    assert len(stored_ids(vonage)) == 5
    start, end = datetime(2023, 5, 1, 14), datetime(2023, 5, 1, 15)
    with vonage_app.extensions["sms_store"].engine.connect() as conn:
        outbound = window_counts(conn, "outbound", start, end)["vonage"]
        inbound = window_counts(conn, "inbound", start, end)["vonage"]
    assert (outbound.total, outbound.delivered, outbound.undelivered) == (3, 2, 1)
    assert (inbound.total, inbound.delivered, inbound.undelivered) == (2, 2, 0)


@pytest.mark.parametrize("path", [MESSAGE_STATUS_PATH, VONAGE_PATH])
def test_json_nested_thousands_deep_is_a_400_not_a_crash(vonage, path):
    body = '{"message_uuid": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = vonage.post(path, data=body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.text


# -- no input gives a 5xx -----------------------------------------------------------------------

messages_api_keys = st.sampled_from(
    sorted(set(status()) | set(payloads.vonage_messages_inbound()) | {"error", "x"}))
messages_api_documents = st.builds(
    mutated, st.sampled_from([status(), status(status="rejected", error=REJECTED),
                              payloads.vonage_messages_inbound()]),
    st.dictionaries(messages_api_keys, json_values, max_size=4), st.sets(messages_api_keys))


@FUZZ
@given(document=messages_api_documents,
       path=st.sampled_from([MESSAGE_STATUS_PATH, MESSAGES_INBOUND_PATH, VONAGE_PATH]))
def test_no_signed_messages_api_document_gives_a_5xx(vonage, document, path):
    no_server_error(messages_api_post(vonage, path, document))


def test_a_signed_inbound_sms_this_app_cannot_read_is_kept_as_rejected_for_the_alert(vonage):
    document = payloads.vonage_messages_inbound(timestamp="yesterday")
    response = messages_api_post(vonage, MESSAGES_INBOUND_PATH, document)
    assert response.status_code == 400 and "timestamp" in response.text
    m = message(vonage, INBOUND)
    assert (m["direction"], m["state"], m["outcome"]) == ("inbound", "rejected", "failed")
    assert "timestamp" in m["events"][0]["note"]


# -- numbers that are not what they look like ---------------------------------------------------

@pytest.mark.parametrize("count", ["²", "٣", "1²"])
def test_a_count_total_of_digits_python_calls_digits_but_int_refuses_is_not_a_500(vonage, count):
    response = post_status(vonage, status(sms={"count_total": count}))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert message(vonage, UUID)["events"][0]["fields"]["sms"] == {"count_total": count}


@pytest.mark.parametrize("number", ["1e999", "-1e999"])
def test_a_number_too_large_to_be_finite_is_400_and_not_stored(vonage, number):
    body = (json.dumps(status())[:-1] + f', "usage": {{"price": {number}}}}}').encode()
    response = vonage.post(MESSAGE_STATUS_PATH, data=body, content_type="application/json",
                           headers=vonage_bearer(body))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "too large" in response.get_data(as_text=True)
    assert stored_ids(vonage) == []
