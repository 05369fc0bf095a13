"""Vonage's /webhooks/delivery-receipt: the Delivery receipts guide's receipts, in all three
dashboard settings."""

import json
import logging
import time

import pytest

from tests.callbacks import (
    SEED_ACCEPTED,
    SEED_DELIVERED,
    assert_400_naming,
    message,
    stored_ids,
    vonage_get,
    vonage_post_form,
    vonage_post_json,
)
from tests.signing import vonage_signed

SEED_ID = "0B00000127FDBC63"
SHAPES = {"GET query": vonage_get, "POST form": vonage_post_form, "POST JSON": vonage_post_json}


@pytest.fixture(params=list(SHAPES), ids=list(SHAPES))
def send(request):
    """One of the three ways the Vonage dashboard can deliver receipts."""
    return SHAPES[request.param]


def receipt(status, **fields):
    """Seed 002's delivered receipt with another status and fields (wire names via **{...})."""
    return dict(SEED_DELIVERED, status=status, **fields)


def receive(vonage, send, fields, now=None):
    response = send(vonage, fields, now=now)
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.get_data() == b""
    return response


# -- Nexmo's Delivery receipts guide, exactly as printed -------------------------------------

SEED_002_EXAMPLES = """
{"err-code": "0", "message-timestamp": "2018-10-25 12:10:26", "messageId": "0B00000127FDBC63",
 "msisdn": "447547232824", "network-code": "23410", "price": "0.03330000", "scts": "1810251210",
 "status": "accepted", "to": "Nexmo CLI"}
{"err-code": "0", "message-timestamp": "2018-10-25 12:10:29", "messageId": "0B00000127FDBC63",
 "msisdn": "447547232824", "network-code": "23410", "price": "0.03330000", "scts": "1810251310",
 "status": "delivered", "to": "Nexmo CLI"}
"""


def test_the_seed_receipts_used_here_are_seed_002s_examples_exactly():
    accepted, delivered = (json.loads(line) for line in
                           SEED_002_EXAMPLES.replace("\n ", " ").split("\n") if line)
    assert (SEED_ACCEPTED, SEED_DELIVERED) == (accepted, delivered)


def test_seed_accepted_receipt_is_stored_as_sent_and_pending(vonage, send):
    receive(vonage, send, SEED_ACCEPTED)
    m = message(vonage, SEED_ID)
    assert (m["provider"], m["direction"], m["status"], m["state"]) == (
        "vonage", "outbound", "accepted", "sent")
    assert (m["final"], m["outcome"], m["error_code"], m["error_text"]) == (
        False, "pending", None, None)
    # `to` is the sender id, `msisdn` the handset the SMS went to.
    assert (m["from"], m["to"]) == ("Nexmo CLI", "447547232824")


def test_seed_accepted_then_delivered_ends_delivered_with_both_events(vonage, send):
    receive(vonage, send, SEED_ACCEPTED)
    receive(vonage, send, SEED_DELIVERED)
    m = message(vonage, SEED_ID)
    assert (m["status"], m["state"], m["final"], m["outcome"]) == (
        "delivered", "delivered", True, "delivered")
    assert [(e["status"], e["state"], e["occurred_at"]) for e in m["events"]] == [
        ("accepted", "sent", "2018-10-25 12:10:26"),
        ("delivered", "delivered", "2018-10-25 12:10:29"),
    ]


def test_seed_receipt_fields_are_kept_verbatim_with_the_signature(vonage, send):
    now = int(time.time())
    receive(vonage, send, SEED_DELIVERED, now=now)
    stored = message(vonage, SEED_ID)["events"][0]["fields"]
    assert stored == vonage_signed(SEED_DELIVERED, now=now)


def test_seed_receipts_in_the_wrong_order_leave_the_message_delivered(vonage, send):
    receive(vonage, send, SEED_DELIVERED)
    receive(vonage, send, SEED_ACCEPTED)
    m = message(vonage, SEED_ID)
    assert (m["status"], m["state"], m["final"]) == ("delivered", "delivered", True)
    assert [e["status"] for e in m["events"]] == ["delivered", "accepted"]


def test_a_late_accepted_is_logged_as_late(vonage, caplog):
    with caplog.at_level(logging.INFO, logger="sms"):
        receive(vonage, vonage_post_form, SEED_DELIVERED)
        caplog.clear()
        receive(vonage, vonage_post_form, SEED_ACCEPTED)
    assert [r.getMessage() for r in caplog.records if r.name == "sms"] == [
        "vonage DLR 0B000001… → 447547232824 sent (pending) [late: message stays delivered]"]


def test_a_retried_receipt_re_signed_later_is_stored_once(vonage, send):
    now = time.time()
    receive(vonage, send, SEED_DELIVERED, now=now - 120)
    receive(vonage, send, SEED_DELIVERED, now=now)
    assert len(message(vonage, SEED_ID)["events"]) == 1


def test_the_same_receipt_through_each_dashboard_setting_is_stored_once(vonage):
    for send in SHAPES.values():
        receive(vonage, send, SEED_DELIVERED)
    assert len(message(vonage, SEED_ID)["events"]) == 1


# -- statuses, err-codes, client-ref --------------------------------------------------------

@pytest.mark.parametrize("status, code, state, text, retryable", [
    ("failed", "2", "failed", "Absent Subscriber - Temporary", True),
    ("failed", "3", "failed", "Absent Subscriber - Permanent", False),
    ("rejected", "6", "rejected", "Anti-Spam Rejection", False),
    ("expired", "7", "expired", "Handset Busy", True),
    ("failed", "99", "failed", "General Error", True),
    ("failed", "77", "failed", "unknown Vonage err-code 77", None),
])
def test_a_failed_receipt_stores_its_err_code_explained(vonage, status, code, state, text,
                                                        retryable):
    fields = receipt(status, **{"err-code": code})
    del fields["scts"]  # real failed receipts come without scts
    receive(vonage, vonage_post_json, fields)
    m = message(vonage, SEED_ID)
    assert (m["state"], m["final"], m["outcome"]) == (state, True, "failed")
    assert (m["error_code"], m["error_text"], m["retryable"]) == (code, text, retryable)
    assert (m["events"][0]["error_code"], m["events"][0]["error_text"]) == (code, text)


def test_an_unknown_receipt_status_is_final_and_unknown(vonage):
    receive(vonage, vonage_get, receipt("unknown", **{"err-code": "1"}))
    m = message(vonage, SEED_ID)
    assert (m["state"], m["final"], m["outcome"], m["error_text"]) == (
        "unknown", True, "unknown", "Unknown")


def test_a_buffered_receipt_is_pending(vonage):
    receive(vonage, vonage_get, receipt("buffered"))
    assert message(vonage, SEED_ID)["state"] == "sent"


def test_a_receipt_carries_its_client_ref_into_the_message(vonage, send):
    receive(vonage, send, receipt("delivered", **{"client-ref": "order-42"}))
    m = message(vonage, SEED_ID)
    assert m["client_ref"] == "order-42"
    assert m["events"][0]["fields"]["client-ref"] == "order-42"


def test_a_receipt_for_an_unknown_message_id_creates_the_message(vonage):
    uuid = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"  # messageId can be a UUID in real traffic
    receive(vonage, vonage_post_form, receipt(
        "delivered", messageId=uuid, **{"network-code": "US-TOLL-FREE"}))
    assert stored_ids(vonage) == [uuid]
    assert message(vonage, uuid)["state"] == "delivered"


def test_accepted_to_a_us_msisdn_counts_as_delivered(vonage):
    receive(vonage, vonage_get, receipt("accepted", msisdn="14155550111"))
    m = message(vonage, SEED_ID)
    assert (m["state"], m["outcome"]) == ("sent", "delivered")


def test_unknown_extra_fields_are_kept_verbatim(vonage, send):
    fields = receipt("delivered", **{"api-key": "abcd1234", "brand-new": "a&b=c"})
    receive(vonage, send, fields)
    stored = message(vonage, SEED_ID)["events"][0]["fields"]
    assert {k: stored[k] for k in fields} == fields
    assert set(stored) == set(fields) | {"timestamp", "sig"}


# -- 400: the answer names the field --------------------------------------------------------

@pytest.mark.parametrize("name", ["messageId", "status"])
def test_a_receipt_without_a_required_field_is_400_naming_it(vonage, send, name):
    fields = dict(SEED_DELIVERED)
    del fields[name]
    assert_400_naming(send(vonage, fields), f"{name} is missing")
    assert stored_ids(vonage) == []


@pytest.mark.parametrize("name", ["messageId", "status"])
def test_a_receipt_with_a_blank_required_field_is_400_naming_it(vonage, name):
    fields = dict(SEED_DELIVERED, **{name: " "})
    assert_400_naming(vonage_post_form(vonage, fields), f"{name} is missing")


def test_a_receipt_with_an_overlong_message_id_is_400_naming_it(vonage):
    fields = receipt("delivered", messageId="0" * 101)
    assert_400_naming(vonage_get(vonage, fields), "messageId must be 16 hex digits or a UUID")


def test_a_receipt_with_a_malformed_message_timestamp_is_400_naming_it(vonage, send):
    fields = dict(SEED_DELIVERED, **{"message-timestamp": "25/10/2018 12:10"})
    assert_400_naming(send(vonage, fields), "message-timestamp is not a time like",
                      "'25/10/2018 12:10'")
    assert stored_ids(vonage) == []
