"""Send an SMS through Vonage's Messages API, with its status webhook URL set.

https://developer.vonage.com/en/messages/code-snippets/sms/send-sms — `POST
https://api.nexmo.com/v1/messages`, answered 202 {"message_uuid": …}. Status webhooks come only
to a message sent with application (JWT) authentication: an application id and its private key
(https://developer.vonage.com/en/messages/concepts/getting-started/getting-started-sms); Basic
auth sends too, but its messages get no webhooks. `webhook_url` overrides the application's
Status URL for this message; `client_ref` comes back on every status.
"""

from pathlib import Path

from pydantic import ValidationError
from vonage import Auth, Vonage
from vonage_jwt import VonageJwtError
from vonage_messages import Sms

from nexmo_app.messages_fields import CODES
from nexmo_app.wrong_api import MESSAGES_API_STATUS_PATH
from shared.send import callback_url, fail, record_or_warn, require


def application_auth() -> Auth:
    application_id = require("VONAGE_APPLICATION_ID", "the Messages API sends as a Vonage "
                             "application: its id is on the dashboard's Applications page")
    key_path = require("VONAGE_PRIVATE_KEY", "the path of the application's private key "
                       "(private.key, downloaded when the application was created)")
    try:
        # Read here: the SDK takes a path only if the name has an extension, else the key text.
        private_key = Path(key_path).expanduser().read_text(encoding="utf-8")
    except OSError as err:
        status = fail(f"VONAGE_PRIVATE_KEY: cannot read {key_path}: {err.strerror}", 2)
        raise SystemExit(status) from None
    return Auth(application_id=application_id, private_key=private_key)


def send(args, sender: str) -> int:
    """Returns the exit status; the SDK's HTTP and network errors are left to the caller."""
    url = callback_url(args.callback_url, MESSAGES_API_STATUS_PATH)
    try:
        message = Sms(to=args.to, from_=sender, text=args.text, webhook_url=url,
                      client_ref=args.client_ref)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return fail(f"Not sent: {problems}", 2)
    auth = application_auth()
    try:
        response = Vonage(auth).messages.send(message)
    except VonageJwtError as err:
        return fail(f"VONAGE_PRIVATE_KEY is not a usable private key: {err}", 2)
    print(response.message_uuid)
    record_or_warn(CODES, [response.message_uuid], [response.model_dump()], sender,
                   args.to, args.text, args.client_ref)
    return 0
