"""Platform calls made ahead of a job's writes, in a thread of their own."""

import threading
import time

import pytest

from jobs.overlap import ReadAhead


class Source:
    """Batches made on demand, noting the thread that made each."""

    def __init__(self, count, fail_at=None):
        self.count = count
        self.fail_at = fail_at
        self.made = []
        self.threads = set()
        self.closed = threading.Event()

    def __iter__(self):
        try:
            for number in range(self.count):
                self.threads.add(threading.get_ident())
                if number == self.fail_at:
                    raise ValueError(f"batch {number} was refused")
                self.made.append(number)
                yield number
        finally:
            self.closed.set()


def test_batches_arrive_in_order_from_another_thread():
    source = Source(25)
    with ReadAhead(iter(source)) as ahead:
        received = list(ahead)

    assert received == list(range(25))
    assert threading.get_ident() not in source.threads
    assert source.closed.is_set()


def test_a_failure_of_the_platform_side_is_raised_where_its_batch_would_be():
    received = []
    with pytest.raises(ValueError, match="batch 3 was refused"):
        with ReadAhead(iter(Source(10, fail_at=3))) as ahead:
            for batch in ahead:
                received.append(batch)

    assert received == [0, 1, 2]


def test_a_job_that_stops_early_stops_the_platform_side():
    source = Source(1000)
    with pytest.raises(RuntimeError):
        with ReadAhead(iter(source), depth=1) as ahead:
            for batch in ahead:
                if batch == 4:
                    # the job's write of batch 4 fails
                    raise RuntimeError("the database went away")

    assert source.closed.wait(5)
    # batch 5 may be waiting in the queue and batch 6 on the wire; nothing after
    assert len(source.made) <= 7


def test_callbacks_from_the_platform_side_run_in_the_job_thread():
    job_thread = threading.get_ident()
    stored = []

    def store(token):
        stored.append((token, threading.get_ident()))
        return f"stored {token}"

    answers = []

    def batches():
        for number in range(3):
            # a renewed token, handed back to the job as a platform call goes out
            answers.append(ahead.in_job_thread(store)(f"token-{number}"))
            yield number

    ahead = ReadAhead(batches())
    with ahead:
        received = list(ahead)

    assert received == [0, 1, 2]
    assert stored == [(f"token-{n}", job_thread) for n in range(3)]
    assert answers == ["stored token-0", "stored token-1", "stored token-2"]


def test_a_failing_callback_fails_both_sides():
    def store(token):
        raise OSError("the database refused the token")

    seen_by_platform = []

    def batches():
        try:
            ahead.in_job_thread(store)("token")
        except OSError as error:
            seen_by_platform.append(str(error))
            raise
        yield 1

    ahead = ReadAhead(batches())
    with pytest.raises(OSError, match="refused the token"):
        with ahead:
            list(ahead)

    deadline = time.monotonic() + 5
    while not seen_by_platform and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen_by_platform == ["the database refused the token"]


def test_called_from_the_job_thread_a_callback_runs_at_once():
    ahead = ReadAhead(iter(()))
    assert ahead.in_job_thread(lambda: threading.get_ident())() == (
        threading.get_ident()
    )
