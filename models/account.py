"""EC accounts: one shop on one platform, and its shipping type mappings."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import credentials
from adapters import registry
from extensions import db
from models.base import UTCDateTime, utcnow

PENDING = "pending"
CONNECTED = "connected"
DISCONNECTED = "disconnected"
STATUSES = (PENDING, CONNECTED, DISCONNECTED)


class EcAccount(db.Model):
    __tablename__ = "ec_accounts"
    __table_args__ = (
        UniqueConstraint(
            "platform", "display_name", name="uq_ec_accounts_platform_name"
        ),
        CheckConstraint(
            "push_percentage >= 0 AND push_percentage <= 100",
            name="push_percentage_range",
        ),
        CheckConstraint(
            "status IN ('pending', 'connected', 'disconnected')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(30))
    # indexed for the account list, which is ordered by it
    display_name: Mapped[str] = mapped_column(String(100), index=True)
    sales_channel_id: Mapped[int] = mapped_column(
        ForeignKey("sales_channels.id", ondelete="RESTRICT")
    )
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fetch_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    fetch_slots: Mapped[list] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetch_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime)

    push_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    push_percentage: Mapped[int] = mapped_column(Integer, default=100)
    last_stock_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # the mapping health counts as of mappings_counted_at, recounted by every writer
    # of mappings (services.mapping_health); a new account has none, counted now
    mappings_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mappings_unmatched: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    mappings_never_pushed: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    mappings_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mappings_counted_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow
    )

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    sales_channel = relationship("SalesChannel", lazy="joined")
    shipping_mappings = relationship(
        "ShippingTypeMapping",
        back_populates="account",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ShippingTypeMapping.platform_code",
    )
    product_mappings = relationship(
        "ProductMapping",
        back_populates="account",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="dynamic",
    )

    def __str__(self):
        return self.display_name

    @property
    def spec(self):
        return registry.get(self.platform)

    @property
    def platform_label(self):
        return self.spec.label

    def set_status(self, status, reason=None, now=None):
        """Record a connection state; the 'since' time moves only when it changes."""
        if status not in STATUSES:
            raise ValueError(f"unknown connection status {status!r}")
        if status != self.status:
            self.status_since = now or utcnow()
        self.status = status
        self.status_reason = (reason or None) and reason[:500]

    def refresh_next_fetch(self, now=None):
        """Set the next fetch time from the slots, or clear it when fetching is off."""
        from services.schedule import next_fetch_time

        if self.fetch_enabled and self.fetch_slots:
            self.next_fetch_at = next_fetch_time(
                self.fetch_slots, self.timezone or "UTC", now or utcnow()
            )
        else:
            self.next_fetch_at = None

    def read_credentials(self):
        """Decrypt the credentials; call only where a platform call is made."""
        return credentials.cipher().decrypt(self.credentials_encrypted)

    def write_credentials(self, values):
        self.credentials_encrypted = credentials.cipher().encrypt(values)

    def masked_credentials(self):
        """(label, shown value) pairs fit for any page: secrets keep four characters."""
        try:
            values = self.read_credentials()
        except credentials.CredentialsError:
            return [("Credentials", "cannot be read with the configured keys")]
        shown = []
        for item in self.spec.credential_fields:
            value = values.get(item.name)
            if item.secret:
                shown.append((item.label, credentials.mask(value) or "not set"))
            elif item.kind == "bool":
                shown.append((item.label, "yes" if value else "no"))
            else:
                shown.append((item.label, value or ""))
        return shown


class ShippingTypeMapping(db.Model):
    __tablename__ = "shipping_type_mappings"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "platform_code", name="uq_shipping_mapping_code"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("ec_accounts.id", ondelete="CASCADE"), index=True
    )
    platform_code: Mapped[str] = mapped_column(String(100))
    shipping_method_id: Mapped[int] = mapped_column(
        ForeignKey("shipping_methods.id", ondelete="RESTRICT")
    )

    account = relationship("EcAccount", back_populates="shipping_mappings")
    shipping_method = relationship("ShippingMethod", lazy="joined")

    def __str__(self):
        return f"{self.platform_code} -> {self.shipping_method}"
