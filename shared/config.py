"""Settings from the environment, loaded from `.env` (python-dotenv). `.env.example` lists them."""

import os
import sys

from dotenv import load_dotenv

load_dotenv()

DEFAULT_DATABASE_URL = "sqlite:///sms.db"


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def env_flag(name: str) -> bool:
    return (env(name) or "").lower() in TRUE_WORDS


def database_url() -> str:
    return env("DATABASE_URL", DEFAULT_DATABASE_URL)


def public_base_url() -> str | None:
    """The address the provider calls (e.g. https://abc123.ngrok.app), without a trailing slash."""
    url = env("PUBLIC_BASE_URL")
    return url.rstrip("/") if url else None


def require(name: str, why: str) -> str:
    """A setting the program cannot run without: one line naming it, then exit status 2."""
    value = env(name)
    if value is None:
        print(f"{name} is not set: {why} (see .env.example)", file=sys.stderr)
        raise SystemExit(2)
    return value
