"""Orders imported from the platforms, with their lines.

An order outlives its account: deleting an account leaves its orders in place with the
account cleared and the platform and account name kept for reference.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import UTCDateTime, utcnow


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "platform_order_id", name="uq_orders_account_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("ec_accounts.id", ondelete="SET NULL"), index=True
    )
    platform: Mapped[str] = mapped_column(String(30))
    account_name: Mapped[str] = mapped_column(String(100))
    sales_channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_channels.id", ondelete="SET NULL")
    )
    platform_order_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(40))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str | None] = mapped_column(String(3))
    total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    shipping_address: Mapped[dict | None] = mapped_column(JSON)
    shipping_code: Mapped[str | None] = mapped_column(String(100))
    shipping_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("shipping_methods.id", ondelete="SET NULL")
    )
    unmapped_shipping: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    has_unknown_products: Mapped[bool] = mapped_column(
        Boolean, default=False, index=True
    )
    shipped: Mapped[bool] = mapped_column(Boolean, default=False)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    account = relationship("EcAccount")
    sales_channel = relationship("SalesChannel")
    shipping_method = relationship("ShippingMethod")
    lines = relationship(
        "OrderLine",
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderLine.id",
    )

    def __str__(self):
        return f"{self.account_name} {self.number}"


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "platform_line_id", name="uq_order_lines_line"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    platform_line_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # indexed: reservations are summed per product over the lines of open orders
    warehouse_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("warehouse_products.id", ondelete="SET NULL"), index=True
    )
    unknown_product: Mapped[bool] = mapped_column(Boolean, default=False)

    order = relationship("Order", back_populates="lines")
    warehouse_product = relationship("WarehouseProduct")

    def __str__(self):
        return f"{self.quantity} x {self.sku or self.title}"
