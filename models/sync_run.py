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
STATUSES = ("queued", "running", "succeeded", "partial", "failed")


class SyncRun(db.Model):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_account_action", "account_id", "action", "id"),)

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

    account = relationship("EcAccount")
    started_by = relationship("User")

    @property
    def progress_percent(self):
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
