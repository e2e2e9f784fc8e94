"""Queued tasks without a broker (``make run``, no REDIS_URL): one background thread in the
process that queued them runs them, so a request that queues work returns at once.

With Redis, Celery workers run every task and none of this is used. Without it, Celery's
eager mode would run each task inside the request that queued it (an award rendering every
contract PDF before the page answered). Here a task is handed to a single thread and run
through ``Task.apply``: the same tracer as eager mode, so ``on_failure`` records a failed
document, retries run at once (eagerly) and a task's result is kept nowhere.

One thread, not more: WeasyPrint is CPU-bound Python, so threads share one core through the
GIL (four documents took 25 s in a threaded Celery pool against 9 s prefork), and one writer
keeps SQLite's lock contention low. Work queued but not yet run is lost if the process
stops; the pending work is finished before a normal exit (a management command). Production
runs Celery workers on Redis (prefork), which redeliver what a dead worker held.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)


class BackgroundRunner:
    """A bounded pool of one thread that runs queued callables, each with fresh database
    connections (closed after it, as at the end of a request)."""

    def __init__(self, *, threads: int = 1) -> None:
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0

    def _pool(self) -> ThreadPoolExecutor:
        # Created on first use: nothing starts in processes that never queue a task.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._threads, thread_name_prefix="network-code-task"
            )
        return self._executor

    def submit(self, work: Callable[[], Any], *, name: str, delay: float = 0.0) -> None:
        """Run ``work`` in the background, after ``delay`` seconds if given (an ``eta``)."""
        if delay > 0:
            timer = threading.Timer(delay, self.submit, args=(work,), kwargs={"name": name})
            timer.daemon = True  # a scheduled job's sweep catches up if the process stops
            timer.start()
            return
        with self._lock:
            self._pending += 1
            future = self._pool().submit(self._run, work, name)
        future.add_done_callback(self._done)

    def _run(self, work: Callable[[], Any], name: str) -> Any:
        close_old_connections()
        try:
            return work()
        except Exception:
            # A task records its own failure (on_failure); this is what escaped even that.
            logger.exception("Background task %s failed", name)
            return None
        finally:
            # Closed outright, whatever CONN_MAX_AGE says: this thread's connections would
            # otherwise outlive the runner (and keep a test database from being dropped).
            connections.close_all()

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending -= 1
            self._idle.notify_all()

    @property
    def pending(self) -> int:
        """Tasks queued or running (not those waiting for their ``eta``)."""
        with self._lock:
            return self._pending

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running; False if ``timeout`` passed first."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


runner = BackgroundRunner()
