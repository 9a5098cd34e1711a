"""Storing an adapter's call records as platform API log rows."""

import threading

from sqlalchemy import delete, insert

from extensions import db
from models import ApiLog
from models.base import utcnow

# built once, since a recorder writes after every batch of a long job
INSERT_ROWS = insert(ApiLog.__table__)


class ApiLogRecorder:
    """Collects an adapter's calls and writes them with the run's next commit.

    Rows are written in one insert per flush; the adapter has already removed secrets
    from each record's path and reason. Records may arrive from another thread than
    the one that flushes (platform calls made ahead of a job's writes).
    """

    def __init__(self, account_id, job_id=None):
        self.account_id = account_id
        self.job_id = job_id
        self.pending = []
        self._lock = threading.Lock()

    def __call__(self, record):
        row = {
            "account_id": self.account_id,
            "kind": record.kind,
            "method": record.method,
            "path": record.path,
            "status_code": record.status_code,
            "ok": record.ok,
            "failure_reason": record.failure_reason,
            "duration_ms": record.duration_ms,
            "job_id": self.job_id,
            "created_at": utcnow(),
        }
        with self._lock:
            self.pending.append(row)

    def flush(self):
        """Add the pending rows to the current transaction."""
        with self._lock:
            rows, self.pending = self.pending, []
        if rows:
            db.session.execute(INSERT_ROWS, rows)


def prune(before):
    """Delete API log rows older than ``before``; return how many went."""
    result = db.session.execute(delete(ApiLog).where(ApiLog.created_at < before))
    db.session.commit()
    return result.rowcount
