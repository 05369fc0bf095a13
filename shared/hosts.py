"""Which Host a receiver answers to: the URL a signature is checked against is never the
client's choice.

Without this check a signature Plivo made for another URL of the same account (another app,
another customer's endpoint) would pass here once the client sets `Host` to that app's name.
The trusted names are TRUSTED_HOSTS (comma-separated; default: the loopback names), plus the host
of PUBLIC_BASE_URL, so the ngrok case is the one line PUBLIC_BASE_URL=https://abc123.ngrok.app.
TRUST_PROXY does not widen the set: the X-Forwarded-Host a proxy passes on is checked against
the same names.

The port is checked too: without PUBLIC_BASE_URL the URL a signature is checked against is
built from the Host header, port included, so a Host of 127.0.0.1:9999 on a server listening on
5000 would let a signature made for http://127.0.0.1:9999/delivery (another app on this machine)
pass. Refusing it (rather than putting the server's own port in the URL) keeps the URL checked
the one the request names, and the 400 says what to set. A header that could have set the
scheme (X-Forwarded-Proto) is refused there too. Behind a proxy (TRUST_PROXY) the port
is the proxy's X-Forwarded-Host/-Port, not checked here: set PUBLIC_BASE_URL there.

Checked on the receiver's blueprints only (not app.config["TRUSTED_HOSTS"], which Flask would
apply to every route of a host app that embeds the receiver with init_app).
"""

import re
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import BadRequest

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Load balancers and orchestrators probe /healthz by the instance's own address; it shows
# nothing private and checks no signature.
OPEN_ENDPOINTS = frozenset({"message_log.healthz"})
# The log pages check no signature, so the port in their Host does not matter.
UNSIGNED_BLUEPRINTS = frozenset({"message_log"})
# A host name or IPv4 address, or an IPv6 address in brackets, then an optional port. Our own
# rather than werkzeug's host_is_trusted, which never matches the entry "[::1]" (it cuts the
# entry at its first colon: werkzeug 3.1.9).
HOST = re.compile(r"([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?")
DEFAULT_PORTS = {"http": "80", "https": "443"}
# The headers a server (gunicorn's secure_scheme_headers) may take the scheme from.
SCHEME_HEADERS = ("X-Forwarded-Proto", "X-Forwarded-Protocol", "X-Forwarded-Ssl",
                  "X-Forwarded-Scheme", "X-Scheme")


def host_name(host: str | None) -> str | None:
    """The name part of a Host header (no port), lower case; None when it is not a host."""
    match = HOST.fullmatch((host or "").lower())
    return match.group(1) if match else None


def trusted_hosts(setting: str | list | tuple | None, public_base_url: str | None) -> frozenset:
    """The names a receiver answers to. `setting` is TRUSTED_HOSTS: a comma-separated string
    (the environment) or a list (app.config, as Flask's own setting of that name)."""
    names = setting.split(",") if isinstance(setting, str) else list(setting or LOOPBACK_HOSTS)
    if public_base_url:
        names.append(urlsplit(public_base_url).netloc)
    return frozenset(filter(None, (host_name(name.strip()) or name.strip().lower()
                                   for name in names)))


def is_trusted(name: str | None, trusted: frozenset) -> bool:
    """An exact name, or a subdomain of an entry written with a leading dot (Flask's rule)."""
    if not name:
        return False
    return name in trusted or any(entry.startswith(".") and name.endswith(entry)
                                  for entry in trusted)


def check_host():
    """Before every receiver request: refuse a Host this app was not told it answers to."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    # After ProxyFix (TRUST_PROXY) HTTP_HOST is the X-Forwarded-Host: checked all the same.
    given = request.environ.get("HTTP_HOST")
    trusted = current_app.extensions["sms_trusted_hosts"]
    if not is_trusted(host_name(given), trusted):
        raise BadRequest(
            f"Host {(given or '')[:100]!r} is not one this app answers to: add it to "
            "TRUSTED_HOSTS, or set PUBLIC_BASE_URL to the address the provider calls.")
    signed = request.blueprint not in UNSIGNED_BLUEPRINTS
    if signed and not (current_app.config["PUBLIC_BASE_URL"] or current_app.config["TRUST_PROXY"]):
        _check_port(given)


def _check_port(given: str) -> None:
    """The Host's port (or the scheme's default) must be the port this server listens on, and
    the scheme the server's own: gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default
    (forwarded_allow_ips), which would let a local client pick http or https."""
    if said := [name for name in SCHEME_HEADERS if name in request.headers]:
        raise BadRequest(
            f"The request carries {said[0]}, but this app trusts no proxy: set PUBLIC_BASE_URL "
            "to the address the provider calls, or TRUST_PROXY=true behind one proxy.")
    port = HOST.fullmatch(given.lower()).group(2) or DEFAULT_PORTS.get(request.scheme)
    listening = request.environ.get("SERVER_PORT")
    if listening and port != listening:
        raise BadRequest(
            f"Host {given[:100]!r} names port {port}, but this server listens on {listening}: "
            "set PUBLIC_BASE_URL to the address the provider calls (the signed URL), or list "
            "the host in TRUSTED_HOSTS and call it on its own port.")
