"""Sign test callbacks exactly as the providers do (the same helpers the simulators use), and
the apps and fake providers that share the tests' secrets."""

from nexmo_app import create_app as create_vonage_app
from nexmo_app import jwt_check as vonage_jwt_check
from nexmo_app import signature as vonage_signature
from nexmo_app.simulate import FakeVonage
from plivo_app import create_app as create_plivo_app
from plivo_app.simulate import FakePlivo, signed_headers

PLIVO_AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
PLIVO_AUTH_TOKEN = "ZWY0ZjM4ZDY1ZmQ2NzZhOWE0YjBjNWVjYzRiNjY1"
VONAGE_SIGNATURE_SECRET = "a-vonage-signature-secret"
VONAGE_SIGNATURE_METHOD = "md5hash"


def plivo_headers(fields, url="http://localhost/delivery", method="POST",
                  token=PLIVO_AUTH_TOKEN, nonce="05429567804466091622"):
    return signed_headers(method, url, fields, nonce, token)


def vonage_signed(fields, secret=VONAGE_SIGNATURE_SECRET, method=VONAGE_SIGNATURE_METHOD,
                  now=None):
    return vonage_signature.sign(fields, secret, method, now)


def plivo_app_on(database_url: str):
    return create_plivo_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN})


def vonage_app_on(database_url: str):
    return create_vonage_app({
        "DATABASE_URL": database_url, "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET,
        "VONAGE_SIGNATURE_METHOD": VONAGE_SIGNATURE_METHOD,
    })


def fake_plivo(token=PLIVO_AUTH_TOKEN) -> FakePlivo:
    return FakePlivo(auth_token=token)


def fake_vonage(secret=VONAGE_SIGNATURE_SECRET, method=VONAGE_SIGNATURE_METHOD) -> FakeVonage:
    return FakeVonage(secret=secret, method=method)


def vonage_bearer(body: bytes, secret=VONAGE_SIGNATURE_SECRET, now=None, **claims) -> dict:
    """The Authorization header Vonage signs a Messages API webhook with."""
    return {"Authorization": vonage_jwt_check.sign(body, secret, now, **claims)}
