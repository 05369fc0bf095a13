"""Who may read the private pages (the SMS log: phone numbers and texts), and the headers they
are sent with.

With LOG_PAGE_PASSWORD set the pages ask for HTTP Basic auth. Without it they answer only a
request made directly from this machine: a loopback peer AND a loopback Host. The peer alone is
not enough: a tunnel (ngrok, `ssh -R`) or a proxy connects from 127.0.0.1 too, and a page a
browser loads from evil.example whose DNS name was re-pointed at 127.0.0.1 (DNS rebinding)
reaches us with Host: evil.example. A tunnel that says whom it forwards for is outside as well.
A raw TCP tunnel (`ssh -R`, `ngrok tcp`) that passes Host: localhost unchanged from a 127.0.0.1
peer cannot be told from a local browser: set LOG_PAGE_PASSWORD on any machine reachable so.
"""

import hmac

from flask import Blueprint, current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from shared.hosts import LOOPBACK_HOSTS, host_name

# Any header a proxy or tunnel adds to say what it forwards: its presence means "not from here".
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host",
                      "X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Server",
                      "X-Original-Host", "X-Original-Forwarded-For", "X-Client-IP",
                      "CF-Connecting-IP", "True-Client-IP", "Fastly-Client-IP", "Via")
LOOPBACK_PEERS = ("127.", "::1", "::ffff:127.")
# https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy
# The pages carry their CSS inline and load nothing else: no script, no frame, no form.
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def is_direct_loopback() -> bool:
    """A request made on this machine, to a loopback name, through no proxy."""
    if any(name in request.headers for name in FORWARDING_HEADERS):
        return False
    # ProxyFix (TRUST_PROXY) rewrites the peer and Host; what arrived is kept in the environ.
    arrived = request.environ.get("werkzeug.proxy_fix.orig", request.environ)
    peer = arrived.get("REMOTE_ADDR") or ""
    host = host_name(arrived.get("HTTP_HOST"))
    return peer.startswith(LOOPBACK_PEERS) and host in LOOPBACK_HOSTS


def require_access() -> None:
    """Raises 401 unless the request may read the private pages."""
    password = current_app.config.get("LOG_PAGE_PASSWORD")
    if password:
        auth = request.authorization
        given = (auth.password or "") if auth and auth.type == "basic" else ""
        if hmac.compare_digest(given.encode(), password.encode()):
            return
        raise Unauthorized(description="The SMS log needs the LOG_PAGE_PASSWORD.",
                           www_authenticate=WWWAuthenticate("basic", {"realm": "SMS log"}))
    if not is_direct_loopback():
        raise Unauthorized(description="The SMS log is served only to this machine, at "
                                       "localhost or 127.0.0.1; set LOG_PAGE_PASSWORD to open "
                                       "it to others.")


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def protect(blueprint: Blueprint) -> None:
    """Every route of the blueprint needs access; every answer carries HEADERS."""
    blueprint.before_request(require_access)
    blueprint.after_request(add_headers)
