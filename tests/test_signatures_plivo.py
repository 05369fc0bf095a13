"""Plivo callbacks are stored only when Plivo signed them (V3; V2 only when PLIVO_ACCEPT_V2)."""

import logging
from urllib.parse import urlencode

import pytest
from plivo.utils.signature_v3 import validate_v3_signature

from plivo_app import create_app
from plivo_app.simulate import sign_v3
from shared.outages import StorageUnavailable
from tests import payloads
from tests.callbacks import MESSAGE_UUID, PLIVO_URL, message, plivo_post
from tests.payloads import plivo_status
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers


def stored(client, message_id=MESSAGE_UUID):
    return client.get(f"/messages/{message_id}").status_code == 200


def test_the_signing_helper_agrees_with_the_sdk_validator():
    fields = plivo_status()
    sig = sign_v3("POST", PLIVO_URL, fields, "12345", PLIVO_AUTH_TOKEN)
    assert validate_v3_signature("POST", PLIVO_URL, "12345", PLIVO_AUTH_TOKEN, sig, dict(fields))


def test_a_correctly_signed_v3_callback_is_stored(plivo):
    fields = plivo_status()
    response = plivo_post(plivo, fields)
    assert response.status_code == 200
    assert stored(plivo)


def test_a_callback_signed_with_the_wrong_token_is_403_and_not_stored(plivo):
    fields = plivo_status()
    response = plivo.post("/delivery", data=fields,
                          headers=plivo_headers(fields, token="not-the-token"))
    assert response.status_code == 403
    assert "Signature check failed" in response.text
    assert not stored(plivo)


def test_a_tampered_field_is_403(plivo):
    fields = plivo_status()
    headers = plivo_headers(fields)
    response = plivo.post("/delivery", data={**fields, "Status": "undelivered"}, headers=headers)
    assert response.status_code == 403
    assert not stored(plivo)


def test_an_added_field_is_403(plivo):
    fields = plivo_status()
    response = plivo.post("/delivery", data={**fields, "Extra": "1"},
                          headers=plivo_headers(fields))
    assert response.status_code == 403


def test_an_unsigned_callback_is_403(plivo):
    response = plivo.post("/delivery", data=plivo_status())
    assert response.status_code == 403
    assert "no X-Plivo-Signature-V3" in response.text
    assert not stored(plivo)


def test_a_missing_v3_nonce_is_403_not_an_exception(plivo):
    fields = plivo_status()
    headers = plivo_headers(fields)
    del headers["X-Plivo-Signature-V3-Nonce"]
    response = plivo.post("/delivery", data=fields, headers=headers)
    assert response.status_code == 403
    assert "Nonce is missing" in response.text


def test_a_different_nonce_is_403(plivo):
    fields = plivo_status()
    headers = {**plivo_headers(fields), "X-Plivo-Signature-V3-Nonce": "99999"}
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_post_signature_does_not_pass_as_a_get(plivo):
    fields = plivo_status()
    response = plivo.get("/delivery", query_string=fields, headers=plivo_headers(fields))
    assert response.status_code == 403


def test_a_get_callback_signed_over_its_query_string_is_stored(plivo):
    # With method=GET Plivo puts the fields in the query string and signs the whole PLIVO_URL.
    query = urlencode(plivo_status())
    headers = plivo_headers({}, url=f"{PLIVO_URL}?{query}", method="GET")
    response = plivo.get(f"/delivery?{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert stored(plivo)


def test_several_comma_separated_signatures_pass_when_one_matches(plivo):
    fields = plivo_status()
    good = plivo_headers(fields)["X-Plivo-Signature-V3"]
    bad = sign_v3("POST", PLIVO_URL, fields, "05429567804466091622", "another-token")
    headers = {**plivo_headers(fields), "X-Plivo-Signature-V3": f"{bad},{good}"}
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 200


def test_several_signatures_none_matching_is_403(plivo):
    fields = plivo_status()
    bad = sign_v3("POST", PLIVO_URL, fields, "05429567804466091622", "another-token")
    headers = {**plivo_headers(fields), "X-Plivo-Signature-V3": f"{bad},{bad}"}
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 403


def test_the_main_account_header_alone_is_accepted(plivo):
    fields = plivo_status()
    headers = plivo_headers(fields)
    headers["X-Plivo-Signature-Ma-V3"] = headers.pop("X-Plivo-Signature-V3")
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 200


@pytest.fixture
def plivo_v2(database_url):
    """An app that accepts V2-only callbacks (PLIVO_ACCEPT_V2)."""
    return create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                       "PLIVO_ACCEPT_V2": True}).test_client()


def test_a_v2_only_callback_is_403_by_default_naming_the_setting_and_why(plivo):
    fields = plivo_status()
    response = plivo.post("/delivery", data=fields, headers=v2_only(plivo_headers(fields)))
    assert response.status_code == 403
    assert "PLIVO_ACCEPT_V2=true" in response.text
    assert "not the body" in response.text
    assert not stored(plivo)


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_v3_header_is_a_missing_one_and_never_falls_back_to_v2(plivo_v2, blank):
    fields = plivo_status()
    headers = {**plivo_headers(fields), "X-Plivo-Signature-V3": blank}
    forged = {**fields, "Status": "undelivered"}  # V2 does not cover the body
    response = plivo_v2.post("/delivery", data=forged, headers=headers)
    assert response.status_code == 403
    assert "X-Plivo-Signature-V3-Nonce" not in response.text


def test_with_plivo_accept_v2_a_v2_only_callback_is_stored(plivo_v2):
    fields = plivo_status()
    response = plivo_v2.post("/delivery", data=fields, headers=v2_only(plivo_headers(fields)))
    assert response.status_code == 200, response.text
    assert stored(plivo_v2)


def test_a_replayed_v2_nonce_is_403_on_every_instance(database_url):
    first, second = (create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN":
                                 PLIVO_AUTH_TOKEN, "PLIVO_ACCEPT_V2": "true"}).test_client()
                     for _ in range(2))
    fields = plivo_status()
    headers = v2_only(plivo_headers(fields))
    assert first.post("/delivery", data=fields, headers=headers).status_code == 200
    forged = {**fields, "Status": "undelivered", "ErrorCode": "30"}
    for client in (first, second):
        response = client.post("/delivery", data=forged, headers=headers)
        assert response.status_code == 403
        assert "already used" in response.text
    assert message(first, MESSAGE_UUID)["status"] == "delivered"


def test_a_v2_signature_with_the_wrong_token_is_403(plivo_v2):
    fields = plivo_status()
    headers = plivo_headers(fields, token="wrong")
    del headers["X-Plivo-Signature-V3"], headers["X-Plivo-Signature-V3-Nonce"]
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_wrong_v3_is_not_rescued_by_a_good_v2(plivo):
    fields = plivo_status()
    headers = {**plivo_headers(fields), "X-Plivo-Signature-V3": "bm90IGl0"}
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 403


def test_https_signature_fails_on_plain_http_without_public_base_url(plivo):
    fields = plivo_status()
    headers = plivo_headers(fields, url="https://abc123.ngrok.app/delivery")
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_report_signed_for_public_base_url_is_accepted_on_the_local_port(database_url):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "PUBLIC_BASE_URL": "https://abc123.ngrok.app"})
    fields = plivo_status()
    headers = plivo_headers(fields, url="https://abc123.ngrok.app/delivery")
    response = app.test_client().post("/delivery", data=fields, headers=headers,
                                      base_url="http://127.0.0.1:5000")
    assert response.status_code == 200


def test_public_base_url_with_a_different_port_is_403(database_url):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "PUBLIC_BASE_URL": "https://abc123.ngrok.app"})
    fields = plivo_status()
    headers = plivo_headers(fields, url="https://abc123.ngrok.app:8443/delivery")
    assert app.test_client().post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_trailing_slash_changes_the_signed_url(plivo):
    fields = plivo_status()
    headers = plivo_headers(fields, url="http://localhost/delivery/")
    assert plivo.post("/delivery", data=fields, headers=headers).status_code == 403


@pytest.mark.parametrize("trust_proxy, expected", [(True, 200), (False, 400)])
def test_proxy_headers_count_only_with_trust_proxy(database_url, trust_proxy, expected):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "TRUST_PROXY": trust_proxy,
                      "TRUSTED_HOSTS": ["localhost", "abc123.ngrok.app"]})
    fields = plivo_status()
    headers = {**plivo_headers(fields, url="https://abc123.ngrok.app/delivery"),
               "X-Forwarded-Proto": "https", "X-Forwarded-Host": "abc123.ngrok.app",
               "X-Forwarded-For": "203.0.113.9"}
    response = app.test_client().post("/delivery", data=fields, headers=headers)
    assert response.status_code == expected


def test_a_refused_callback_logs_the_reason_and_the_url_checked(plivo, caplog):
    fields = plivo_status()
    with caplog.at_level(logging.WARNING):
        plivo.post("/delivery", data=fields, headers=plivo_headers(fields, token="wrong"))
    assert "does not match PLIVO_AUTH_TOKEN" in caplog.text
    assert "checked against http://localhost/delivery" in caplog.text
    assert PLIVO_AUTH_TOKEN not in caplog.text


def test_the_app_refuses_to_start_without_an_auth_token(database_url):
    with pytest.raises(SystemExit, match="PLIVO_AUTH_TOKEN is not set"):
        create_app({"DATABASE_URL": database_url})


def test_allow_unsigned_callbacks_starts_with_a_warning_and_accepts_unsigned(database_url,
                                                                           caplog):
    with caplog.at_level(logging.WARNING):
        app = create_app({"DATABASE_URL": database_url, "ALLOW_UNSIGNED_CALLBACKS": True})
    assert "NOT checked" in caplog.text
    assert app.test_client().post("/delivery", data=plivo_status()).status_code == 200


def v2_only(headers):
    del headers["X-Plivo-Signature-V3"], headers["X-Plivo-Signature-V3-Nonce"]
    return headers


def test_a_v2_callback_with_a_changed_nonce_is_403(plivo_v2):
    fields = plivo_status()
    headers = {**v2_only(plivo_headers(fields)), "X-Plivo-Signature-V2-Nonce": "1"}
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 403
    assert not stored(plivo_v2)


def test_a_v2_callback_signed_for_another_url_is_403(plivo_v2):
    fields = plivo_status()
    headers = v2_only(plivo_headers(fields, url="http://localhost/other"))
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_v2_callback_without_its_nonce_is_403(plivo_v2):
    fields = plivo_status()
    headers = v2_only(plivo_headers(fields))
    del headers["X-Plivo-Signature-V2-Nonce"]
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 403


def test_a_v2_header_of_thousands_of_parts_is_403_without_checking_each(plivo_v2):
    fields = plivo_status()
    headers = v2_only(plivo_headers(fields))
    headers["X-Plivo-Signature-V2"] = ",".join(["bm90IGl0"] * 5000)
    response = plivo_v2.post("/delivery", data=fields, headers=headers)
    assert response.status_code == 403
    assert "more than 8 signatures" in response.text


def test_a_signed_head_request_is_403_not_an_sdk_exception(plivo):
    fields = plivo_status()
    response = plivo.head("/delivery", query_string=fields, headers=plivo_headers(fields))
    assert response.status_code == 403


def test_a_v2_nonce_whose_report_could_not_be_stored_is_let_in_again(plivo_v2, monkeypatch):
    """Plivo's retry of a 503 may carry the same nonce: it must not be taken for a replay."""
    store = plivo_v2.application.extensions["sms_store"]
    real_save = store.save

    def unavailable(report):
        monkeypatch.setattr(store, "save", real_save)
        raise StorageUnavailable("the database is down")

    monkeypatch.setattr(store, "save", unavailable)
    fields = plivo_status()
    headers = v2_only(plivo_headers(fields))
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 503
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 200
    assert plivo_v2.post("/delivery", data=fields, headers=headers).status_code == 403


# -- subaccounts: V3 with the subaccount's token, Ma-V3 with the main account's -------------------

MAIN_TOKEN, SUB_TOKEN = "MAIN-ZWY0ZjM4ZDY1ZmQ2NzZhOWE0YjBj", "SUB-NmQ2NzZhOWE0YjBjNWVjYzRiNjY1"


def subaccount_headers(fields, only_main=False):
    nonce = "31627761595286130198"
    headers = {"X-Plivo-Signature-Ma-V3": sign_v3("POST", PLIVO_URL, fields, nonce, MAIN_TOKEN),
               "X-Plivo-Signature-V3-Nonce": nonce}
    if not only_main:
        headers["X-Plivo-Signature-V3"] = sign_v3("POST", PLIVO_URL, fields, nonce, SUB_TOKEN)
    return headers


@pytest.mark.parametrize("token", [SUB_TOKEN, MAIN_TOKEN])
def test_a_subaccounts_callback_passes_with_either_accounts_token(database_url, token):
    client = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": token}).test_client()
    fields = payloads.plivo_status()
    assert client.post("/delivery", data=fields, headers=subaccount_headers(fields)).status_code \
        == 200


def test_only_ma_v3_with_the_subaccounts_token_is_refused_naming_the_main_accounts_token(
        database_url):
    client = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": SUB_TOKEN}).test_client()
    fields = payloads.plivo_status()
    response = client.post("/delivery", data=fields,
                           headers=subaccount_headers(fields, only_main=True))
    assert response.status_code == 403
    assert ("X-Plivo-Signature-Ma-V3 (made with the main account's Auth Token) does not match "
            "PLIVO_AUTH_TOKEN") in response.text
    assert "X-Plivo-Signature-V3 (" not in response.text


def test_a_refusal_names_both_headers_and_whose_token_each_needs(database_url):
    client = create_app({"DATABASE_URL": database_url,
                         "PLIVO_AUTH_TOKEN": "neither-token"}).test_client()
    fields = payloads.plivo_status()
    response = client.post("/delivery", data=fields, headers=subaccount_headers(fields))
    assert response.status_code == 403
    for words in ("X-Plivo-Signature-V3 (made with the Auth Token of the account or subaccount",
                  "X-Plivo-Signature-Ma-V3 (made with the main account's Auth Token)",
                  "do not match PLIVO_AUTH_TOKEN"):
        assert words in response.text
