"""A sync run: one execution of one action for one account, as a job reports it."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

ACTIONS = (
    "test_connection",
    "fetch_orders",
    "sync_mappings",
    "stock_sync",
    "inbound_push",
    "prune_api_logs",
)
TRIGGERS = ("manual", "bulk", "schedule", "restock", "credentials")
# "skipped": the job found nothing it may do (account deleted, disconnected, ...)
STATUSES = ("queued", "running", "succeeded", "partial", "failed", "skipped")
# how a run waiting for RQ's retry says so in its message
RETRY_PREFIX = "Will retry: "
FINAL_STATUSES = ("succeeded", "partial", "failed", "skipped")


class SyncRun(db.Model):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_account_action", "account_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("ec_accounts.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(30))
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    job_id: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the process working on the run (services.lost_runs.process_mark), so a run whose
    # worker died can be told from one still working
    runner: Mapped[str | None] = mapped_column(String(255))

    account = relationship("EcAccount")
    started_by = relationship("User")

    @property
    def finished(self):
        return self.status in FINAL_STATUSES

    @property
    def duration(self):
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def start(self, now=None):
        """Mark the run as working; a retried run counts its items afresh."""
        self.status = "running"
        self.started_at = self.started_at or now or utcnow()
        self.error = None
        # a retry works through everything again, so what earlier attempts counted goes
        self.succeeded = self.failed = self.skipped = self.total = 0
        self.progress_done = 0

    def advance(self, done=1, total=None):
        self.progress_done = (self.progress_done or 0) + done
        if total is not None:
            self.progress_total = total

    def count(self, succeeded=0, failed=0, skipped=0):
        self.succeeded = (self.succeeded or 0) + succeeded
        self.failed = (self.failed or 0) + failed
        self.skipped = (self.skipped or 0) + skipped
        self.total = self.succeeded + self.failed + self.skipped

    def finish(self, status=None, message=None, error=None, now=None):
        """End the run; without a status it is 'partial' when some items failed."""
        if status is None:
            status = (
                "partial"
                if self.failed and self.succeeded
                else ("failed" if self.failed else "succeeded")
            )
        self.status = status
        if message is not None:
            self.message = message
        elif (self.message or "").startswith(RETRY_PREFIX):
            # the retries are over: the note that one would come is no longer true
            self.message = None
        self.error = error
        self.finished_at = now or utcnow()
        if self.progress_total is not None and status == "succeeded":
            self.progress_done = self.progress_total

    @property
    def progress_percent(self):
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
