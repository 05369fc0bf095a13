"""Real servers on loopback ports: app processes (kill -9, concurrency) and in-thread servers
(simulators, a browser)."""

import contextlib
import os
import subprocess
import sys
import threading

from werkzeug.serving import make_server

from tests.signing import PLIVO_AUTH_TOKEN, VONAGE_SIGNATURE_METHOD, VONAGE_SIGNATURE_SECRET
from tools.run import free_port, wait_until_healthy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_app(module: str, database_url: str, port: int | None = None,
              extra_env: dict | None = None,
              command: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """`python -m plivo_app` (or nexmo_app) with test secrets; returns (process, base URL).
    `command` runs instead of `-m module`, with {port} filled in (gunicorn, say)."""
    port = port or free_port()
    environment = {
        **os.environ, "PORT": str(port), "DATABASE_URL": database_url,
        "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN, "VONAGE_SIGNATURE_SECRET": VONAGE_SIGNATURE_SECRET,
        "VONAGE_SIGNATURE_METHOD": VONAGE_SIGNATURE_METHOD, "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    arguments = [part.format(port=port) for part in command] or ["-m", module]
    process = subprocess.Popen([sys.executable, *arguments], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    problem = wait_until_healthy(base_url, process, 20)
    if problem:
        process.kill()
        raise RuntimeError(f"{module} {problem}")
    return process, base_url


@contextlib.contextmanager
def running_app(module: str, database_url: str, **kwargs):
    process, base_url = start_app(module, database_url, **kwargs)
    try:
        yield process, base_url
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def serving(wsgi_app):
    """Serves a WSGI app on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
