"""What the command-line scripts share: a setting they need, recording the send call, and
ending with one clear line."""

import sys

import requests

from shared import database_url, env, public_base_url
from shared.outages import StorageUnavailable
from shared.report import Codes, Report, utcnow
from shared.store import Store

# Both SDKs send with requests, and let its network errors through unwrapped.
NETWORK_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)


def require(name: str, why: str) -> str:
    """A setting the script cannot run without: one line naming it, then exit status 2."""
    value = env(name)
    if value is None:
        print(f"{name} is not set: {why} (see .env.example)", file=sys.stderr)
        raise SystemExit(2)
    return value


def callback_url(given: str | None, path: str) -> str:
    """--callback-url, else the app's route on PUBLIC_BASE_URL (e.g. your ngrok address)."""
    if given:
        return given
    base = public_base_url()
    if base is None:
        require("PUBLIC_BASE_URL", "the delivery reports need a public URL "
                "(e.g. https://abc123.ngrok.app), or pass --callback-url")
    return f"{base}{path}"


def record_sent(codes: Codes, message_ids: list[str], responses: list[dict], from_number: str,
                to_number: str | None, text: str, client_ref: str | None = None,
                parts: bool = True) -> None:
    """Store each message (every part id) as queued, so receipts find their message.

    With `parts`, several ids are the parts of one long message (Vonage), grouped under the
    first id; otherwise they are separate messages (Plivo: one UUID per destination). A receipt
    that arrived before this runs has already created the message; the upsert only fills in
    what it lacked (never moves it back to queued).
    """
    store = Store(database_url())
    now = utcnow()
    group_id = message_ids[0] if parts and len(message_ids) > 1 else None
    for index, (message_id, response) in enumerate(zip(message_ids, responses, strict=True)):
        part_info = f"{index + 1} of {len(message_ids)}" if group_id else None
        store.save(Report(
            codes=codes, kind="send", message_id=message_id, status="queued",
            fields=response, from_number=from_number, to_number=to_number, text=text,
            group_id=group_id, part_info=part_info, client_ref=client_ref, sent_at=now,
            occurred_at=now, received_at=now, dedupe_key_override=f"send:{message_id}",
        ))


def record_or_warn(*args, **kwargs) -> None:
    """The SMS is already sent: a storage failure must not look like a failed send."""
    try:
        record_sent(*args, **kwargs)
    except StorageUnavailable as err:
        print(f"warning: sent, but not recorded locally ({err}); its receipts will still be "
              "stored when they arrive", file=sys.stderr)


def fail(line: str, status: int = 1) -> int:
    """One line, even when the provider's words come as indented JSON; never a traceback."""
    print(" ".join(line.split()), file=sys.stderr)
    return status
