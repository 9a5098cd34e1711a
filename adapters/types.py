"""The normalized shapes adapters return, whatever the platform sent.

Times are aware UTC datetimes, money is ``Decimal`` with a currency, quantities are
``int`` and SKUs are trimmed (``None`` when the platform sent none).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True)
class Address:
    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    phone: str | None = None

    def as_dict(self):
        return {key: value for key, value in self.__dict__.items() if value}


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str | None
    title: str | None
    quantity: int
    price: Decimal | None
    listing_id: str | None = None


@dataclass(frozen=True)
class Order:
    order_id: str
    number: str
    status: str
    cancelled: bool
    created_at: datetime | None
    updated_at: datetime
    currency: str | None
    total: Decimal | None
    customer_name: str | None
    customer_email: str | None
    shipping_address: Address | None
    shipping_code: str | None
    lines: tuple = field(default_factory=tuple)
    cancelled_at: datetime | None = None
    # the platform says the order has been shipped in full
    fulfilled: bool = False


@dataclass(frozen=True)
class Listing:
    """A sellable listing: a variant or variation, never its parent product."""

    listing_id: str
    sku: str | None
    title: str | None
    quantity: int | None
    parent_id: str | None = None
    inventory_item_id: str | None = None


# stock items and outcomes are named tuples: a push makes tens of thousands of each,
# and a tuple is built in a third of the time a frozen dataclass takes


class StockItem(NamedTuple):
    """An absolute quantity to set for one listing (or, by SKU, on lookup platforms)."""

    key: str
    quantity: int
    sku: str | None = None
    parent_id: str | None = None
    inventory_item_id: str | None = None


class StockOutcome(NamedTuple):
    key: str
    ok: bool
    quantity: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class ConnectionInfo:
    shop_name: str
    detail: str = ""


@dataclass(frozen=True)
class TokenSet:
    """Credentials an authorization or refresh produced, to be stored by the caller."""

    values: dict
    expires_at: datetime | None = None
