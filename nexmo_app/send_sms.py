"""Send an SMS through Vonage (Nexmo) with the delivery receipt callback set.

    python -m nexmo_app.send_sms --to 447700900000 --text "Hello" --client-ref order-42

https://developer.vonage.com/en/messaging/sms/code-snippets/send-an-sms — `callback` overrides
the dashboard's "Delivery receipts" URL for this message; `client_ref` comes back on every
receipt. A long text is split into parts, each with its own message-id and its own receipt.
"""

import argparse
import logging
import re

from pydantic import ValidationError
from vonage import Auth, Vonage
from vonage_http_client.errors import HttpRequestError
from vonage_sms import PartialFailureError, SmsError, SmsMessage

from shared.config import require
from shared.send import NETWORK_ERRORS, callback_url, fail, record_or_warn
from shared.status_tables import SEND_STATUS

# SmsError carries no status attribute; the status code is only in its text.
SMS_ERROR = re.compile(r"error code (\d+): (.*)$", re.S)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m nexmo_app.send_sms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", required=True, help="destination, e.g. 447700900000 (no +)")
    parser.add_argument("--text", required=True, help="the message text")
    parser.add_argument("--from", dest="sender", help="number or sender id (default VONAGE_FROM)")
    parser.add_argument("--callback-url", help="where Vonage sends receipts "
                        "(default PUBLIC_BASE_URL + /webhooks/delivery-receipt)")
    parser.add_argument("--client-ref", help="your reference, returned on every receipt")
    return parser.parse_args(argv)


def explain_sms_error(err: SmsError) -> str:
    match = SMS_ERROR.search(str(err))
    if not match:
        return str(err)
    code, words = match.groups()
    name = SEND_STATUS.get(code, "unknown status")
    return f"status {code} {name}: {words}"


def _as_sent(message) -> dict:
    """One part of the answer in Vonage's own field names. The SDK's model declares them only
    as validation aliases, so model_dump(by_alias=True) would say message_id, not message-id."""
    return {(info.validation_alias or name): value
            for name, info in type(message).model_fields.items()
            if (value := getattr(message, name)) is not None}


def _record(messages: list[dict], sender: str, to: str, text: str, client_ref) -> None:
    ids = [m["message-id"] for m in messages]
    for message_id in ids:
        print(message_id)
    record_or_warn("vonage", ids, messages, sender, to, text, client_ref)


def main(argv=None) -> int:
    args = parse_args(argv)
    # The SDK also logs each HTTP error as a warning; the one line printed below says it all.
    logging.getLogger("vonage").setLevel(logging.ERROR)
    api_key = require("VONAGE_API_KEY", "find it on the Vonage API dashboard")
    api_secret = require("VONAGE_API_SECRET", "find it on the Vonage API dashboard")
    sender = args.sender or require(
        "VONAGE_FROM", "the number or sender id to send from, or pass --from")
    url = callback_url(args.callback_url, "/webhooks/delivery-receipt")
    try:
        message = SmsMessage(to=args.to, from_=sender, text=args.text, callback=url,
                             client_ref=args.client_ref)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return fail(f"Not sent: {problems}", 2)
    try:
        # Key and secret, not signature_secret: signed sending is broken in vonage 4.9.1.
        client = Vonage(Auth(api_key=api_key, api_secret=api_secret))
        response = client.sms.send(message)
    except PartialFailureError as err:
        sent = [m for m in err.response["messages"] if m.get("status") == "0"]
        failed = [m for m in err.response["messages"] if m.get("status") != "0"]
        _record(sent, sender, args.to, args.text, args.client_ref)
        reasons = ", ".join(f"status {m.get('status')} {m.get('error-text', '')}" for m in failed)
        return fail(f"Vonage sent {len(sent)} of {len(sent) + len(failed)} parts: {reasons}")
    except SmsError as err:
        return fail(f"Vonage refused the message: {explain_sms_error(err)}")
    except HttpRequestError as err:
        return fail(f"Vonage answered HTTP {err.response.status_code} "
                    f"({type(err).__name__}): {err.message}")
    except NETWORK_ERRORS as err:
        return fail(f"Could not reach Vonage: {err}")
    _record([_as_sent(m) for m in response.messages],
            sender, args.to, args.text, args.client_ref)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
