"""The fake Vonage's Messages API: message status and inbound SMS webhooks, signed with a JWT.

    python -m nexmo_app.simulate lifecycle --api messages

The fields are those of the Messages API's SMS webhooks (nexmo_app.messages_fields, Vonage's
status callbacks page): JSON with nested usage, destination, sms and error objects; one status
webhook per change for the whole text, however many parts it took. Signed as Vonage signs them
(https://developer.vonage.com/en/messages/concepts/signed-webhooks): a JWT in the Authorization
header, HS256 with your VONAGE_SIGNATURE_SECRET, claims iat, jti, iss and payload_hash.
"""

import json
import random
import sys
import uuid
from datetime import datetime, timedelta

from nexmo_app.jwt_check import sign
from nexmo_app.messages_fields import CODES
from nexmo_app.simulate import FakeVonage
from nexmo_app.wrong_api import MESSAGES_API_INBOUND_PATH, MESSAGES_API_STATUS_PATH
from shared import env
from simulator import handsets
from simulator.model import Plan, Request, SimulatedMessage, Step

PRICE = 0.0333  # per SMS part to a UK mobile, EUR, as in Vonage's status callback example
HANDSET_TEXTS = ("Yes, see you at 6", "STOP", "Can you call me back?", "Thanks! Got it 👍")


def iso(moment: datetime) -> str:
    """Vonage's timestamp: ISO 8601 in UTC with milliseconds, 2023-05-01T14:00:00.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class FakeVonageMessagesApi(FakeVonage):
    title, codes = "Vonage Messages API", CODES
    path = MESSAGES_API_STATUS_PATH  # inbound messages go to MESSAGES_API_INBOUND_PATH beside it
    scenarios = ("lifecycle", "failure", "multipart", "inbound", "duplicate", "out-of-order",
                 "campaign")
    http_methods = ("POST-JSON",)  # the Messages API has no other
    # (weight, status, error.title): an SMS's failed, expired or rejected receipt all become
    # "rejected" (https://developer.vonage.com/en/messages/concepts/sms-status-callbacks);
    # "undeliverable" is Vonage failing to reach the carrier at all.
    failures = (
        (14, "rejected", "1180"), (12, "rejected", "1360"), (10, "rejected", "1190"),
        (10, "rejected", "1230"), (8, "rejected", "1250"), (6, "rejected", "1210"),
        (6, "rejected", "1280"), (5, "rejected", "1220"), (4, "rejected", "1240"),
        (3, "rejected", "1330"), (3, "undeliverable", "1100"),
    )

    def __init__(self, secret: str | None = None, **kwargs):
        super().__init__(secret, **kwargs)
        self.application_id = env("VONAGE_APPLICATION_ID", str(uuid.UUID(int=0)))

    def check_credentials(self) -> None:
        if not self.secret:
            print("VONAGE_SIGNATURE_SECRET is not set: webhooks go unsigned (real Messages API "
                  "webhooks always carry a JWT).", file=sys.stderr)

    # -- what Vonage sends --------------------------------------------------------------

    def message(self, plan: Plan, rng: random.Random, start: datetime,
                time_scale: float) -> SimulatedMessage:
        # The handset: the sender of an inbound SMS, else the recipient.
        handset = handsets.pick(rng, plan.country, plan.network)
        message_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if plan.inbound:
            at = rng.uniform(0.5, 2)
            sent = iso(start + timedelta(seconds=at * time_scale))
            fields = {
                "channel": "sms", "message_uuid": message_uuid, "to": self.sender,
                "from": handset.number, "timestamp": sent,
                "text": rng.choice(HANDSET_TEXTS), "sms": {"num_messages": "1"},
                "message_type": "text", "usage": {"currency": "EUR", "price": "0.0000"},
            }
            return SimulatedMessage(plan, [Step(at, message_uuid, "inbound", fields)],
                                    [message_uuid])
        common = {
            "message_uuid": message_uuid, "to": handset.number, "from": self.sender,
            "channel": "sms", "destination": {"network_code": handset.network_code},
            "sms": {"count_total": str(plan.parts)},
        }
        if plan.parts > 1 or rng.random() < 0.3:
            common["client_ref"] = f"order-{rng.randrange(10_000, 99_999)}"
        submitted = rng.uniform(0.5, 2)
        timeline = [("submitted", submitted), (plan.final_status, submitted + rng.uniform(2, 8))]
        if plan.final_status == "undeliverable":  # never reached a carrier
            timeline = [("undeliverable", submitted)]
        steps = []
        for status, at in timeline:
            fields = {**common, "status": status,
                      "timestamp": iso(start + timedelta(seconds=at * time_scale))}
            if status == "submitted":  # SMS is charged when submitted, per part
                fields["usage"] = {"currency": "EUR", "price": f"{PRICE * plan.parts:.4f}"}
            code = plan.error_code if status in ("rejected", "undeliverable") else None
            if code:
                fields["error"] = {
                    "type": f"https://developer.vonage.com/api-errors/messages#{code}",
                    "title": code, "detail": CODES.explain(code)[0],
                    "instance": f"{rng.getrandbits(128):032x}",
                }
            steps.append(Step(at=at, message_id=message_uuid, status=status, fields=fields,
                              error_code=code))
        return SimulatedMessage(plan=plan, steps=steps, message_ids=[message_uuid])

    # -- how Vonage sends it ------------------------------------------------------------

    def inbound_url(self, url: str) -> str:
        """Inbound messages go to the Inbound URL beside the Status URL."""
        if url.endswith(MESSAGES_API_STATUS_PATH):
            return url.removesuffix(MESSAGES_API_STATUS_PATH) + MESSAGES_API_INBOUND_PATH
        return url

    def target(self, url: str) -> str:
        inbound = self.inbound_url(url)
        return url if inbound == url else f"{url} (inbound messages: {inbound})"

    def request(self, url: str, fields: dict, http_method: str) -> Request:
        if "message_type" in fields:
            url = self.inbound_url(url)
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.secret:
            # Signed afresh on every attempt (a new iat and jti): whether Vonage re-signs a
            # retry is not documented, and the receiver accepts either (nexmo_app.jwt_check).
            headers["Authorization"] = sign(body, self.secret, api_key=self.api_key,
                                            application_id=self.application_id)
        return Request("POST", url, headers=headers, data=body)
