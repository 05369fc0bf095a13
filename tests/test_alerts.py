"""Delivery-rate alerts, the rules of Plivo's Delivery Alerts FAQ: `python -m alerts check`
over the store.

Hundreds of messages are inserted in one statement each (interpreted by the same function the
store uses); one test posts every report through the real apps instead.
"""

import email
import email.policy
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from alerts import __main__ as cli
from alerts.check import evaluate
from alerts.record import alerts
from shared.report import utcnow
from tests import payloads
from tests.callbacks import plivo_post, vonage_post_form
from tests.servers import free_port
from tests.stored import HOUR, UK, add, previous_days, refused, rows, seed_example_hour
from tools import demo_mail

NOW = "2026-01-10T13:00:00Z"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check(capsys, *args, now=NOW):
    code = cli.main(["check", "--now", now, *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not any(line.startswith("ALERT") for line in out.splitlines())
    return [line for line in err.splitlines() if line.startswith("ALERT")]


SEED_LINE = ("ALERT outbound plivo: delivery rate 70.0% in 12:00–13:00 vs 95.0% over the "
             "previous 7 days (26.3% drop); 260 sent, 78 undelivered: 50 Invalid Destination "
             "Number ×39, 80 Destination Temporarily Unavailable ×39")


# -- outbound ------------------------------------------------------------------------------

def test_seed_example_70_percent_against_95_percent_raises_one_outbound_alert(store, capsys):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    assert check(capsys) == [SEED_LINE]


@pytest.mark.parametrize(("sent", "alerted"), [(249, False), (250, True)])
def test_an_hour_with_fewer_than_250_outbound_messages_is_not_judged(store, capsys, sent,
                                                                      alerted):
    add(store, rows("plivo", "delivered", sent - 100, HOUR),
        rows("plivo", "undelivered", 100, HOUR + timedelta(minutes=30), "50"))
    previous_days(store, "plivo", delivered=100, undelivered=0)
    assert bool(check(capsys)) is alerted


def test_pending_messages_count_toward_the_250_but_not_in_the_rate(store, capsys):
    add(store, rows("plivo", "delivered", 140, HOUR), rows("plivo", "queued", 60, HOUR),
        rows("plivo", "undelivered", 60, HOUR + timedelta(minutes=30), "20"))
    previous_days(store, "plivo", delivered=100, undelivered=0)
    assert check(capsys) == [
        "ALERT outbound plivo: delivery rate 70.0% in 12:00–13:00 vs 100.0% over the previous "
        "7 days (30.0% drop); 260 sent, 60 undelivered: 20 Network Error ×60"]


@pytest.mark.parametrize(("undelivered", "alerted"), [(75, True), (74, False)])
def test_a_drop_of_exactly_25_percent_alerts_and_less_does_not(store, capsys, undelivered,
                                                               alerted):
    add(store, rows("plivo", "delivered", 300 - undelivered, HOUR),
        rows("plivo", "undelivered", undelivered, HOUR + timedelta(minutes=30), "50"))
    previous_days(store, "plivo", delivered=100, undelivered=0)
    lines = check(capsys)
    assert bool(lines) is alerted
    if alerted:
        assert "delivery rate 75.0% in 12:00–13:00 vs 100.0%" in lines[0]
        assert "(25.0% drop)" in lines[0]


@pytest.mark.parametrize(("small_day_size", "expected"), [
    (24, "vs 95.0% over 1 of the previous 7 days (26.3% drop)"),  # the small day is left out
    (25, None),  # it counts: (95% + 0%) / 2 = 47.5%, and 70% is no drop from that
])
def test_a_previous_day_needs_25_final_outcomes_to_join_the_average(store, capsys,
                                                                     small_day_size, expected):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10, days=[1])
    previous_days(store, "plivo", delivered=0, undelivered=small_day_size, days=[2])
    lines = check(capsys)
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and expected in lines[0]


def test_without_previous_days_there_is_nothing_to_compare_with(store, capsys):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10, days=[8, 9])
    assert check(capsys) == []


@pytest.mark.parametrize(("provider", "status", "number"), [
    ("plivo", "sent", "+14155550123"),
    ("vonage", "accepted", "14155550123"),  # Vonage writes msisdn without the plus
])
def test_sent_to_a_plus_one_number_counts_as_delivered(store, capsys, provider, status,
                                                       number):
    failure = {"plivo": "undelivered", "vonage": "failed"}[provider]
    add(store, rows(provider, status, 250, HOUR, to=number),
        rows(provider, failure, 10, HOUR + timedelta(minutes=30), "20"))
    previous_days(store, provider, delivered=100, undelivered=0)
    assert check(capsys) == []  # 250 of 260 delivered: 96.2%


def test_sent_elsewhere_is_still_pending_and_not_counted_as_delivered(store, capsys):
    add(store, rows("plivo", "sent", 250, HOUR, to=UK),
        rows("plivo", "undelivered", 10, HOUR + timedelta(minutes=30), "20"))
    previous_days(store, "plivo", delivered=100, undelivered=0)
    assert check(capsys) == [
        "ALERT outbound plivo: delivery rate 0.0% in 12:00–13:00 vs 100.0% over the previous "
        "7 days (100.0% drop); 260 sent, 10 undelivered: 20 Network Error ×10"]


def test_vonage_is_judged_on_its_own_messages_with_its_own_error_texts(store, capsys):
    seed_example_hour(store, "vonage", failure="failed", codes=("9", "2"))
    previous_days(store, "vonage", delivered=190, undelivered=10, failure="failed", code="9")
    seed_example_hour(store, "plivo", codes=("50", "80"))
    previous_days(store, "plivo", delivered=70, undelivered=30)  # plivo is as usual: 70%
    expected = ("ALERT outbound vonage: delivery rate 70.0% in 12:00–13:00 vs 95.0% over the "
                "previous 7 days (26.3% drop); 260 sent, 78 undelivered: 2 Absent Subscriber - "
                "Temporary ×39, 9 Illegal Number ×39")
    assert check(capsys) == [expected]


def test_an_unknown_final_status_counts_as_undelivered(store, capsys):
    seed_example_hour(store, "vonage", failure="unknown", codes=("1", "1"))
    previous_days(store, "vonage", delivered=190, undelivered=10, failure="failed", code="9")
    lines = check(capsys)
    assert lines == ["ALERT outbound vonage: delivery rate 70.0% in 12:00–13:00 vs 95.0% over the "
                     "previous 7 days (26.3% drop); 260 sent, 78 undelivered: 1 Unknown ×78"]


def test_provider_filter_limits_the_check_to_one_provider(store, capsys):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    assert check(capsys, "--provider", "vonage") == []
    assert check(capsys, "--provider", "plivo") == [SEED_LINE]


# -- inbound -------------------------------------------------------------------------------

@pytest.mark.parametrize(("received", "undelivered", "alerted"), [
    (40, 2, False),  # exactly 5%
    (39, 2, True),  # 5.1%
])
def test_more_than_5_percent_of_inbound_undelivered_alerts(store, capsys, received,
                                                           undelivered, alerted):
    add(store, rows("plivo", "received", received - undelivered, HOUR, direction="inbound"))
    refused(store, undelivered, HOUR + timedelta(minutes=40))
    lines = check(capsys)
    assert bool(lines) is alerted
    if alerted:
        assert lines == [
            "ALERT inbound plivo: delivery rate 94.9% in 12:00–13:00, 5.1% undelivered (more "
            "than 5.0%); 39 received, 2 undelivered: MessageTime is not a time like 2018-10-25 "
            "12:10:26: 'x' ×2"]


@pytest.mark.parametrize(("received", "alerted"), [(9, False), (10, True)])
def test_an_hour_with_fewer_than_10_inbound_messages_is_not_judged(store, capsys, received,
                                                                   alerted):
    add(store, rows("plivo", "received", received - 1, HOUR, direction="inbound"),
        rows("plivo", "undelivered", 1, HOUR, direction="inbound"))
    lines = check(capsys)
    assert bool(lines) is alerted
    if alerted:
        assert lines[0].endswith("10 received, 1 undelivered: no reason recorded ×1")


# -- once an hour --------------------------------------------------------------------------

def test_an_alert_is_raised_once_per_clock_hour_and_again_the_next_hour(store, capsys):
    for start in (datetime(2026, 1, 10, 12, 36), datetime(2026, 1, 10, 13, 36)):
        seed_example_hour(store, hour=start)  # 12:36–12:56, then 13:36–13:56
        previous_days(store, "plivo", delivered=190, undelivered=10, hour=start)
    assert len(check(capsys, now="2026-01-10T13:00:00Z")) == 1
    assert check(capsys, now="2026-01-10T13:00:00Z") == []
    with store.engine.connect() as conn:  # the rules still call for it at 13:30 …
        assert len(evaluate(conn, datetime(2026, 1, 10, 13, 30))) == 1
    assert check(capsys, now="2026-01-10T13:30:00Z") == []  # … but it was raised at 13:00
    assert len(check(capsys, now="2026-01-10T14:00:00Z")) == 1
    assert check(capsys, now="2026-01-10T14:30:00Z") == []
    with store.engine.connect() as conn:
        hours = conn.execute(select(alerts.c.hour).order_by(alerts.c.hour)).scalars().all()
    assert hours == [datetime(2026, 1, 10, 13), datetime(2026, 1, 10, 14)]


def run_check_process(database_url, *args, **env):
    environment = dict(os.environ, DATABASE_URL=database_url)
    environment.update(env)
    return subprocess.Popen([sys.executable, "-m", "alerts", "check", *args], cwd=ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_processes_checking_the_same_hour_raise_the_alert_once(store, database_url):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    processes = [run_check_process(database_url, "--now", NOW) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    raised = [line for _, err in outputs for line in err.splitlines()]
    assert [line for line in raised if line.startswith("ALERT")] == [SEED_LINE]
    printed = [line for out, _ in outputs for line in out.splitlines()]
    assert sum(line.endswith("(already raised this hour)") for line in printed) == 1
    later = run_check_process(database_url, "--now", "2026-01-10T13:30:00+00:00")
    assert "ALERT" not in "".join(later.communicate(timeout=60))


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:{port}/test",  # nothing listens there
    "sqlite:///{missing}/no/such/directory/sms.db",
])
def test_the_check_exits_1_when_the_database_does_not_answer(url, tmp_path):
    process = run_check_process(url.format(port=free_port(), missing=tmp_path))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert out == ""
    assert "could not check delivery rates: the database did not answer" in err


# -- email ---------------------------------------------------------------------------------

@pytest.fixture
def smtp_server():
    controller, inbox = demo_mail.start()
    yield controller, inbox
    controller.stop()


def test_each_alert_is_emailed_to_a_real_smtp_server(store, capsys, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(controller.port))
    monkeypatch.setenv("ALERT_EMAIL_TO", "ops@example.com, oncall@example.com")
    monkeypatch.setenv("ALERT_EMAIL_FROM", "sms-alerts@example.com")
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    assert check(capsys) == [SEED_LINE]

    [envelope] = inbox.envelopes
    assert envelope.mail_from == "sms-alerts@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "oncall@example.com"]
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert mail["Subject"] == "SMS delivery alert: outbound plivo, 2026-01-10 12:00–13:00 UTC"
    body = mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
    assert body.startswith(SEED_LINE + "\n\n")
    assert "  2026-01-09: 95.0% of 200 final outcomes" in body
    with store.engine.connect() as conn:
        row = conn.execute(select(alerts)).mappings().one()
    assert row["emailed_at"] is not None and row["email_error"] is None


def test_an_smtp_failure_is_reported_and_the_alert_stays_recorded(store, capsys, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("ALERT_EMAIL_TO", "ops@example.com")
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    assert cli.main(["check", "--now", NOW]) == 0
    _, err = capsys.readouterr()
    assert SEED_LINE in err.splitlines()
    assert "could not email the outbound plivo alert to ops@example.com" in err
    with store.engine.connect() as conn:
        row = conn.execute(select(alerts)).mappings().one()
    assert row["emailed_at"] is None and "ConnectionRefusedError" in row["email_error"]
    assert check(capsys, now="2026-01-10T13:15:00Z") == []  # not raised again this hour


# -- through the real apps ------------------------------------------------------------------

def plivo_sent_at(plivo, key, status, queued, code=""):
    fields = payloads.plivo_status(MessageUUID=f"00000000-0000-4000-8000-0000{key}",
                                   Status=status, ErrorCode=code,
                                   QueuedTime=f"{queued:%Y-%m-%d %H:%M:%S}.000000",
                                   MessageTime=f"{queued:%Y-%m-%d %H:%M:%S}.000000")
    assert plivo_post(plivo, fields).status_code == 200


def vonage_sent_at(vonage, key, status, at, code="0"):
    fields = payloads.vonage_receipt(status=status, messageId=f"00000000{key}",
                                     **{"err-code": code,
                                        "message-timestamp": f"{at:%Y-%m-%d %H:%M:%S}"})
    assert vonage_post_form(vonage, fields).status_code == 204


def post_history(post, client, outcomes, start):
    """One report per message, placed in time by the provider's own timestamp field."""
    for n, (status, code) in enumerate(outcomes):
        post(client, f"{start:%m%d}{n:04d}", status, start + timedelta(seconds=n * 10), code)


def test_reports_posted_through_the_apps_with_past_times_raise_seed_001s_alerts(
        plivo, vonage, store, capsys, monkeypatch):
    monkeypatch.setenv("ALERT_PER_COUNTRY", "false")  # seed 001's rules alone: all go to GB
    plivo_hour = [("delivered", "")] * 182 + [("undelivered", "50")] * 39 + [
        ("undelivered", "80")] * 39
    plivo_day = [("delivered", "")] * 38 + [("undelivered", "50")] * 2
    post_history(plivo_sent_at, plivo, plivo_hour, HOUR)
    post_history(plivo_sent_at, plivo, plivo_day, HOUR - timedelta(days=3))
    vonage_hour = [("delivered", "0")] * 182 + [("failed", "9")] * 78
    vonage_day = [("delivered", "0")] * 40
    post_history(vonage_sent_at, vonage, vonage_hour, HOUR)
    post_history(vonage_sent_at, vonage, vonage_day, HOUR - timedelta(days=1))

    assert check(capsys) == [
        "ALERT outbound plivo: delivery rate 70.0% in 12:00–13:00 vs 95.0% over 1 of the "
        "previous 7 days (26.3% drop); 260 sent, 78 undelivered: 50 Invalid Destination Number "
        "×39, 80 Destination Temporarily Unavailable ×39",
        "ALERT outbound vonage: delivery rate 70.0% in 12:00–13:00 vs 100.0% over 1 of the "
        "previous 7 days (30.0% drop); 260 sent, 78 undelivered: 9 Illegal Number ×78",
    ]
    assert check(capsys, now="2026-01-10T13:15:00Z") == []


def test_inbound_messages_the_plivo_app_refused_raise_an_inbound_alert(plivo, store, capsys):
    for n in range(18):
        assert plivo_post(plivo, payloads.plivo_inbound(
            MessageUUID=f"00000000-0000-4000-8000-{n:012d}")).status_code == 200
    for n in range(2):
        fields = payloads.plivo_inbound(MessageUUID=f"00000000-0000-4000-9000-{n:012d}",
                                        MessageTime="not a time")
        assert plivo_post(plivo, fields).status_code == 400
    soon = (utcnow() + timedelta(minutes=1)).isoformat()  # they were placed at their arrival
    lines = check(capsys, now=soon)
    assert len(lines) == 1
    assert lines[0].startswith("ALERT inbound plivo: delivery rate 90.0% in ")
    assert lines[0].endswith(", 10.0% undelivered (more than 5.0%); 20 received, 2 undelivered: "
                             "MessageTime is not a time like 2018-10-25 12:10:26: 'not a time' ×2")


# -- watch ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("now", "due"), [
    ("2026-01-10T12:59:59.5", "2026-01-10T13:00:00"),
    ("2026-01-10T13:00:00", "2026-01-10T13:15:00"),
    ("2026-01-10T23:50:00", "2026-01-11T00:00:00"),
])
def test_watch_runs_at_the_next_quarter_hour(now, due):
    assert cli.next_quarter(datetime.fromisoformat(now)) == datetime.fromisoformat(due)


def test_watch_checks_as_of_each_quarter_hour_until_interrupted(store, monkeypatch):
    checked, sleeps = [], []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", sleep)
    monkeypatch.setattr(cli, "check", lambda _store, now, provider, _mail: checked.append(now))
    assert cli.main(["watch"]) == 0
    assert len(checked) == 2 and all(0 <= s <= 900 for s in sleeps)
    assert all(now.minute % 15 == 0 and now.second == 0 for now in checked)


# -- one line per direction, every time ----------------------------------------------------

def status_lines(capsys, *args, now=NOW):
    assert cli.main(["check", "--now", now, *args]) == 0
    return [line for line in capsys.readouterr().out.splitlines()
            if not line.startswith("ALERT")]


def test_check_prints_one_line_per_direction_when_nothing_is_stored(store, capsys):
    assert status_lines(capsys) == [
        "outbound: 0 messages, fewer than the 250 the rule needs, not evaluated",
        "inbound: 0 messages, fewer than the 10 the rule needs, not evaluated",
    ]


def test_check_prints_the_figures_and_the_alert_for_the_seed_example(store, capsys):
    seed_example_hour(store)
    previous_days(store, "plivo", delivered=190, undelivered=10)
    add(store, rows("plivo", "received", 4, HOUR, direction="inbound"))
    assert status_lines(capsys) == [
        "outbound plivo: 70.0% vs 95.0% 7-day average, 26.3% drop, 260 messages: ALERT",
        "inbound plivo: 4 messages, fewer than the 10 the rule needs, not evaluated",
    ]
    later = status_lines(capsys)  # the same hour checked again
    assert later[0].endswith(": ALERT (already raised this hour)")


def test_check_says_ok_with_the_figures_when_no_rule_fires(store, capsys):
    add(store, rows("plivo", "delivered", 250, HOUR), rows("plivo", "undelivered", 10, HOUR,
                                                          error_code="50"))
    previous_days(store, "plivo", delivered=190, undelivered=10)
    add(store, rows("plivo", "received", 12, HOUR, direction="inbound"))
    lines = status_lines(capsys)
    assert lines == [
        "outbound plivo: 96.2% vs 95.0% 7-day average, no drop, 260 messages, ok",
        "inbound plivo: 12 messages, 100.0% delivered, ok",
    ]
    assert not any("ALERT" in line for line in capsys.readouterr().out.splitlines())


def test_check_says_why_an_hour_without_history_is_not_evaluated(store, capsys):
    seed_example_hour(store, provider="vonage", failure="failed", codes=("3", "9"))
    assert status_lines(capsys, "--provider", "vonage")[0] == (
        "outbound vonage: 70.0% delivered of 260 messages, no previous day with 25 final "
        "outcomes to compare with, not evaluated")
