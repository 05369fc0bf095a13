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
from simulator.model import FakeProvider, Plan, SimulatedMessage

SCENARIOS = {
    "lifecycle": "one message reported at each step until delivered",
    "failure": "one message that fails, with a real error code",
    "multipart": "one long message in --parts parts, each reported on its own",
    "inbound": "one SMS from a handset to your number",
    "duplicate": "the final report sent twice, as a provider retry does",
    "out-of-order": "the final report arrives before the one before it",
    "campaign": "--messages messages with mixed outcomes and error codes",
    "degradation": "a week of good hours, then a bad one that `python -m alerts "
                   "check` alerts on",
}

# A campaign is sent at about this many messages per second (provider time), as a rate-limited
# sending job would, so its reports overlap like real traffic does.
CAMPAIGN_SEND_RATE = 10
MULTIPART_SHARE = 0.1  # about one campaign message in ten is long enough to be split

# degradation: seed 001's example hour (260 sent, 182 delivered: 70%) against 7 previous days of
# 40 messages at 95% (each day above the 25 final outcomes a day needs to count), and an inbound
# hour of 20 messages of which 4 are malformed and refused (80% delivered, more than 5% not).
HISTORY_DAY = (40, 38)  # messages, delivered
BAD_HOUR = (260, 182)
BAD_INBOUND = (20, 4)  # messages, refused
DEGRADATION_SEND_RATE = 50  # messages a second (provider time): history is replayed quickly
# The bad hour's messages are placed between the top of the current clock hour and a little
# before now, so `check` now finds them in its hour, and the pictures page in this clock hour.
MARGIN = timedelta(seconds=15)


@dataclass(frozen=True)
class Expectation:
    state: str  # the normalized state the message must end in
    events: int  # how many distinct reports the store must hold for it


def pick_failure(provider: FakeProvider, rng: random.Random) -> Plan:
    weights = [weight for weight, _status, _code in provider.failures]
    _weight, status, code = rng.choices(provider.failures, weights=weights)[0]
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


def exact_mix(provider: FakeProvider, rng: random.Random, messages: int,
              delivered: int) -> list[Plan]:
    """Exactly `delivered` of `messages` delivered, the rest failing as the provider fails."""
    plans = [Plan(final_status="delivered") for _ in range(delivered)]
    plans += [pick_failure(provider, rng) for _ in range(messages - delivered)]
    rng.shuffle(plans)
    return plans


def degradation_plans(provider: FakeProvider, rng: random.Random,
                      now: datetime) -> list[tuple[Plan, datetime]]:
    """Each plan with the moment the provider says it was sent: the same slice of the clock
    hour on each of the 7 previous days, then this hour (only providers with an inbound
    scenario get the inbound messages; Vonage's SMS API sends none to this app)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    span = max(timedelta(0), now - hour - MARGIN)

    def spread(plans: list[Plan], start: datetime) -> list[tuple[Plan, datetime]]:
        return [(plan, start + span * index / len(plans)) for index, plan in enumerate(plans)]

    timed = []
    for back in range(7, 0, -1):
        timed += spread(exact_mix(provider, rng, *HISTORY_DAY), hour - timedelta(days=back))
    timed += spread(exact_mix(provider, rng, *BAD_HOUR), hour)
    if "inbound" in provider.scenarios:
        received, refused = BAD_INBOUND
        inbound = [Plan(final_status="received", inbound=True)] * (received - refused)
        inbound += [Plan(final_status="undelivered", inbound=True, malformed=True)] * refused
        rng.shuffle(inbound)
        timed += spread(inbound, hour)
    return timed


def degradation(provider: FakeProvider, rng: random.Random, now: datetime,
                time_scale: float) -> list[SimulatedMessage]:
    played = []
    for index, (plan, sent) in enumerate(degradation_plans(provider, rng, now)):
        offset = index / DEGRADATION_SEND_RATE
        message = provider.message(plan, rng, sent, time_scale)
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
        return degradation(provider, rng, start, time_scale)
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
