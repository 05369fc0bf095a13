"""A small load generator for when wrk is not installed, and for fixed-count runs (the memory
check, the SQLite burst): replays the raw requests of tools.bench_requests over plain sockets.

Each of `connections` threads sends records k, k+C, k+2C… one connection per request, closed
once the answer is complete, so what was sent is known exactly.
"""

import socket
import threading
import time
from dataclasses import dataclass, field


def read_records(path: str) -> list[bytes]:
    records = []
    with open(path, "rb") as file:
        while length := file.readline():
            records.append(file.read(int(length)))
    return records


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, of answered requests
    statuses: dict[int, int] = field(default_factory=dict)
    socket_errors: int = 0
    sent: list[int] = field(default_factory=list)  # per thread: how many of its records

    @property
    def non2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def _exchange(address: tuple[str, int], raw: bytes, timeout: float) -> int:
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if _complete(b"".join(chunks)):  # the head and the body may come apart
                break
    head = b"".join(chunks).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def _complete(response: bytes) -> bool:
    head, separator, body = response.partition(b"\r\n\r\n")
    if not separator:
        return False
    status = head.split(b" ", 2)[1] if head.count(b" ") else b""
    if status == b"204" or status == b"304" or status.startswith(b"1"):
        return True  # no body, so no Content-Length; a kept-alive connection stays open
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def run(address: tuple[str, int], records: list[bytes], connections: int,
        seconds: float | None = None, timeout: float = 30.0) -> Result:
    """Sends every record once (or until `seconds` have passed) over `connections` threads."""
    result = Result(sent=[0] * connections)
    lock = threading.Lock()
    began = time.monotonic()
    deadline = None if seconds is None else began + seconds

    def work(k: int) -> None:
        latencies, statuses, errors = [], {}, 0
        for index in range(k, len(records), connections):
            if deadline is not None and time.monotonic() >= deadline:
                break
            result.sent[k] += 1
            started = time.monotonic()
            try:
                status = _exchange(address, records[index], timeout)
            except (OSError, ValueError, IndexError):
                errors += 1
                continue
            latencies.append(time.monotonic() - started)
            statuses[status] = statuses.get(status, 0) + 1
        with lock:
            result.latencies.extend(latencies)
            result.socket_errors += errors
            for status, n in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [threading.Thread(target=work, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    result.requests = len(result.latencies)
    return result
