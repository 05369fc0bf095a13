"""The fake providers against the real apps on a loopback port, and against receivers that fail."""

import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from nexmo_app import create_app as create_vonage_app
from simulator import cli
from simulator.delivery import Deliverer
from simulator.scenarios import build, expectations
from simulator.summary import Summary, percentile
from tests.codes import ERROR_CODES
from tests.servers import free_port, serving
from tests.signing import PLIVO_AUTH_TOKEN, VONAGE_SIGNATURE_SECRET, fake_plivo, fake_vonage
from tests.stored import stored_message

ROOT = Path(__file__).resolve().parent.parent
PLIVO_STATUS_FIELDS = {
    "MessageUUID", "From", "To", "Type", "Status", "ErrorCode", "Units", "TotalRate",
    "TotalAmount", "MCC", "MNC", "Sequence", "MessageTime", "QueuedTime", "SentTime",
    "DeliveryReportTime", "ParentMessageUUID", "PartInfo", "PowerpackUUID", "requester_ip",
}
PLIVO_INBOUND_FIELDS = {"MessageUUID", "From", "To", "Text", "Type", "Units", "TotalRate",
                        "TotalAmount", "MessageIntent", "PowerpackUUID"}
VONAGE_RECEIPT_FIELDS = {"msisdn", "to", "network-code", "messageId", "price", "status", "scts",
                         "err-code", "api-key", "message-timestamp"}


def play(provider, url, scenario, *, time_scale=0.001, seed=1, http_method="POST",
         timeout=None, **options):
    played = build(scenario, provider, random.Random(seed), datetime.now(UTC), time_scale,
                   **options)
    deliveries = Deliverer(provider, url, time_scale=time_scale, concurrency=8,
                           timeout=timeout, http_method=http_method).run(played)
    return played, deliveries


def assert_stored_as_expected(app, provider, played):
    store = app.extensions["sms_store"]
    expected = expectations(provider, played)
    for message_id, expectation in expected.items():
        stored = stored_message(store, message_id, provider=provider.name)
        assert stored is not None, message_id
        assert (stored["state"], len(stored["events"])) == (expectation.state,
                                                           expectation.events), message_id
    return expected


class FailingFirst:
    """A receiver that answers `status` (after `delay` seconds) to the first `failures` attempts
    at each report, then hands the request to `app` (or answers 200). Records every arrival."""

    def __init__(self, key_field, failures=1, status=500, app=None, delay=0.0):
        self.key_field, self.failures, self.status = key_field, failures, status
        self.app, self.delay = app, delay
        self.arrivals: dict[tuple, list[float]] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        fields = dict(parse_qsl(body.decode() or environ.get("QUERY_STRING", "")))
        key = (fields.get(self.key_field), fields.get("Status") or fields.get("status"))
        with self.lock:
            self.arrivals.setdefault(key, []).append(time.monotonic())
            attempt = len(self.arrivals[key])
        if attempt <= self.failures:
            time.sleep(self.delay)
            start_response(f"{self.status} Not Now", [("Content-Type", "text/plain")])
            return [b"not now"]
        if self.app is None:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return self.app(environ, start_response)


def gaps(times):
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def assert_gaps(delivery, expected, receiver_times):
    """The simulator waited the scaled gaps; the receiver saw the attempts about so far apart
    (its clock also counts how long each request took to reach it, so it gets more slack)."""
    started = [a.started for a in delivery.attempts]
    for measured, gap in zip(gaps(started), expected, strict=True):
        assert gap - 0.005 <= measured < gap + 0.15
    for measured, gap in zip(gaps(receiver_times), expected, strict=True):
        assert gap - 0.15 <= measured < gap + 0.3


# -- against the real apps --------------------------------------------------------------------

def test_a_plivo_campaign_is_stored_in_full_with_no_refused_signature(plivo_app):
    provider = fake_plivo()
    with serving(plivo_app) as base:
        played, deliveries = play(provider, base + "/delivery", "campaign", messages=40,
                                  delivery_rate=0.7)
    summary = Summary.of(deliveries)
    assert summary.refused == {} and summary.given_up == 0
    expected = assert_stored_as_expected(plivo_app, provider, played)
    states = {e.state for e in expected.values()}
    assert "delivered" in states and states & {"undelivered", "failed"}


@pytest.mark.parametrize("http_method", ["POST", "POST-JSON", "GET"])
@pytest.mark.parametrize("signature_method", ["md5hash", "sha256"])
def test_a_vonage_campaign_is_stored_in_full_with_no_refused_signature(
        database_url, http_method, signature_method):
    app = create_vonage_app({"DATABASE_URL": database_url,
                             "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET,
                             "VONAGE_SIGNATURE_METHOD": signature_method})
    provider = fake_vonage(method=signature_method)
    with serving(app) as base:
        played, deliveries = play(provider, base + "/webhooks/delivery-receipt", "campaign",
                                  messages=15, delivery_rate=0.6, http_method=http_method)
    summary = Summary.of(deliveries)
    assert summary.refused == {} and summary.given_up == 0
    assert_stored_as_expected(app, provider, played)


def test_plivo_over_get_signs_the_query_it_calls(plivo_app):
    provider = fake_plivo()
    with serving(plivo_app) as base:
        played, deliveries = play(provider, base + "/delivery", "lifecycle", http_method="GET")
    assert Summary.of(deliveries).answered_2xx == 3
    assert_stored_as_expected(plivo_app, provider, played)


def test_a_duplicate_report_is_answered_again_and_stored_once(plivo_app, vonage_app):
    for app, provider, path in ((plivo_app, fake_plivo(), "/delivery"),
                                (vonage_app, fake_vonage(), "/webhooks/delivery-receipt")):
        with serving(app) as base:
            played, deliveries = play(provider, base + path, "duplicate")
        assert all(d.acknowledged for d in deliveries)
        expected = assert_stored_as_expected(app, provider, played)
        (only,) = expected.values()
        assert only.state == "delivered" and only.events == len(deliveries) - 1


def test_out_of_order_reports_end_delivered(plivo_app, vonage_app):
    for app, provider, path in ((plivo_app, fake_plivo(), "/delivery"),
                                (vonage_app, fake_vonage(), "/webhooks/delivery-receipt")):
        with serving(app) as base:
            played, _deliveries = play(provider, base + path, "out-of-order")
        (message,) = played
        arrival = [s.status for s in sorted(message.steps, key=lambda s: s.at)]
        assert arrival.index("delivered") < arrival.index(
            "sent" if provider.name == "plivo" else "accepted")
        assert set(s.state for s in expectations(provider, played).values()) == {"delivered"}
        assert_stored_as_expected(app, provider, played)


def test_a_plivo_multipart_message_reports_each_part_under_its_parent(plivo_app):
    provider = fake_plivo()
    with serving(plivo_app) as base:
        played, _ = play(provider, base + "/delivery", "multipart", parts=3)
    (message,) = played
    first = message.message_ids[0]
    stored = stored_message(plivo_app.extensions["sms_store"], first, provider="plivo")
    assert [p["part_info"] for p in stored["parts"]] == ["1 of 3", "2 of 3", "3 of 3"]
    assert {s.fields["ParentMessageUUID"] for s in message.steps} == {first}


# -- retries --------------------------------------------------------------------------------

def test_plivo_retries_a_failed_first_attempt_60_seconds_later_scaled(plivo_app):
    receiver = FailingFirst("MessageUUID", failures=1, app=plivo_app)
    provider = fake_plivo()
    with serving(receiver) as base:
        played, deliveries = play(provider, base + "/delivery", "lifecycle", time_scale=0.01)
    assert all(d.acknowledged and len(d.attempts) == 2 for d in deliveries)
    for delivery in deliveries:
        fields = delivery.step.fields
        assert_gaps(delivery, [0.6], receiver.arrivals[(fields["MessageUUID"], fields["Status"])])
    assert_stored_as_expected(plivo_app, provider, played)


def test_plivo_retries_at_60_120_240_seconds_then_gives_up():
    receiver = FailingFirst("MessageUUID", failures=99)
    provider = fake_plivo()
    with serving(receiver) as base:
        _, deliveries = play(provider, base + "/delivery", "inbound", time_scale=0.005)
    (delivery,) = deliveries
    assert delivery.given_up and [a.status for a in delivery.attempts] == [500] * 4
    (times,) = receiver.arrivals.values()
    assert_gaps(delivery, [0.3, 0.6, 1.2], times)


def test_vonage_retries_a_5xx_with_backoff_from_5_seconds_scaled():
    receiver = FailingFirst("messageId", failures=3, status=503)
    provider = fake_vonage()
    with serving(receiver) as base:
        _, deliveries = play(provider, base + "/webhooks/delivery-receipt", "lifecycle",
                             time_scale=0.04)
    assert all(d.acknowledged and len(d.attempts) == 4 for d in deliveries)
    for delivery in deliveries:
        fields = delivery.step.fields
        assert_gaps(delivery, [0.2, 0.4, 0.8], receiver.arrivals[(fields["messageId"],
                                                                    fields["status"])])


def test_vonage_gives_up_at_once_on_a_refused_signature(vonage_app):
    with serving(vonage_app) as base:
        _, deliveries = play(fake_vonage(secret="not-the-apps-secret"),
                             base + "/webhooks/delivery-receipt", "lifecycle")
    assert all(d.given_up and [a.status for a in d.attempts] == [403] for d in deliveries)


def test_a_callback_not_answered_within_the_timeout_is_retried_with_the_same_body():
    receiver = FailingFirst("MessageUUID", failures=1, status=200, delay=0.6)
    with serving(receiver) as base:
        _, deliveries = play(fake_plivo(), base + "/delivery", "inbound", time_scale=0.002,
                             timeout=0.2)
    (delivery,) = deliveries
    assert [a.status for a in delivery.attempts] == [None, 200]
    assert "no answer within 0.2 s" in delivery.attempts[0].answer
    (times,) = receiver.arrivals.values()
    assert len(times) == 2  # the same MessageUUID and body both times


# -- the wire format --------------------------------------------------------------------------

def test_plivo_callbacks_carry_exactly_the_documented_fields():
    provider = fake_plivo()
    rng = random.Random(3)
    start = datetime.now(UTC)
    for plan_scenario in ("lifecycle", "failure", "multipart", "campaign"):
        for message in build(plan_scenario, provider, rng, start, 1, messages=30):
            for step in message.steps:
                assert set(step.fields) == PLIVO_STATUS_FIELDS
                assert all(isinstance(v, str) for v in step.fields.values())
                if step.status in ("undelivered", "failed"):
                    assert step.fields["ErrorCode"] in ERROR_CODES["plivo"]
                datetime.strptime(step.fields["QueuedTime"], "%Y-%m-%d %H:%M:%S.%f")
    (inbound,) = build("inbound", provider, rng, start, 1)
    assert set(inbound.steps[0].fields) == PLIVO_INBOUND_FIELDS


def test_vonage_receipts_carry_the_documented_fields_and_real_err_codes():
    provider = fake_vonage()
    for message in build("campaign", provider, random.Random(5), datetime.now(UTC), 1,
                         messages=60, delivery_rate=0.5):
        for step in message.steps:
            fields = set(step.fields) - {"client-ref"}
            if step.status in ("failed", "rejected", "expired"):
                assert fields == VONAGE_RECEIPT_FIELDS - {"scts"}  # as real failed receipts
                assert step.fields["err-code"] in ERROR_CODES["vonage"]
            else:
                assert fields == VONAGE_RECEIPT_FIELDS and step.fields["err-code"] == "0"
            datetime.strptime(step.fields["message-timestamp"], "%Y-%m-%d %H:%M:%S")


def test_vonage_signs_each_attempt_afresh_with_timestamp_nonce_and_sig():
    provider = fake_vonage()
    fields = {"messageId": "0B00000127FDBC63", "status": "delivered"}
    first = provider.request("http://x/webhooks/delivery-receipt", fields, "POST").data
    again = provider.request("http://x/webhooks/delivery-receipt", fields, "POST").data
    assert {"timestamp", "nonce", "sig"} <= set(first)
    assert first["nonce"] != again["nonce"] and first["sig"] != again["sig"]


def test_percentiles_are_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]
    assert [percentile(values, p) for p in (50, 95, 99)] == [0.05, 0.095, 0.099]
    assert percentile([], 50) is None


# -- the command line -------------------------------------------------------------------------

def test_the_simulator_exits_0_when_every_report_was_acknowledged(plivo_app, monkeypatch,
                                                                  capsys):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", PLIVO_AUTH_TOKEN)
    with serving(plivo_app) as base:
        status = cli.main(fake_plivo(), ["campaign", "--messages", "10", "--url",
                                         base + "/delivery", "--time-scale", "0.001"])
    out = capsys.readouterr().out
    assert status == 0
    assert "answered 2xx" in out and "receiver latency  p50" in out


def test_the_simulator_exits_1_when_reports_were_given_up(plivo_app, capsys):
    with serving(plivo_app) as base:
        status = cli.main(fake_plivo(token="wrong-token"),
                          ["lifecycle", "--url", base + "/delivery", "--time-scale", "0.0002"])
    captured = capsys.readouterr()
    assert status == 1
    assert "refused 12 (403 ×12)" in captured.out and "3 reports were given up" in captured.err


def test_the_simulator_says_so_when_nothing_answers(capsys):
    port = free_port()  # nothing listens there
    status = cli.main(fake_plivo(), ["lifecycle", "--url", f"http://127.0.0.1:{port}/delivery"])
    assert status == 1
    assert "start the app first (python -m plivo_app)" in capsys.readouterr().err


def run_demo(folder, messages: int) -> subprocess.CompletedProcess:
    """`python -m tools.demo --once` in an empty folder, on free ports, with no settings
    but what the folder's .env says."""
    environment = {k: v for k, v in os.environ.items() if k not in (
        "DATABASE_URL", "PLIVO_AUTH_TOKEN", "VONAGE_SIGNATURE_SECRET", "LOG_PAGE_PASSWORD")}
    environment.update(PYTHONPATH=str(ROOT), PLIVO_PORT=str(free_port()),
                       VONAGE_PORT=str(free_port()))
    return subprocess.run(
        [sys.executable, "-m", "tools.demo", "--once", "--messages", str(messages)],
        cwd=folder, env=environment, capture_output=True, text=True, timeout=240)


def test_the_demo_stores_every_simulated_report_and_exits_0(tmp_path):
    result = run_demo(tmp_path, 20)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo passed." in result.stdout
    # The degradation made the check alert, by email to the demo's own mail server.
    assert "outbound plivo: 70.0% vs 95.0% 7-day average, 26.3% drop, 260 messages: ALERT" in (
        result.stdout)
    assert "inbound plivo: 20 messages, 80.0% delivered" in result.stdout
    # Then one country failed while the account held: its alert alone, for each provider.
    assert "Subject: SMS delivery alert: outbound plivo FR, " in result.stdout
    assert "Subject: SMS delivery alert: outbound vonage FR, " in result.stdout
    assert result.stdout.count("✉ To: ops@example.com") == 5 and "/pictures" in result.stdout
    assert "PLIVO_AUTH_TOKEN=" in (tmp_path / ".env").read_text()
    assert (tmp_path / "demo.db").exists()


def test_the_demo_ignores_a_dotenv_set_up_for_ngrok_and_keeps_the_apps_database(tmp_path):
    (tmp_path / ".env").write_text(
        "PLIVO_AUTH_TOKEN=a-real-looking-token\nVONAGE_SIGNATURE_SECRET=a-secret\n"
        "PUBLIC_BASE_URL=https://abc123.ngrok.app\nTRUST_PROXY=1\nLOG_PAGE_PASSWORD=pw\n"
        f"DATABASE_URL=sqlite:///{tmp_path}/sms.db\n")
    result = run_demo(tmp_path, 5)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "sms.db").exists()


def test_the_demo_names_a_port_already_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "tools.demo", "--once", "--plivo-port", str(port)],
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            text=True, timeout=60)
    assert result.returncode == 2
    assert f"Port {port} for the Plivo app is already in use" in result.stderr


def test_a_real_time_pause_says_which_report_comes_next(plivo_app, monkeypatch, capsys):
    # The duplicate comes one Plivo retry gap (60 s, here 0.6 s) after the delivered report;
    # announce any pause over 0.3 s so the test need not wait a minute.
    monkeypatch.setattr("simulator.delivery.LONG_WAIT", 0.3)
    with serving(plivo_app) as base:
        status = cli.main(fake_plivo(), ["duplicate", "--url", base + "/delivery",
                                         "--time-scale", "0.01", "--seed", "4"])
    lines = capsys.readouterr().out.splitlines()
    notice = next(i for i, line in enumerate(lines) if "delivered (duplicate) of" in line)
    assert status == 0
    assert "s until Plivo sends the next report" in lines[notice]
    assert "← 200" in lines[notice - 1] and "delivered (duplicate)" in lines[notice + 1]


def test_the_simulators_help_hides_the_demos_own_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(fake_vonage(), ["--help"])
    shown = capsys.readouterr().out
    assert "--expect-file" not in shown
    assert "--time-scale" in shown and "lifecycle" in shown and "inbound" not in shown
