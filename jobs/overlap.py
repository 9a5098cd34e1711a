"""Overlapping a job's platform calls with its database writes.

A stock push alternates between waiting on the platform (a batch request) and
recording that batch's outcomes. :class:`ReadAhead` walks the platform side in a
thread of its own, at most ``depth`` batches ahead of the job, so batch n is recorded
while batch n+1 is on the wire. The database session never leaves the job's thread:
when the platform side calls back into the job (a renewed token to store), the call
is handed to the job's thread, which runs it between two batches, and the platform
side waits for its answer.

When the job stops early (its write failed, the account went away), the platform
side stops before its next call; a call already on the wire finishes first.
"""

import logging
import queue
import threading

logger = logging.getLogger(__name__)

# how long the job waits, after stopping, for a call already on the wire to end
STOP_WAIT_SECONDS = 5
# how often a blocked side looks whether the other has stopped
POLL_SECONDS = 0.1

_ITEM, _CALL, _ERROR, _END = "item", "call", "error", "end"


class Stopped(Exception):
    """The job stopped reading; the platform side must not go on."""


class _Call:
    """A function the platform side asked the job's thread to run."""

    def __init__(self, function, args, kwargs):
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.taken = False
        self.done = threading.Event()
        self.result = None
        self.error = None

    def run(self):
        self.taken = True
        try:
            self.result = self.function(*self.args, **self.kwargs)
        except BaseException as error:
            self.error = error
            raise
        finally:
            self.done.set()


class ReadAhead:
    """Iterate ``source`` in a thread of its own, at most ``depth`` items ahead.

    Use it as a context manager and iterate it in the job's thread; an exception
    raised by ``source`` is raised again there, where the item would have been.
    """

    def __init__(self, source, depth=1, name="read-ahead"):
        self._source = source
        self._queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)

    # the platform side

    def _put(self, entry):
        """Hand ``entry`` to the job; False when the job stopped reading."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self):
        try:
            for item in self._source:
                if not self._put((_ITEM, item)):
                    return
        except Stopped:
            return
        except BaseException as error:
            self._put((_ERROR, error))
        else:
            self._put((_END, None))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()

    def in_job_thread(self, function):
        """``function``, made to run in the job's thread whoever calls it."""

        def call(*args, **kwargs):
            if threading.current_thread() is not self._thread:
                return function(*args, **kwargs)
            request = _Call(function, args, kwargs)
            if not self._put((_CALL, request)):
                raise Stopped("The job stopped before it could take the call.")
            while not request.done.wait(POLL_SECONDS):
                # once stopped, the job takes nothing more from the queue
                if self._stop.is_set() and not request.taken:
                    raise Stopped("The job stopped before it could take the call.")
            if request.error is not None:
                raise request.error
            return request.result

        return call

    # the job's side

    def __enter__(self):
        self._thread.start()
        return self

    def __iter__(self):
        while True:
            kind, value = self._queue.get()
            if kind == _ITEM:
                yield value
            elif kind == _CALL:
                value.run()
            elif kind == _ERROR:
                raise value
            else:
                return

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(STOP_WAIT_SECONDS)
        if self._thread.is_alive():
            logger.warning(
                "%s: a platform call was still running %s s after the job stopped; "
                "it ends on its own timeout",
                self._thread.name,
                STOP_WAIT_SECONDS,
            )
