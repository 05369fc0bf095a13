"""Plivo's callback signatures: checked with the SDK, and made the same way for the simulator.

https://www.plivo.com/docs/messaging/concepts/signature-validation
V3 (X-Plivo-Signature-V3) covers the URL, the POST parameters and a nonce. V2 covers only the
URL (without its query) and the nonce, so a forged body passes a V2 check: V3 is preferred
whenever it is present, and a V2-only callback is logged as such.
"""

import base64
import hashlib
import hmac
import logging

from plivo.utils import validate_signature
from plivo.utils.signature_v3 import (
    construct_get_url,
    construct_post_url,
    get_signature_v3,
    validate_v3_signature,
)

log = logging.getLogger(__name__)

# The SDK's validate_v3_signature without its @validate_args wrapper, which type-checks the
# arguments through inspect.getcallargs on every call and cost more than the HMAC itself (the
# benchmark's profile). The arguments below are always the str and dict the wrapper checks for.
_validate_v3 = validate_v3_signature.__wrapped__

V3_HEADERS = ("X-Plivo-Signature-V3", "X-Plivo-Signature-Ma-V3")  # Ma: the main account's
V3_NONCE = "X-Plivo-Signature-V3-Nonce"
V2_HEADERS = ("X-Plivo-Signature-V2", "X-Plivo-Signature-Ma-V2")
V2_NONCE = "X-Plivo-Signature-V2-Nonce"


def check(method: str, url: str, headers, fields: dict[str, str], auth_token: str) -> str | None:
    """None when the callback is Plivo's; otherwise the reason it is not."""
    if method not in ("GET", "POST"):  # Flask answers HEAD on GET routes; Plivo never sends it
        return f"Plivo signs only GET and POST callbacks, not {method}"
    params = fields if method == "POST" else {}  # on GET the fields are in the URL
    v3 = [headers[name] for name in V3_HEADERS if headers.get(name)]
    if v3:
        nonce = headers.get(V3_NONCE)
        if not nonce:  # the SDK raises instead of answering False when the nonce is missing
            return f"{V3_NONCE} is missing"
        # A header may hold several signatures separated by commas; the SDK accepts any. It adds
        # a GET URL's query to the dict it is given, hence a copy each time.
        if any(_validate_v3(method, url, nonce, auth_token, sig, dict(params))
               for sig in v3):
            return None
        return "X-Plivo-Signature-V3 does not match PLIVO_AUTH_TOKEN"
    v2 = [headers[name] for name in V2_HEADERS if headers.get(name)]
    if v2:
        nonce = headers.get(V2_NONCE)
        if not nonce:
            return f"{V2_NONCE} is missing"
        if any(validate_signature(url, nonce, part, auth_token)
               for sig in v2 for part in sig.split(",")):
            log.warning("V2 signature accepted: it covers the URL and nonce, not the body")
            return None
        return "X-Plivo-Signature-V2 does not match PLIVO_AUTH_TOKEN"
    return "no X-Plivo-Signature-V3 (or V2) header"


def sign_v3(method: str, url: str, params: dict[str, str], nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V3 Plivo would send, built from the SDK's own pieces."""
    if method == "GET":
        base = construct_get_url(url, dict(params), empty_post_params=True)
    else:
        base = construct_post_url(url, dict(params))
    return get_signature_v3(auth_token.encode(), base.decode(), nonce.encode()).decode()


def sign_v2(url: str, nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V2 Plivo would send. The SDK only validates V2, so this mirrors
    plivo.utils.validate_signature: base64(HMAC-SHA256(token, url without query + nonce))."""
    base = url.split("?", 1)[0]
    digest = hmac.new(auth_token.encode(), (base + nonce).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(method: str, url: str, params: dict[str, str], nonce: str,
                   auth_token: str) -> dict[str, str]:
    """Both header sets, as Plivo sends them on messaging callbacks."""
    return {
        "X-Plivo-Signature-V3": sign_v3(method, url, params, nonce, auth_token),
        V3_NONCE: nonce,
        "X-Plivo-Signature-V2": sign_v2(url, nonce, auth_token),
        V2_NONCE: nonce,
    }
