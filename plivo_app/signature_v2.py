"""Plivo's older callback signature, X-Plivo-Signature-V2: refused unless PLIVO_ACCEPT_V2 is set.

    base64(HMAC-SHA256(auth token, scheme://host[:port]/path + nonce))
V2 covers only the URL and a nonce, not the body and no time, so anyone holding one signed
callback could post any report to that URL for ever. With PLIVO_ACCEPT_V2 each nonce is
accepted once, on every instance that shares the database; forgotten again if the report cannot
be stored (503), so that Plivo's retry gets in. Loaded on the first callback without V3.
"""

from contextlib import suppress

from flask import after_this_request, current_app
from sqlalchemy import Column, DateTime, MetaData, String, Table

from plivo_app.signature import MAX_SIGNATURES, hmac_base64, matches, origin_and_path, signatures
from shared.hosts import signed_url
from shared.report import utcnow
from shared.schema import insert_for

V2_HEADERS = {"X-Plivo-Signature-V2": "Auth Token of the account or subaccount that sent it",
              "X-Plivo-Signature-Ma-V2": "main account's Auth Token"}
V2_NONCE = "X-Plivo-Signature-V2-Nonce"
# Kept for good: without a time in what was signed, a nonce forgotten could be replayed.
nonces = Table("nonces", MetaData(), Column("scope", String, primary_key=True),
               Column("nonce", String, primary_key=True),
               Column("seen_at", DateTime, nullable=False))
SCOPE = "plivo-v2"
REFUSED = ("it is signed only with X-Plivo-Signature-V2, which covers the URL and nonce but not "
           "the body, so anyone holding one such callback could post any report; set "
           "PLIVO_ACCEPT_V2=true to accept V2 (each nonce once) if your account sends no V3")


def check(request, auth_token: str) -> str | None:
    if reason := verify(request.method, signed_url(), request.headers, auth_token,
                        current_app.config["PLIVO_ACCEPT_V2"]):
        return reason
    return _first_use(request.headers[V2_NONCE].strip())


def verify(method: str, url: str, headers, auth_token: str, accept_v2: bool) -> str | None:
    """None when the V2 headers sign a callback to `url`; else why not."""
    given = {name: signatures(headers, name) for name in V2_HEADERS}
    if not any(given.values()):
        return "no X-Plivo-Signature-V3 header"
    if method not in ("GET", "POST"):
        return f"Plivo signs only GET and POST callbacks, not {method}"
    if sum(map(len, given.values())) > MAX_SIGNATURES:
        return f"the signature headers hold more than {MAX_SIGNATURES} signatures"
    if not accept_v2:
        return REFUSED
    nonce = headers.get(V2_NONCE, "").strip()
    if not nonce:
        return f"{V2_NONCE} is missing"
    return matches(hmac_base64(auth_token, origin_and_path(url)[0] + nonce), given, V2_HEADERS)


def _first_use(nonce: str) -> str | None:
    store = current_app.extensions["sms_store"]
    # Atomic on both databases: of two instances inserting the same nonce, one gets a row.
    insert = insert_for(store.engine)(nonces).on_conflict_do_nothing().returning(nonces.c.nonce)
    with store.bounded(), store.errors(), store.engine.begin() as conn:
        nonces.create(conn, checkfirst=True)
        if conn.execute(insert, {"scope": SCOPE, "nonce": nonce, "seen_at": utcnow()}).first() \
                is None:
            return f"this {V2_NONCE} was already used (a replay)"

    @after_this_request
    def forget_unless_stored(response):
        if response.status_code == 503:  # best effort: the database may not take this either
            with suppress(Exception), store.bounded(), store.engine.begin() as conn:
                conn.execute(nonces.delete().where(nonces.c.scope == SCOPE,
                                                   nonces.c.nonce == nonce))
        return response
    return None
