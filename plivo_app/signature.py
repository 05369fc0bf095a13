"""Plivo's callback signatures, checked and made with Plivo's documented algorithm.

https://www.plivo.com/docs/messaging/concepts/signature-validation
V3 (X-Plivo-Signature-V3) covers the URL, the POST parameters and a nonce:
    base64(HMAC-SHA256(auth token, signed URL + "." + nonce))
where the signed URL is scheme://host[:port]/path, then
- GET: "?" + every query parameter as k=v, sorted, joined with "&";
- POST: "?" + (the sorted query + "." when the URL has one) + every body parameter as
  key+value, sorted by key, with no separator at all.
V2 (X-Plivo-Signature-V2) covers only scheme://host[:port]/path + nonce, so a captured V2
header and nonce would let anyone post any body to that URL for ever: V2 is refused unless
PLIVO_ACCEPT_V2 is set, and then each nonce is accepted once (the store remembers it).

This is our own code rather than plivo.utils.signature_v3.validate_v3_signature because the
SDK (4.63.0) raises UnicodeEncodeError on any GET URL whose query holds a non-ASCII character
("Grüße 👍"): construct_get_url runs parse_qs on bytes, which encodes its decoded result back to
ASCII (measured in tests/test_plivo_sdk_vectors.py). A 500 there makes Plivo give up and the
message is lost. The SDK also compares with `in` rather than in constant time, and its
@validate_args wrapper costs more per call than the HMAC. tests/test_plivo_sdk_vectors.py holds
the fixed vectors of Plivo's own SDK test suites and checks this code against the SDK on ASCII
input.
"""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlsplit

V3_HEADERS = ("X-Plivo-Signature-V3", "X-Plivo-Signature-Ma-V3")  # Ma: the main account's
V3_NONCE = "X-Plivo-Signature-V3-Nonce"
V2_HEADERS = ("X-Plivo-Signature-V2", "X-Plivo-Signature-Ma-V2")
V2_NONCE = "X-Plivo-Signature-V2-Nonce"
# A header may hold several signatures separated by commas (one per token Plivo signs with);
# a handful at most. Each costs an HMAC comparison, so a header of thousands is refused at once.
MAX_SIGNATURES = 8
V2_REFUSED = ("it is signed only with X-Plivo-Signature-V2, which covers the URL and nonce but "
              "not the body, so anyone holding one such callback could post any report; set "
              "PLIVO_ACCEPT_V2=true to accept V2 (each nonce once) if your account sends no V3")


def _origin_and_path(url: str) -> tuple[str, str]:
    """scheme://host[:port]/path, and the query, of a URL (params and fragment dropped)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parts.query


def _query_string(params: dict[str, list[str]]) -> str:
    return "&".join(f"{key}={value}" for key in sorted(params) for value in sorted(params[key]))


def _query_params(query: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):  # decoded as UTF-8
        params.setdefault(key, []).append(value)
    return params


def v3_base(method: str, url: str, params: dict[str, str]) -> str:
    """The string V3 signs, before "." + nonce."""
    origin, query = _origin_and_path(url)
    query_params = _query_params(query)
    if method == "GET":
        # The SDK lets the URL's query win over a parameter of the same name.
        merged = {key: [value] for key, value in params.items()} | query_params
        signed_query = _query_string(merged)
        return f"{origin}?{signed_query}" if signed_query else origin
    signed_query = _query_string(query_params)
    if not params:
        return f"{origin}?{signed_query}" if signed_query else origin
    body = "".join(f"{key}{params[key]}" for key in sorted(params))
    return f"{origin}?{signed_query}.{body}" if signed_query else f"{origin}?{body}"


def _hmac_base64(auth_token: str, message: str) -> bytes:
    digest = hmac.new(auth_token.encode(), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest)


def sign_v3(method: str, url: str, params: dict[str, str], nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V3 Plivo sends for this callback."""
    return _hmac_base64(auth_token, f"{v3_base(method, url, params)}.{nonce}").decode()


def sign_v2(url: str, nonce: str, auth_token: str) -> str:
    """The X-Plivo-Signature-V2 Plivo sends for a callback to this URL."""
    return _hmac_base64(auth_token, _origin_and_path(url)[0] + nonce).decode()


def _signatures(headers, names: tuple[str, ...]) -> list[str]:
    """Every signature in these headers; a blank header counts as no header."""
    return [part.strip() for name in names for part in headers.get(name, "").split(",")
            if part.strip()]


def _matches(expected: bytes, given: list[str]) -> bool:
    # compare_digest on bytes: constant time, and no TypeError for a non-ASCII header.
    return any([hmac.compare_digest(expected, sig.encode()) for sig in given])


def v2_only(headers) -> bool:
    """Whether a callback carries V2 signatures and no V3 header."""
    return (not any(name in headers for name in V3_HEADERS)
            and bool(_signatures(headers, V2_HEADERS)))


def check(method: str, url: str, headers, fields: dict[str, str], auth_token: str,
          accept_v2: bool = False) -> str | None:
    """None when the callback is Plivo's; otherwise the reason it is not.

    A V2-only callback that passes still needs its nonce remembered (see v2_only): the caller
    owns the store.
    """
    if method not in ("GET", "POST"):  # Flask answers HEAD on GET routes; Plivo never sends it
        return f"Plivo signs only GET and POST callbacks, not {method}"
    v3 = _signatures(headers, V3_HEADERS)
    v2 = _signatures(headers, V2_HEADERS)
    if len(v3) + len(v2) > MAX_SIGNATURES:
        return f"the signature headers hold more than {MAX_SIGNATURES} signatures"
    if v3:
        nonce = headers.get(V3_NONCE, "").strip()
        if not nonce:
            return f"{V3_NONCE} is missing"
        params = fields if method == "POST" else {}  # on GET the fields are in the URL
        if _matches(_hmac_base64(auth_token, f"{v3_base(method, url, params)}.{nonce}"), v3):
            return None
        return "X-Plivo-Signature-V3 does not match PLIVO_AUTH_TOKEN"
    if any(name in headers for name in V3_HEADERS):
        # Present but blank: V3 missing, and never a reason to fall back to the weaker V2.
        return "X-Plivo-Signature-V3 is empty"
    if not v2:
        return "no X-Plivo-Signature-V3 header"
    if not accept_v2:
        return V2_REFUSED
    nonce = headers.get(V2_NONCE, "").strip()
    if not nonce:
        return f"{V2_NONCE} is missing"
    if _matches(_hmac_base64(auth_token, _origin_and_path(url)[0] + nonce), v2):
        return None
    return "X-Plivo-Signature-V2 does not match PLIVO_AUTH_TOKEN"


def signed_headers(method: str, url: str, params: dict[str, str], nonce: str,
                   auth_token: str) -> dict[str, str]:
    """Both header sets, as Plivo sends them on messaging callbacks."""
    return {
        "X-Plivo-Signature-V3": sign_v3(method, url, params, nonce, auth_token),
        V3_NONCE: nonce,
        "X-Plivo-Signature-V2": sign_v2(url, nonce, auth_token),
        V2_NONCE: nonce,
    }
