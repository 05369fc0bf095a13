"""Is this Vonage's? Messages API webhooks are signed with a JWT, not a `sig` field.

https://developer.vonage.com/en/messages/concepts/signed-webhooks — every message status and
inbound message webhook carries `Authorization: Bearer <JWT>`, HS256 keyed with the account's
signature secret (the dashboard's signature method does not apply: always SHA-256). Its claims
include `iat`, `jti`, `iss` ("Vonage") and `payload_hash`, the SHA-256 of the body.

Three checks, in order; the first that fails names the answer:
1. the token's signature, through the SDK (`vonage_jwt.verify_signature`);
2. `payload_hash` against the raw body: the SDK checks only the token, so a body swapped under
   a genuine token would pass it alone;
3. the token's age (`iat`): nexmo_app.signature.RETRY_HORIZON_SECONDS.
"""

import hashlib
import hmac
import time
import uuid

import jwt
from flask import current_app
from vonage_jwt import VonageVerifyJwtError, verify_signature

from nexmo_app.signature import MAX_CLOCK_SKEW_SECONDS, too_old


def payload_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def check(request, body: bytes, now: float | None = None) -> str | None:
    """None when Vonage signed this webhook; otherwise the reason it is not. The callback URL's
    token (VONAGE_CALLBACK_TOKEN) is for SMS API receipts only: these are always signed."""
    secret = current_app.config["VONAGE_SIGNATURE_SECRET"]
    if not secret:
        return None if current_app.config["ALLOW_UNSIGNED_CALLBACKS"] else (
            "VONAGE_SIGNATURE_SECRET is not set, and Vonage signs every Messages API webhook "
            "with it")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "the Authorization header has no Bearer token"
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError as err:
        return f"the Bearer token is not a JWT ({err})"
    if not isinstance(claims, dict):
        return "the Bearer token's claims are not a JSON object"
    if reason := _not_genuine(token.strip(), secret):
        return reason
    claimed = claims.get("payload_hash")
    if not isinstance(claimed, str):
        return "the token has no payload_hash claim, so the body cannot be checked"
    if not hmac.compare_digest(claimed.lower().encode(), payload_hash(body).encode()):
        return "the body does not match the token's payload_hash"
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        return "the token has no iat (issued at) claim"
    return too_old(issued, now, "the token's iat")


def _not_genuine(token: str, secret: str) -> str | None:
    try:
        if verify_signature(token, secret):
            return None
        return "the token is not signed with VONAGE_SIGNATURE_SECRET"
    except VonageVerifyJwtError as err:  # a wrong algorithm, an expired `exp`, a bad `iat`…
        if not isinstance(err.__context__, jwt.ImmatureSignatureError):
            return f"the token was refused: {err}"
    # vonage-jwt 1.1.5 decodes with no leeway, so a token from a Vonage clock one second ahead
    # of ours ("not yet valid (iat)") would be refused, and a 403 is never retried. The same
    # check again, allowing that much skew and no more (the age check bounds the past).
    try:
        jwt.decode(token, secret, algorithms=["HS256"], leeway=MAX_CLOCK_SKEW_SECONDS)
    except jwt.PyJWTError as err:
        return f"the token was refused: {err!r}"
    return None


def sign(body: bytes, secret: str, now: float | None = None, **claims) -> str:
    """The Authorization header Vonage sends with this body (the fake Vonage and the tests)."""
    token = jwt.encode({
        "iat": int(time.time() if now is None else now), "jti": str(uuid.uuid4()),
        "iss": "Vonage", "payload_hash": payload_hash(body), **claims,
    }, secret, algorithm="HS256")
    return f"Bearer {token}"
