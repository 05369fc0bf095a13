"""The production command (gunicorn with gunicorn.conf.py) keeps answering real callbacks while
slow clients hold connections open, well inside the 8 s Plivo waits before it retries."""

import socket
import threading
import time
import urllib.request

from tests.callbacks import status_callback
from tests.servers import running_app
from tests.signing import plivo_headers

SLOW_CLIENTS = 4
ANSWER_WITHIN = 3.0  # seconds; Plivo gives up on a callback after 8


def slow_loris(port: int, stop: threading.Event) -> socket.socket:
    """A connection that sends a request's head one byte at a time and never finishes it."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"POST /delivery HTTP/1.1\r\nHost: 127.0.0.1\r\n")

    def trickle():
        deadline = time.monotonic() + 30  # stops by itself whatever the test does
        while not stop.wait(0.5) and time.monotonic() < deadline:
            try:
                sock.sendall(b"X")
            except OSError:
                return

    threading.Thread(target=trickle, daemon=True).start()
    return sock


def test_a_signed_callback_should_be_answered_within_seconds_while_four_slow_clients_hang(
        database_url):
    command = ("-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", "127.0.0.1:{port}",
               "plivo_app:create_app()")
    with running_app("plivo_app", database_url, command=command) as (_, base_url):
        port = int(base_url.rsplit(":", 1)[1])
        stop = threading.Event()
        slow = [slow_loris(port, stop) for _ in range(SLOW_CLIENTS)]
        try:
            time.sleep(1)  # the slow clients' first bytes are in: each holds the server now
            fields = status_callback("delivered", sequence=3)
            url = f"{base_url}/delivery"
            data = urllib.request.Request(
                url, data=urllib.parse.urlencode(fields).encode(), method="POST",
                headers={**plivo_headers(fields, url=url),
                         "Content-Type": "application/x-www-form-urlencoded"})
            started = time.monotonic()
            with urllib.request.urlopen(data, timeout=10) as response:
                status = response.status
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            for sock in slow:
                sock.close()
    assert status == 200
    assert elapsed < ANSWER_WITHIN, f"answered after {elapsed:.1f} s"
