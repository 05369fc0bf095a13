"""The send scripts against the providers' real endpoints, mocked with `responses`."""

import json
import logging
import os
import subprocess
import sys
from base64 import b64encode
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
import responses

from nexmo_app import send_sms as vonage_send
from plivo_app import send_sms as plivo_send
from tests.callbacks import (
    MESSAGE_UUID,
    SEED_DELIVERED,
    message,
    status_callback,
    stored_ids,
    vonage_post_form,
)
from tests.signing import PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN, plivo_headers

ROOT = Path(__file__).resolve().parent.parent

PLIVO_API = f"https://api.plivo.com/v1/Account/{PLIVO_AUTH_ID}/Message/"
VONAGE_API = "https://rest.nexmo.com/sms/json"
PUBLIC_BASE_URL = "https://abc123.ngrok.app"
UUID = MESSAGE_UUID  # the id the status callbacks in tests/payloads.py carry
VONAGE_KEY, VONAGE_SECRET = "abcd1234", "a1B2c3D4e5F6g7H8"

PLIVO_ARGS = ["--to", "+447700900111", "--text", "Your code is 1234"]
VONAGE_ARGS = ["--to", "447700900000", "--text", "Hello from Vonage", "--client-ref", "order-42"]


@pytest.fixture
def environment(monkeypatch, database_url):
    for name, value in {
        "DATABASE_URL": database_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "PLIVO_AUTH_ID": PLIVO_AUTH_ID, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
        "PLIVO_FROM_NUMBER": "+14155550100",
        "VONAGE_API_KEY": VONAGE_KEY, "VONAGE_API_SECRET": VONAGE_SECRET,
        "VONAGE_FROM": "AcmeInc",
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.fixture
def api(environment):
    """The providers' HTTP APIs; a request to anything not registered fails the test."""
    with responses.RequestsMock() as mock:
        yield mock


def plivo_queued(*uuids):
    return {"api_id": "db342550-7f1d-11e1-8ea7-1231380bc196", "message": "message(s) queued",
            "message_uuid": list(uuids or [UUID])}


def vonage_part(message_id, **extra):
    part = {"to": "447700900000", "message-id": message_id, "status": "0",
            "remaining-balance": "3.14159265", "message-price": "0.03330000",
            "network": "23410", "client-ref": "order-42"}
    part.update(extra)
    return part


def vonage_answer(*parts):
    return {"message-count": str(len(parts)), "messages": list(parts)}


def basic(user, password):
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()


def plivo_callback_through_ngrok(plivo, fields) -> int:
    """Plivo signs the public URL it called; the app knows it from PUBLIC_BASE_URL."""
    headers = plivo_headers(fields, url=f"{PUBLIC_BASE_URL}/delivery")
    return plivo.post("/delivery", data=fields, headers=headers).status_code


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- Plivo ----------------------------------------------------------------------------------

def test_plivo_send_posts_json_with_the_callback_url_and_method(api, capsys):
    api.post(PLIVO_API, status=202, json=plivo_queued())
    assert plivo_send.main(PLIVO_ARGS) == 0
    request = api.calls[0].request
    assert request.headers["Authorization"] == basic(PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN)
    body = json.loads(request.body)
    assert {k: body[k] for k in ("src", "dst", "text", "url", "method")} == {
        "src": "+14155550100", "dst": "+447700900111", "text": "Your code is 1234",
        "url": "https://abc123.ngrok.app/delivery", "method": "POST"}
    assert capsys.readouterr().out == f"{UUID}\n"


def test_plivo_send_takes_from_and_callback_url_from_the_command_line(api):
    api.post(PLIVO_API, status=202, json=plivo_queued())
    assert plivo_send.main([*PLIVO_ARGS, "--from", "+14155550199",
                            "--callback-url", "https://example.org/hooks/plivo"]) == 0
    body = json.loads(api.calls[0].request.body)
    assert (body["src"], body["url"]) == ("+14155550199", "https://example.org/hooks/plivo")


def test_plivo_send_records_the_message_as_queued(api, plivo):
    api.post(PLIVO_API, status=202, json=plivo_queued())
    plivo_send.main(PLIVO_ARGS)
    m = message(plivo, UUID)
    assert (m["direction"], m["status"], m["state"], m["final"], m["outcome"]) == (
        "outbound", "queued", "queued", False, "pending")
    assert (m["from"], m["to"], m["text"]) == ("+14155550100", "+447700900111",
                                               "Your code is 1234")
    assert [(e["kind"], e["status"]) for e in m["events"]] == [("send", "queued")]
    assert m["events"][0]["fields"]["message"] == "message(s) queued"


def test_plivo_send_to_several_destinations_records_separate_messages(api, plivo):
    second = "0936ec98-7c4c-11e4-9bd8-22000afa12b9"
    api.post(PLIVO_API, status=202, json=plivo_queued(UUID, second))
    plivo_send.main(["--to", "+447700900111<+447700900222", "--text", "Hi"])
    for uuid in (UUID, second):
        m = message(plivo, uuid)
        assert (m["state"], m["parts"], m["to"]) == ("queued", [], None)


def test_a_plivo_receipt_after_the_send_is_found_on_the_sent_message(api, plivo):
    api.post(PLIVO_API, status=202, json=plivo_queued())
    plivo_send.main(PLIVO_ARGS)
    assert plivo_callback_through_ngrok(plivo, status_callback("delivered", sequence=3)) == 200
    m = message(plivo, UUID)
    assert (m["state"], m["final"], m["text"]) == ("delivered", True, "Your code is 1234")
    assert [e["status"] for e in m["events"]] == ["queued", "delivered"]


def test_a_plivo_receipt_that_beats_the_send_record_is_not_moved_back_to_queued(api, plivo):
    assert plivo_callback_through_ngrok(plivo, status_callback("delivered", sequence=3)) == 200
    api.post(PLIVO_API, status=202, json=plivo_queued())
    plivo_send.main(PLIVO_ARGS)
    m = message(plivo, UUID)
    assert (m["state"], m["text"]) == ("delivered", "Your code is 1234")


@pytest.mark.parametrize("status, answer, words", [
    (400, {"api_id": "a1", "error": "'1111111' is not a valid phone number."},
     "ValidationError): '1111111' is not a valid phone number."),
    (401, {"api_id": "a1", "error": "Authentication credentials invalid"},
     "AuthenticationError): Authentication credentials invalid"),
    (500, {"api_id": "a1", "error": "Internal server error"},
     "PlivoServerError): Internal server error"),
])
def test_a_plivo_api_error_is_one_line_in_plivos_words_and_exit_1(api, capsys, status, answer,
                                                                  words):
    api.post(PLIVO_API, status=status, json=answer)
    assert plivo_send.main(PLIVO_ARGS) == 1
    captured = capsys.readouterr()
    assert one_line(captured.err) == f"Plivo refused the message ({words}"
    assert captured.out == ""


def test_a_plivo_401_without_a_json_body_is_still_one_line(api, capsys):
    api.post(PLIVO_API, status=401, body="Could not verify your access level for that URL.")
    assert plivo_send.main(PLIVO_ARGS) == 1
    assert one_line(capsys.readouterr().err).startswith(
        "Plivo refused the message (AuthenticationError): Failed to authenticate")


def test_a_plivo_error_given_as_a_nested_object_is_flattened_to_one_line(api, capsys):
    api.post(PLIVO_API, status=400, json={"api_id": "a1", "error": {
        "dst": "'+44770090011' is not a valid phone number for the destination country",
        "src": "this number is not SMS-enabled on your account, buy one that is"}})
    assert plivo_send.main(PLIVO_ARGS) == 1
    line = one_line(capsys.readouterr().err)
    assert "not a valid phone number" in line and "not SMS-enabled" in line


def test_a_plivo_api_error_records_nothing(api, plivo):
    api.post(PLIVO_API, status=400, json={"api_id": "a1", "error": "bad"})
    plivo_send.main(PLIVO_ARGS)
    assert stored_ids(plivo) == []


@pytest.mark.parametrize("error", [
    requests.exceptions.ConnectionError("Failed to establish a new connection"),
    requests.exceptions.ReadTimeout("Read timed out. (read timeout=5)"),
])
def test_plivo_unreachable_is_one_line_and_exit_1(api, capsys, error):
    api.post(PLIVO_API, body=error)
    assert plivo_send.main(PLIVO_ARGS) == 1
    assert one_line(capsys.readouterr().err) == f"Could not reach Plivo: {error}"


def test_a_malformed_plivo_auth_id_is_refused_before_any_request(api, environment, capsys):
    environment.setenv("PLIVO_AUTH_ID", "not-an-auth-id")
    assert plivo_send.main(PLIVO_ARGS) == 1
    assert one_line(capsys.readouterr().err).startswith(
        "Plivo refused the message (AuthenticationError)")
    assert len(api.calls) == 0


def test_sending_to_the_from_number_is_refused_by_the_sdk_before_any_request(api, capsys):
    assert plivo_send.main(["--to", "+14155550100", "--text", "me"]) == 1
    assert one_line(capsys.readouterr().err).startswith("Plivo refused the message")
    assert len(api.calls) == 0


@pytest.mark.parametrize("name", [
    "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_FROM_NUMBER", "PUBLIC_BASE_URL"])
def test_plivo_send_without_a_setting_names_it_and_exits_2(api, environment, capsys, name):
    environment.delenv(name)
    with pytest.raises(SystemExit) as exit_:
        plivo_send.main(PLIVO_ARGS)
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err).startswith(f"{name} is not set")
    assert len(api.calls) == 0


def test_plivo_send_needs_no_from_number_when_from_is_given(api, environment):
    environment.delenv("PLIVO_FROM_NUMBER")
    environment.delenv("PUBLIC_BASE_URL")
    api.post(PLIVO_API, status=202, json=plivo_queued())
    args = [*PLIVO_ARGS, "--from", "+14155550100", "--callback-url", "https://x.example/d"]
    assert plivo_send.main(args) == 0


# -- Vonage ---------------------------------------------------------------------------------

def test_vonage_send_posts_a_form_with_callback_and_client_ref(api, capsys):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    assert vonage_send.main(VONAGE_ARGS) == 0
    request = api.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"] == basic(VONAGE_KEY, VONAGE_SECRET)
    assert dict(parse_qsl(request.body)) == {
        "to": "447700900000", "from": "AcmeInc", "text": "Hello from Vonage",
        "callback": "https://abc123.ngrok.app/webhooks/delivery-receipt",
        "client-ref": "order-42"}
    assert capsys.readouterr().out == "0A0000000123ABCD1\n"


def test_vonage_send_takes_from_and_callback_url_from_the_command_line(api):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    vonage_send.main([*VONAGE_ARGS, "--from", "Acme2", "--callback-url",
                      "https://example.org/hooks/vonage"])
    body = dict(parse_qsl(api.calls[0].request.body))
    assert (body["from"], body["callback"]) == ("Acme2", "https://example.org/hooks/vonage")


def test_vonage_send_records_the_message_as_queued_in_vonages_words(api, vonage):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    vonage_send.main(VONAGE_ARGS)
    m = message(vonage, "0A0000000123ABCD1")
    assert (m["status"], m["state"], m["client_ref"], m["to"], m["from"]) == (
        "queued", "queued", "order-42", "447700900000", "AcmeInc")
    assert (m["group_id"], m["parts"]) == (None, [])
    assert m["events"][0]["fields"] == vonage_part("0A0000000123ABCD1")


def test_a_long_vonage_sms_records_every_part_id_grouped(api, vonage, capsys):
    ids = ["0A0000000123ABCD1", "0A0000000123ABCD2", "0A0000000123ABCD3"]
    api.post(VONAGE_API, json=vonage_answer(*(vonage_part(i) for i in ids)))
    assert vonage_send.main(VONAGE_ARGS) == 0
    assert capsys.readouterr().out.split() == ids
    m = message(vonage, ids[1])
    assert (m["group_id"], m["part_info"]) == (ids[0], "2 of 3")
    assert [(p["message_id"], p["part_info"], p["state"]) for p in m["parts"]] == [
        (ids[0], "1 of 3", "queued"), (ids[1], "2 of 3", "queued"), (ids[2], "3 of 3", "queued")]
    assert m["rollup"]["outcome"] == "pending"


def test_receipts_for_every_part_roll_the_long_vonage_sms_up_to_delivered(api, vonage):
    ids = ["0A0000000123ABCD1", "0A0000000123ABCD2"]
    api.post(VONAGE_API, json=vonage_answer(*(vonage_part(i) for i in ids)))
    vonage_send.main(VONAGE_ARGS)
    for message_id in ids:
        receipt = dict(SEED_DELIVERED, messageId=message_id, msisdn="447700900000",
                       **{"client-ref": "order-42"})
        assert vonage_post_form(vonage, receipt).status_code == 204
    m = message(vonage, ids[0])
    assert [e["status"] for e in m["events"]] == ["queued", "delivered"]
    assert m["rollup"] == {"outcome": "delivered", "parts_expected": 2, "parts_reported": 2,
                           "parts_delivered": 2, "parts_failed": 0}


def test_a_vonage_receipt_after_the_send_is_found_on_the_sent_message(api, vonage):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0B00000127FDBC63")))
    vonage_send.main(VONAGE_ARGS)
    assert vonage_post_form(vonage, SEED_DELIVERED).status_code == 204
    m = message(vonage, "0B00000127FDBC63")
    assert (m["state"], m["text"], m["client_ref"]) == (
        "delivered", "Hello from Vonage", "order-42")
    assert [e["kind"] for e in m["events"]] == ["send", "DLR"]


def test_a_vonage_receipt_that_beats_the_send_record_keeps_its_state_and_joins_the_group(
        api, vonage):
    ids = ["0A0000000123ABCD1", "0A0000000123ABCD2"]
    early = dict(SEED_DELIVERED, messageId=ids[1], msisdn="447700900000")
    assert vonage_post_form(vonage, early).status_code == 204
    api.post(VONAGE_API, json=vonage_answer(*(vonage_part(i) for i in ids)))
    vonage_send.main(VONAGE_ARGS)
    m = message(vonage, ids[1])
    assert (m["state"], m["group_id"], m["part_info"], m["text"]) == (
        "delivered", ids[0], "2 of 2", "Hello from Vonage")
    assert [p["state"] for p in m["parts"]] == ["queued", "delivered"]


def test_a_vonage_status_9_is_explained_in_one_line_and_exit_1(api, capsys, vonage):
    api.post(VONAGE_API, json=vonage_answer(
        {"status": "9", "error-text": "Partner quota exceeded"}))
    assert vonage_send.main(VONAGE_ARGS) == 1
    assert one_line(capsys.readouterr().err) == (
        "Vonage refused the message: status 9 Partner Quota Violation: Partner quota exceeded")
    assert stored_ids(vonage) == []


def test_a_vonage_status_the_table_does_not_know_is_still_one_line(api, capsys):
    api.post(VONAGE_API, json=vonage_answer({"status": "42", "error-text": "Something new"}))
    assert vonage_send.main(VONAGE_ARGS) == 1
    assert one_line(capsys.readouterr().err) == (
        "Vonage refused the message: status 42 unknown status: Something new")


def test_a_partly_sent_vonage_sms_records_the_sent_parts_and_exits_1(api, capsys, vonage):
    api.post(VONAGE_API, json=vonage_answer(
        vonage_part("0A0000000123ABCD1"), vonage_part("0A0000000123ABCD2"),
        {"status": "1", "error-text": "Throttled"}))
    assert vonage_send.main(VONAGE_ARGS) == 1
    captured = capsys.readouterr()
    assert one_line(captured.err) == "Vonage sent 2 of 3 parts: status 1 Throttled"
    assert captured.out.split() == ["0A0000000123ABCD1", "0A0000000123ABCD2"]
    assert len(message(vonage, "0A0000000123ABCD2")["parts"]) == 2


@pytest.mark.parametrize("status, error", [
    (401, "AuthenticationError"), (403, "ForbiddenError"), (429, "RateLimitedError"),
    (500, "ServerError"),
])
def test_a_vonage_http_error_is_one_line_in_vonages_words_and_exit_1(api, capsys, caplog,
                                                                     status, error):
    api.post(VONAGE_API, status=status, json={
        "type": "https://developer.nexmo.com/api-errors#unauthorized", "title": "Unauthorized",
        "detail": "You did not provide correct credentials.",
        "instance": "797a8f199c45014ab7b08bfe9cc1c12c"})
    with caplog.at_level(logging.WARNING):
        assert vonage_send.main(VONAGE_ARGS) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"Vonage answered HTTP {status} ({error}):")
    assert "You did not provide correct credentials." in line
    # The SDK's own warning would be a second line on the terminal.
    assert [r for r in caplog.records if r.name.startswith("vonage")] == []


@pytest.mark.parametrize("error", [
    requests.exceptions.ConnectionError("Failed to establish a new connection"),
    requests.exceptions.ConnectTimeout("Connection to rest.nexmo.com timed out"),
])
def test_vonage_unreachable_is_one_line_and_exit_1(api, capsys, error):
    api.post(VONAGE_API, body=error)
    assert vonage_send.main(VONAGE_ARGS) == 1
    assert one_line(capsys.readouterr().err) == f"Could not reach Vonage: {error}"


@pytest.mark.parametrize("name", [
    "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_FROM", "PUBLIC_BASE_URL"])
def test_vonage_send_without_a_setting_names_it_and_exits_2(api, environment, capsys, name):
    environment.delenv(name)
    with pytest.raises(SystemExit) as exit_:
        vonage_send.main(VONAGE_ARGS)
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err).startswith(f"{name} is not set")
    assert len(api.calls) == 0


def test_a_client_ref_over_the_sdk_limit_is_refused_before_sending(api, capsys):
    assert vonage_send.main([*VONAGE_ARGS[:4], "--client-ref", "r" * 101]) == 2
    assert one_line(capsys.readouterr().err).startswith("Not sent: client_ref")
    assert len(api.calls) == 0


# -- as a program ---------------------------------------------------------------------------

# Set but empty: python-dotenv never overrides a variable that is set, so a developer's .env
# cannot hand the script real credentials (and a real send) here.
BLANK_SETTINGS = dict.fromkeys([
    "DATABASE_URL", "PUBLIC_BASE_URL", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_FROM_NUMBER",
    "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_FROM"], "")


def run_script(module, *args):
    """The script as a user runs it, with no settings at all."""
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
                   **BLANK_SETTINGS}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True,
                          text=True, env=environment, cwd=ROOT / "tests", timeout=60)


@pytest.mark.parametrize("module, variable", [
    ("plivo_app.send_sms", "PLIVO_AUTH_ID"), ("nexmo_app.send_sms", "VONAGE_API_KEY")])
def test_a_script_run_without_credentials_prints_one_line_and_exits_2(module, variable):
    result = run_script(module, "--to", "447700900000", "--text", "hi")
    assert result.returncode == 2
    assert one_line(result.stderr).startswith(f"{variable} is not set")


@pytest.mark.parametrize("module, options", [
    ("plivo_app.send_sms", ["--to", "--text", "--from", "--callback-url"]),
    ("nexmo_app.send_sms", ["--to", "--text", "--from", "--callback-url", "--client-ref"]),
])
def test_each_script_explains_its_arguments_with_help(module, options):
    result = run_script(module, "--help")
    assert result.returncode == 0
    assert all(option in result.stdout for option in options)
