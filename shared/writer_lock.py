"""One SQLite writer at a time, across threads and worker processes, waiting without polling.

SQLite lets one connection write at a time. A second writer gets SQLITE_BUSY, and its busy
timeout then sleeps and retries (1, 2, 5, 10… ms): under several gunicorn workers the cores sit
idle while writers sleep, and the benchmark measured half the throughput of the same writes
queued on an OS lock, which wakes the next writer the moment the first is done. SQLite has no
blocking wait and neither sqlite3 nor SQLAlchemy offers one, hence this by hand.

The lock is `flock` on a file beside the database (`sms.db-writer.lock`), never the database
file itself: closing any descriptor of that file would drop SQLite's own locks. flock is
advisory, and the busy timeout stays as the fallback for writers that do not take it (another
program, the alerts job). PostgreSQL has row locks and needs none of this.
"""

import contextlib
import fcntl
import os
import threading
import weakref

from sqlalchemy.engine import Engine

_locks: "weakref.WeakSet[WriterLock]" = weakref.WeakSet()


class WriterLock:
    def __init__(self, path: str):
        self.path = path
        self._file = None
        self._threads = threading.Lock()  # flock does not exclude threads sharing a descriptor
        _locks.add(self)

    def __enter__(self):
        self._threads.acquire()
        try:
            fd = self._descriptor()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *_):
        try:
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _descriptor(self):
        if self._file is None:
            try:
                self._file = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                # The database's folder is missing or read-only: SQLite reports that itself
                # (a 503) when the write is tried.
                return None
            self._close = weakref.finalize(self, os.close, self._file)  # when the Store goes
        return self._file

    def _after_fork(self) -> None:
        # A descriptor inherited through fork shares its lock with the parent, so it would
        # exclude nobody; and the parent's thread lock may have been held by another thread.
        # The child starts afresh. Closing its copy of the descriptor leaves the parent's lock
        # alone: flock is let go only by an unlock or when the last copy closes.
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._close()
        self._file = None
        self._threads = threading.Lock()


def _after_fork_in_child() -> None:
    for lock in list(_locks):
        lock._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


def writer_lock(engine: Engine):
    """The lock for this engine's writers: a WriterLock for a SQLite file, else nothing."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return contextlib.nullcontext()
    return WriterLock(os.path.abspath(database) + "-writer.lock")
