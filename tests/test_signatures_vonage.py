"""Vonage receipts are stored only when signed with the secret and method configured."""

import hashlib
import logging
import time

import pytest

from nexmo_app import create_app
from nexmo_app.signature import METHODS, signing_string
from tests.payloads import vonage_receipt
from tests.signing import VONAGE_SIGNATURE_SECRET, vonage_signed

PATH = "/webhooks/delivery-receipt"


def app_for(database_url, method, **extra):
    return create_app({"DATABASE_URL": database_url,
                       "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET,
                       "VONAGE_SIGNATURE_METHOD": method, **extra}).test_client()


def stored(client):
    return client.get("/messages/0B00000127FDBC63").status_code == 200


def post_as(client, shape, fields):
    if shape == "query":
        return client.get(PATH, query_string=fields)
    if shape == "form":
        return client.post(PATH, data=fields)
    return client.post(PATH, json=fields)


SHAPES = ("query", "form", "json")


def test_md5hash_is_md5_of_the_sorted_string_and_the_secret():
    """The documented algorithm, spelled out once against the helper the tests sign with."""
    fields = vonage_signed(vonage_receipt(), method="md5hash")
    text = "".join(f"&{k}={fields[k].replace('&', '_').replace('=', '_')}"
                   for k in sorted(fields) if k != "sig")
    assert signing_string(fields) == text
    assert fields["sig"] == hashlib.md5((text + VONAGE_SIGNATURE_SECRET).encode()).hexdigest()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_correctly_signed_receipt_is_stored(database_url, method, shape):
    client = app_for(database_url, method)
    response = post_as(client, shape, vonage_signed(vonage_receipt(), method=method))
    assert response.status_code == 204, response.text
    assert stored(client)


@pytest.mark.parametrize("method", METHODS)
def test_a_receipt_signed_with_the_wrong_secret_is_403(database_url, method):
    client = app_for(database_url, method)
    fields = vonage_signed(vonage_receipt(), secret="wrong-secret", method=method)
    response = post_as(client, "form", fields)
    assert response.status_code == 403
    assert not stored(client)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_tampered_field_is_403(database_url, method, shape):
    client = app_for(database_url, method)
    fields = {**vonage_signed(vonage_receipt(), method=method), "status": "delivered"}
    assert post_as(client, shape, fields).status_code == 403
    assert not stored(client)


@pytest.mark.parametrize("method", METHODS)
def test_an_unsigned_receipt_is_403(database_url, method):
    client = app_for(database_url, method)
    response = post_as(client, "json", vonage_receipt())
    assert response.status_code == 403
    assert "sig is missing" in response.text
    assert not stored(client)


@pytest.mark.parametrize("method", METHODS)
def test_a_forged_sig_is_403(database_url, method):
    client = app_for(database_url, method)
    fields = {**vonage_receipt(), "timestamp": str(int(time.time())), "sig": "0" * 32}
    assert post_as(client, "form", fields).status_code == 403


def test_a_receipt_signed_with_another_method_is_403(database_url):
    client = app_for(database_url, "sha256")
    fields = vonage_signed(vonage_receipt(), method="md5hash")
    assert post_as(client, "form", fields).status_code == 403


@pytest.mark.parametrize("offset, words", [
    (-72 * 3600 - 60, "older than the 259200 s"), (-5 * 86400, "older than the 259200 s"),
    (301, "in the future"), (86400, "in the future")])
def test_a_timestamp_outside_the_window_is_403(database_url, offset, words):
    client = app_for(database_url, "md5hash")
    fields = vonage_signed(vonage_receipt(), now=time.time() + offset)
    response = post_as(client, "form", fields)
    assert response.status_code == 403
    assert words in response.text
    assert not stored(client)


@pytest.mark.parametrize("offset", [-24 * 3600, -290, 290])
def test_a_timestamp_inside_the_window_is_accepted(database_url, offset):
    client = app_for(database_url, "md5hash")
    fields = vonage_signed(vonage_receipt(), now=time.time() + offset)
    assert post_as(client, "form", fields).status_code == 204


@pytest.mark.parametrize("kind", SHAPES)
def test_a_correctly_signed_receipt_two_hours_old_is_stored(database_url, kind):
    # Vonage retries for up to a day; a retry may carry the timestamp it was first signed with.
    client = app_for(database_url, "md5hash")
    fields = vonage_signed(vonage_receipt(), now=time.time() - 2 * 3600)
    assert post_as(client, kind, fields).status_code == 204
    assert stored(client)


def test_the_window_is_configurable(database_url):
    client = app_for(database_url, "md5hash", VONAGE_SIGNATURE_WINDOW_SECONDS=3600)
    assert post_as(client, "form", vonage_signed(
        vonage_receipt(), now=time.time() - 1800)).status_code == 204
    assert post_as(client, "form", vonage_signed(
        vonage_receipt(), now=time.time() - 7200)).status_code == 403


def test_a_signed_receipt_without_timestamp_is_403(database_url):
    client = app_for(database_url, "md5hash")
    fields = vonage_signed(vonage_receipt())
    del fields["timestamp"]
    assert post_as(client, "form", fields).status_code == 403


def test_a_resigned_retry_of_the_same_receipt_is_stored_once(database_url):
    client = app_for(database_url, "sha256")
    first = vonage_signed(vonage_receipt(nonce="a1"), method="sha256", now=time.time() - 60)
    retry = vonage_signed(vonage_receipt(nonce="b2"), method="sha256")
    assert post_as(client, "form", first).status_code == 204
    assert post_as(client, "form", retry).status_code == 204
    assert len(client.get("/messages/0B00000127FDBC63").json["events"]) == 1


def test_values_with_ampersands_and_equals_signs_are_signed_as_vonage_does(database_url):
    client = app_for(database_url, "md5hash")
    fields = vonage_signed(vonage_receipt(**{"client-ref": "a=b&c=d"}))
    assert post_as(client, "form", fields).status_code == 204
    assert client.get("/messages/0B00000127FDBC63").json["client_ref"] == "a=b&c=d"


def test_the_app_refuses_to_start_without_a_signature_secret(database_url):
    with pytest.raises(SystemExit, match="VONAGE_SIGNATURE_SECRET or VONAGE_CALLBACK_TOKEN "
                                         "is not set"):
        create_app({"DATABASE_URL": database_url})


def test_an_unknown_signature_method_stops_the_app(database_url):
    with pytest.raises(SystemExit, match="VONAGE_SIGNATURE_METHOD must be one of"):
        app_for(database_url, "sha3")


def test_a_refused_receipt_logs_the_reason_but_never_the_secret(database_url, caplog):
    client = app_for(database_url, "sha512")
    with caplog.at_level(logging.WARNING):
        post_as(client, "form", vonage_signed(vonage_receipt(), secret="x", method="sha512"))
    assert "sig does not match VONAGE_SIGNATURE_SECRET (sha512)" in caplog.text
    assert VONAGE_SIGNATURE_SECRET not in caplog.text
