"""Plivo's callback signature, X-Plivo-Signature-V3, checked with Plivo's documented algorithm.

https://www.plivo.com/docs/messaging/concepts/signature-validation
    base64(HMAC-SHA256(auth token, signed URL + "." + nonce))
where the signed URL is scheme://host[:port]/path, then
- GET: "?" + every query parameter as k=v, sorted, joined with "&";
- POST: "?" + (the sorted query + "." when the URL has one) + every body parameter as
  key+value, sorted by key, with no separator at all (so the bytes can be cut again into other
  fields: plivo_app.recut).
The older V2 covers no body: plivo_app.signature_v2, off unless PLIVO_ACCEPT_V2 is set.

Our own code rather than plivo.utils.signature_v3.validate_v3_signature: the SDK (4.63.0) raises
UnicodeEncodeError on any GET URL whose query holds a non-ASCII character ("Grüße 👍"), a 500
that makes Plivo give up on the message; it compares with `in`, not in constant time; and its
argument checks cost more than the HMAC. tests/test_plivo_sdk_vectors.py holds the fixed
vectors of Plivo's own SDK test suites and checks this code against the SDK on ASCII input.
"""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

from flask import current_app

from shared.hosts import signed_url

# A subaccount's callbacks carry V3 made with the subaccount's Auth Token and Ma-V3 with the
# main account's: either one matching PLIVO_AUTH_TOKEN is enough.
V3_HEADERS = {"X-Plivo-Signature-V3": "Auth Token of the account or subaccount that sent it",
              "X-Plivo-Signature-Ma-V3": "main account's Auth Token"}
V3_NONCE = "X-Plivo-Signature-V3-Nonce"
# A header may hold several signatures separated by commas, a handful at most. Each costs an
# HMAC comparison, so a header of thousands is refused at once.
MAX_SIGNATURES = 8


def check(request, fields: dict[str, str]) -> str | None:
    """None when Plivo signed this callback (or no PLIVO_AUTH_TOKEN is set, and unsigned
    callbacks are allowed); otherwise the reason it is not Plivo's."""
    auth_token = current_app.config["PLIVO_AUTH_TOKEN"]
    if not auth_token:
        return None
    if not any(name in request.headers for name in V3_HEADERS):
        from plivo_app import signature_v2

        return signature_v2.check(request, auth_token)
    return verify(request.method, signed_url(), request.headers, fields, auth_token)


def verify(method: str, url: str, headers, fields: dict[str, str], auth_token: str) -> str | None:
    """None when the V3 headers sign this callback to `url` with `auth_token`; else why not."""
    if method not in ("GET", "POST"):  # Flask answers HEAD on GET routes
        return f"Plivo signs only GET and POST callbacks, not {method}"
    given = {name: signatures(headers, name) for name in V3_HEADERS}
    if sum(map(len, given.values())) > MAX_SIGNATURES:
        return f"the signature headers hold more than {MAX_SIGNATURES} signatures"
    if not any(given.values()):  # present but blank: never a reason to fall back to V2
        return "X-Plivo-Signature-V3 is empty"
    nonce = headers.get(V3_NONCE, "").strip()
    if not nonce:
        return f"{V3_NONCE} is missing"
    signed = v3_base(method, url, fields if method == "POST" else {})  # GET: all in the URL
    return matches(hmac_base64(auth_token, f"{signed}.{nonce}"), given, V3_HEADERS)


def v3_base(method: str, url: str, params: dict[str, str]) -> str:
    """The string V3 signs, before "." + nonce."""
    origin, query = origin_and_path(url)
    pairs = parse_qsl(query, keep_blank_values=True)  # decoded as UTF-8
    if method == "GET":  # params join the query; as in the SDK, the URL's own win a shared name
        in_url = {key for key, _ in pairs}
        pairs += [(key, value) for key, value in params.items() if key not in in_url]
        params = {}
    signed = "&".join(f"{key}={value}" for key, value in sorted(pairs))
    if params:
        body = "".join(f"{key}{params[key]}" for key in sorted(params))
        signed = f"{signed}.{body}" if signed else body
    return f"{origin}?{signed}" if signed else origin


def origin_and_path(url: str) -> tuple[str, str]:
    """scheme://host[:port]/path, and the query, of a URL (params and fragment dropped)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parts.query


def hmac_base64(auth_token: str, message: str) -> bytes:
    digest = hmac.new(auth_token.encode(), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def signatures(headers, name: str) -> list[str]:
    """Every signature in a header; a blank header holds none."""
    return [part.strip() for part in headers.get(name, "").split(",") if part.strip()]


def matches(expected: bytes, given: dict[str, list[str]], made_with: dict[str, str]) -> str | None:
    """None when one signature is the expected one, compared in constant time (and on bytes:
    no TypeError for a non-ASCII header); else which headers came, and whose token each is
    made with."""
    if any([hmac.compare_digest(expected, sig.encode()) for sigs in given.values()
            for sig in sigs]):
        return None
    present = [f"{name} (made with the {made_with[name]})" for name in given if given[name]]
    return (f"{' and '.join(present)} {'does' if len(present) == 1 else 'do'} not match "
            "PLIVO_AUTH_TOKEN: set it to that Auth Token, from the Plivo console")
