"""`make run`: both apps side by side (Plivo on 5000, Vonage on 5001) until Ctrl-C.

Each app runs in its own process, exactly as `python -m plivo_app` / `python -m nexmo_app`.
"""

import os
import signal
import subprocess
import sys

from shared.config import env

APPS = (("plivo_app", "PLIVO_PORT", "5000"), ("nexmo_app", "VONAGE_PORT", "5001"))


def start(module: str, port: str, extra_env: dict | None = None) -> subprocess.Popen:
    environment = {**os.environ, "PORT": port, **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", module], env=environment)


def main() -> int:
    processes = [start(module, env(var, default)) for module, var, default in APPS]
    try:
        for process in processes:
            process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=10)
    return max((p.returncode or 0) for p in processes)


if __name__ == "__main__":
    raise SystemExit(main())
