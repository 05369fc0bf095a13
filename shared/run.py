"""`make run`: both apps side by side (Plivo on 5000, Vonage on 5001) until Ctrl-C.

Each app runs in its own process, exactly as `python -m plivo_app` / `python -m nexmo_app`.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress

from shared.config import env

APPS = (("plivo_app", "PLIVO_PORT", "5000"), ("nexmo_app", "VONAGE_PORT", "5001"))


def start(module: str, port: str, extra_env: dict | None = None, log=None) -> subprocess.Popen:
    """`python -m module` on PORT; its output goes to `log` (a file) when given."""
    environment = {**os.environ, "PORT": str(port), **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", module], env=environment, stdout=log,
                            stderr=subprocess.STDOUT if log else None)


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(base_url: str, process: subprocess.Popen,
                       seconds: float = 30) -> str | None:
    """None once GET /healthz answers 200; otherwise why not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with status {process.returncode}"
        # Not up yet, or up with storage unavailable (503, an HTTPError): ask again.
        with suppress(OSError), urllib.request.urlopen(f"{base_url}/healthz", timeout=2):
            return None
        time.sleep(0.2)
    return f"did not answer {base_url}/healthz within {seconds:g} s"


def stop(processes: list[subprocess.Popen]) -> None:
    """Ctrl-C to every app at once, then a kill for any still running 10 s later."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    processes = [start(module, env(var, default)) for module, var, default in APPS]
    try:
        for process in processes:
            process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)
    return max((p.returncode or 0) for p in processes)


if __name__ == "__main__":
    raise SystemExit(main())
