"""One row per call made to a platform: what, when, how long, status, failure reason."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

KINDS = ("connection", "token", "orders", "products", "locations", "stock")


class ApiLog(db.Model):
    __tablename__ = "api_logs"
    __table_args__ = (
        Index("ix_api_logs_account_newest", "account_id", "created_at", "id"),
        Index("ix_api_logs_newest", "created_at"),
        # an account page's recent failed calls, read without a healthy account's
        # other calls; the condition is the one SQLAlchemy writes for ok.is_(False)
        Index(
            "ix_api_logs_account_failed",
            "account_id",
            "created_at",
            "id",
            postgresql_where=text("ok IS false"),
            sqlite_where=text("ok IS 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("ec_accounts.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(10))
    # the path and query with every secret removed; never a full URL with a token
    path: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account = relationship("EcAccount")
