"""The `degradation` and `country-degradation` scenarios: a week of history and a bad hour,
through the real endpoints, that `python -m alerts check` alerts on; quick with default options.
"""

import io
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from alerts import __main__ as alerts_cli
from plivo_app import simulate as plivo_simulate
from simulator import cli
from simulator.delivery import Deliverer
from simulator.scenarios import REPLAYS, build, expectations, time_scale
from simulator.summary import Summary
from tests.servers import serving
from tests.signing import PLIVO_AUTH_TOKEN, fake_plivo, fake_vonage
from tests.stored import stored_message

SCALE = 0.001
BAD_HOUR = "outbound {}: 70.0% vs 95.0% 7-day average, 26.3% drop, 260 messages: ALERT"
PROVIDERS = [("plivo", fake_plivo, "/delivery"),
             ("vonage", fake_vonage, "/webhooks/delivery-receipt")]


def play_degradation(app, provider, path, scenario="degradation", now=None):
    played = build(scenario, provider, random.Random(3), now or datetime.now(UTC), SCALE)
    with serving(app) as base:
        deliveries = Deliverer(provider, base + path, time_scale=SCALE, concurrency=8).run(played)
    return played, Summary.of(deliveries)


def check_lines(capsys, monkeypatch, database_url, provider, *options):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert alerts_cli.main(["check", "--provider", provider, *options]) == 0
    out, err = capsys.readouterr()
    return out.splitlines() + err.splitlines()  # one line per direction, then what was raised


@pytest.mark.parametrize(("name", "make", "path"), PROVIDERS)
def test_degradation_makes_the_check_fire_an_outbound_alert(request, name, make, path,
                                                            database_url, capsys, monkeypatch):
    app = request.getfixturevalue(f"{name}_app")
    provider = make()
    played, summary = play_degradation(app, provider, path)
    assert summary.given_up == 0
    store = app.extensions["sms_store"]
    for message_id, expected in expectations(provider, played).items():
        stored = stored_message(store, message_id, provider=name)
        assert (stored["state"], len(stored["events"])) == (expected.state, expected.events)
    lines = check_lines(capsys, monkeypatch, database_url, name)
    assert lines[0] == BAD_HOUR.format(name)
    assert any(line.startswith(f"ALERT outbound {name}: delivery rate 70.0%") for line in lines)
    # Spread over every country in turn, none has the 100 messages the per-country rule needs.
    assert not any(line.startswith((f"outbound {name} ", f"ALERT outbound {name} "))
                   for line in lines)


def test_the_check_finds_the_whole_bad_hour_when_the_clock_passes_the_hour_while_it_plays(
        plivo_app, database_url, capsys, monkeypatch):
    played_at = datetime.now(UTC).replace(minute=59, second=50, microsecond=0) - timedelta(hours=1)
    play_degradation(plivo_app, fake_plivo(), "/delivery", now=played_at)
    checked_at = played_at + timedelta(seconds=20)  # the next hour, as a slow run would reach it
    lines = check_lines(capsys, monkeypatch, database_url, "plivo", "--now",
                        checked_at.isoformat())
    assert lines[0] == BAD_HOUR.format("plivo")


def test_degradation_makes_the_check_fire_an_inbound_alert_for_plivo(plivo_app, database_url,
                                                                     capsys, monkeypatch):
    played, summary = play_degradation(plivo_app, fake_plivo(), "/delivery")
    assert summary.refused == {400: 16}  # 4 malformed messages, each tried 4 times as Plivo does
    assert summary.given_up == 0  # refused on purpose, not lost
    lines = check_lines(capsys, monkeypatch, database_url, "plivo")
    assert lines[1] == ("inbound plivo: 20 messages, 80.0% delivered, 20.0% undelivered (more "
                        "than 5.0%): ALERT")
    assert any(line.startswith("ALERT inbound plivo: delivery rate 80.0%") and
               "MessageTime is not a time like" in line and line.endswith("×4")
               for line in lines)


def test_vonage_degradation_plays_no_inbound_messages():
    played = build("degradation", fake_vonage(), random.Random(3), datetime.now(UTC), SCALE)
    assert not any(m.plan.inbound for m in played) and len(played) == 7 * 40 + 260


# -- country-degradation: one country fails, the account holds ------------------------------

@pytest.mark.parametrize(("name", "make", "path"), PROVIDERS)
def test_country_degradation_raises_the_per_country_alert_and_not_the_account_wide_one(
        request, name, make, path, database_url, capsys, monkeypatch):
    app = request.getfixturevalue(f"{name}_app")
    provider = make()
    played, summary = play_degradation(app, provider, path, "country-degradation")
    assert summary.given_up == 0 and len(played) == 7 * 80 + 260
    lines = check_lines(capsys, monkeypatch, database_url, name)
    assert lines[0] == (f"outbound {name}: 81.5% vs 95.0% 7-day average, 14.2% drop (alerts at "
                        "25.0%), 260 messages, ok")
    assert (f"outbound {name} FR: 60.0% vs 95.0% 7-day average, 36.8% drop, 100 messages: "
            "ALERT") in lines
    raised = [line for line in lines if line.startswith("ALERT")]
    assert len(raised) == 1 and raised[0].startswith(
        f"ALERT outbound {name} FR: delivery rate 60.0% in ")
    assert "100 sent to FR, 40 undelivered: " in raised[0]


def test_the_failing_country_fails_on_one_network_with_the_carriers_filtering_codes():
    played = build("country-degradation", fake_plivo(), random.Random(3), datetime.now(UTC), 1)
    failed = [m for m in played[-260:] if m.plan.error_code]
    there = [m for m in failed if m.plan.country == "FR"]
    assert len(there) == 40 and {m.plan.network for m in there} == {"20810"}
    assert {m.plan.error_code for m in there} <= {"100", "30"}
    fields = [s.fields for m in there for s in m.steps]
    assert {(f["MCC"], f["MNC"]) for f in fields} == {("208", "10")}


# -- quick with default options ------------------------------------------------------------

def planned_seconds(provider, scenario, *options):
    """How long a run lasts by its own schedule, at the time scale its command line gives: until
    its last report, or the last retry of a report it sends to be refused."""
    args = cli.parse_args(provider, [scenario, *options])
    scale = time_scale(scenario, args.time_scale)
    played = build(scenario, provider, random.Random(3), datetime.now(UTC), scale)
    retried = sum(provider.retry.gaps)
    return scale * max(step.at + (retried if step.refusal_expected else 0)
                       for message in played for step in message.steps)


@pytest.mark.parametrize("scenario", REPLAYS)
@pytest.mark.parametrize("make", [fake_plivo, fake_vonage])
def test_a_replay_plans_less_than_a_minute_of_waits_with_default_options(make, scenario):
    assert planned_seconds(make(), scenario) < 60


def test_a_time_scale_given_still_applies_to_a_replay():
    assert planned_seconds(fake_plivo(), "degradation", "--time-scale", "1") > 420  # 60+120+240
    assert planned_seconds(fake_plivo(), "degradation", "--time-scale", "0.001") < 1


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plivo_degradation_with_default_options_shows_progress_and_ends_within_a_minute(
        plivo_app, database_url, capsys, monkeypatch):
    monkeypatch.setenv("PLIVO_AUTH_TOKEN", PLIVO_AUTH_TOKEN)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with serving(plivo_app) as base:
        began = time.monotonic()
        assert plivo_simulate.main(["degradation", "--url", base + "/delivery"]) == 0
        took = time.monotonic() - began
    assert took < 60
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith("· time scale 0.01: its history lies in the past (--time-scale 1 "
                           "waits as Plivo does)")
    assert "degradation [" in terminal.getvalue() and "waiting to retry" in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())
    lines = check_lines(capsys, monkeypatch, database_url, "plivo")
    assert lines[:2] == [
        BAD_HOUR.format("plivo"),
        "inbound plivo: 20 messages, 80.0% delivered, 20.0% undelivered (more than 5.0%): ALERT"]
