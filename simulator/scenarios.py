"""The scenarios a fake provider plays, in provider-neutral terms.

Each scenario is a list of plans; the provider turns every plan into its own callbacks. The
`duplicate` and `out-of-order` scenarios then rearrange those callbacks the way real providers
do: a report sent again (the provider did not see our answer), a final report that overtakes an
earlier one.
"""

import json
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.report import STATES, interpret
from simulator import handsets
from simulator.model import FakeProvider, Plan, SimulatedMessage

SCENARIOS = {
    "lifecycle": "one message reported at each step until delivered",
    "failure": "one message that fails, with a real error code",
    "multipart": "one long message in --parts parts, each reported on its own",
    "inbound": "one SMS from a handset to your number",
    "duplicate": "the final report sent twice, as a provider retry does",
    "out-of-order": "the final report arrives before the one before it",
    "campaign": "--messages messages to several countries, mixed outcomes and error codes",
    "degradation": "a week of good hours, then a bad one that `python -m alerts "
                   "check` alerts on",
    "country-degradation": "a week of good hours, then one in which one country fails while "
                           "the account holds: the per-country alert fires, not the other",
}

# A campaign is sent at about this many messages per second (provider time), as a rate-limited
# sending job would, so its reports overlap like real traffic does.
CAMPAIGN_SEND_RATE = 10
MULTIPART_SHARE = 0.1  # about one campaign message in ten is long enough to be split

# The replays write a week of history and an hour: every callback carries the time the provider
# says the message was sent, in the past or earlier this hour, so the waits between callbacks
# stand for nothing. They pass at 1/100 unless --time-scale is given: Plivo's retries of the
# refused inbound messages (60 + 120 + 240 s) take 4.2 s, not 7 minutes.
REPLAYS = ("degradation", "country-degradation")
REPLAY_TIME_SCALE = 0.01

# degradation: seed 001's example hour (260 sent, 182 delivered: 70%) against 7 previous days of
# 40 messages at 95% (each day above the 25 final outcomes a day needs to count), and an inbound
# hour of 20 messages of which 4 are malformed and refused (80% delivered, more than 5% not).
# Its messages go to every country in turn: none has the 100 the per-country rule needs.
HISTORY_DAY = (40, 38)  # messages, delivered
BAD_HOUR = (260, 182)
BAD_INBOUND = (20, 4)  # messages, refused

# country-degradation: one country's carrier starts filtering. On each of the previous 7 days,
# 40 messages to it and 40 to the other countries, 95% delivered (each above the 25 final
# outcomes a day needs); then an hour of 100 to it, 60 delivered (60% against 95%, a 36.8%
# drop: its rule fires), and 160 elsewhere, 152 delivered. The account's hour is 212 of 260
# (81.5% against 95%, a 14.2% drop): under the account-wide line. The country's failures are
# the carrier's filtering, on that one network.
FAILING_COUNTRY, FAILING_NETWORK = "FR", "20810"  # SFR
COUNTRY_HISTORY_DAY = ((40, 38), (40, 38))  # (messages, delivered) to the country, elsewhere
COUNTRY_BAD_HOUR = ((100, 60), (160, 152))

DEGRADATION_SEND_RATE = 50  # messages a second (provider time): history is replayed quickly
# The bad hour's messages are placed in this clock hour, in its last ten minutes before now
# (fewer when the hour is younger), ending a little before now. So `check`, which looks at the
# hour before it runs, finds them all for at least 50 minutes after the replay, even when the
# clock passes the hour while it plays; and the pictures page finds them in one clock hour.
RECENT, MARGIN = timedelta(minutes=10), timedelta(seconds=15)


@dataclass(frozen=True)
class Expectation:
    state: str  # the normalized state the message must end in
    events: int  # how many distinct reports the store must hold for it


def time_scale(scenario: str, given: float | None) -> float:
    """--time-scale when given; else real time, but for the replays."""
    if given is not None:
        return given
    return REPLAY_TIME_SCALE if scenario in REPLAYS else 1.0


def pick_failure(provider: FakeProvider, rng: random.Random, table=None) -> Plan:
    """A failure drawn from `table` (weight, status, code), by default the provider's usual."""
    table = table or provider.failures
    _weight, status, code = rng.choices(table, weights=[row[0] for row in table])[0]
    return Plan(final_status=status, error_code=code)


def campaign_plans(provider: FakeProvider, rng: random.Random, messages: int,
                   delivery_rate: float) -> list[Plan]:
    plans = []
    for _ in range(messages):
        plan = (Plan(final_status="delivered") if rng.random() < delivery_rate
                else pick_failure(provider, rng))
        if rng.random() < MULTIPART_SHARE:
            plan = replace(plan, parts=rng.choice((2, 3)))
        plans.append(plan)
    return plans


def exact_mix(provider: FakeProvider, rng: random.Random, messages: int, delivered: int,
              failure=None) -> list[Plan]:
    """Exactly `delivered` of `messages` delivered, the rest failing as `failure` makes them
    (by default as the provider's messages usually fail)."""
    failure = failure or (lambda: pick_failure(provider, rng))
    plans = [Plan(final_status="delivered") for _ in range(delivered)]
    plans += [failure() for _ in range(messages - delivered)]
    rng.shuffle(plans)
    return plans


def in_turn(plans: list[Plan], countries: list[str]) -> list[Plan]:
    """Each plan to the next of `countries`, so each gets its share exactly."""
    return [replace(plan, country=countries[i % len(countries)]) for i, plan in enumerate(plans)]


class Clock:
    """Where a replay places its messages: the same slice of the clock on each previous day, and
    today's, from RECENT before now (or the top of the hour) to a little before now."""

    def __init__(self, now: datetime):
        self.start = max(now.replace(minute=0, second=0, microsecond=0), now - RECENT)
        self.span = max(timedelta(0), now - self.start - MARGIN)

    def spread(self, plans: list[Plan], days_back: int = 0) -> list[tuple[Plan, datetime]]:
        start = self.start - timedelta(days=days_back)
        return [(plan, start + self.span * i / len(plans)) for i, plan in enumerate(plans)]


def degradation_plans(provider: FakeProvider, rng: random.Random,
                      now: datetime) -> list[tuple[Plan, datetime]]:
    """Each plan with the moment the provider says it was sent: the 7 previous days, then this
    hour (only providers with an inbound scenario get the inbound messages; Vonage's SMS API
    sends none to this app)."""
    clock, everywhere = Clock(now), [country.iso for country in handsets.COUNTRIES]
    timed = []
    for back in range(7, 0, -1):
        timed += clock.spread(in_turn(exact_mix(provider, rng, *HISTORY_DAY), everywhere), back)
    timed += clock.spread(in_turn(exact_mix(provider, rng, *BAD_HOUR), everywhere))
    if "inbound" in provider.scenarios:
        received, refused = BAD_INBOUND
        inbound = [Plan(final_status="received", inbound=True)] * (received - refused)
        inbound += [Plan(final_status="undelivered", inbound=True, malformed=True)] * refused
        rng.shuffle(inbound)
        timed += clock.spread(inbound)
    return timed


def country_degradation_plans(provider: FakeProvider, rng: random.Random,
                              now: datetime) -> list[tuple[Plan, datetime]]:
    """The 7 previous days, then this hour: FAILING_COUNTRY's carrier filters, elsewhere all
    is as usual."""
    clock = Clock(now)
    elsewhere = [c.iso for c in handsets.COUNTRIES if c.iso != FAILING_COUNTRY]

    def filtered() -> Plan:
        return replace(pick_failure(provider, rng, provider.filtered), network=FAILING_NETWORK)

    def hour(there: tuple[int, int], others: tuple[int, int], failure=None) -> list[Plan]:
        plans = in_turn(exact_mix(provider, rng, *there, failure), [FAILING_COUNTRY])
        plans += in_turn(exact_mix(provider, rng, *others), elsewhere)
        rng.shuffle(plans)
        return plans

    timed = []
    for back in range(7, 0, -1):
        timed += clock.spread(hour(*COUNTRY_HISTORY_DAY), back)
    return timed + clock.spread(hour(*COUNTRY_BAD_HOUR, failure=filtered))


def replay(provider: FakeProvider, rng: random.Random,
           timed: list[tuple[Plan, datetime]]) -> list[SimulatedMessage]:
    played = []
    for index, (plan, sent) in enumerate(timed):
        offset = index / DEGRADATION_SEND_RATE
        # The callbacks' own times at the provider's pace (time scale 1), whatever the pace
        # they are posted at: they tell when each message was sent, in the past.
        message = provider.message(plan, rng, sent, 1.0)
        message.steps = [replace(s, at=s.at + offset) for s in message.steps]
        played.append(message)
    return played


def plans_for(scenario: str, provider: FakeProvider, rng: random.Random, *, parts: int = 3,
              messages: int = 1, delivery_rate: float = 0.9) -> list[Plan]:
    if scenario == "campaign":
        return campaign_plans(provider, rng, messages, delivery_rate)
    if scenario == "failure":
        return [pick_failure(provider, rng)]
    if scenario == "multipart":
        return [Plan(final_status="delivered", parts=parts)]
    if scenario == "inbound":
        return [Plan(final_status="received", inbound=True)]
    return [Plan(final_status="delivered")]  # lifecycle, duplicate, out-of-order


def _send_again(message: SimulatedMessage, gap: float) -> SimulatedMessage:
    last = max(message.steps, key=lambda s: s.at)
    again = replace(last, at=last.at + gap, label="duplicate")
    return replace(message, steps=[*message.steps, again])


def _overtake(message: SimulatedMessage) -> SimulatedMessage:
    """The last report of each part arrives before the one before it."""
    steps = list(message.steps)
    for message_id in message.message_ids:
        mine = sorted((i for i, s in enumerate(steps) if s.message_id == message_id),
                      key=lambda i: steps[i].at)
        if len(mine) >= 2:
            last, before = mine[-1], mine[-2]
            steps[last], steps[before] = (replace(steps[last], at=steps[before].at),
                                          replace(steps[before], at=steps[last].at, label="late"))
    return replace(message, steps=steps)


def build(scenario: str, provider: FakeProvider, rng: random.Random, start: datetime,
          time_scale: float, **options) -> list[SimulatedMessage]:
    if scenario == "degradation":
        return replay(provider, rng, degradation_plans(provider, rng, start))
    if scenario == "country-degradation":
        return replay(provider, rng, country_degradation_plans(provider, rng, start))
    played = []
    for index, plan in enumerate(plans_for(scenario, provider, rng, **options)):
        offset = index / CAMPAIGN_SEND_RATE if scenario == "campaign" else 0.0
        message = provider.message(plan, rng, start + timedelta(seconds=offset * time_scale),
                                   time_scale)
        message.steps = [replace(s, at=s.at + offset) for s in message.steps]
        if scenario == "duplicate":
            message = _send_again(message, provider.retry.gaps[0])
        if scenario == "out-of-order":
            message = _overtake(message)
        played.append(message)
    return played


def expectations(provider: FakeProvider, played: list[SimulatedMessage]) -> dict[str, Expectation]:
    """Where each message must end up: the highest-ranked state it was reported in (a message
    never moves back), and one stored event per distinct report (a resent one adds none)."""
    expected = {}
    for message in played:
        for message_id in message.message_ids:
            steps = [s for s in message.steps if s.message_id == message_id]
            states = [interpret(provider.codes, s.status, s.error_code).state for s in steps]
            distinct = {json.dumps(s.fields, sort_keys=True) for s in steps}
            expected[message_id] = Expectation(state=max(states, key=lambda s: STATES[s].rank),
                                               events=len(distinct))
    return expected
