"""A small load generator for when wrk is not installed, and for fixed-count runs (the memory
check, the bursts): replays the raw requests of tools.bench_requests over plain sockets, to
this machine only (127.0.0.1).

run(): each of `connections` threads sends records k, k+C, k+2C… one connection per request,
closed once the answer is complete, so what was sent is known exactly.
burst(): every record on a connection of its own, all opened at once, as a provider's backlog
of callbacks arrives after an outage; each answer is awaited for a bounded time.
"""

import errno
import resource
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"
MAX_BURST = 10_000  # connections at once; the bench's largest burst is 2,000


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


def _loopback_only(address: tuple[str, int]) -> None:
    if address[0] != LOOPBACK:
        raise ValueError(f"tools.loadgen talks to {LOOPBACK} only, not {address[0]}")


def run(address: tuple[str, int], records: list[bytes], connections: int,
        seconds: float | None = None, timeout: float = 30.0) -> Result:
    """Sends every record once (or until `seconds` have passed) over `connections` threads."""
    _loopback_only(address)
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


def raise_open_file_limit(needed: int) -> bool:
    """Raises this process's open-file limit to `needed` if it is lower, as far as the hard
    limit allows (processes started afterwards inherit it). Whether it now allows `needed`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return True
    soft = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft >= needed


@dataclass
class Answer:
    status: int | None  # None: no complete answer (see error)
    seconds: float  # from the start of the burst to the answer, or to the failure
    error: str = ""


@dataclass
class _Exchange:
    index: int
    unsent: bytes
    received: bytes = b""


def burst(address: tuple[str, int], records: list[bytes], timeout: float) -> list[Answer]:
    """Opens one connection per record, all at once, sends each its record, and waits for the
    answers: one Answer per record, in order. Whatever has no answer `timeout` seconds after
    the start is given up (error "no answer within …"). One thread, non-blocking sockets."""
    _loopback_only(address)
    if len(records) > MAX_BURST:
        raise ValueError(f"a burst of {len(records)} connections; at most {MAX_BURST}")
    if not raise_open_file_limit(len(records) + 64):
        raise OSError(f"the open-file limit is below the {len(records)} connections asked for")
    answers: list[Answer | None] = [None] * len(records)
    pending: dict[socket.socket, _Exchange] = {}
    selector = selectors.DefaultSelector()
    began = time.monotonic()

    def finish(sock: socket.socket, status: int | None, error: str = "") -> None:
        answers[pending.pop(sock).index] = Answer(status, time.monotonic() - began, error)
        selector.unregister(sock)
        sock.close()

    for index, raw in enumerate(records):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        code = sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            answers[index] = Answer(None, time.monotonic() - began, errno.errorcode.get(code, ""))
            continue
        pending[sock] = _Exchange(index, raw)
        selector.register(sock, selectors.EVENT_WRITE)  # writable once connected
    deadline = began + timeout
    while pending and (left := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(left):
            sock = key.fileobj
            exchange = pending[sock]
            try:
                if exchange.unsent:
                    exchange.unsent = exchange.unsent[sock.send(exchange.unsent):]
                    if not exchange.unsent:
                        selector.modify(sock, selectors.EVENT_READ)
                    continue
                chunk = sock.recv(65536)
            except OSError as err:
                finish(sock, None, type(err).__name__)
                continue
            exchange.received += chunk
            if _complete(exchange.received):
                head = exchange.received.split(b"\r\n", 1)[0].split()
                status = int(head[1]) if len(head) > 1 and head[1].isdigit() else None
                finish(sock, status, "" if status else "not an HTTP answer")
            elif not chunk:
                finish(sock, None, "closed without a complete answer")
    for sock in list(pending):
        finish(sock, None, f"no answer within {timeout:g} s")
    selector.close()
    return answers
