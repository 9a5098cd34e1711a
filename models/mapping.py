"""Product mappings: a platform listing (a variant) paired with a warehouse product."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow

# the mapping health counts of an account, each read from an index of its own rows;
# the WHERE of each is repeated word for word by services.account_page
UNMATCHED = "warehouse_product_id IS NULL"
NEVER_PUSHED = "warehouse_product_id IS NOT NULL AND last_pushed_at IS NULL"
PUSH_FAILED = "last_push_error IS NOT NULL"


def _partial_index(name, where):
    return Index(
        name,
        "account_id",
        sqlite_where=text(where),
        postgresql_where=text(where),
    )


class ProductMapping(db.Model):
    __tablename__ = "product_mappings"
    __table_args__ = (
        UniqueConstraint("account_id", "listing_id", name="uq_product_mapping_listing"),
        _partial_index("ix_product_mappings_unmatched", UNMATCHED),
        _partial_index("ix_product_mappings_never_pushed", NEVER_PUSHED),
        _partial_index("ix_product_mappings_push_failed", PUSH_FAILED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("ec_accounts.id", ondelete="CASCADE"), index=True
    )
    # the platform's id of the sellable listing: a variant or variation, never a parent
    listing_id: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(64))
    inventory_item_id: Mapped[str | None] = mapped_column(String(64))
    platform_sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(255))
    warehouse_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("warehouse_products.id", ondelete="SET NULL"), index=True
    )
    matched_manually: Mapped[bool] = mapped_column(Boolean, default=False)
    platform_quantity: Mapped[int | None] = mapped_column(Integer)
    last_pushed_quantity: Mapped[int | None] = mapped_column(Integer)
    last_pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account = relationship("EcAccount", back_populates="product_mappings")
    warehouse_product = relationship("WarehouseProduct")

    @property
    def matched(self):
        return self.warehouse_product_id is not None

    def __str__(self):
        return f"{self.platform_sku or self.listing_id}"


def count_of(account_id, where=None):
    """A subquery counting the account's mappings, or those matching ``where`` (one
    of the conditions above, so that the count is read from its partial index)."""
    query = select(func.count()).where(ProductMapping.account_id == account_id)
    if where is not None:
        query = query.where(text(where))
    return query.scalar_subquery()
