"""Group commit: many threads' writes in one transaction, each thread answered after its commit.

Under gunicorn's gthread workers, requests of one process store reports at the same moment.
The first thread to arrive writes every write queued so far in one transaction, commits, and
wakes their threads; those arriving meanwhile queue for the next, written by the first of them.
No thread returns before the commit holding its write, so answering after `submit` still means
stored; and no background thread, so nothing to start after gunicorn forks.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any


class _Waiter:
    __slots__ = ("item", "done", "lead", "result", "error")

    def __init__(self, item):
        self.item = item
        self.done = threading.Event()
        self.lead = False  # woken to write the next transaction, not with a result
        self.result = None
        self.error: BaseException | None = None


class GroupCommit:
    """`submit(item)` returns `write(items)[i]` for its item, once the transaction is committed.

    `write` runs the items in one transaction and returns one result per item. When it raises,
    each item of a batch of several is written again on its own, so one bad report cannot fail
    the others (`isolated` says which errors are worth that: a database that is down is not).
    """

    def __init__(self, write: Callable[[Sequence], list],
                 isolated: Callable[[BaseException], bool] = lambda error: True):
        self._write, self._isolated = write, isolated
        self._lock = threading.Lock()
        self._queue: list[_Waiter] = []
        self._writing = False
        self.batches = 0  # transactions written, for the benchmark and the tests

    def submit(self, item) -> Any:
        waiter = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            lead = not self._writing
            self._writing = True
        if not lead:
            waiter.done.wait()
            if not waiter.lead:
                return _outcome(waiter)
        with self._lock:
            batch, self._queue = self._queue, []
        outage = None
        try:
            outage = self._run(batch)
        finally:
            with self._lock:
                waiting, self._queue = self._queue, []
                if outage is not None:
                    # The writes that queued meanwhile waited through the same failed attempt
                    # (up to the busy or connect timeout): they fail with it, at once, rather
                    # than each batch waiting that long again behind the last; the provider
                    # retries them. Every request so gets its 503 within one timeout.
                    for w in waiting:
                        w.error = outage
                        w.done.set()
                    waiting = []
                if waiting:  # the first thread that queued meanwhile writes next
                    self._queue = waiting
                    waiting[0].lead = True
                    waiting[0].done.set()
                else:
                    self._writing = False
        return _outcome(waiter)

    def _run(self, batch: list[_Waiter]) -> BaseException | None:
        """Writes the batch; returns the error when it failed for all (an outage), else None."""
        self.batches += 1
        outage = None
        try:
            results = self._write([w.item for w in batch])
        except BaseException as error:
            if not self._isolated(error):
                outage = error
            if len(batch) == 1 or outage is not None:
                for w in batch:
                    w.error = error
            else:
                for w in batch:
                    self._run([w])
        else:
            for w, result in zip(batch, results, strict=True):
                w.result = result
        for w in batch:
            w.done.set()
        return outage


def _outcome(waiter: _Waiter):
    if waiter.error is not None:
        raise waiter.error
    return waiter.result
