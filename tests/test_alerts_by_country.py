"""The per-country outbound rule beside seed 001's account-wide ones: a destination country with
100 messages in the hour alerts on a 25% drop against its own same hour over the previous 7 days.
"""

import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, insert, select

from alerts import __main__ as cli
from alerts.record import alerts
from sms_log.pictures import raised_alerts
from tests.stored import HOUR, add, previous_days, rows, seed_example_hour
from tools import demo_mail

NOW = "2026-01-10T13:00:00Z"
FR, DE, GB = "+33639980001", "+493023125001", "+447700900111"
FR_LINE = ("ALERT outbound plivo FR: delivery rate 60.0% in 12:00–13:00 vs 95.0% over the "
           "previous 7 days (36.8% drop); 100 sent to FR, 40 undelivered: 100 Prohibited by "
           "Carrier ×30, 30 Spam Detected ×10")


def run(capsys, *args, now=NOW):
    """`python -m alerts check`: (the lines on stdout, the ALERT lines on stderr)."""
    assert cli.main(["check", "--now", now, *args]) == 0
    out, err = capsys.readouterr()
    return out.splitlines(), [line for line in err.splitlines() if line.startswith("ALERT")]


def country_hour(store, country, number, sent, delivered, codes=(), hour=HOUR):
    """`sent` messages to `country` in the hour, `delivered` of them delivered, the rest
    undelivered with `codes` in turn ((code, how many), …)."""
    batches = [rows("plivo", "delivered", delivered, hour, to=number, country=country)]
    for minutes, (code, count) in enumerate(codes, start=1):
        batches.append(rows("plivo", "undelivered", count, hour + timedelta(minutes=minutes * 10),
                            code, to=number, country=country))
    assert sum(len(batch) for batch in batches) == sent
    add(store, *batches)


def usual_week(store, country, delivered=38, undelivered=2):
    previous_days(store, "plivo", delivered=delivered, undelivered=undelivered, country=country)


def fr_fails_while_the_account_holds(store):
    """FR: 60 of 100 delivered against 95%; DE and GB as usual, so the account is at 81.5%."""
    country_hour(store, "FR", FR, 100, 60, codes=(("100", 30), ("30", 10)))
    country_hour(store, "DE", DE, 80, 76, codes=(("50", 4),))
    country_hour(store, "GB", GB, 80, 76, codes=(("80", 4),))
    for country in ("FR", "DE", "GB"):
        usual_week(store, country)


def test_a_country_whose_rate_drops_25_percent_raises_an_alert_naming_it(store, capsys):
    fr_fails_while_the_account_holds(store)
    printed, raised = run(capsys)
    assert raised == [FR_LINE]
    assert "outbound plivo FR: 60.0% vs 95.0% 7-day average, 36.8% drop, 100 messages: ALERT" in (
        printed)


def test_the_account_wide_rule_stays_quiet_while_one_country_fails(store, capsys):
    fr_fails_while_the_account_holds(store)
    printed, _raised = run(capsys)
    assert printed[:2] == [
        "outbound plivo: 81.5% vs 95.0% 7-day average, 14.2% drop (alerts at 25.0%), "
        "260 messages, ok",
        "inbound plivo: 0 messages, fewer than the 10 the rule needs, not evaluated"]


def test_only_countries_with_100_messages_get_a_line(store, capsys):
    fr_fails_while_the_account_holds(store)
    printed, _raised = run(capsys)
    assert [line.split(":")[0] for line in printed[2:]] == ["outbound plivo FR"]  # DE, GB: 80


@pytest.mark.parametrize(("sent", "alerted"), [(99, False), (100, True)])
def test_a_country_with_fewer_than_100_messages_is_not_judged(store, capsys, sent, alerted):
    country_hour(store, "FR", FR, sent, sent - 40, codes=(("100", 40),))
    usual_week(store, "FR")
    printed, raised = run(capsys)
    assert bool(raised) is alerted
    assert any(line.startswith("outbound plivo FR:") for line in printed) is alerted


@pytest.mark.parametrize(("undelivered", "alerted"), [(25, True), (24, False)])
def test_a_drop_of_exactly_25_percent_alerts_for_a_country_and_less_does_not(
        store, capsys, undelivered, alerted):
    country_hour(store, "FR", FR, 100, 100 - undelivered, codes=(("100", undelivered),))
    usual_week(store, "FR", delivered=40, undelivered=0)
    printed, raised = run(capsys)
    assert bool(raised) is alerted
    if not alerted:
        assert ("outbound plivo FR: 76.0% vs 100.0% 7-day average, 24.0% drop (alerts at "
                "25.0%), 100 messages, ok") in printed


def test_a_countrys_day_joins_its_baseline_only_with_25_final_outcomes(store, capsys):
    country_hour(store, "FR", FR, 100, 60, codes=(("100", 40),))
    previous_days(store, "plivo", delivered=23, undelivered=1, country="FR")  # 24 a day
    printed, raised = run(capsys)
    assert raised == []
    assert ("outbound plivo FR: 60.0% delivered of 100 messages, no previous day with 25 final "
            "outcomes to compare with, not evaluated") in printed


def test_each_country_is_judged_against_its_own_days_not_the_accounts(store, capsys):
    # DE is usually at 60%: 60% this hour is no drop, though the account is usually at 95%.
    country_hour(store, "DE", DE, 100, 60, codes=(("50", 40),))
    previous_days(store, "plivo", delivered=24, undelivered=16, country="DE")
    previous_days(store, "plivo", delivered=200, undelivered=0, country="GB")
    printed, raised = run(capsys)
    assert raised == []
    assert "outbound plivo DE: 60.0% vs 60.0% 7-day average, no drop, 100 messages, ok" in printed


def test_messages_no_country_was_told_for_are_left_out_of_the_per_country_rule(store, capsys):
    seed_example_hour(store)  # 260 messages without a country, as stored before sms_log placed them
    previous_days(store, "plivo", delivered=190, undelivered=10)
    printed, raised = run(capsys)
    assert len(printed) == 2 and [line.split(":")[0] for line in raised] == ["ALERT outbound plivo"]


def test_a_country_alert_is_raised_once_an_hour_per_country(store, capsys):
    fr_fails_while_the_account_holds(store)
    country_hour(store, "IN", "+915000000001", 100, 50, codes=(("20", 50),))
    usual_week(store, "IN")
    _printed, raised = run(capsys)
    assert [line.split(":")[0] for line in raised] == ["ALERT outbound plivo FR",
                                                       "ALERT outbound plivo IN"]
    printed, raised = run(capsys)  # again, as a second process would
    assert raised == []
    assert sum(line.endswith(": ALERT (already raised this hour)") for line in printed) == 2
    with store.engine.connect() as conn:
        keys = conn.execute(select(alerts.c.direction).order_by(alerts.c.direction)).scalars()
        assert list(keys) == ["outbound:FR", "outbound:IN"]


def test_alert_per_country_false_turns_the_rule_off(store, capsys, monkeypatch):
    monkeypatch.setenv("ALERT_PER_COUNTRY", "false")
    fr_fails_while_the_account_holds(store)
    printed, raised = run(capsys)
    assert raised == [] and len(printed) == 2  # the account-wide lines alone


def test_the_country_alert_email_names_the_country_counts_and_error_codes(store, capsys,
                                                                         monkeypatch):
    controller, inbox = demo_mail.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(controller.port))
        monkeypatch.setenv("ALERT_EMAIL_TO", "ops@example.com")
        fr_fails_while_the_account_holds(store)
        assert run(capsys)[1] == [FR_LINE]
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert mail["Subject"] == "SMS delivery alert: outbound plivo FR, 2026-01-10 12:00–13:00 UTC"
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith(FR_LINE + "\n\n")
    assert ("100 outbound messages sent to FR in the window, 100 with a final outcome: 60 "
            "delivered, 40 undelivered.") in body
    assert "  2026-01-09: 95.0% of 40 final outcomes" in body
    assert "Rule, per destination country: an hour of 100 or more messages" in body


OLD_TABLE = Table(  # delivery_alerts as the version before the per-country rule made it
    "delivery_alerts", MetaData(),
    Column("provider", String, primary_key=True), Column("direction", String, primary_key=True),
    Column("hour", DateTime, primary_key=True), Column("raised_at", DateTime, nullable=False),
    Column("text", Text, nullable=False), Column("emailed_at", DateTime),
    Column("email_error", Text))


def test_a_table_made_by_the_previous_version_takes_country_alerts_beside_its_rows(store,
                                                                                  capsys):
    OLD_TABLE.create(store.engine)
    earlier = HOUR - timedelta(hours=3)
    with store.engine.begin() as conn:
        conn.execute(insert(OLD_TABLE).values(provider="plivo", direction="outbound",
                                              hour=earlier, raised_at=earlier, text="ALERT …"))
    fr_fails_while_the_account_holds(store)
    assert run(capsys)[1] == [FR_LINE]
    with store.engine.connect() as conn:
        shown = raised_alerts(conn, "plivo", HOUR - timedelta(hours=6), HOUR + timedelta(hours=1))
    assert [(a["direction"], a["country"]) for a in shown] == [("outbound", "FR"),
                                                               ("outbound", None)]
