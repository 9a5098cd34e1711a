"""Storing an adapter's call records as platform API log rows."""

from sqlalchemy import delete, insert

from extensions import db
from models import ApiLog
from models.base import utcnow


class ApiLogRecorder:
    """Collects an adapter's calls and writes them with the run's next commit.

    Rows are written in one insert per flush; the adapter has already removed secrets
    from each record's path and reason.
    """

    def __init__(self, account_id, job_id=None):
        self.account_id = account_id
        self.job_id = job_id
        self.pending = []
        self.failures = 0

    def __call__(self, record):
        self.pending.append(
            {
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
        )
        if not record.ok:
            self.failures += 1

    def flush(self):
        """Add the pending rows to the current transaction."""
        if self.pending:
            rows, self.pending = self.pending, []
            db.session.execute(insert(ApiLog), rows)


def prune(before):
    """Delete API log rows older than ``before``; return how many went."""
    result = db.session.execute(delete(ApiLog).where(ApiLog.created_at < before))
    db.session.commit()
    return result.rowcount
