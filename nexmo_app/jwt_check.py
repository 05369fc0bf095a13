"""Vonage's Messages API webhooks are signed with a JWT, not a `sig` field.

https://developer.vonage.com/en/messages/concepts/signed-webhooks — every message status and
inbound message webhook carries `Authorization: Bearer <JWT>`, HS256 keyed with the account's
signature secret (the dashboard's signature method does not apply: always SHA-256). Its claims
include `iat`, `jti`, `iss` ("Vonage") and `payload_hash`, the SHA-256 of the body.

Three checks, in order; the first that fails names the answer:
1. the token's signature, through the SDK (`vonage_jwt.verify_signature`);
2. `payload_hash` against the raw body: the SDK checks only the token, so a body swapped under
   a genuine token would pass it alone;
3. the token's age (`iat`): see RETRY_HORIZON_SECONDS.
"""

import hashlib
import hmac
import time
import uuid

import jwt
from vonage_jwt import VonageVerifyJwtError, verify_signature

from nexmo_app.signature import MAX_CLOCK_SKEW_SECONDS, RETRY_HORIZON_SECONDS

# Tokens as old as Vonage may still be retrying are accepted: see nexmo_app.signature.


def payload_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class Refused(Exception):
    """A webhook that is not Vonage's: `status` 401 (no usable token) or 403 (a wrong one)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "the Authorization header has no Bearer token (Vonage signs every "
                           "Messages API webhook with one)")
    return token.strip()


def unverified_claims(token: str) -> dict:
    """The claims, read without checking the signature (that is the SDK's job, next)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as err:
        raise Refused(401, f"the Bearer token is not a JWT ({err})") from None
    if not isinstance(claims, dict):
        raise Refused(401, "the Bearer token's claims are not a JSON object")
    return claims


def _genuine(token: str, secret: str) -> bool:
    try:
        return verify_signature(token, secret)
    except VonageVerifyJwtError as err:  # a wrong algorithm, an expired `exp`, a bad `iat`…
        if not isinstance(err.__context__, jwt.ImmatureSignatureError):
            raise Refused(403, f"the token was refused: {err}") from None
    # vonage-jwt 1.1.5 decodes with no leeway, so a token from a Vonage clock one second ahead
    # of ours ("not yet valid (iat)") would be refused, and a 403 is never retried. The same
    # check again, allowing that much skew and no more (the age check bounds the past).
    try:
        jwt.decode(token, secret, algorithms=["HS256"], leeway=MAX_CLOCK_SKEW_SECONDS)
    except jwt.PyJWTError as err:
        raise Refused(403, f"the token was refused: {err!r}") from None
    return True


def check(authorization: str | None, body: bytes, secret: str, now: float | None = None,
          max_age: int = RETRY_HORIZON_SECONDS) -> dict:
    """The token's claims when the webhook is Vonage's; raises Refused otherwise."""
    token = bearer_token(authorization)
    claims = unverified_claims(token)
    if not _genuine(token, secret):
        raise Refused(403, "the token is not signed with VONAGE_SIGNATURE_SECRET")
    claimed = claims.get("payload_hash")
    if not isinstance(claimed, str):
        raise Refused(403, "the token has no payload_hash claim, so the body cannot be checked")
    if not hmac.compare_digest(claimed.lower().encode(), payload_hash(body).encode()):
        raise Refused(403, "the body does not match the token's payload_hash")
    issued = claims.get("iat")
    if isinstance(issued, bool) or not isinstance(issued, int | float):
        raise Refused(403, "the token has no iat (issued at) claim")
    age = (time.time() if now is None else now) - issued
    if age > max_age:
        raise Refused(403, f"the token was issued {int(age)} s ago, longer than the "
                           f"{max_age} s Vonage may retry for")
    return claims


def sign(body: bytes, secret: str, now: float | None = None, **claims) -> str:
    """The Authorization header Vonage sends with this body (the fake Vonage and the tests)."""
    token = jwt.encode({
        "iat": int(time.time() if now is None else now), "jti": str(uuid.uuid4()),
        "iss": "Vonage", "payload_hash": payload_hash(body), **claims,
    }, secret, algorithm="HS256")
    return f"Bearer {token}"
