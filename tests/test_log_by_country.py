"""Every message knows its country and network, and the log filters by them:
/messages?country=FR&network=20810, the header counts following the filter."""

import re
from datetime import datetime, timedelta

import pytest

from shared.store import Store
from sms_log.countries import country_of
from tests import payloads
from tests.callbacks import (
    MESSAGE_STATUS_PATH,
    message,
    messages_api_post,
    plivo_post,
    status_callback,
    vonage_post_form,
)
from tests.stored import add, rows

# The tests' signature secret is shorter than the 32 bytes PyJWT asks of an HS256 key, as
# Vonage's own can be.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}
START = datetime(2026, 1, 10, 9, 0)
FR, GB, US, DE = "+33639980001", "+447700900111", "+12025550101", "+493023125001"
# (status, error code, number, country, network, how many, direction)
MIX = [
    ("delivered", None, GB, "GB", "23410", 30, "outbound"),
    ("undelivered", "50", GB, "GB", "23410", 10, "outbound"),
    ("delivered", None, GB, "GB", "23415", 20, "outbound"),
    ("delivered", None, FR, "FR", "20810", 5, "outbound"),
    ("undelivered", "100", FR, "FR", "20810", 15, "outbound"),
    ("sent", None, US, "US", "310260", 12, "outbound"),  # +1: sent counts as delivered
    ("sent", None, FR, "FR", "20801", 3, "outbound"),
    ("received", None, DE, "DE", None, 5, "inbound"),
]
PART = {n: f"0b1e9c2a-5f3d-4c8e-9a7b-00000000000{n}" for n in (1, 2)}


@pytest.fixture
def places(plivo, database_url):
    """100 messages in four countries and five networks, and a 2-part message to FR (20810)
    through the real endpoint, its country told by the app from its number."""
    store = Store(database_url)
    store.ensure_tables()
    batch = []
    for status, code, number, country, network, count, direction in MIX:
        batch += rows("plivo", status, count, START + timedelta(minutes=len(batch)), code,
                      to=number, direction=direction, country=country, network=network)
    add(store, batch)
    store.engine.dispose()
    for part in (1, 2):
        fields = status_callback("undelivered" if part == 2 else "delivered", sequence=3,
                                 message_uuid=PART[part], error_code="100" if part == 2 else "",
                                 ParentMessageUUID=PART[1], PartInfo=f"{part} of 2", To=FR,
                                 MCC="208", MNC="10")
        assert plivo_post(plivo, fields).status_code == 200
    return plivo


def listed(client, query):
    page = client.get(f"/messages?{query}", headers=JSON)
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_json()


# -- every message knows its country and network ------------------------------------------

def test_a_plivo_message_has_its_recipients_country_and_mcc_mnc(plivo):
    plivo_post(plivo, status_callback("delivered", To=FR, MCC="208", MNC="10"))
    m = message(plivo, payloads.plivo_status()["MessageUUID"])
    assert (m["country"], m["network"]) == ("FR", "20810")


def test_a_plivo_inbound_message_has_its_senders_country(plivo):
    assert plivo_post(plivo, payloads.plivo_inbound(From=DE)).status_code == 200
    m = message(plivo, payloads.plivo_inbound()["MessageUUID"])
    assert (m["direction"], m["country"], m["network"]) == ("inbound", "DE", None)


def test_a_vonage_receipt_has_its_msisdns_country_and_network_code(vonage):
    vonage_post_form(vonage, payloads.vonage_receipt())
    m = message(vonage, "0B00000127FDBC63")
    assert (m["country"], m["network"]) == ("GB", "23410")


def test_a_messages_api_status_has_its_recipients_country_and_network_code(vonage):
    body = payloads.vonage_message_status(to="61491570156",
                                          destination={"network_code": "50502"})
    assert messages_api_post(vonage, MESSAGE_STATUS_PATH, body).status_code == 200
    m = message(vonage, body["message_uuid"])
    assert (m["country"], m["network"]) == ("AU", "50502")


def test_a_sender_id_has_no_country_and_a_report_without_mcc_no_network(plivo):
    # Plivo's status callbacks always name a phone number in To (plivo_app.recut insists).
    assert country_of("AcmeInc") is None
    plivo_post(plivo, status_callback("delivered", MCC="", MNC=""))
    m = message(plivo, payloads.plivo_status()["MessageUUID"])
    assert (m["country"], m["network"]) == ("GB", None)


# -- the filters ---------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "total", "counts"), [
    ("country=FR", 24, {"delivered": 5, "failed": 16, "pending": 3}),  # the long message is one
    ("country=GB", 60, {"delivered": 50, "failed": 10}),
    ("country=US", 12, {"delivered": 12}),
    ("network=20810", 21, {"delivered": 5, "failed": 16}),
    ("network=23410", 40, {"delivered": 30, "failed": 10}),
    ("country=FR&network=20801", 3, {"pending": 3}),
    ("country=GB&network=20810", 0, {}),
    ("country=FR&outcome=failed", 16, {"delivered": 5, "failed": 16, "pending": 3}),
    ("country=DE&direction=inbound", 5, {"delivered": 5}),
    ("network=23410&error=50", 10, {"failed": 10}),
])
def test_the_country_and_network_filters_list_and_count_only_their_messages(places, query,
                                                                             total, counts):
    page = listed(places, query)
    assert (page["total"], page["counts"]) == (total, counts)
    wanted = dict(pair.split("=") for pair in query.split("&"))
    assert page["filters"] == wanted
    for m in page["messages"]:
        assert m["country"] == wanted.get("country", m["country"])
        assert m["network"] == wanted.get("network", m["network"])
        assert m["outcome"] == wanted.get("outcome", m["outcome"]) or m["group_id"]


def test_a_long_message_is_found_by_its_parts_country(places):
    page = listed(places, "country=FR&outcome=failed")
    parts = [m["message_id"] for m in page["messages"] if m["group_id"]]
    assert parts == [PART[1], PART[2]]  # one message, failed since a part failed


def test_the_html_header_counts_follow_the_country_and_network_filters(places):
    html = places.get("/messages?country=FR&network=20810", headers=HTML).get_data(as_text=True)
    assert '<span id="total">21</span> messages match this filter' in html
    badges = dict((outcome, int(count)) for count, outcome in re.findall(
        r'<a class="badge \w+" href="[^"]*">(\d+) (\w+)</a>', html))
    assert badges == {"delivered": 5, "failed": 16}
    assert re.search(r'href="/messages\?country=FR&amp;network=20810&amp;outcome=failed"',
                     html)
    assert len(re.findall(r'<tr class="message-row"', html)) == 21


def test_the_filter_form_shows_the_country_and_network_asked_for(places):
    html = places.get("/messages?country=fr&network=20810", headers=HTML).get_data(as_text=True)
    assert '<input name="country" size="3" placeholder="GB" value="fr">' in html
    assert 'value="20810"' in html


def test_each_row_links_to_the_log_of_its_country_and_network(places):
    html = places.get("/messages?direction=inbound", headers=HTML).get_data(as_text=True)
    assert 'href="/messages?direction=inbound&amp;country=DE">DE</a>' in html


def test_a_lower_case_country_is_read_as_its_iso_code(places):
    assert listed(places, "country=fr")["total"] == listed(places, "country=FR")["total"] == 24


@pytest.mark.parametrize("value", ["GBR", "G", "G1", "12", "É1", "G B", "UK%3B"])
def test_a_malformed_country_is_a_400_naming_it(places, value):
    for accept in (JSON, HTML):
        response = places.get(f"/messages?country={value}", headers=accept)
        assert response.status_code == 400
        assert response.get_data(as_text=True).startswith("country must be a two-letter ISO "
                                                          "code such as GB")


def test_an_unknown_but_well_formed_country_lists_nothing(places):
    page = listed(places, "country=ZZ")
    assert (page["total"], page["messages"], page["counts"]) == (0, [], {})
