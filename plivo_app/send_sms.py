"""Send an SMS through Plivo with the delivery report URL set.

    python -m plivo_app.send_sms --to +447700900111 --text "Hello"

https://www.plivo.com/docs/messaging/api/message/send-a-message — `url` is where Plivo posts
each status change of this message; without it you get no delivery reports.
"""

import argparse

import plivo
from plivo.exceptions import PlivoRestError

from plivo_app import PATH
from plivo_app.fields import CODES
from shared.send import NETWORK_ERRORS, callback_url, fail, record_or_warn, require

API_ERRORS = (PlivoRestError,)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m plivo_app.send_sms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", required=True, help="destination number, e.g. +447700900111")
    parser.add_argument("--text", required=True, help="the message text")
    parser.add_argument("--from", dest="src", help="your Plivo number (default PLIVO_FROM_NUMBER)")
    parser.add_argument("--callback-url", help="where Plivo posts delivery reports "
                        "(default PUBLIC_BASE_URL + /delivery)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    auth_id = require("PLIVO_AUTH_ID", "find it on the Plivo console's home page")
    auth_token = require("PLIVO_AUTH_TOKEN", "find it on the Plivo console's home page")
    src = args.src or require("PLIVO_FROM_NUMBER", "the Plivo number to send from, or pass --from")
    url = callback_url(args.callback_url, PATH)
    try:
        client = plivo.RestClient(auth_id, auth_token)
        # Keywords only: dst is the SDK's first positional parameter.
        response = client.messages.create(src=src, dst=args.to, text=args.text, url=url,
                                          method="POST")
    except API_ERRORS as err:
        return fail(f"Plivo refused the message ({type(err).__name__}): {err}")
    except NETWORK_ERRORS as err:
        return fail(f"Could not reach Plivo: {err}")
    uuids = list(response.message_uuid)
    for uuid in uuids:
        print(uuid)
    raw = {k: v for k, v in vars(response).items() if isinstance(v, str | int | list)}
    # Several destinations ("A<B") give one UUID each, in no documented order: their receipts
    # fill in the number.
    to_number = None if "<" in args.to else args.to
    record_or_warn(CODES, uuids, [raw] * len(uuids), src, to_number, args.text, parts=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
