"""Is this Vonage's? Signed webhooks (`sig`), or a secret token in the callback URL.

https://developer.vonage.com/en/getting-started/concepts/signing-messages
Every parameter but `sig`, sorted by key, with `&` and `=` in values replaced by `_`, joined as
`&k1=v1&k2=v2…`; then `md5hash` (the dashboard's default) is md5(that + secret) in hex, and
`md5`, `sha1`, `sha256`, `sha512` are an HMAC of it keyed with the secret (the SDK's
Auth.check_signature; the v4 SDK has no md5hash, so that one is checked here by hand).

Vonage signs SMS API receipts only once its support switches signing on for the account, and
most accounts never ask. For them, VONAGE_CALLBACK_TOKEN: a secret the callback URL carries as
`?token=…` (the send script adds it), compared in constant time and not stored with the report.
Weaker than a signature: a URL lands in proxies' and Vonage's logs, and a token does not bind
the body. Rotate it by setting the new one, sending with it, and dropping the old one once
no receipt of a message sent before can come (Vonage retries for up to 72 hours).
"""

import hashlib
import hmac
import time
from functools import lru_cache

from flask import current_app
from vonage_http_client.auth import Auth

METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")
TOKEN = "token"  # the query parameter VONAGE_CALLBACK_TOKEN travels in
# How old a signed `timestamp` (or a Messages API token's `iat`) may be. Vonage retries an
# unanswered webhook for up to 24 hours by its webhooks guide, 72 by the SMS API reference, and
# does not say whether a retry is signed afresh. One that carries its first signature must
# still pass, since a 403 is not retried and the report is lost. Replays are harmless here: a
# report is stored once and never moves a message backwards.
RETRY_HORIZON_SECONDS = 72 * 3600
MAX_CLOCK_SKEW_SECONDS = 300  # how far ahead of this clock a timestamp may be
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def check(request, fields: dict[str, str], now: float | None = None) -> str | None:
    """None when Vonage sent this receipt (its token, its `sig`, whichever are set; nothing
    when neither is and unsigned callbacks are allowed); otherwise the reason it is not.
    The token is taken out of `fields`: it is this app's secret, not part of the report."""
    if reason := check_token(request, fields):
        return reason
    secret = current_app.config["VONAGE_SIGNATURE_SECRET"]
    if not secret:
        return None
    sig = fields.get("sig")
    if not sig:
        return "sig is missing"
    if not set(sig) <= HEX_DIGITS or len(sig) > 128:
        return "sig is not a hex digest"
    stamp = fields.get("timestamp", "")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return "timestamp is missing or not a Unix time"
    if reason := too_old(int(stamp), now, "timestamp"):
        return reason
    method = current_app.config["VONAGE_SIGNATURE_METHOD"]
    if method == "md5hash":
        matches = hmac.compare_digest(sig.lower(), md5hash(fields, secret))
    else:
        matches = _auth(secret, method).check_signature(dict(fields))
    return None if matches else f"sig does not match VONAGE_SIGNATURE_SECRET ({method})"


def check_token(request, fields: dict) -> str | None:
    """VONAGE_CALLBACK_TOKEN, when set: the URL's `token` must be it."""
    token = current_app.config["VONAGE_CALLBACK_TOKEN"]
    if not token:
        return None
    given = request.args.get(TOKEN, "")
    if request.method == "GET":
        fields.pop(TOKEN, None)
    if not given:
        return "the callback URL has no ?token= (VONAGE_CALLBACK_TOKEN is set)"
    if not hmac.compare_digest(given.encode(), token.encode()):
        return "the callback URL's token is not VONAGE_CALLBACK_TOKEN"
    return None


def too_old(stamp: float, now: float | None, name: str) -> str | None:
    age = (time.time() if now is None else now) - stamp
    window = current_app.config["VONAGE_SIGNATURE_WINDOW_SECONDS"]
    if age > window:
        return (f"{name} is {int(age)} s old, older than the {window} s of "
                "VONAGE_SIGNATURE_WINDOW_SECONDS")
    if -age > MAX_CLOCK_SKEW_SECONDS:
        return (f"{name} is {int(-age)} s in the future, more than the "
                f"{MAX_CLOCK_SKEW_SECONDS} s of clock skew allowed")
    return None


@lru_cache(maxsize=8)
def _auth(secret: str, method: str) -> Auth:
    # The SDK insists on an api_key beside a signature secret; signing never uses it.
    return Auth(api_key="receiver", signature_secret=secret, signature_method=method)


def signing_string(params: dict[str, str]) -> str:
    return "".join(f"&{key}={str(params[key]).replace('&', '_').replace('=', '_')}"
                   for key in sorted(params) if key != "sig")


def md5hash(params: dict[str, str], secret: str) -> str:
    """The dashboard's default method, md5(string + secret); the v4 SDK implements only HMACs."""
    return hashlib.md5((signing_string(params) + secret).encode()).hexdigest()


def sign(params: dict[str, str], secret: str, method: str, now: float | None = None) -> dict:
    """The parameters as Vonage sends them signed: with `timestamp` and `sig` added."""
    signed = dict(params)
    signed["timestamp"] = str(int(time.time() if now is None else now))
    signed["sig"] = (md5hash(signed, secret) if method == "md5hash"
                     else Auth(api_key="simulator", signature_secret=secret,
                               signature_method=method).sign_params(dict(signed)))
    return signed
