"""Plivo's /delivery: status callbacks and inbound messages, stored once each, never backwards."""

import json
import logging
from urllib.parse import urlencode

import pytest

from shared.app import JsonFormatter
from tests.callbacks import (
    INBOUND_UUID,
    MESSAGE_UUID,
    PLIVO_URL,
    assert_400_naming,
    message,
    plivo_get,
    plivo_post,
    status_callback,
    stored_ids,
)
from tests.payloads import plivo_inbound
from tests.signing import plivo_headers

PARENT = "a1b2c3d4-0000-4000-8000-000000000001"
PART_2 = "a1b2c3d4-0000-4000-8000-000000000002"
PART_3 = "a1b2c3d4-0000-4000-8000-000000000003"


def post_ok(plivo, fields):
    response = plivo_post(plivo, fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def part(uuid, n, status, error_code=""):
    return status_callback(status, message_uuid=uuid, error_code=error_code,
                           ParentMessageUUID=PARENT, PartInfo=f"{n} of 3")


# -- status callbacks -----------------------------------------------------------------------

def test_a_status_callback_posted_as_a_form_is_answered_delivery_status_reported(plivo):
    response = post_ok(plivo, status_callback("delivered", sequence=3))
    assert response.get_data(as_text=True) == "Delivery status reported"
    m = message(plivo, MESSAGE_UUID)
    assert (m["provider"], m["direction"], m["status"], m["state"]) == (
        "plivo", "outbound", "delivered", "delivered")
    assert (m["from"], m["to"], m["final"], m["outcome"]) == (
        "+14155550100", "+447700900111", True, "delivered")


def test_a_status_callback_sent_as_a_get_query_is_stored_the_same_way(plivo):
    response = plivo_get(plivo, status_callback("sent", sequence=2))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True) == "Delivery status reported"
    m = message(plivo, MESSAGE_UUID)
    assert (m["state"], m["final"], m["to"]) == ("sent", False, "+447700900111")
    assert m["events"][0]["fields"]["To"] == "+447700900111"


def test_an_undelivered_callback_stores_the_error_code_explained(plivo):
    post_ok(plivo, status_callback("undelivered", error_code="50", sequence=3))
    m = message(plivo, MESSAGE_UUID)
    assert (m["state"], m["final"], m["outcome"]) == ("undelivered", True, "failed")
    assert (m["error_code"], m["error_text"], m["retryable"]) == (
        "50", "Invalid Destination Number", False)
    assert m["events"][0]["error_text"] == "Invalid Destination Number"


def test_an_unknown_plivo_error_code_is_stored_with_a_text_saying_so(plivo):
    post_ok(plivo, status_callback("undelivered", error_code="777"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["error_code"], m["error_text"], m["retryable"]) == (
        "777", "unknown Plivo error 777", None)


def test_an_unknown_plivo_status_is_stored_verbatim_as_state_unknown(plivo):
    post_ok(plivo, status_callback("teleported"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["status"], m["state"], m["final"], m["outcome"]) == (
        "teleported", "unknown", True, "unknown")


def test_sent_to_a_us_number_counts_as_delivered_but_stays_sent(plivo):
    post_ok(plivo, status_callback("sent", To="+14155550111"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["state"], m["final"], m["outcome"]) == ("sent", False, "delivered")


def test_a_callback_for_a_message_never_seen_creates_the_message(plivo):
    assert stored_ids(plivo) == []
    never_sent_here = "0e5e7000-0000-4000-8000-000000000001"
    post_ok(plivo, status_callback("delivered", message_uuid=never_sent_here))
    assert stored_ids(plivo) == [never_sent_here]
    m = message(plivo, never_sent_here)
    assert (m["direction"], m["state"], len(m["events"])) == ("outbound", "delivered", 1)


def test_the_log_line_says_who_what_and_why_in_one_line(plivo, caplog):
    with caplog.at_level(logging.INFO, logger="sms"):
        post_ok(plivo, status_callback("undelivered", error_code="50"))
    lines = [r.getMessage() for r in caplog.records if r.name == "sms"]
    assert lines == ["plivo DLR 5b40a428… → +447700900111 undelivered (final): "
                     "50 Invalid Destination Number, permanent"]


def test_log_format_json_gives_one_object_per_report_with_the_explanation(plivo, caplog):
    with caplog.at_level(logging.INFO, logger="sms"):
        post_ok(plivo, status_callback("undelivered", error_code="50"))
    [record] = [r for r in caplog.records if r.name == "sms"]
    entry = json.loads(JsonFormatter().format(record))
    assert {k: entry[k] for k in ("provider", "kind", "message_id", "status", "state", "final",
                                  "error_code", "error_text", "retryable", "duplicate")} == {
        "provider": "plivo", "kind": "DLR", "message_id": MESSAGE_UUID, "status": "undelivered",
        "state": "undelivered", "final": True, "error_code": "50",
        "error_text": "Invalid Destination Number", "retryable": False, "duplicate": False}
    assert entry["msg"].startswith("plivo DLR 5b40a428… → +447700900111 undelivered (final)")


# -- inbound messages -----------------------------------------------------------------------

def test_an_inbound_sms_with_text_is_stored_as_received(plivo):
    post_ok(plivo, plivo_inbound(Text="Grüße 🙂 see you at 5"))
    m = message(plivo, INBOUND_UUID)
    assert (m["direction"], m["status"], m["state"], m["final"]) == (
        "inbound", "received", "received", True)
    assert (m["from"], m["to"], m["text"]) == (
        "+447700900222", "+14155550100", "Grüße 🙂 see you at 5")
    assert m["events"][0]["kind"] == "inbound"


def test_an_inbound_mms_with_body_is_stored_with_the_body_as_text(plivo):
    fields = plivo_inbound(Type="mms", MediaCount="1",
                           Media1="https://media.plivo.com/Account/MA/Message/x/Media/y")
    del fields["Text"]
    fields["Body"] = "Look at this"
    post_ok(plivo, fields)
    m = message(plivo, fields["MessageUUID"])
    assert (m["direction"], m["state"], m["text"]) == ("inbound", "received", "Look at this")
    assert m["events"][0]["fields"]["Media1"] == fields["Media1"]


def test_an_inbound_sms_with_an_empty_text_is_still_an_inbound_message(plivo):
    post_ok(plivo, plivo_inbound(Text="", MessageIntent="blank"))
    m = message(plivo, INBOUND_UUID)
    assert (m["direction"], m["state"], m["text"]) == ("inbound", "received", "")


def test_an_inbound_sms_can_arrive_as_a_get_query(plivo):
    response = plivo_get(plivo, plivo_inbound(Text="a & b = c?"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert message(plivo, INBOUND_UUID)["text"] == "a & b = c?"


# -- retries and ordering -------------------------------------------------------------------

def test_a_retried_callback_is_answered_again_but_stored_once(plivo):
    fields = status_callback("delivered", sequence=3)
    for _ in range(4):  # the first delivery and Plivo's three retries
        post_ok(plivo, fields)
    assert len(message(plivo, MESSAGE_UUID)["events"]) == 1


def test_a_retry_that_comes_as_get_after_post_is_stored_once(plivo):
    fields = status_callback("delivered", sequence=3)
    post_ok(plivo, fields)
    assert plivo_get(plivo, fields).status_code == 200
    assert len(message(plivo, MESSAGE_UUID)["events"]) == 1


def test_a_retried_inbound_message_is_stored_once(plivo):
    post_ok(plivo, plivo_inbound())
    post_ok(plivo, plivo_inbound())
    assert len(message(plivo, INBOUND_UUID)["events"]) == 1


def test_callbacks_in_order_walk_the_message_to_delivered_with_one_event_each(plivo):
    for sequence, status in enumerate(["queued", "sent", "delivered"], start=1):
        post_ok(plivo, status_callback(status, sequence=sequence))
    m = message(plivo, MESSAGE_UUID)
    assert (m["status"], m["state"], m["final"]) == ("delivered", "delivered", True)
    assert [e["status"] for e in m["events"]] == ["queued", "sent", "delivered"]
    assert [e["sequence"] for e in m["events"]] == [1, 2, 3]


@pytest.mark.parametrize("final, late", [
    ("delivered", "sent"), ("delivered", "queued"), ("undelivered", "sent"),
    ("failed", "queued"),
])
def test_a_late_pending_callback_never_moves_a_final_message_back(plivo, final, late):
    code = "" if final == "delivered" else "20"
    post_ok(plivo, status_callback(final, error_code=code, sequence=3))
    post_ok(plivo, status_callback(late, sequence=2))
    m = message(plivo, MESSAGE_UUID)
    assert (m["status"], m["state"], m["final"]) == (final, final, True)
    assert [e["status"] for e in m["events"]] == [final, late]


def test_a_late_callback_without_sequence_never_moves_a_final_message_back(plivo):
    post_ok(plivo, status_callback("undelivered", error_code="80"))
    post_ok(plivo, status_callback("sent"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["state"], m["error_code"], m["retryable"]) == ("undelivered", "80", True)


def test_sent_arriving_before_queued_leaves_the_message_sent(plivo):
    post_ok(plivo, status_callback("sent", sequence=2))
    post_ok(plivo, status_callback("queued", sequence=1))
    assert message(plivo, MESSAGE_UUID)["state"] == "sent"


def test_the_higher_sequence_wins_between_two_final_callbacks(plivo):
    # WhatsApp: delivered (3) then read (4), arriving the wrong way round.
    post_ok(plivo, status_callback("read", sequence=4, Type="whatsapp"))
    post_ok(plivo, status_callback("delivered", sequence=3, Type="whatsapp"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["status"], m["state"]) == ("read", "delivered")
    assert [(e["status"], e["sequence"]) for e in m["events"]] == [("read", 4), ("delivered", 3)]


def test_a_later_sequence_replaces_an_earlier_final_callback(plivo):
    post_ok(plivo, status_callback("delivered", sequence=3, Type="whatsapp"))
    post_ok(plivo, status_callback("read", sequence=4, Type="whatsapp"))
    assert message(plivo, MESSAGE_UUID)["status"] == "read"


def test_a_real_answer_after_an_unknown_status_replaces_it(plivo):
    post_ok(plivo, status_callback("mystery"))
    post_ok(plivo, status_callback("delivered"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["state"], m["outcome"]) == ("delivered", "delivered")


def test_an_unknown_status_after_a_real_answer_does_not_replace_it(plivo):
    post_ok(plivo, status_callback("delivered"))
    post_ok(plivo, status_callback("mystery"))
    assert message(plivo, MESSAGE_UUID)["state"] == "delivered"


# -- multipart ------------------------------------------------------------------------------

def test_the_parts_of_a_long_sms_are_grouped_by_parent_message_uuid(plivo):
    for uuid, n in ((PARENT, 1), (PART_2, 2), (PART_3, 3)):
        post_ok(plivo, part(uuid, n, "delivered"))
    m = message(plivo, PART_2)
    assert m["group_id"] == PARENT
    assert [p["message_id"] for p in m["parts"]] == [PARENT, PART_2, PART_3]
    assert [p["part_info"] for p in m["parts"]] == ["1 of 3", "2 of 3", "3 of 3"]
    assert m["rollup"] == {"outcome": "delivered", "parts_expected": 3, "parts_reported": 3,
                           "parts_delivered": 3, "parts_failed": 0}


def test_a_long_sms_with_a_part_not_yet_reported_is_pending(plivo):
    post_ok(plivo, part(PARENT, 1, "delivered"))
    post_ok(plivo, part(PART_2, 2, "delivered"))
    rollup = message(plivo, PARENT)["rollup"]
    assert (rollup["outcome"], rollup["parts_expected"], rollup["parts_reported"]) == (
        "pending", 3, 2)


def test_a_long_sms_with_one_undelivered_part_has_failed(plivo):
    post_ok(plivo, part(PARENT, 1, "delivered"))
    post_ok(plivo, part(PART_2, 2, "undelivered", error_code="80"))
    post_ok(plivo, part(PART_3, 3, "delivered"))
    rollup = message(plivo, PART_3)["rollup"]
    assert (rollup["outcome"], rollup["parts_failed"], rollup["parts_delivered"]) == (
        "failed", 1, 2)


def test_a_long_sms_with_a_part_still_sent_is_pending(plivo):
    post_ok(plivo, part(PARENT, 1, "delivered"))
    post_ok(plivo, part(PART_2, 2, "sent"))
    post_ok(plivo, part(PART_3, 3, "delivered"))
    assert message(plivo, PARENT)["rollup"]["outcome"] == "pending"


def test_a_single_report_whose_parent_is_itself_is_not_multipart(plivo):
    # Current docs: one report per message, ParentMessageUUID "reserved" (equal to itself).
    post_ok(plivo, status_callback("delivered", ParentMessageUUID=MESSAGE_UUID,
                                   PartInfo="1 of 1"))
    m = message(plivo, MESSAGE_UUID)
    assert (m["group_id"], m["parts"], m["rollup"]) == (None, [], None)


def test_a_report_without_parent_or_part_info_is_not_multipart(plivo):
    fields = status_callback("delivered")
    del fields["ParentMessageUUID"], fields["PartInfo"]
    post_ok(plivo, fields)
    m = message(plivo, MESSAGE_UUID)
    assert (m["group_id"], m["part_info"], m["parts"]) == (None, None, [])


# -- unknown fields -------------------------------------------------------------------------

def test_every_field_plivo_sent_is_kept_verbatim(plivo):
    fields = status_callback("delivered", sequence=3, ConversationOrigin="", ConversationID="",
                             ConversationExpirationTimestamp="", DestinationCountryISO2="GB",
                             MessageState="delivered")
    post_ok(plivo, fields)
    assert message(plivo, MESSAGE_UUID)["events"][0]["fields"] == fields


@pytest.mark.parametrize("name", ["BrandNewField", "new_field_name", "CarrierName", "TotalTax"])
def test_a_field_plivo_adds_one_day_is_kept_verbatim(plivo, name):
    fields = status_callback("delivered", sequence=3, **{name: "a value of its own"})
    post_ok(plivo, fields)
    assert message(plivo, MESSAGE_UUID)["events"][0]["fields"][name] == "a value of its own"


@pytest.mark.parametrize("name, value", [
    ("F", "x"), ("nt", "x"), ("Fro", "x"), ("StatusX", "x"), ("NewField", "x MessageUUID y"),
    ("Lower-case", "x"), ("CarrierNameVodafoneDeliveryReportTime", "x"), ("ref", "A17"),
])
def test_an_unknown_name_that_merely_looks_odd_is_kept(plivo, name, value):
    # Names alone cut nothing: plivo_app.recut refuses only bytes that could be cut again into
    # one of Plivo's fields (tests/test_recut_rule.py).
    for fields in (status_callback("delivered", **{name: value}), plivo_inbound(**{name: value})):
        post_ok(plivo, fields)
        stored = message(plivo, fields["MessageUUID"])["events"][-1]["fields"]
        assert stored[name] == value


@pytest.mark.parametrize("fields", [status_callback("delivered", ErrorCode30=""),
                                    plivo_inbound(Typesms="")], ids=["ErrorCode30", "Typesms"])
def test_a_name_whose_bytes_could_begin_one_of_plivos_fields_is_400_naming_it(plivo, fields):
    name = next(name for name in fields if name in ("ErrorCode30", "Typesms"))
    assert_400_naming(plivo_post(plivo, fields), f"The field {name!r} is not one Plivo sends")
    assert stored_ids(plivo) == []


# -- 400: the answer names the field --------------------------------------------------------

def test_plivo_callback_without_message_uuid_is_400_naming_it(plivo):
    fields = status_callback("delivered")
    del fields["MessageUUID"]
    response = plivo_post(plivo, fields)
    assert_400_naming(response, "MessageUUID is missing")
    assert stored_ids(plivo) == []


def test_plivo_callback_with_a_blank_message_uuid_is_400_naming_it(plivo):
    fields = status_callback("delivered", message_uuid="   ")
    assert_400_naming(plivo_post(plivo, fields), "MessageUUID is missing")


def test_plivo_callback_with_an_empty_status_is_400_naming_it(plivo):
    assert_400_naming(plivo_post(plivo, status_callback("")), "Status is missing")
    assert stored_ids(plivo) == []


def test_plivo_callback_with_neither_status_nor_text_nor_body_is_400_naming_them(plivo):
    fields = status_callback("delivered")
    del fields["Status"]
    assert_400_naming(plivo_post(plivo, fields), "Status", "Text", "Body")
    assert stored_ids(plivo) == []


def test_plivo_callback_with_a_sequence_that_is_not_a_number_is_400_naming_it(plivo):
    fields = status_callback("delivered", Sequence="three")
    assert_400_naming(plivo_post(plivo, fields), "Sequence must be a whole number", "'three'")
    assert stored_ids(plivo) == []


def test_plivo_callback_with_a_negative_sequence_is_400_naming_it(plivo):
    fields = status_callback("delivered", Sequence="-1")
    assert_400_naming(plivo_post(plivo, fields), "Sequence must be a whole number")


@pytest.mark.parametrize("name", ["MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime"])
def test_plivo_callback_with_a_malformed_time_is_400_naming_the_field(plivo, name):
    fields = status_callback("delivered", **{name: "yesterday at noon"})
    assert_400_naming(plivo_post(plivo, fields), f"{name} is not a time like",
                      "'yesterday at noon'")
    assert stored_ids(plivo) == []


def test_plivo_inbound_message_without_message_uuid_is_400_naming_it(plivo):
    fields = plivo_inbound()
    del fields["MessageUUID"]
    assert_400_naming(plivo_post(plivo, fields), "MessageUUID is missing")
    assert stored_ids(plivo) == []


def test_plivo_get_without_any_fields_is_400_naming_message_uuid(plivo):
    assert_400_naming(plivo_get(plivo, {}), "MessageUUID is missing")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_users_own_query_parameters_are_kept_with_the_report(plivo, method):
    # The callback URL https://host/delivery?ref=A17&order_id=9 ties a report to an order.
    own = {"ref": "A17", "order_id": "9", "Tenant": "acme"}
    fields = status_callback("delivered", sequence=3)
    if method == "POST":
        url = f"{PLIVO_URL}?{urlencode(own)}"
        response = plivo.post(url, data=fields, headers=plivo_headers(fields, url=url))
    else:
        response = plivo_get(plivo, {**fields, **own})
    assert response.status_code == 200, response.text
    stored = message(plivo, MESSAGE_UUID)["events"][0]["fields"]
    assert stored == {**fields, **own}
