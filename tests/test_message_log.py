"""The message log both apps mount (/messages, /messages/<id>, /healthz) and the 503 path."""

from datetime import UTC, datetime

import pytest

from tests.callbacks import (
    MESSAGE_UUID,
    SEED_ACCEPTED,
    SEED_DELIVERED,
    message,
    plivo_post,
    status_callback,
    stored_ids,
    vonage_post_form,
)
from tests.signing import plivo_app_on, vonage_app_on

UNREACHABLE = "sqlite:////nonexistent-dir/x.db"
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


# -- /messages/<id> -------------------------------------------------------------------------

def test_the_message_json_has_every_key_design_lists_with_the_right_values(plivo):
    plivo_post(plivo, status_callback("queued", sequence=1))
    plivo_post(plivo, status_callback("undelivered", sequence=3, error_code="80"))
    m = message(plivo, MESSAGE_UUID)
    assert {k: m[k] for k in (
        "provider", "message_id", "direction", "from", "to", "status", "state", "final",
        "outcome", "error_code", "error_text", "retryable", "parts")} == {
        "provider": "plivo", "message_id": MESSAGE_UUID, "direction": "outbound",
        "from": "+14155550100", "to": "+447700900111", "status": "undelivered",
        "state": "undelivered", "final": True, "outcome": "failed", "error_code": "80",
        "error_text": "Destination Temporarily Unavailable", "retryable": True, "parts": []}
    events = [{k: e[k] for k in ("status", "state", "error_code", "occurred_at")}
              for e in m["events"]]
    assert events == [
        {"status": "queued", "state": "queued", "error_code": None,
         "occurred_at": "2026-11-23 10:00:00.114411"},
        {"status": "undelivered", "state": "undelivered", "error_code": "80",
         "occurred_at": "2026-11-23 10:00:04.801733"},
    ]


def test_each_event_says_when_it_was_received_in_utc(plivo):
    before = datetime.now(UTC).replace(tzinfo=None)
    plivo_post(plivo, status_callback("delivered"))
    after = datetime.now(UTC).replace(tzinfo=None)
    received = datetime.fromisoformat(message(plivo, MESSAGE_UUID)["events"][0]["received_at"])
    assert before <= received <= after


def test_the_message_json_of_a_vonage_receipt_has_the_receipt_time(vonage):
    vonage_post_form(vonage, SEED_ACCEPTED)
    vonage_post_form(vonage, SEED_DELIVERED)
    m = message(vonage, "0B00000127FDBC63")
    assert (m["provider"], m["status"], m["state"], m["final"], m["error_code"]) == (
        "vonage", "delivered", "delivered", True, None)
    assert [e["occurred_at"] for e in m["events"]] == [
        "2018-10-25 12:10:26", "2018-10-25 12:10:29"]


def test_an_unknown_message_id_is_404_saying_so(plivo):
    response = plivo.get("/messages/no-such-message", headers=JSON)
    assert response.status_code == 404
    assert response.get_data(as_text=True) == "No message 'no-such-message' has been stored.\n"


def test_the_plivo_log_does_not_show_a_vonage_message_from_the_same_database(plivo, vonage):
    vonage_post_form(vonage, SEED_DELIVERED)
    assert plivo.get("/messages/0B00000127FDBC63", headers=JSON).status_code == 404
    assert stored_ids(plivo) == []
    assert stored_ids(vonage) == ["0B00000127FDBC63"]


def test_curl_without_an_accept_header_gets_json(plivo):
    plivo_post(plivo, status_callback("delivered"))
    response = plivo.get(f"/messages/{MESSAGE_UUID}")
    assert response.mimetype == "application/json"


# -- /messages ------------------------------------------------------------------------------

FIRST, SECOND, THIRD = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))


def test_the_message_list_is_newest_first_as_json(plivo):
    for uuid in (FIRST, SECOND, THIRD):
        plivo_post(plivo, status_callback("sent", message_uuid=uuid))
    assert stored_ids(plivo) == [THIRD, SECOND, FIRST]


def test_the_message_list_json_rows_carry_the_explained_error(plivo):
    plivo_post(plivo, status_callback("undelivered", error_code="50"))
    [row] = plivo.get("/messages", headers=JSON).get_json()["messages"]
    assert (row["state"], row["error_code"], row["error_text"], row["retryable"]) == (
        "undelivered", "50", "Invalid Destination Number", False)


def test_the_message_list_is_newest_first_as_html(plivo):
    for uuid in (FIRST, SECOND, THIRD):
        plivo_post(plivo, status_callback("sent", message_uuid=uuid))
    response = plivo.get("/messages", headers=HTML)
    page = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (200, "text/html")
    positions = [page.index(uuid) for uuid in (THIRD, SECOND, FIRST)]
    assert positions == sorted(positions)
    assert page.count('class="message-row"') == 3


def test_an_empty_message_list_says_there_are_none_yet(vonage):
    assert "No messages yet" in vonage.get("/messages", headers=HTML).get_data(as_text=True)
    assert vonage.get("/messages", headers=JSON).get_json()["messages"] == []


# -- /healthz and the database made unavailable ---------------------------------------------

def test_healthz_is_200_when_the_database_answers(plivo, vonage):
    for client in (plivo, vonage):
        response = client.get("/healthz")
        assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")


@pytest.mark.parametrize("make_app", [plivo_app_on, vonage_app_on])
def test_healthz_is_503_when_the_database_is_unavailable(make_app):
    response = make_app(UNREACHABLE).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_the_plivo_webhook_answers_503_with_retry_after_when_storage_is_unavailable():
    client = plivo_app_on(UNREACHABLE).test_client()
    response = plivo_post(client, status_callback("delivered"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.get_data(as_text=True) == "Storage is unavailable; retry later.\n"


def test_the_vonage_webhook_answers_503_with_retry_after_when_storage_is_unavailable():
    client = vonage_app_on(UNREACHABLE).test_client()
    response = vonage_post_form(client, SEED_DELIVERED)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"


def test_the_message_log_answers_503_when_storage_is_unavailable():
    client = plivo_app_on(UNREACHABLE).test_client()
    assert client.get("/messages", headers=JSON).status_code == 503
    assert client.get(f"/messages/{MESSAGE_UUID}", headers=JSON).status_code == 503


def test_plivos_retry_is_stored_once_the_database_is_back(tmp_path):
    folder = tmp_path / "not-yet"
    client = plivo_app_on(f"sqlite:///{folder}/sms.db").test_client()
    fields = status_callback("undelivered", error_code="20", sequence=3)
    assert plivo_post(client, fields).status_code == 503
    assert client.get("/healthz").status_code == 503
    folder.mkdir()
    assert client.get("/healthz").status_code == 200
    assert plivo_post(client, fields).status_code == 200  # Plivo's retry at +60 s
    assert plivo_post(client, fields).status_code == 200  # and a needless one at +120 s
    m = message(client, MESSAGE_UUID)
    assert (m["state"], m["error_text"], len(m["events"])) == (
        "undelivered", "Network Error", 1)


def test_vonages_retry_is_stored_once_the_database_is_back(tmp_path):
    folder = tmp_path / "not-yet"
    client = vonage_app_on(f"sqlite:///{folder}/sms.db").test_client()
    assert vonage_post_form(client, SEED_DELIVERED).status_code == 503
    folder.mkdir()
    assert vonage_post_form(client, SEED_DELIVERED).status_code == 204
    assert vonage_post_form(client, SEED_DELIVERED).status_code == 204
    assert len(message(client, "0B00000127FDBC63")["events"]) == 1
