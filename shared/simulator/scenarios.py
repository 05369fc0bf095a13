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

from shared.simulator.model import FakeProvider, Plan, SimulatedMessage
from shared.states import STATES
from shared.status import interpret

SCENARIOS = {
    "lifecycle": "one message through queued → sent → delivered",
    "failure": "one message that fails, with a real error code",
    "multipart": "one long message in --parts parts, each reported on its own",
    "inbound": "one SMS from a handset to your number",
    "duplicate": "the final report sent twice, as a provider retry does",
    "out-of-order": "the delivered report arrives before the sent one",
    "campaign": "--messages messages with mixed outcomes and error codes",
}

# A campaign is sent at about this many messages per second (provider time), as a rate-limited
# sending job would, so its reports overlap like real traffic does.
CAMPAIGN_SEND_RATE = 10
MULTIPART_SHARE = 0.1  # about one campaign message in ten is long enough to be split


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
            states = [interpret(provider.name, s.status, s.error_code).state for s in steps]
            distinct = {json.dumps(s.fields, sort_keys=True) for s in steps}
            expected[message_id] = Expectation(state=max(states, key=lambda s: STATES[s].rank),
                                               events=len(distinct))
    return expected
