"""A fake Vonage (Nexmo): delivery receipts, signed with your VONAGE_SIGNATURE_SECRET.

    python -m nexmo_app.simulate lifecycle
    python -m nexmo_app.simulate campaign --messages 500 --time-scale 0.01
    python -m nexmo_app.simulate lifecycle inbound --api messages

--api sms (the default) plays the SMS API's delivery receipts, below; --api messages the
Messages API's status and inbound webhooks (nexmo_app.simulate_messages_api).

The fields are those of the delivery receipt (https://developer.vonage.com/en/api/sms#delivery-
receipt and Nexmo's Delivery receipts guide), all strings; one receipt per part. Signed as
Vonage signs webhooks when
signing is switched on for the account (nexmo_app.signature: the SDK's Auth.sign_params for the
HMAC methods); unsigned, as Vonage sends them by default, when no secret is set.
"""

import argparse
import random
import sys
import uuid
from datetime import datetime, timedelta

from nexmo_app import DEFAULT_PORT, PATH, PORT_VARIABLE
from nexmo_app.fields import CODES
from nexmo_app.signature import sign
from shared import env
from simulator import cli, handsets
from simulator.model import (
    FakeProvider,
    Plan,
    Request,
    RetryPolicy,
    SimulatedMessage,
    Step,
    with_query,
)

PRICE = "0.03330000"  # per part to a UK mobile, EUR, as in Nexmo's Delivery receipts guide

def _exponential_gaps(first: float, cap: float, horizon: float) -> tuple[float, ...]:
    gaps, wait, total = [], first, 0.0
    while total + wait <= horizon:
        gaps.append(wait)
        total += wait
        wait = min(wait * 2, cap)
    return tuple(gaps)


class FakeVonage(FakeProvider):
    name, title, module, codes = "vonage", "Vonage", "nexmo_app.simulate", CODES
    path, port_variable, default_port = PATH, PORT_VARIABLE, DEFAULT_PORT
    # Vonage's docs disagree on retries (webhooks guide vs SMS API reference). This
    # follows the more specific of the two accounts, which names the answers retried and the
    # backoff: only 429 and 5xx answers, and no answer at all, are retried, with exponential
    # backoff from 5 s up to 15 minutes between attempts, for 24 hours. The other account
    # ("retries for up to 72 h") gives the answer timeout used here: 15 s.
    retry = RetryPolicy(timeout=15, gaps=_exponential_gaps(5, 15 * 60, 24 * 3600),
                        retry_statuses=frozenset({429, *range(500, 600)}))
    # No inbound: the SMS API sends inbound messages to a different webhook this app does not
    # serve, so `degradation` plays only the outbound hours for Vonage.
    scenarios = ("lifecycle", "failure", "multipart", "duplicate", "out-of-order", "campaign",
                 "degradation", "country-degradation")
    http_methods = ("POST", "POST-JSON", "GET")  # the dashboard's three settings
    # (weight, status, err-code)
    failures = (
        (12, "expired", "2"), (10, "failed", "3"), (10, "rejected", "9"), (8, "failed", "8"),
        (6, "failed", "12"), (6, "rejected", "6"), (5, "failed", "7"), (5, "rejected", "11"),
        (4, "failed", "4"), (4, "rejected", "14"), (3, "failed", "99"), (3, "failed", "1"),
    )
    # A carrier filtering A2P traffic: Anti-Spam Rejection, Content Filter.
    filtered = ((3, "rejected", "6"), (1, "rejected", "52"))

    def __init__(self, secret: str | None = None, method: str = "md5hash",
                 sender: str | None = None, api_key: str | None = None):
        self.secret, self.method = secret, method
        self.sender = sender or env("VONAGE_FROM", "AcmeInc")
        self.api_key = api_key or env("VONAGE_API_KEY", "a1b2c3d4")

    def check_credentials(self) -> None:
        if not self.secret:
            print("VONAGE_SIGNATURE_SECRET is not set: receipts go unsigned, as Vonage sends "
                  "them until signing is switched on for the account.", file=sys.stderr)

    # -- what Vonage sends --------------------------------------------------------------

    def message(self, plan: Plan, rng: random.Random, start: datetime,
                time_scale: float) -> SimulatedMessage:
        handset = handsets.pick(rng, plan.country, plan.network)
        ids = [f"{rng.getrandbits(64):016X}" for _ in range(plan.parts)]
        client_ref = f"order-{rng.randrange(10_000, 99_999)}" if plan.parts > 1 else None
        steps = []
        for index, message_id in enumerate(ids):
            accepted = index * 0.05 + rng.uniform(0.5, 2)
            if plan.final_status == "rejected":  # refused by the carrier at once
                timeline = [("rejected", accepted)]
            elif plan.final_status == "expired":  # the carrier's retry window ran out
                timeline = [("accepted", accepted), ("expired", accepted + rng.uniform(20, 40))]
            else:
                timeline = [("accepted", accepted),
                            (plan.final_status, accepted + rng.uniform(2, 8))]
            for status, at in timeline:
                when = start + timedelta(seconds=at * time_scale)
                fields = {
                    "msisdn": handset.number, "to": self.sender,
                    "network-code": handset.network_code,
                    "messageId": message_id, "price": PRICE, "status": status,
                    "scts": when.strftime("%y%m%d%H%M"),
                    "err-code": plan.error_code if status in ("failed", "rejected", "expired")
                    else "0",
                    "api-key": self.api_key,
                    "message-timestamp": when.strftime("%Y-%m-%d %H:%M:%S"),
                }
                if status in ("failed", "rejected", "expired"):
                    del fields["scts"]  # real failed receipts come without it
                if client_ref:
                    fields["client-ref"] = client_ref
                code = fields["err-code"] if fields["err-code"] != "0" else None
                steps.append(Step(at=at, message_id=message_id, status=status, fields=fields,
                                  error_code=code))
        return SimulatedMessage(plan=plan, steps=steps, message_ids=ids)

    # -- how Vonage sends it ------------------------------------------------------------

    def request(self, url: str, fields: dict[str, str], http_method: str) -> Request:
        if self.secret:
            # Signed afresh on every attempt (new timestamp and nonce): a retry hours later
            # must still fall inside the receiver's replay window.
            fields = sign({**fields, "nonce": str(uuid.uuid4())}, self.secret, self.method)
        if http_method == "GET":
            return Request("GET", with_query(url, fields))
        if http_method == "POST-JSON":
            return Request("POST", url, json=fields)
        return Request("POST", url, data=fields)


def main(argv=None) -> int:
    # Which API's webhooks to play; every other option is the shared simulator's.
    choice = argparse.ArgumentParser(add_help=False)
    choice.add_argument("--api", choices=("sms", "messages"), default="sms",
                        help="sms: the SMS API's delivery receipts (default); messages: the "
                             "Messages API's status and inbound webhooks, signed with a JWT")
    api, _ = choice.parse_known_args(argv)
    secret = env("VONAGE_SIGNATURE_SECRET")
    if api.api == "messages":
        # Imported here, not above: that module builds on FakeVonage, defined in this one.
        from nexmo_app.simulate_messages_api import FakeVonageMessagesApi
        return cli.main(FakeVonageMessagesApi(secret), argv, parents=[choice])
    provider = FakeVonage(secret=secret, method=env("VONAGE_SIGNATURE_METHOD", "md5hash"))
    return cli.main(provider, argv, parents=[choice])


if __name__ == "__main__":
    raise SystemExit(main())
