"""The `degradation` scenario: a week of history and a bad hour, through the real endpoints,
that `python -m alerts check` alerts on."""

import random
from datetime import UTC, datetime

import pytest

from alerts import __main__ as alerts_cli
from simulator.delivery import Deliverer
from simulator.scenarios import build, expectations
from simulator.summary import Summary
from tests.servers import serving
from tests.signing import fake_plivo, fake_vonage
from tests.stored import stored_message

SCALE = 0.001


def play_degradation(app, provider, path):
    played = build("degradation", provider, random.Random(3), datetime.now(UTC), SCALE)
    with serving(app) as base:
        deliveries = Deliverer(provider, base + path, time_scale=SCALE, concurrency=8).run(played)
    return played, Summary.of(deliveries)


def check_lines(capsys, monkeypatch, database_url, provider):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert alerts_cli.main(["check", "--provider", provider]) == 0
    out, err = capsys.readouterr()
    return out.splitlines() + err.splitlines()  # one line per direction, then what was raised


@pytest.mark.parametrize(("name", "make", "path"), [
    ("plivo", fake_plivo, "/delivery"), ("vonage", fake_vonage, "/webhooks/delivery-receipt")])
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
    assert lines[0] == (f"outbound {name}: 70.0% vs 95.0% 7-day average, 26.3% drop, "
                        "260 messages: ALERT")
    assert any(line.startswith(f"ALERT outbound {name}: delivery rate 70.0%") for line in lines)


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
