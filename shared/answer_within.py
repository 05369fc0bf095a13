"""PostgreSQL connections that give up on a database that stops answering mid-conversation.

libpq bounds connecting (`connect_timeout`), not a query: a server that stops answering on an
open connection (packets dropped without a word, a frozen server or proxy) held the callback
until gunicorn killed the worker, 30 s, far past Plivo's 8 s. psycopg's waits take a timeout its
cursors never pass; this connection passes one while `answer_within(seconds)` is in force.
When it runs out, the connection is closed (mid-query, its state is unknown), which reads as a
disconnect: SQLAlchemy drops it, and the store tries once more on a new connection before 503.
"""

import contextlib
import contextvars

import psycopg
from psycopg import errors

# Only the threads that answer a provider set a bound: the log pages' queries over a large
# store may take as long as they need.
_bound: contextvars.ContextVar[float | None] = contextvars.ContextVar("answer_within",
                                                                      default=None)


@contextlib.contextmanager
def answer_within(seconds: float):
    """Every wait on a BoundedConnection in this block ends after `seconds`."""
    token = _bound.set(seconds)
    try:
        yield
    finally:
        _bound.reset(token)


class BoundedConnection(psycopg.Connection):
    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is not None or _bound.get() is None:
            return super().wait(gen, interval=interval, timeout=timeout)
        bound = _bound.get()
        try:
            return super().wait(gen, interval=interval, timeout=bound)
        except errors._WaitTimeout:  # psycopg's "the wait ran out" (pinned; tests catch a rename)
            self.close()
            raise errors.OperationalError(
                f"the database did not answer within {bound:g} s") from None


def connect(dialect, connection_record, cargs, cparams):
    """SQLAlchemy's `do_connect` event: the dialect's arguments, this class."""
    return BoundedConnection.connect(*cargs, **cparams)
