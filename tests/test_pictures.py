"""The pictures page: delivery per hour as the alert rules see it, undelivered by error code,
the alerts raised. (The real browser looks at it in test_browser.py.)"""

import re
from datetime import timedelta

import pytest

from alerts.check import evaluate
from sms_log.pictures import pictures
from tests.stored import bad_hour, clock_hour

HTML = {"Accept": "text/html"}


def figure(page: str, name: str) -> str:
    return re.search(rf'<figure id="{name}">(.*?)</figure>', page, re.S).group(1)


def test_the_hours_marked_are_the_hours_the_check_alerts_on(plivo, database_url, capsys):
    store, hour, raised = bad_hour(database_url, capsys)
    assert {a.direction for a in raised} == {"outbound", "inbound"}
    with store.engine.connect() as conn:
        seen = pictures(conn, "plivo", clock_hour() + timedelta(hours=1), 24)
        for h in seen.hours:
            alerted = {a.direction for a in evaluate(conn, h.start + timedelta(hours=1))}
            assert h.outbound.fired is ("outbound" in alerted)
            assert h.inbound.fired is ("inbound" in alerted)
    assert [h.start for h in seen.hours if h.outbound.fired] == [hour]
    assert [h.start for h in seen.hours if h.inbound.fired] == [hour]


def test_the_page_draws_both_charts_with_axes_thresholds_and_the_fired_hour(plivo, database_url,
                                                                           capsys):
    bad_hour(database_url, capsys)
    page = plivo.get("/pictures", headers=HTML).get_data(as_text=True)
    outbound, inbound = figure(page, "outbound"), figure(page, "inbound")
    for chart in (outbound, inbound):
        assert chart.count('class="fired"') == 1
        assert len(re.findall(r'class="x-label"', chart)) >= 12
        assert all(f">{tick}%</text>" in chart for tick in (0, 25, 50, 75, 100))
        assert "hour the messages were sent in (UTC)" in chart
        assert chart.count('class="raised"') == 1  # where `check` raised the alert
    assert chart.count('class="rate-bar"') == 1  # inbound: only the bad hour has messages
    assert outbound.count('class="rate-bar"') == 1
    assert "same hour, 7-day average" in outbound and "25.0% drop: alert below" in outbound
    assert "95.0%: alert below" in inbound
    assert "260 sent, 182 delivered, 78 undelivered; rate 70.0%; 7-day average 95.0%" in outbound


def test_the_page_lists_undelivered_by_code_with_text_and_kind(plivo, database_url, capsys):
    bad_hour(database_url, capsys)
    page = plivo.get("/pictures", headers=HTML).get_data(as_text=True)
    errors = re.search(r'<table class="errors">(.*?)</table>', page, re.S).group(1)
    assert re.search(r">50</a></td><td>Invalid Destination Number</td>\s*<td><span "
                     r'class="kind permanent">', errors)
    assert re.search(r">80</a></td><td>Destination Temporarily Unavailable</td>\s*<td><span "
                     r'class="kind temporary">', errors)
    assert "Inbound messages not accepted, by reason" in page


def test_the_page_lists_the_alerts_raised_with_their_figures(plivo, database_url, capsys):
    bad_hour(database_url, capsys)
    page = plivo.get("/pictures", headers=HTML).get_data(as_text=True)
    alerts = re.findall(r'<tr class="alert-row">(.*?)</tr>', page, re.S)
    assert len(alerts) == 2
    assert any("ALERT outbound plivo: delivery rate 70.0%" in a and "25% drop" in a
               for a in alerts)
    assert any("ALERT inbound plivo: delivery rate 80.0%" in a for a in alerts)


def test_the_log_links_to_the_pictures(plivo):
    page = plivo.get("/messages", headers=HTML).get_data(as_text=True)
    assert 'href="/pictures">delivery pictures</a>' in page


@pytest.mark.parametrize("query", ["hours=0", "hours=169", "hours=x", "end=noon",
                                   "provider=vonage"])
def test_a_bad_window_is_a_400(plivo, query):
    assert plivo.get(f"/pictures?{query}").status_code == 400


def test_a_week_of_hours_can_be_drawn(plivo, database_url, capsys):
    bad_hour(database_url, capsys)
    page = plivo.get("/pictures?hours=168", headers=HTML).get_data(as_text=True)
    assert figure(page, "outbound").count('class="fired"') == 1
