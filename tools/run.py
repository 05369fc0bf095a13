"""`make run`: both apps side by side (Plivo on 5000, Vonage on 5001) until Ctrl-C.

Each app runs in its own process, exactly as `python -m plivo_app` / `python -m nexmo_app`.
With no .env, the apps check signatures with the throwaway local secrets `make demo` makes
(tools.local_secrets), and it says so.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress

import nexmo_app
import plivo_app
from shared import env
from tools import local_secrets

APPS = (plivo_app, nexmo_app)


def start(module: str, port: str, extra_env: dict | None = None, log=None) -> subprocess.Popen:
    """`python -m module` on PORT; its output goes to `log` (a file) when given."""
    environment = {**os.environ, "PORT": str(port), **(extra_env or {})}
    if log:  # read back as UTF-8; on Windows a file would otherwise get the locale's code page
        environment["PYTHONIOENCODING"] = "utf-8"
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
            # Windows can send a child no SIGINT (only a console-wide Ctrl-C): stop it there.
            if os.name == "nt":
                process.terminate()
            else:
                process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl-C and `kill` both stop the apps too (a shell may start us with SIGINT ignored)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def main() -> int:
    stop_on_signals()
    for note in local_secrets.prepare("make run"):
        print(f"· {note}", flush=True)
    processes = []
    for app in APPS:
        port = env(app.PORT_VARIABLE, app.DEFAULT_PORT)
        print(f"· {app.__name__}: callbacks to http://127.0.0.1:{port}{app.PATH}, "
              f"the SMS log on http://127.0.0.1:{port}/messages ({app.PORT_VARIABLE} to move it)",
              flush=True)
        processes.append(start(app.__name__, port))
    try:
        for app, process in zip(APPS, processes, strict=True):
            port = env(app.PORT_VARIABLE, app.DEFAULT_PORT)
            problem = wait_until_healthy(f"http://127.0.0.1:{port}", process)
            if problem:
                print(f"{app.__name__} {problem}: see its output above.", file=sys.stderr)
                return 1
        print("· both apps answer GET /healthz; Ctrl-C stops them", flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)  # one app stopping (a crash, a port taken) stops the other
        return max(process.returncode for process in processes)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    raise SystemExit(main())
