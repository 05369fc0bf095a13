"""Send an SMS through Vonage (Nexmo) with the delivery receipt callback set.

    python -m nexmo_app.send_sms --to 447700900000 --text "Hello" --client-ref order-42
    python -m nexmo_app.send_sms --api messages --to 447700900000 --text "Hello"

SMS API (the default): https://developer.vonage.com/en/messaging/sms/code-snippets/send-an-sms —
`callback` overrides the dashboard's "Delivery receipts" URL for this message; `client_ref`
comes back on every receipt. A long text is split into parts, each with its own message-id and
its own receipt. A text outside the GSM-7 alphabet is sent with type=unicode (nexmo_app.sms_parts).
Messages API (--api messages): nexmo_app.send_messages_api.
"""

import argparse
import logging
import re
import sys
from urllib.parse import urlencode

from pydantic import ValidationError
from vonage import Auth, Vonage
from vonage_http_client.errors import HttpRequestError
from vonage_sms import PartialFailureError, SmsError, SmsMessage

from nexmo_app import PATH, send_messages_api, sms_parts
from nexmo_app.fields import CODES
from nexmo_app.signature import TOKEN
from shared import env
from shared.send import NETWORK_ERRORS, callback_url, fail, record_or_warn, require

# Vonage's answer to a send request, per message: "0" is success, anything else was not sent.
# https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
SEND_STATUS: dict[str, str] = {
    "1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters",
    "4": "Invalid Credentials", "5": "Internal Error", "6": "Invalid Message",
    "7": "Number Barred", "8": "Partner Account Barred", "9": "Partner Quota Violation",
    "10": "Too Many Existing Binds", "11": "Account Not Enabled For HTTP",
    "12": "Message Too Long", "14": "Invalid Signature", "15": "Invalid Sender Address",
    "22": "Invalid Network Code", "23": "Invalid Callback Url", "29": "Non-Whitelisted Destination",
    "32": "Signature And API Secret Disallowed", "33": "Number De-activated",
}
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
    parser.add_argument("--api", choices=("sms", "messages"), default="sms",
                        help="Vonage's SMS API (default; key and secret) or its Messages API "
                        "(an application id and private key; status webhooks at "
                        "/webhooks/message-status)")
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
    record_or_warn(CODES, ids, messages, sender, to, text, client_ref)


def main(argv=None) -> int:
    args = parse_args(argv)
    # The SDK also logs each HTTP error as a warning; the one line printed below says it all.
    logging.getLogger("vonage").setLevel(logging.ERROR)
    try:
        if args.api == "messages":
            status = send_messages_api.send(args, _sender(args))
        else:
            status = send_sms_api(args)
    except HttpRequestError as err:
        return fail(f"Vonage answered HTTP {err.response.status_code} "
                    f"({type(err).__name__}): {err.message}")
    except NETWORK_ERRORS as err:
        return fail(f"Could not reach Vonage: {err}")
    if status == 0:
        print(sms_parts.describe(args.text), file=sys.stderr)
    return status


def _sender(args) -> str:
    return args.sender or require(
        "VONAGE_FROM", "the number or sender id to send from, or pass --from")


def send_sms_api(args) -> int:
    api_key = require("VONAGE_API_KEY", "find it on the Vonage API dashboard")
    api_secret = require("VONAGE_API_SECRET", "find it on the Vonage API dashboard")
    sender = _sender(args)
    url = callback_url(args.callback_url, PATH)
    if token := env("VONAGE_CALLBACK_TOKEN"):  # how the receiver tells unsigned receipts apart
        url += ("&" if "?" in url else "?") + urlencode({TOKEN: token})
    # Without type=unicode the SMS API sends GSM-7, and what GSM-7 cannot carry arrives garbled.
    encoding = None if sms_parts.is_gsm7(args.text) else "unicode"
    try:
        message = SmsMessage(to=args.to, from_=sender, text=args.text, callback=url,
                             client_ref=args.client_ref, type=encoding)
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
    _record([_as_sent(m) for m in response.messages],
            sender, args.to, args.text, args.client_ref)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
