"""The fake Vonage's Messages API against the real app on a loopback port."""

import random
from datetime import UTC, datetime

import jwt
import pytest

from nexmo_app import jwt_check
from nexmo_app import simulate as vonage_simulate
from nexmo_app.simulate_messages_api import FakeVonageMessagesApi
from simulator.scenarios import build
from simulator.summary import Summary
from tests.codes import ERROR_CODES
from tests.servers import serving
from tests.signing import VONAGE_SIGNATURE_SECRET
from tests.stored import stored_message
from tests.test_simulator import assert_stored_as_expected, play

# The tests' signature secret is shorter than the 32 bytes PyJWT asks of an HS256 key, as
# Vonage's own can be; the warning would repeat on every signed request.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

STATUS_FIELDS = {"message_uuid", "to", "from", "timestamp", "status", "channel", "destination",
                 "sms"}
INBOUND_FIELDS = {"channel", "message_uuid", "to", "from", "timestamp", "text", "sms",
                  "message_type", "usage"}


def fake(secret=VONAGE_SIGNATURE_SECRET) -> FakeVonageMessagesApi:
    return FakeVonageMessagesApi(secret)


def test_a_messages_api_campaign_is_stored_in_full_with_no_refused_token(vonage_app):
    provider = fake()
    with serving(vonage_app) as base:
        played, deliveries = play(provider, base + "/webhooks/message-status", "campaign",
                                  messages=30, delivery_rate=0.6, http_method="POST-JSON")
    summary = Summary.of(deliveries)
    assert summary.refused == {} and summary.given_up == 0
    expected = assert_stored_as_expected(vonage_app, provider, played)
    assert {e.state for e in expected.values()} >= {"delivered", "rejected"}


def test_every_messages_api_scenario_ends_as_expected(vonage_app):
    provider = fake()
    with serving(vonage_app) as base:
        for seed, scenario in enumerate(("lifecycle", "failure", "multipart", "inbound",
                                         "duplicate", "out-of-order")):
            played, deliveries = play(provider, base + "/webhooks/message-status", scenario,
                                      seed=seed, http_method="POST-JSON")
            assert all(d.acknowledged for d in deliveries), scenario
            assert_stored_as_expected(vonage_app, provider, played)


def test_a_messages_api_inbound_sms_lands_at_the_inbound_path_as_received(vonage_app):
    with serving(vonage_app) as base:
        played, deliveries = play(fake(), base + "/webhooks/message-status", "inbound",
                                  http_method="POST-JSON")
    (message,) = played
    stored = stored_message(vonage_app.extensions["sms_store"], message.message_ids[0])
    assert (stored["direction"], stored["state"]) == ("inbound", "received")
    assert stored["text"] == message.steps[0].fields["text"]
    assert deliveries[0].attempts[-1].answer == "Messages API inbound message stored"


def test_a_multipart_text_is_one_message_with_its_parts_count(vonage_app):
    with serving(vonage_app) as base:
        played, _ = play(fake(), base + "/webhooks/message-status", "multipart", parts=3,
                         http_method="POST-JSON")
    stored = stored_message(vonage_app.extensions["sms_store"], played[0].message_ids[0])
    assert stored["part_info"] == "3 parts"


def test_a_wrong_secret_is_refused_403_and_vonage_gives_up_at_once(vonage_app):
    with serving(vonage_app) as base:
        _, deliveries = play(fake(secret="not-the-apps-secret"),
                             base + "/webhooks/message-status", "lifecycle",
                             http_method="POST-JSON")
    assert all(d.given_up and [a.status for a in d.attempts] == [403] for d in deliveries)


def test_status_webhooks_carry_the_documented_fields_and_real_error_codes():
    provider = fake()
    for message in build("campaign", provider, random.Random(5), datetime.now(UTC), 1,
                         messages=60, delivery_rate=0.5):
        for step in message.steps:
            assert STATUS_FIELDS <= set(step.fields)
            assert step.fields["sms"]["count_total"] == str(message.plan.parts)
            if step.status in ("rejected", "undeliverable"):
                error = step.fields["error"]
                assert error["title"] in ERROR_CODES["vonage"]
                assert error["type"].endswith(f"#{error['title']}")
            datetime.fromisoformat(step.fields["timestamp"])
    (inbound,) = build("inbound", provider, random.Random(5), datetime.now(UTC), 1)
    assert set(inbound.steps[0].fields) == INBOUND_FIELDS


def test_each_attempt_is_signed_afresh_with_a_jwt_over_the_exact_body():
    provider = fake()
    fields = {"message_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "status": "delivered"}
    first = provider.request("http://x/webhooks/message-status", fields, "POST-JSON")
    again = provider.request("http://x/webhooks/message-status", fields, "POST-JSON")
    claims = [jwt.decode(r.headers["Authorization"].removeprefix("Bearer "),
                         VONAGE_SIGNATURE_SECRET, algorithms=["HS256"]) for r in (first, again)]
    assert claims[0]["payload_hash"] == jwt_check.payload_hash(first.data)
    assert claims[0]["iss"] == "Vonage" and claims[0]["jti"] != claims[1]["jti"]
    assert first.data == again.data


def test_the_command_line_plays_the_messages_api_with_api_messages(vonage_app, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("VONAGE_SIGNATURE_SECRET", VONAGE_SIGNATURE_SECRET)
    with serving(vonage_app) as base:
        status = vonage_simulate.main(["lifecycle", "inbound", "--api", "messages", "--url",
                                       base + "/webhooks/message-status",
                                       "--time-scale", "0.001"])
    out = capsys.readouterr().out
    assert status == 0
    assert "Fake Vonage Messages API → POST-JSON" in out
    assert "inbound · 1 message, 1 report" in out and "1 report, 1 answered 2xx" in out
    # The first line names where the inbound messages really go: the Inbound URL beside it.
    assert (f"{base}/webhooks/message-status (inbound messages: {base}/webhooks/inbound) · "
            "inbound" in out)
