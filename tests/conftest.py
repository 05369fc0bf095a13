import os

import pytest

from shared.store import Store
from tests.signing import plivo_app_on, vonage_app_on

# A developer's .env must not change what the tests see, nor what their child processes see:
# set but empty, since python-dotenv never overrides a variable that is set, and the apps read
# an empty setting as unset.
SETTINGS = (
    "DATABASE_URL", "PUBLIC_BASE_URL", "TRUST_PROXY", "LOG_PAGE_PASSWORD", "LOG_FORMAT",
    "ALLOW_UNSIGNED_CALLBACKS", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN", "PLIVO_FROM_NUMBER",
    "VONAGE_API_KEY", "VONAGE_API_SECRET", "VONAGE_FROM", "VONAGE_SIGNATURE_SECRET",
    "VONAGE_SIGNATURE_METHOD", "VONAGE_SIGNATURE_WINDOW_SECONDS", "VONAGE_APPLICATION_ID",
    "VONAGE_PRIVATE_KEY", "ALERT_EMAIL_TO",
    "ALERT_EMAIL_FROM", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS",
    "TRUSTED_HOSTS", "PLIVO_ACCEPT_V2", "VONAGE_CALLBACK_TOKEN", "ALERT_PER_COUNTRY",
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
def store(database_url, monkeypatch):
    """The store on that database, its tables made; `python -m alerts` run in the test reads
    the same database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    store = Store(database_url)
    store.ensure_tables()
    return store


@pytest.fixture
def plivo_app(database_url):
    return plivo_app_on(database_url)


@pytest.fixture
def vonage_app(database_url):
    return vonage_app_on(database_url)


@pytest.fixture
def plivo(plivo_app):
    return plivo_app.test_client()


@pytest.fixture
def vonage(vonage_app):
    return vonage_app.test_client()
