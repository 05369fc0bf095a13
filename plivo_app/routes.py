"""The Plivo endpoint: status callbacks and inbound messages arrive at /delivery.

Plivo retries a callback that is not answered 2xx within 8 seconds, at +60 s, +120 s and +240 s
(Plivo's Delivery Alerts FAQ), so the handler answers as soon as the report is committed.
"""

from flask import Response, current_app, request

from plivo_app import signature
from plivo_app.fields import check_post_query, parse, refused_inbound
from shared.answers import receiver_blueprint
from shared.app import accept_parsed, refuse, signed_url
from shared.store import StorageUnavailable
from shared.webhook import query_fields, read_fields

blueprint = receiver_blueprint("plivo", __name__)
PATH = "/delivery"  # the `url` given when sending (send_sms.py)
V2_NONCES = "plivo-v2"


@blueprint.route(PATH, methods=["GET", "POST"])
def delivery():
    fields = read_fields(request)
    if request.method == "POST" and request.query_string:
        check_post_query(query_fields(request))
    auth_token = current_app.config["PLIVO_AUTH_TOKEN"]
    nonce = None
    if auth_token:
        url = signed_url()
        reason = signature.check(request.method, url, request.headers, fields, auth_token,
                                 accept_v2=current_app.config["PLIVO_ACCEPT_V2"])
        if reason:
            raise refuse(reason, url)
        if signature.v2_only(request.headers):
            nonce = first_use_of_v2_nonce(url)
    try:
        accept_parsed(parse, refused_inbound, fields)
    except StorageUnavailable:
        if nonce:  # let Plivo's retry in
            current_app.extensions["store"].forget(V2_NONCES, nonce)
        raise
    return Response("Delivery status reported", mimetype="text/plain")


def first_use_of_v2_nonce(url: str) -> str:
    """A V2 signature covers no body and no time: its nonce is accepted once, ever."""
    nonce = request.headers[signature.V2_NONCE].strip()
    if not current_app.extensions["store"].first_use(V2_NONCES, nonce):
        raise refuse("this X-Plivo-Signature-V2-Nonce was already used (a replay)", url)
    return nonce

