"""Sign test callbacks exactly as the providers do (the same helpers the simulators use)."""

from nexmo_app import signature as vonage_signature
from plivo_app import signature as plivo_signature

PLIVO_AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
PLIVO_AUTH_TOKEN = "ZWY0ZjM4ZDY1ZmQ2NzZhOWE0YjBjNWVjYzRiNjY1"
VONAGE_SIGNATURE_SECRET = "a-vonage-signature-secret"
VONAGE_SIGNATURE_METHOD = "md5hash"


def plivo_headers(fields, url="http://localhost/delivery", method="POST",
                  token=PLIVO_AUTH_TOKEN, nonce="05429567804466091622"):
    return plivo_signature.signed_headers(method, url, fields, nonce, token)


def vonage_signed(fields, secret=VONAGE_SIGNATURE_SECRET, method=VONAGE_SIGNATURE_METHOD,
                  now=None):
    return vonage_signature.sign(fields, secret, method, now)
