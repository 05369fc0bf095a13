"""A fake Plivo: status callbacks and inbound messages, signed with your PLIVO_AUTH_TOKEN.

    python -m plivo_app.simulate lifecycle
    python -m plivo_app.simulate campaign --messages 500 --time-scale 0.01

The fields are Plivo's message object and inbound message
(https://www.plivo.com/docs/messaging/api/message), signed with X-Plivo-Signature-V3 and -V2
as Plivo signs them (`signed_headers`).
"""

import random
import secrets
import sys
import uuid
from datetime import datetime, timedelta

from plivo_app import DEFAULT_PORT, PATH, PORT_VARIABLE
from plivo_app.fields import CODES
from plivo_app.signature import V3_NONCE, hmac_base64, origin_and_path, v3_base
from plivo_app.signature_v2 import V2_NONCE
from shared import env, env_flag
from shared.send import require
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

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # QueuedTime, SentTime, DeliveryReportTime…
RATE = "0.04000"  # per unit (SMS part) to a UK mobile, USD; failed messages are not charged
SENDER = "+14155550100"
HANDSET_TEXTS = ("Yes, see you at 6", "STOP", "Can you call me back?", "Thanks! Got it 👍",
                 "What time does the store open tomorrow?")


def message_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def sign_v3(method: str, url: str, params: dict[str, str], nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V3 Plivo sends for this callback."""
    return hmac_base64(auth_token, f"{v3_base(method, url, params)}.{nonce}").decode()


def sign_v2(url: str, nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V2 Plivo sends for a callback to this URL."""
    return hmac_base64(auth_token, origin_and_path(url)[0] + nonce).decode()


def signed_headers(method: str, url: str, params: dict[str, str], nonce: str,
                   auth_token: str) -> dict[str, str]:
    """Both header sets, as Plivo sends them on messaging callbacks."""
    return {"X-Plivo-Signature-V3": sign_v3(method, url, params, nonce, auth_token),
            V3_NONCE: nonce, "X-Plivo-Signature-V2": sign_v2(url, nonce, auth_token),
            V2_NONCE: nonce}


class FakePlivo(FakeProvider):
    name, title, module, codes = "plivo", "Plivo", "plivo_app.simulate", CODES
    path, port_variable, default_port = PATH, PORT_VARIABLE, DEFAULT_PORT
    # Delivery Alerts FAQ: a callback not answered 2xx within 8 seconds is retried
    # 60 s after the first attempt, then 120 s and 240 s after the retry before; then dropped.
    retry = RetryPolicy(timeout=8, gaps=(60, 120, 240))
    scenarios = ("lifecycle", "failure", "multipart", "inbound", "duplicate", "out-of-order",
                 "campaign", "degradation", "country-degradation")
    http_methods = ("POST", "GET")  # the `method` given when sending
    # (weight, status, ErrorCode): undelivered comes back from the carrier; failed is Plivo's
    # own refusal before any carrier (and is not charged).
    failures = (
        (30, "undelivered", "50"), (20, "undelivered", "80"), (12, "undelivered", "70"),
        (10, "undelivered", "20"), (6, "undelivered", "30"), (6, "undelivered", "200"),
        (4, "undelivered", "90"), (4, "undelivered", "100"), (4, "failed", "450"),
        (2, "failed", "900"), (2, "failed", "40"),
    )
    # A carrier filtering A2P traffic: Prohibited by Carrier, Spam Detected.
    filtered = ((3, "undelivered", "100"), (1, "undelivered", "30"))

    def __init__(self, auth_token: str | None = None, sender: str | None = None):
        self.auth_token = auth_token
        self.sender = sender or env("PLIVO_FROM_NUMBER", SENDER)

    def check_credentials(self) -> None:
        if self.auth_token:
            return
        if env_flag("ALLOW_UNSIGNED_CALLBACKS") and not env("PLIVO_AUTH_TOKEN"):
            print("PLIVO_AUTH_TOKEN is not set: signing with a placeholder token, which your "
                  "app (ALLOW_UNSIGNED_CALLBACKS=true) does not check.", file=sys.stderr)
            self.auth_token = "unset"
            return
        self.auth_token = require("PLIVO_AUTH_TOKEN", "Plivo signs every callback with your "
                                  "Auth Token; the fake Plivo signs with the one your app checks")

    # -- what Plivo posts ---------------------------------------------------------------

    def message(self, plan: Plan, rng: random.Random, start: datetime,
                time_scale: float) -> SimulatedMessage:
        if plan.inbound:
            return self._inbound(plan, rng, start, time_scale)
        to = handsets.pick(rng, plan.country, plan.network)
        uuids = [message_uuid(rng) for _ in range(plan.parts)]
        steps = []
        for index, part_uuid in enumerate(uuids):
            queued = index * 0.05 + rng.uniform(0, 0.2)
            if plan.final_status == "failed":  # refused before any carrier: no `sent`
                timeline = [("queued", queued), ("failed", queued + rng.uniform(0.2, 1))]
            else:
                sent = queued + rng.uniform(0.5, 2)
                timeline = [("queued", queued), ("sent", sent),
                            (plan.final_status, sent + rng.uniform(2, 8))]
            times: dict[str, str] = {}
            for sequence, (status, at) in enumerate(timeline, start=1):
                stamp = (start + timedelta(seconds=at * time_scale)).strftime(TIME_FORMAT)
                times.setdefault("QueuedTime", stamp)
                if status == "sent":
                    times["SentTime"] = stamp
                if status in ("delivered", "undelivered", "failed"):
                    times["DeliveryReportTime"] = stamp
                fields = self._status_fields(
                    part_uuid, uuids[0], f"{index + 1} of {plan.parts}", status, sequence,
                    times, to, plan)
                steps.append(Step(at=at, message_id=part_uuid, status=status, fields=fields,
                                  error_code=fields["ErrorCode"] or None))
        return SimulatedMessage(plan=plan, steps=steps, message_ids=uuids)

    def _status_fields(self, part_uuid, parent_uuid, part_info, status, sequence, times,
                       to: handsets.Handset, plan: Plan) -> dict[str, str]:
        charged = plan.final_status != "failed"
        error_code = plan.error_code if status in ("undelivered", "failed") else ""
        return {
            "MessageUUID": part_uuid, "From": self.sender, "To": "+" + to.number, "Type": "sms",
            "Status": status, "ErrorCode": error_code or "", "Units": "1",
            "TotalRate": RATE if charged else "0.00000",
            "TotalAmount": RATE if charged else "0.00000", "MCC": to.mcc, "MNC": to.mnc,
            "Sequence": str(sequence), "MessageTime": times["QueuedTime"],
            "QueuedTime": times["QueuedTime"], "SentTime": times.get("SentTime", ""),
            "DeliveryReportTime": times.get("DeliveryReportTime", ""),
            # Older docs and Plivo's Delivery Reports tutorial: every part has its own
            # MessageUUID, ParentMessageUUID is the first part's, PartInfo counts them ("1 of 1"
            # for a short message).
            "ParentMessageUUID": parent_uuid, "PartInfo": part_info, "PowerpackUUID": "",
            "requester_ip": "203.0.113.10",  # the address your send request came from
        }

    def _inbound(self, plan, rng, start, time_scale) -> SimulatedMessage:
        inbound_uuid, sender = message_uuid(rng), handsets.pick(rng, plan.country)
        fields = {
            "From": "+" + sender.number, "To": self.sender, "Type": "sms",
            "Text": rng.choice(HANDSET_TEXTS), "MessageUUID": inbound_uuid, "Units": "1",
            "TotalRate": "0.00000", "TotalAmount": "0.00000", "MessageIntent": "",
            "PowerpackUUID": "",
        }
        if fields["Text"] == "STOP":
            fields["MessageIntent"] = "optout"
        if plan.malformed:
            # A time this app cannot read: it answers 400 and keeps the message as undelivered,
            # which is how Plivo counts an inbound message its Message URL did not take.
            fields["MessageTime"] = start.strftime("%d/%m/%Y")
            step = Step(at=0.0, message_id=inbound_uuid, status="undelivered", fields=fields,
                        label="malformed", refusal_expected=True)
            return SimulatedMessage(plan=plan, steps=[step], message_ids=[inbound_uuid])
        step = Step(at=0.0, message_id=inbound_uuid, status="received", fields=fields)
        return SimulatedMessage(plan=plan, steps=[step], message_ids=[inbound_uuid])

    # -- how Plivo posts it -------------------------------------------------------------

    def request(self, url: str, fields: dict[str, str], http_method: str) -> Request:
        nonce = "".join(secrets.choice("0123456789") for _ in range(20))  # new on every try
        if http_method == "GET":
            full = with_query(url, fields)
            return Request("GET", full, signed_headers("GET", full, {}, nonce, self.auth_token))
        return Request("POST", url, signed_headers("POST", url, fields, nonce, self.auth_token),
                       data=fields)


def main(argv=None) -> int:
    return cli.main(FakePlivo(auth_token=env("PLIVO_AUTH_TOKEN")), argv)


if __name__ == "__main__":
    raise SystemExit(main())
