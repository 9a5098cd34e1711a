"""Product mappings: a platform listing (a variant) paired with a warehouse product."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class ProductMapping(db.Model):
    __tablename__ = "product_mappings"
    # on PostgreSQL the table keeps 15% of each page free (migration f3c1a9e57b20), so
    # a stock push rewrites a mapping's outcome columns in place
    __table_args__ = (
        UniqueConstraint("account_id", "listing_id", name="uq_product_mapping_listing"),
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
