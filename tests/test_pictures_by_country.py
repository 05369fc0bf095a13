"""The pictures page shows where messages fail: outbound delivery by country (a bar per country,
worst first, its figures beside it) and the networks with the most undelivered messages."""

import re
from datetime import timedelta

import pytest

from alerts.check import check
from shared.store import Store
from tests.stored import HOUR, add, previous_days, rows

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
WINDOW = "/pictures?end=2026-01-10T13:00&hours=24"  # 2026-01-09 13:00 to 2026-01-10 13:00
FR, DE, GB, US = "+33639980001", "+493023125001", "+447700900111", "+12025550101"


def messages_to(provider, status, count, number, country, network, code=None, at=HOUR):
    return rows(provider, status, count, at, code, to=number, country=country, network=network)


@pytest.fixture
def places(database_url):
    """FR at 60%, failing on 20810; DE at 90%; GB at 97.5% with 5 pending; US at 100% (sent
    to +1); 5 messages without a country; and FR failures outside the window."""
    store = Store(database_url)
    store.ensure_tables()
    later = HOUR + timedelta(minutes=20)
    add(store,
        messages_to("plivo", "delivered", 60, FR, "FR", "20801"),
        messages_to("plivo", "undelivered", 30, FR, "FR", "20810", "100", later),
        messages_to("plivo", "undelivered", 10, FR, "FR", "20810", "30", later),
        messages_to("plivo", "delivered", 45, DE, "DE", "26201"),
        messages_to("plivo", "undelivered", 5, DE, "DE", "26202", "50", later),
        messages_to("plivo", "delivered", 78, GB, "GB", "23410"),
        messages_to("plivo", "undelivered", 2, GB, "GB", "23415", "80", later),
        messages_to("plivo", "queued", 5, GB, "GB", "23410"),
        messages_to("plivo", "sent", 10, US, "US", "310260"),
        messages_to("plivo", "delivered", 5, None, None, None),
        messages_to("plivo", "undelivered", 50, FR, "FR", "20810", "100",
                    HOUR - timedelta(days=2)))
    return store


def page(client, url=WINDOW):
    response = client.get(url, headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def table_rows(html, kind):
    table = re.search(rf'<table class="{kind}">(.*?)</table>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?>(.*?)</td>",
                                                                          row, re.S)]
            for row in re.findall(r"<tr class=\"\w+-row\">(.*?)</tr>", table, re.S)]


def test_delivery_by_country_lists_each_country_worst_first_with_its_figures(plivo, places):
    shown = table_rows(page(plivo), "countries")
    assert [r[:6] for r in shown] == [
        ["FR France", "100", "60", "40", "0", "60.0%"],
        ["DE Germany", "50", "45", "5", "0", "90.0%"],
        ["GB United Kingdom", "85", "78", "2", "5", "97.5%"],
        ["US United States", "10", "10", "0", "0", "100.0%"],
        ["no country (a sender id or short code)", "5", "5", "0", "0", "100.0%"],
    ]
    assert shown[0][6] == "100 Prohibited by Carrier ×30 · 30 Spam Detected ×10"


def test_the_country_chart_draws_a_bar_per_country_with_its_rate_and_figures_beside_it(
        plivo, places):
    chart = re.search(r'<figure id="countries">(.*?)</figure>', page(plivo), re.S).group(1)
    assert re.findall(r'class="country-bar" data-country="(\w+)"', chart) == [
        "FR", "DE", "GB", "US"]  # worst first; no bar for messages without a country
    assert re.search(r'data-country="FR" x="190" y="\d+" width="252.0"', chart)  # 60% of 420
    assert chart.count('class="country-undelivered"') == 3  # US is all delivered
    assert re.findall(r'class="country-rate"[^>]*>([^<]+)<', chart) == [
        "60.0%", "90.0%", "97.5%", "100.0%"]
    assert ">100 sent · 60 delivered · 40 failed</text>" in chart
    assert ">85 sent · 78 delivered · 2 failed · 5 pending</text>" in chart


def test_each_country_links_to_its_outbound_messages_in_the_log(plivo, places):
    html = page(plivo)
    link = "/messages?country=FR&amp;direction=outbound"
    assert html.count(f'href="{link}"') == 2  # its name in the chart, and in the table
    listed = plivo.get(link.replace("&amp;", "&"), headers=JSON).get_json()
    assert listed["total"] == 150  # every FR message the log holds: the window's 100, and 50 older
    assert {m["country"] for m in listed["messages"]} == {"FR"}


def test_messages_outside_the_window_are_not_counted(plivo, places):
    france = table_rows(page(plivo), "countries")[0]
    assert france[:4] == ["FR France", "100", "60", "40"]
    wider = table_rows(page(plivo, "/pictures?end=2026-01-10T13:00&hours=168"), "countries")[0]
    assert wider[:4] == ["FR France", "150", "60", "90"]


def test_top_failing_networks_come_most_undelivered_first_with_their_leading_codes(plivo,
                                                                                   places):
    html = page(plivo)
    assert [r[:5] for r in table_rows(html, "networks")] == [
        ["20810", "FR", "40", "40", "0.0%"],
        ["26202", "DE", "5", "5", "0.0%"],
        ["23415", "GB", "2", "2", "0.0%"],
    ]  # networks without an undelivered message are not listed
    assert table_rows(html, "networks")[0][5] == ("100 Prohibited by Carrier ×30 · 30 Spam "
                                                  "Detected ×10")
    link = "/messages?network=20810&amp;direction=outbound&amp;outcome=failed"
    assert f'href="{link}">20810</a>' in html
    listed = plivo.get(link.replace("&amp;", "&"), headers=JSON).get_json()
    assert {m["network"] for m in listed["messages"]} == {"20810"}


def test_vonage_pictures_show_delivery_by_country_and_network_too(vonage, database_url):
    store = Store(database_url)
    store.ensure_tables()
    add(store, messages_to("vonage", "delivered", 20, "447700900222", "GB", "23420"),
        messages_to("vonage", "rejected", 10, "447700900222", "GB", "23420", "6"),
        messages_to("vonage", "delivered", 9, "61491570156", "AU", "50502"),
        messages_to("vonage", "expired", 1, "61491570156", "AU", "50502", "2"))
    html = page(vonage)
    assert [r[:6] for r in table_rows(html, "countries")] == [
        ["GB United Kingdom", "30", "20", "10", "0", "66.7%"],
        ["AU Australia", "10", "9", "1", "0", "90.0%"]]
    assert [r for r in table_rows(html, "networks")] == [
        ["23420", "GB", "10", "30", "66.7%", "6 Anti-Spam Rejection ×10"],
        ["50502", "AU", "1", "10", "90.0%", "2 Absent Subscriber - Temporary ×1"]]


def test_the_alerts_raised_show_a_countrys_alert_beside_the_accounts(plivo, database_url,
                                                                     places, capsys):
    previous_days(places, "plivo", delivered=38, undelivered=2, country="FR")
    check(places, HOUR + timedelta(hours=1))
    capsys.readouterr()
    html = page(plivo)
    alerts = re.findall(r'<tr class="alert-row">(.*?)</tr>', html, re.S)
    assert len(alerts) == 1
    assert "outbound to FR: 25% drop vs its 7-day average" in alerts[0]
    assert "ALERT outbound plivo FR: delivery rate 60.0%" in alerts[0]
    outbound = re.search(r'<figure id="outbound">(.*?)</figure>', html, re.S).group(1)
    assert 'class="raised"' not in outbound  # the account's chart marks the account's alerts


def test_a_window_without_outbound_messages_says_so(plivo):
    html = page(plivo)
    assert "no outbound message with a final outcome in this window" in html
    assert "No network with an undelivered message in this window." in html
