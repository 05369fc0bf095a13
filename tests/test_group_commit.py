"""Group commit: reports saved at the same moment share a transaction, and each thread is
answered with its own result only after the commit that holds its report."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from shared.group_commit import GroupCommit
from shared.outages import StorageUnavailable
from shared.report import Report
from shared.store import Store
from tests.codes import CODES
from tests.stored import event_count


class Recorder:
    """A write function that holds its first transaction until every thread has queued."""

    def __init__(self, queued: threading.Event, fail_on=None):
        self.queued, self.fail_on = queued, fail_on
        self.batches: list[list] = []
        self.committed: set = set()

    def __call__(self, items):
        self.queued.wait(5)
        self.batches.append(list(items))
        if self.fail_on is not None and self.fail_on in items:
            raise self.fail_on_error(self.fail_on)
        self.committed.update(items)
        return [f"stored {item}" for item in items]

    fail_on_error = ValueError


def submit_all(group: GroupCommit, items, queued: threading.Event, recorder: Recorder):
    """Submits each item from a thread of its own; returns each one's result or error."""
    outcomes = {}

    def one(item):
        try:
            outcomes[item] = group.submit(item)
            assert item in recorder.committed  # answered only once committed
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[item] = error

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    while len(group._queue) < len(items) - 1:  # the first is writing, the others queued
        threading.Event().wait(0.01)
    queued.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_reports_queued_while_one_commits_should_share_the_next_commit():
    queued = threading.Event()
    recorder = Recorder(queued)
    group = GroupCommit(recorder)
    outcomes = submit_all(group, list(range(10)), queued, recorder)
    assert outcomes == {n: f"stored {n}" for n in range(10)}
    assert len(recorder.batches) == 2  # the first report alone, then the nine that queued
    assert sorted(len(batch) for batch in recorder.batches) == [1, 9]


def test_a_report_that_fails_should_fail_only_itself_not_the_others_of_its_commit():
    queued = threading.Event()
    recorder = Recorder(queued, fail_on=5)
    group = GroupCommit(recorder)
    outcomes = submit_all(group, list(range(8)), queued, recorder)
    assert isinstance(outcomes.pop(5), ValueError)
    assert outcomes == {n: f"stored {n}" for n in range(8) if n != 5}


def test_an_unavailable_database_should_fail_the_whole_commit_without_retrying_each_report():
    queued = threading.Event()
    recorder = Recorder(queued, fail_on=5)
    recorder.fail_on_error = StorageUnavailable
    group = GroupCommit(recorder, isolated=lambda error: not isinstance(error, StorageUnavailable))
    outcomes = submit_all(group, list(range(8)), queued, recorder)
    failed = [n for n, outcome in outcomes.items() if isinstance(outcome, StorageUnavailable)]
    assert len(failed) == 7 and 5 in failed  # the batch that held report 5, nothing else
    assert len(recorder.batches) == 2


def test_reports_that_waited_through_an_outage_should_fail_with_it_not_wait_again():
    # Each attempt waits out the database (SQLite's busy timeout, a connect timeout) before it
    # fails: queued behind it, every report must get its 503 within about one such wait.
    attempt_seconds = 0.3

    def down(items):
        threading.Event().wait(attempt_seconds)
        raise StorageUnavailable("database is locked")

    group = GroupCommit(down, isolated=lambda error: not isinstance(error, StorageUnavailable))
    started = time.monotonic()
    answered = []

    def one(item):
        try:
            group.submit(item)
        except StorageUnavailable:
            answered.append(time.monotonic() - started)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
        threading.Event().wait(0.02)  # they arrive one after another, during the attempt
    for thread in threads:
        thread.join(10)
    assert len(answered) == 12
    # All arrived during the first attempt: they fail with it, not after a second one.
    assert max(answered) < 1.5 * attempt_seconds


def report(n: int, status: str = "sent") -> Report:
    return Report(codes=CODES["plivo"], kind="DLR", message_id=f"m-{n}", status=status,
                  fields={"MessageUUID": f"m-{n}", "Status": status})


def test_a_store_saving_from_many_threads_should_answer_each_report_with_its_own_state(
        database_url):
    store = Store(database_url)
    store.ensure_tables()
    reports = [report(n, "delivered" if n % 2 else "sent") for n in range(60)]
    reports += [report(7, "delivered")]  # a provider's retry of report 7, sent at once
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(store.save, reports))
    assert [r for n, r in enumerate(results[:60]) if n != 7] == [
        ("delivered" if n % 2 else "sent", False) for n in range(60) if n != 7]
    assert {results[7], results[60]} == {(None, True), ("delivered", False)}  # stored once
    assert event_count(store) == 60
    assert store._group.batches <= 61


def test_saves_sharing_a_commit_with_a_report_the_database_refuses_should_still_be_stored(
        database_url):
    threads = 8
    store = Store(database_url)
    store.ensure_tables()
    good = [report(n) for n in range(threads)]
    bad = Report(codes=CODES["plivo"], kind="DLR", message_id="m-bad", status="sent",
                 fields={"MessageUUID": "m-bad"}, received_at=None)  # NOT NULL refuses it
    with ThreadPoolExecutor(threads + 1) as pool:
        futures = [pool.submit(store.save, r) for r in [*good, bad]]
    assert [f.result() for f in futures[:-1]] == [("sent", False)] * threads
    assert futures[-1].exception() is not None
    assert event_count(store) == threads
