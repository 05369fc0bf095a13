"""The SMS log shows phone numbers and texts: only this machine, or whoever has the password."""

import base64

import pytest

from plivo_app import create_app
from tests.callbacks import INBOUND_UUID, plivo_post
from tests.payloads import plivo_inbound
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers

PAGES = ("/messages", f"/messages/{INBOUND_UUID}")


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


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_tunnelled_request_from_loopback_gets_401(with_message, header):
    """ngrok connects from 127.0.0.1 too, but says whom it forwards for."""
    response = with_message.get("/messages", headers={header: "203.0.113.7"},
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
    fields = plivo_inbound(Text="<script>alert('x')</script>", From="<b>evil</b>")
    plivo_post(plivo, fields)
    for page in (PAGES[1] + "?format=html", "/messages"):
        html = plivo.get(page, headers={"Accept": "text/html"}).text
        assert "<script>alert" not in html
        assert "<b>evil</b>" not in html
    detail = plivo.get(PAGES[1], headers={"Accept": "text/html"}).text
    assert "&lt;script&gt;alert(" in detail
