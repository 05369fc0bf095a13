"""Which Host a receiver answers to, and so which URL a signature is checked against: never
one the client chooses.

Could the client set `Host`, a signature Plivo made for another URL of the same account (another
app, another customer's endpoint) would pass here. So a receiver answers only TRUSTED_HOSTS
(comma-separated; default the loopback names) and the host of PUBLIC_BASE_URL, X-Forwarded-Host
too behind TRUST_PROXY; without PUBLIC_BASE_URL, only on its own port (Host 127.0.0.1:9999 on
a server on 5000 would pass another local app's signature). Checked on the receiver's
blueprints only: a host app that embeds one keeps its own rules for its own routes.
"""

import re
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import BadRequest

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
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


def check_host() -> None:
    """Refuse a Host this app was not told it answers to."""
    # After ProxyFix (TRUST_PROXY) HTTP_HOST is the X-Forwarded-Host: checked all the same.
    given = request.environ.get("HTTP_HOST")
    trusted = current_app.extensions["sms_trusted_hosts"]
    if not is_trusted(host_name(given), trusted):
        raise BadRequest(
            f"Host {(given or '')[:100]!r} is not one this app answers to: add it to "
            "TRUSTED_HOSTS, or set PUBLIC_BASE_URL to the address the provider calls.")


def check_signed_host() -> None:
    """Before every callback: the Host names this app, on this server's own port and scheme
    (gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default: a local client could pick
    http or https), unless PUBLIC_BASE_URL or TRUST_PROXY says what the URL is."""
    check_host()
    if current_app.config["PUBLIC_BASE_URL"] or current_app.config["TRUST_PROXY"]:
        return
    given = request.environ.get("HTTP_HOST")
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


def signed_url() -> str:
    """The URL the provider called, which is what it signed. Behind ngrok or a TLS-terminating
    proxy the request arrives at http://localhost:5000/...: PUBLIC_BASE_URL is put in front of
    the path and query instead."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        base = f"{request.scheme}://{request.host}{request.script_root}"
    query = request.query_string.decode("utf-8", "replace")
    return f"{base}{request.path}" + (f"?{query}" if query else "")
