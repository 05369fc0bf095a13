"""Posting each callback at its time, and retrying it as the provider would.

Every report is independent, as at the providers: a report whose first attempt failed is retried
on the provider's schedule while later reports of the same message go out on time (which is how
real receivers see a `delivered` before its `sent`). Waits never hold a connection: a scheduler
keeps the due attempts in a heap and hands them to at most `concurrency` workers.
"""

import heapq
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from simulator.model import FakeProvider, SimulatedMessage, Step

SCALED_TIMEOUT_FLOOR = 2.0  # below this a compressed timeout measures the machine, not the app
LONG_WAIT = 3.0  # seconds of silence worth announcing (on_wait)


@dataclass
class Attempt:
    number: int  # 0 for the first try, 1 for the first retry…
    started: float  # seconds since the run began
    status: int | None  # None: no answer (refused connection, timeout)
    latency: float | None  # seconds until the answer
    answer: str  # the first line of the body, or what went wrong

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Delivery:
    """One report and everything that happened to it."""
    step: Step
    attempts: list[Attempt] = field(default_factory=list)
    given_up: bool = False

    @property
    def acknowledged(self) -> bool:
        return any(a.acknowledged for a in self.attempts)


class Deliverer:
    def __init__(self, provider: FakeProvider, url: str, *, time_scale: float = 1.0,
                 concurrency: int = 10, timeout: float | None = None, http_method: str = "POST",
                 on_attempt=None, on_wait=None):
        self.provider, self.url, self.http_method = provider, url, http_method
        self.time_scale, self.concurrency = time_scale, max(1, concurrency)
        self.timeout = timeout if timeout is not None else max(
            provider.retry.timeout * time_scale, min(provider.retry.timeout, SCALED_TIMEOUT_FLOOR))
        self.on_attempt = on_attempt or (lambda delivery, attempt: None)
        # Called with (delivery, seconds) when nothing is in flight and the next report is not
        # due for LONG_WAIT seconds or more, so a real-time run says what it waits for.
        self.on_wait = on_wait or (lambda delivery, seconds: None)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _attempt(self, delivery: Delivery, number: int, began: float) -> Attempt:
        request = self.provider.request(self.url, delivery.step.fields, self.http_method)
        started = time.monotonic()
        try:
            response = self._session().request(
                request.method, request.url, headers=request.headers, data=request.data,
                json=request.json, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            return Attempt(number, started - began, None, None,
                           f"no answer within {self.timeout:g} s")
        except requests.ConnectionError as err:
            reason = getattr(err.args[0], "reason", err) if err.args else err
            return Attempt(number, started - began, None, None, f"could not connect: {reason}")
        latency = time.monotonic() - started
        body = response.text.strip()
        answer = body.splitlines()[0][:80] if body else response.reason or ""
        return Attempt(number, started - began, response.status_code, latency, answer)

    def run(self, played: list[SimulatedMessage]) -> list[Delivery]:
        """Plays every step of every message; returns when each is acknowledged or given up."""
        began = time.monotonic()
        deliveries = [Delivery(step) for message in played for step in message.steps]
        order = itertools.count()
        due = [(d.step.at * self.time_scale, next(order), d, 0) for d in deliveries]
        heapq.heapify(due)
        gaps = self.provider.retry.gaps
        condition = threading.Condition()
        in_flight = 0

        def finished(delivery: Delivery, attempt: Attempt) -> None:
            nonlocal in_flight
            with condition:
                delivery.attempts.append(attempt)
                if not attempt.acknowledged:
                    retry = self.provider.retry.retries(attempt.status)
                    if retry and attempt.number < len(gaps):
                        at = attempt.started + gaps[attempt.number] * self.time_scale
                        heapq.heappush(due, (at, next(order), delivery, attempt.number + 1))
                    else:
                        delivery.given_up = True
            self.on_attempt(delivery, attempt)
            with condition:  # still in flight until shown, so on_wait comes after it
                in_flight -= 1
                condition.notify()

        def work(delivery: Delivery, number: int) -> None:
            try:
                attempt = self._attempt(delivery, number, began)
            except Exception as err:  # a bug must end the run, not hang it
                attempt = Attempt(number, time.monotonic() - began, None, None, repr(err))
            finished(delivery, attempt)

        announced = None
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool, condition:
            while due or in_flight:
                now = time.monotonic() - began
                if due and due[0][0] <= now and in_flight < self.concurrency:
                    _at, _n, delivery, number = heapq.heappop(due)
                    in_flight += 1
                    pool.submit(work, delivery, number)
                    continue
                wait = due[0][0] - now if due and in_flight < self.concurrency else None
                if wait and wait >= LONG_WAIT and not in_flight and announced is not due[0]:
                    announced = due[0]
                    self.on_wait(due[0][2], wait)
                condition.wait(timeout=wait)
        return deliveries
