"""The SMS log shows phone numbers and texts: only this machine, or whoever has the password."""

import base64

import pytest

from plivo_app import create_app
from tests.callbacks import INBOUND_UUID, plivo_post
from tests.payloads import plivo_inbound
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers

PAGES = ("/messages", f"/messages/{INBOUND_UUID}", "/pictures", "/metrics")


def basic(password, user="anyone"):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def with_message(plivo):
    fields = plivo_inbound()
    assert plivo_post(plivo, fields).status_code == 200
    return plivo


@pytest.fixture
def locked(database_url):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "LOG_PAGE_PASSWORD": "s3cret-pages"})
    client = app.test_client()
    fields = plivo_inbound()
    plivo_post(client, fields)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_a_direct_loopback_request_sees_the_log(with_message, page):
    assert with_message.get(page, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_ipv6_loopback_sees_the_log(with_message, page):
    assert with_message.get(page, environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_another_machine_gets_401(with_message, page):
    response = with_message.get(page, environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 401
    assert "LOG_PAGE_PASSWORD" in response.text


@pytest.mark.parametrize("header, value", [
    ("X-Forwarded-For", "203.0.113.7"), ("Forwarded", "for=203.0.113.7"),
    ("X-Real-IP", "203.0.113.7"), ("X-Forwarded-Host", "localhost"),
    ("X-Forwarded-Proto", "https"), ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Server", "proxy.example"), ("X-Original-Host", "localhost"),
    ("CF-Connecting-IP", "203.0.113.7"), ("True-Client-IP", "203.0.113.7"),
    ("X-Original-Forwarded-For", "203.0.113.7"), ("Via", "1.1 proxy")])
def test_a_tunnelled_request_from_loopback_gets_401(with_message, header, value):
    """ngrok connects from 127.0.0.1 too, but says what it forwards."""
    response = with_message.get("/messages", headers={header: value},
                                environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401


def test_with_a_password_the_right_one_opens_the_log_from_anywhere(locked):
    response = locked.get("/messages", headers={**basic("s3cret-pages"),
                                                "X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 200


def test_with_a_password_loopback_alone_is_not_enough(locked):
    response = locked.get("/messages", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_wrong_password_gets_401(locked):
    response = locked.get(PAGES[1], headers=basic("guess"))
    assert response.status_code == 401


def test_healthz_stays_open(with_message):
    response = with_message.get("/healthz", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 200


def test_the_webhook_stays_open_to_the_internet(plivo):
    fields = plivo_inbound()
    response = plivo.post("/delivery", data=fields, headers=plivo_headers(fields),
                          environ_base={"REMOTE_ADDR": "18.215.142.38"})
    assert response.status_code == 200


def test_a_script_in_an_inbound_message_stays_text_on_the_page(plivo):
    fields = plivo_inbound(Text="<script>alert('x')</script><b>evil</b>")
    plivo_post(plivo, fields)
    for page in (PAGES[1] + "?format=html", "/messages"):
        html = plivo.get(page, headers={"Accept": "text/html"}).text
        assert "<script>alert" not in html
        assert "<b>evil</b>" not in html
    detail = plivo.get(PAGES[1], headers={"Accept": "text/html"}).text
    assert "&lt;script&gt;alert(" in detail


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "192.0.2.10"])
@pytest.mark.parametrize("page", PAGES)
def test_a_loopback_peer_with_another_host_gets_401(with_message, page, host):
    """DNS rebinding, `ssh -R`, a proxy that adds no forwarding header: all arrive from
    127.0.0.1 with a Host that is not a loopback name."""
    response = with_message.get(page, headers={"Host": host},
                                environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code in (400, 401)
    assert "TRUSTED_HOSTS" in response.text or "LOG_PAGE_PASSWORD" in response.text


@pytest.mark.parametrize("host", ["localhost:5000", "127.0.0.1:5001", "[::1]:5000"])
def test_a_loopback_peer_with_a_loopback_host_and_port_sees_the_log(with_message, host):
    response = with_message.get("/messages", headers={"Host": host},
                                environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200


def test_a_loopback_peer_with_a_public_host_the_app_trusts_still_gets_401(database_url):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "PUBLIC_BASE_URL": "https://abc123.ngrok.app"})
    response = app.test_client().get("/messages", headers={"Host": "abc123.ngrok.app"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401
    assert "LOG_PAGE_PASSWORD" in response.text


@pytest.mark.parametrize("page", PAGES)
def test_the_log_pages_send_nosniff_a_content_security_policy_and_no_framing(with_message,
                                                                              page):
    for accept in ("text/html", "application/json"):
        response = with_message.get(page, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"


def test_a_refusal_of_the_log_carries_the_headers_too(with_message):
    response = with_message.get("/messages", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 401
    assert response.headers["X-Frame-Options"] == "DENY"
