"""Vonage's signed webhooks (`sig`): checked with the SDK where it can, by hand where it cannot.

https://developer.vonage.com/en/getting-started/concepts/signing-messages
Every parameter but `sig`, sorted by key, with `&` and `=` in values replaced by `_`, joined as
`&k1=v1&k2=v2…`; then `md5hash` (the dashboard's default) is md5(that + secret) in hex, and
`md5`, `sha1`, `sha256`, `sha512` are an HMAC of it keyed with the secret.
Signed receipts are switched on per account by Vonage support.
"""

import hashlib
import hmac
import time

from vonage_http_client.auth import Auth

METHODS = ("md5hash", "md5", "sha1", "sha256", "sha512")
# How old a signed `timestamp` (or a Messages API token's `iat`) may be. Vonage retries an
# unanswered webhook for up to 24 hours by its webhooks guide, 72 by the SMS API reference
# (https://developer.vonage.com/en/messaging/sms/guides/delivery-receipts), and does not say
# whether a retry is signed afresh. One that carries its first signature must still pass, since
# a 403 is not retried and the report is lost. Replays are harmless here: a report is stored
# once and never moves a message backwards. Nothing in the SDK checks the age.
RETRY_HORIZON_SECONDS = 72 * 3600
DEFAULT_WINDOW_SECONDS = RETRY_HORIZON_SECONDS
# How far ahead of this clock a timestamp may be: clock skew, not retries.
MAX_CLOCK_SKEW_SECONDS = 300


HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def signing_string(params: dict[str, str]) -> str:
    return "".join(f"&{key}={str(params[key]).replace('&', '_').replace('=', '_')}"
                   for key in sorted(params) if key != "sig")


def md5hash(params: dict[str, str], secret: str) -> str:
    """The dashboard's default method, md5(string + secret); the v4 SDK implements only HMACs."""
    return hashlib.md5((signing_string(params) + secret).encode()).hexdigest()


class Verifier:
    """Built once at start-up: the SDK's Auth object validates its arguments on creation."""

    def __init__(self, secret: str, method: str, window_seconds: int = DEFAULT_WINDOW_SECONDS):
        if method not in METHODS:
            raise SystemExit(f"VONAGE_SIGNATURE_METHOD must be one of {', '.join(METHODS)}, "
                             f"not {method!r}")
        self.secret, self.method, self.window = secret, method, window_seconds
        if method != "md5hash":
            # The SDK insists on an api_key beside a signature secret; signing never uses it.
            self.auth = Auth(api_key="receiver", signature_secret=secret,
                             signature_method=method)

    def check(self, fields: dict[str, str], now: float | None = None) -> str | None:
        """None when the receipt is Vonage's; otherwise the reason it is not."""
        sig = fields.get("sig")
        if not sig:
            return "sig is missing"
        if not set(sig) <= HEX_DIGITS or len(sig) > 128:
            return "sig is not a hex digest"
        stamp = fields.get("timestamp", "")
        if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
            return "timestamp is missing or not a Unix time"
        age = (time.time() if now is None else now) - int(stamp)
        if age > self.window:
            return (f"timestamp is {int(age)} s old, older than the {self.window} s of "
                    "VONAGE_SIGNATURE_WINDOW_SECONDS")
        if -age > MAX_CLOCK_SKEW_SECONDS:
            return (f"timestamp is {int(-age)} s in the future, more than the "
                    f"{MAX_CLOCK_SKEW_SECONDS} s of clock skew allowed")
        if self.method == "md5hash":
            matches = hmac.compare_digest(sig.lower(), md5hash(fields, self.secret))
        else:
            matches = self.auth.check_signature(dict(fields))
        return None if matches else f"sig does not match ({self.method})"


def sign(params: dict[str, str], secret: str, method: str, now: float | None = None) -> dict:
    """The parameters as Vonage sends them signed: with `timestamp` and `sig` added."""
    signed = dict(params)
    signed["timestamp"] = str(int(time.time() if now is None else now))
    if method == "md5hash":
        signed["sig"] = md5hash(signed, secret)
    else:
        auth = Auth(api_key="simulator", signature_secret=secret, signature_method=method)
        signed["sig"] = auth.sign_params(dict(signed))
    return signed
