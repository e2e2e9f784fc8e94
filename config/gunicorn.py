"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

With PROMETHEUS_MULTIPROC_DIR set (docs/operations.md), each gunicorn worker writes its
metrics to files there, and /metrics adds them up; a worker that exits is marked dead so
that its live gauges are dropped (its counters are kept).
"""

import os

from prometheus_client import multiprocess


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
