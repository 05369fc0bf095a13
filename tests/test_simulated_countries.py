"""The fake providers send to handsets in several countries, on their own networks, and never to
a real person's number."""

import random
from collections import Counter
from datetime import UTC, datetime

import phonenumbers
import pytest

from nexmo_app.simulate_messages_api import FakeVonageMessagesApi
from simulator import handsets
from simulator.delivery import Deliverer
from simulator.scenarios import build
from sms_log.countries import country_of
from tests.callbacks import message
from tests.servers import serving
from tests.signing import VONAGE_SIGNATURE_SECRET, fake_plivo, fake_vonage

# The tests' signature secret is shorter than the 32 bytes PyJWT asks of an HS256 key, as
# Vonage's own can be.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
# Where a country sets numbers aside for fiction, the fakes use them (simulator.handsets).
FICTION = {"GB": "447700900", "US": "120255501", "AU": "61491570", "DE": "493023125"}
MCC = {"GB": {"234"}, "US": {"310", "311"}, "DE": {"262"}, "FR": {"208"}, "IN": {"404", "405"},
       "AU": {"505"}, "BR": {"724"}}


def test_every_number_the_fakes_use_is_placed_in_its_own_country():
    for country in handsets.COUNTRIES:
        assert {country_of(number) for number in country.numbers} == {country.iso}


def test_every_number_is_set_aside_for_fiction_or_held_by_no_operator():
    for country in handsets.COUNTRIES:
        for number in country.numbers:
            if country.iso in FICTION:
                assert number.startswith(FICTION[country.iso])
            else:
                assert not phonenumbers.is_valid_number(phonenumbers.parse("+" + number))


def test_each_country_has_networks_with_its_own_mobile_country_code():
    for country in handsets.COUNTRIES:
        assert {mcc for mcc, _mnc in country.networks} <= MCC[country.iso]
        assert all(len(mnc) in (2, 3) and mnc.isdigit() for _mcc, mnc in country.networks)


def test_a_campaign_draws_its_countries_by_weight():
    rng = random.Random(1)
    drawn = Counter(country_of(handsets.pick(rng).number) for _ in range(5000))
    assert set(drawn) == set(MCC)
    for country in handsets.COUNTRIES:
        assert abs(drawn[country.iso] / 5000 - country.weight / 100) < 0.03


def played_campaign(app, provider, path, http_method="POST"):
    played = build("campaign", provider, random.Random(2), datetime.now(UTC), 0.001,
                   messages=60)
    with serving(app) as base:
        deliveries = Deliverer(provider, base + path, time_scale=0.001, concurrency=8,
                               http_method=http_method).run(played)
    assert all(d.acknowledged for d in deliveries)
    return [m.message_ids[0] for m in played]


@pytest.mark.parametrize(("name", "make", "path", "http_method"), [
    ("plivo", fake_plivo, "/delivery", "POST"),
    ("vonage", fake_vonage, "/webhooks/delivery-receipt", "POST"),
    ("vonage", lambda: FakeVonageMessagesApi(VONAGE_SIGNATURE_SECRET), "/webhooks/message-status",
     "POST-JSON"),
])
def test_a_campaign_reaches_several_countries_each_on_one_of_its_networks(request, name, make,
                                                                          path, http_method):
    app = request.getfixturevalue(f"{name}_app")
    ids = played_campaign(app, make(), path, http_method)
    client = app.test_client()
    stored = [message(client, message_id) for message_id in ids]
    countries = Counter(m["country"] for m in stored)
    assert len(countries) >= 5 and None not in countries
    for m in stored:
        assert m["country"] == country_of(m["to"])
        assert m["network"][:3] in MCC[m["country"]], m


def test_plivo_inbound_messages_come_from_several_countries():
    provider = fake_plivo()
    rng = random.Random(4)
    senders = {country_of(build("inbound", provider, rng, datetime.now(UTC), 1)[0]
                          .steps[0].fields["From"]) for _ in range(60)}
    assert len(senders) >= 5
