"""`make run` (python -m tools.run) on a fresh clone: both apps up, with the demo's secrets."""

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port
from tools import local_secrets

ROOT = Path(__file__).resolve().parent.parent


def test_make_run_in_an_empty_folder_starts_both_apps_with_throwaway_secrets(tmp_path):
    ports = {"PLIVO_PORT": free_port(), "VONAGE_PORT": free_port()}
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", *local_secrets.SIGNING_SECRETS)}
    environment.update(PYTHONPATH=str(ROOT), **{k: str(v) for k, v in ports.items()})
    process = subprocess.Popen([sys.executable, "-m", "tools.run"], cwd=tmp_path,
                               env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        said = []
        for line in process.stdout:
            said.append(line)
            if "both apps answer" in line:
                break
        for port in ports.values():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                assert answer.status == 200
    finally:
        process.send_signal(signal.SIGTERM)  # `kill`: the apps stop with it
        process.wait(timeout=20)
    assert "wrote .env with throwaway local secrets" in said[0], said
    assert "both apps answer GET /healthz" in said[-1], said
    assert "PLIVO_AUTH_TOKEN=" in (tmp_path / ".env").read_text()
    for port in ports.values():
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_an_existing_dotenv_is_never_overwritten_and_a_missing_secret_is_for_this_run_only(
        tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PLIVO_AUTH_TOKEN=my-real-token\n")
    monkeypatch.delenv("PLIVO_AUTH_TOKEN")
    monkeypatch.delenv("VONAGE_SIGNATURE_SECRET")
    notes = local_secrets.prepare("make run", dotenv)
    assert dotenv.read_text() == "PLIVO_AUTH_TOKEN=my-real-token\n"
    assert os.environ["PLIVO_AUTH_TOKEN"] == "my-real-token"
    assert os.environ["VONAGE_SIGNATURE_SECRET"]
    assert notes == [notes[0]] and notes[0].startswith("VONAGE_SIGNATURE_SECRET is not in")
