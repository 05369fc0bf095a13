import os

import pytest

from nexmo_app import create_app as create_vonage_app
from plivo_app import create_app as create_plivo_app
from tests.signing import PLIVO_AUTH_TOKEN, VONAGE_SIGNATURE_METHOD, VONAGE_SIGNATURE_SECRET

# A developer's .env must not change what the tests see, nor what their child processes see:
# set but empty, since python-dotenv never overrides a variable that is set, and the apps read
# an empty setting as unset.
SETTINGS = (
    "DATABASE_URL", "PUBLIC_BASE_URL", "TRUST_PROXY", "LOG_PAGE_PASSWORD", "LOG_FORMAT",
    "ALLOW_UNSIGNED_CALLBACKS", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_FROM_NUMBER",
    "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_FROM", "VONAGE_SIGNATURE_SECRET",
    "VONAGE_SIGNATURE_METHOD", "VONAGE_SIGNATURE_WINDOW_SECONDS", "ALERT_EMAIL_TO",
    "ALERT_EMAIL_FROM", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in SETTINGS:
        monkeypatch.setenv(name, "")


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database for each test: SQLite in a temp dir, unless the suite runs
    against a server (TEST_DATABASE_URL), in which case see tests/database.py."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        from tests.database import fresh_database
        with fresh_database(server) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path}/sms.db"


@pytest.fixture
def plivo_app(database_url):
    return create_plivo_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN})


@pytest.fixture
def vonage_app(database_url):
    return create_vonage_app({
        "DATABASE_URL": database_url, "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET,
        "VONAGE_SIGNATURE_METHOD": VONAGE_SIGNATURE_METHOD,
    })


@pytest.fixture
def plivo(plivo_app):
    return plivo_app.test_client()


@pytest.fixture
def vonage(vonage_app):
    return vonage_app.test_client()
