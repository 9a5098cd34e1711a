"""The warehouse side: sales channels, shipping methods and warehouse products."""

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from extensions import db


def sku_key(sku):
    """The form in which SKUs are compared: trimmed and case-folded."""
    return (sku or "").strip().casefold()


class SalesChannel(db.Model):
    __tablename__ = "sales_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self):
        return self.name


class ShippingMethod(db.Model):
    __tablename__ = "shipping_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self):
        return self.name


class WarehouseProduct(db.Model):
    __tablename__ = "warehouse_products"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(100))
    sku_key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    barcode: Mapped[str | None] = mapped_column(String(64))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)

    @validates("sku")
    def _normalise_sku(self, key, value):
        value = (value or "").strip()
        self.sku_key = sku_key(value)
        return value

    @property
    def available(self):
        return max(0, (self.on_hand or 0) - (self.reserved or 0))

    def __str__(self):
        return f"{self.sku} {self.name}"
