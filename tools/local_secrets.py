"""Throwaway local secrets, so `make demo` and `make run` work on a fresh clone.

The apps refuse to start without a signing secret: they check every callback, and so does the
demo. Sample-only code: on this machine, with no .env, both commands write one with secrets
made up here, which the apps check and the fake providers sign with (also when you run
`python -m plivo_app.simulate` by hand). A .env that exists is never overwritten; one that
lacks a secret gets a throwaway one for this run only. Put your real credentials in .env
before talking to Plivo or Vonage (.env.example lists every setting).
"""

import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

from shared import env, env_flag

SIGNING_SECRETS = ("PLIVO_AUTH_TOKEN", "VONAGE_SIGNATURE_SECRET")


def throwaway_secrets() -> dict[str, str]:
    return {
        "PLIVO_AUTH_ID": "MADEMO" + secrets.token_hex(7).upper(),  # MA + 18 characters
        "PLIVO_AUTH_TOKEN": secrets.token_urlsafe(30),
        "VONAGE_SIGNATURE_SECRET": secrets.token_urlsafe(30),
        "VONAGE_SIGNATURE_METHOD": "md5hash",
    }


def prepare(command: str, path: Path = Path(".env")) -> list[str]:
    """Loads `path`, writing it first when missing; returns one note per thing it made up."""
    notes = []
    if not path.exists():
        path.write_text(
            f"# Written by `{command}`: throwaway local secrets, so that the fake providers sign\n"
            "# their callbacks and the apps check them. Put your real credentials here before\n"
            "# talking to Plivo or Vonage; .env.example lists every setting.\n"
            + "".join(f"{name}={value}\n" for name, value in throwaway_secrets().items()),
            encoding="utf-8")
        notes.append(f"wrote {path} with throwaway local secrets (signatures are checked; "
                     "put your real ones there later)")
    load_dotenv(path)
    if env_flag("ALLOW_UNSIGNED_CALLBACKS"):
        return notes  # the apps then start without a secret, as asked
    made_up = throwaway_secrets()
    for name in SIGNING_SECRETS:
        if not env(name):
            os.environ[name] = made_up[name]
            notes.append(f"{name} is not in {path}: using a throwaway one for this run "
                         "(add one there to run the simulators by hand against these apps)")
    return notes
