"""The URL a signature is checked against is never the client's choice: the receivers answer
only the hosts they were told (TRUSTED_HOSTS, loopback by default, and PUBLIC_BASE_URL's)."""

import pytest

from nexmo_app import create_app as create_vonage_app
from plivo_app import create_app
from tests.callbacks import MESSAGE_UUID, VONAGE_PATH, stored_ids
from tests.payloads import plivo_status, vonage_receipt
from tests.signing import PLIVO_AUTH_TOKEN, VONAGE_SIGNATURE_SECRET, plivo_headers, vonage_signed
from tests.test_embedding import host_app


def plivo_client(database_url, **config):
    return create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                       **config}).test_client()


def assert_refused_naming_the_setting(response):
    assert response.status_code == 400, response.text
    assert "TRUSTED_HOSTS" in response.text and "PUBLIC_BASE_URL" in response.text


def test_a_report_plivo_signed_for_another_app_of_the_account_is_refused(database_url):
    client = plivo_client(database_url)
    fields = plivo_status()
    headers = {**plivo_headers(fields, url="https://other-app.example.com/delivery"),
               "Host": "other-app.example.com"}
    response = client.post("/delivery", data=fields, headers=headers,
                           base_url="https://other-app.example.com")
    assert_refused_naming_the_setting(response)
    assert MESSAGE_UUID not in stored_ids(client)


def test_trust_proxy_does_not_widen_the_trusted_hosts(database_url):
    client = plivo_client(database_url, TRUST_PROXY=True)
    fields = plivo_status()
    headers = {**plivo_headers(fields, url="https://other-app.example.com/delivery"),
               "X-Forwarded-Host": "other-app.example.com", "X-Forwarded-Proto": "https",
               "X-Forwarded-For": "203.0.113.9"}
    assert_refused_naming_the_setting(client.post("/delivery", data=fields, headers=headers))


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000"])
def test_the_loopback_names_are_trusted_by_default(database_url, host):
    client = plivo_client(database_url)
    fields = plivo_status()
    headers = plivo_headers(fields, url=f"http://{host}/delivery")
    # A server says which port it listens on; werkzeug's test client reads no port from an
    # IPv6 base_url ("[::1]:5000" gives SERVER_PORT 80), so it is given here.
    listening = host.rsplit(":", 1)[1] if host.endswith(":5000") else "80"
    assert client.post("/delivery", data=fields, headers=headers, base_url=f"http://{host}",
                       environ_overrides={"SERVER_PORT": listening}).status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1:9999", "localhost", "localhost:80"])
def test_a_host_naming_another_port_than_the_servers_is_refused(database_url, host):
    # Signed by Plivo for another app on this machine, at http://127.0.0.1:9999/delivery.
    client = plivo_client(database_url)
    fields = plivo_status()
    headers = {**plivo_headers(fields, url=f"http://{host}/delivery"), "Host": host}
    response = client.post("/delivery", data=fields, headers=headers,
                           base_url="http://127.0.0.1:5000")
    assert response.status_code == 400, response.text
    assert "this server listens on 5000" in response.text and "PUBLIC_BASE_URL" in response.text
    assert MESSAGE_UUID not in stored_ids(client)


@pytest.mark.parametrize("header, value", [("X-Forwarded-Proto", "https"),
                                           ("X-Forwarded-Ssl", "on")])
def test_a_scheme_header_without_trust_proxy_is_refused(database_url, header, value):
    # gunicorn believes these from 127.0.0.1 by default: the signed URL's scheme would be the
    # client's choice.
    client = plivo_client(database_url)
    fields = plivo_status()
    headers = {**plivo_headers(fields, url="https://127.0.0.1:5000/delivery"), header: value}
    response = client.post("/delivery", data=fields, headers=headers,
                           base_url="https://127.0.0.1:5000")
    assert response.status_code == 400, response.text
    assert header in response.text and "PUBLIC_BASE_URL" in response.text


def test_a_host_naming_the_servers_own_port_is_accepted(database_url):
    client = plivo_client(database_url)
    fields = plivo_status()
    headers = plivo_headers(fields, url="http://127.0.0.1:5000/delivery")
    assert client.post("/delivery", data=fields, headers=headers,
                       base_url="http://127.0.0.1:5000").status_code == 200


def test_public_base_url_is_the_one_line_the_ngrok_case_needs(database_url):
    client = plivo_client(database_url, PUBLIC_BASE_URL="https://abc123.ngrok.app")
    fields = plivo_status()
    headers = plivo_headers(fields, url="https://abc123.ngrok.app/delivery")
    response = client.post("/delivery", data=fields, headers=headers,
                           base_url="http://abc123.ngrok.app")
    assert response.status_code == 200, response.text


def test_trusted_hosts_from_the_environment_replace_the_default(database_url, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "sms.example.com, .example.org")
    client = plivo_client(database_url)
    fields = plivo_status()
    for host, expected in [("sms.example.com", 200), ("eu.example.org", 200),
                           ("localhost", 400), ("example.com", 400)]:
        headers = plivo_headers(fields, url=f"http://{host}/delivery")
        response = client.post("/delivery", data=fields, headers=headers,
                               base_url=f"http://{host}")
        assert response.status_code == expected, (host, response.text)


@pytest.mark.parametrize("host", ["evil.example", "bad host", "a\u00e9.example", ""])
def test_the_vonage_receiver_refuses_an_untrusted_host_too(database_url, host):
    client = create_vonage_app({"DATABASE_URL": database_url,
                                "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET}).test_client()
    response = client.post(VONAGE_PATH, data=vonage_signed(vonage_receipt()),
                           headers={"Host": host})
    assert_refused_naming_the_setting(response)


def test_healthz_answers_a_probe_by_the_instance_address(database_url):
    client = plivo_client(database_url)
    assert client.get("/healthz", headers={"Host": "10.1.2.3:5000"}).status_code == 200


def test_a_host_app_keeps_answering_its_own_routes_on_any_host(database_url):
    client = host_app(database_url).test_client()
    assert client.get("/", headers={"Host": "www.example.com"}).status_code == 200
    fields = plivo_status()
    response = client.post("/delivery", data=fields, headers={
        **plivo_headers(fields, url="http://www.example.com/delivery"), "Host": "www.example.com"})
    assert_refused_naming_the_setting(response)
