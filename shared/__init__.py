"""The provider-neutral receiver core: a callback read (callback, hosts), what it means
(report), stored (schema, store, group_commit, outages), answered (receiver), and, here, the
settings: app.config when a host app set them, else the environment, which python-dotenv fills
from `.env` (`.env.example` lists every setting)."""

import os

from dotenv import load_dotenv

load_dotenv()

DEFAULT_DATABASE_URL = "sqlite:///sms.db"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, "").strip() or default


def env_flag(name: str) -> bool:
    return (env(name) or "").lower() in TRUE_WORDS


def setting(app, name: str, default: str | None = None) -> str | None:
    """A setting from app.config when the host app set it, else from the environment."""
    return app.config.get(name) or env(name, default)


def flag(app, name: str) -> bool:
    """A true/false setting: app.config (a bool or a word) first, else the environment."""
    value = app.config.get(name)
    if value is None or value == "":
        return env_flag(name)
    return value is True or str(value).strip().lower() in TRUE_WORDS


def database_url() -> str:
    return env("DATABASE_URL", DEFAULT_DATABASE_URL)


def public_base_url() -> str | None:
    """The address the provider calls (e.g. https://abc123.ngrok.app), without a trailing slash."""
    url = env("PUBLIC_BASE_URL")
    return url.rstrip("/") if url else None

