"""SQLite writers queue on an OS lock: one at a time across processes and threads, and a forked
worker gets a lock of its own rather than sharing its parent's."""

import contextlib
import gc
import os
import select
import signal
import subprocess
import sys
import threading
import time

from sqlalchemy import create_engine

from shared.writer_lock import WriterLock, writer_lock

HOLD = 0.4


def _reads_within(fd: int, seconds: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], seconds)
    return os.read(fd, 1) if ready else b""


def test_a_writer_in_another_process_waits_until_the_lock_is_let_go(tmp_path):
    path = str(tmp_path / "sms.db-writer.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom shared.writer_lock import WriterLock\n"
         f"with WriterLock({path!r}):\n    print('held', flush=True)\n    time.sleep({HOLD})"],
        stdout=subprocess.PIPE, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert holder.stdout.readline() == b"held\n"
    started = time.monotonic()
    with WriterLock(path):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > HOLD / 2


def test_a_second_thread_waits_for_the_first(tmp_path):
    lock = WriterLock(str(tmp_path / "sms.db-writer.lock"))
    inside = []

    def write(name):
        with lock:
            inside.append(f"{name} in")
            time.sleep(0.05)
            inside.append(f"{name} out")

    threads = [threading.Thread(target=write, args=(n,)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inside in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


def test_a_forked_child_does_not_share_the_lock_its_parent_holds(tmp_path):
    lock = WriterLock(str(tmp_path / "sms.db-writer.lock"))
    readable, writable = os.pipe()
    with lock:
        pid = os.fork()
        if pid == 0:  # the child: a gunicorn worker forked while its parent writes
            try:
                with lock:
                    os.write(writable, b"x")
            finally:
                os._exit(0)
        try:
            assert _reads_within(readable, HOLD) == b""  # the child is still waiting
        except AssertionError:
            os.kill(pid, signal.SIGKILL)
            raise
    try:
        assert _reads_within(readable, 10) == b"x"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_database_in_a_missing_folder_is_left_for_sqlite_to_report(tmp_path):
    lock = WriterLock(str(tmp_path / "missing" / "sms.db-writer.lock"))
    with lock:
        pass  # no exception here: the write itself fails, with SQLite's own error (a 503)


def test_only_a_sqlite_file_gets_a_lock(tmp_path):
    assert isinstance(writer_lock(create_engine(f"sqlite:///{tmp_path}/sms.db")), WriterLock)
    assert not isinstance(writer_lock(create_engine("sqlite://")), WriterLock)
    assert not isinstance(
        writer_lock(create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")),
        WriterLock)


def test_a_lock_gives_its_descriptor_back_when_it_goes(tmp_path):
    path = str(tmp_path / "sms.db-writer.lock")

    def descriptors_of_the_lock_file():
        found = 0
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                found += os.readlink(f"/proc/self/fd/{fd}") == path
        return found

    locks = [WriterLock(path) for _ in range(50)]  # a Store per test, or per alerts check
    for lock in locks:
        with lock:
            pass
    assert descriptors_of_the_lock_file() == 50
    del locks, lock
    gc.collect()
    assert descriptors_of_the_lock_file() == 0
