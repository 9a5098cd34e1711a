"""Pushing warehouse stock to a platform: the figures, the plan and its outcomes.

The pushed figure is floor(available x push percentage / 100), never negative. Platforms
with a mapping table push every mapped listing; platforms keyed by seller SKU push every
warehouse SKU the platform has, found by listing it at run time.
"""

import json
from functools import cache
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.types import StockItem
from extensions import db
from models import ProductMapping, WarehouseProduct
from models.base import utcnow
from models.catalog import sku_key

MAX_REPORTED_FAILURES = 20


def pushed_quantity(available, percentage):
    return max(0, int(available) * int(percentage) // 100)


class PlannedItem(NamedTuple):
    """One listing's change: the last known platform figure and the new one.

    A named tuple rather than a dataclass, since a push plans tens of thousands.
    """

    item: StockItem
    sku: str | None
    title: str | None
    current: int | None
    new: int
    mapping_id: int | None = None


def _available(product):
    return max(0, product.on_hand - product.reserved)


def plan_mapped(account, limit=None):
    """Every mapped listing of a mapping-table account (or the first ``limit``),
    with its new figure."""
    # plain columns, not entities: a push plans tens of thousands of mappings
    query = (
        select(
            ProductMapping.id,
            ProductMapping.listing_id,
            ProductMapping.platform_sku,
            ProductMapping.parent_id,
            ProductMapping.inventory_item_id,
            ProductMapping.title,
            ProductMapping.platform_quantity,
            WarehouseProduct.on_hand,
            WarehouseProduct.reserved,
        )
        .join(
            WarehouseProduct, WarehouseProduct.id == ProductMapping.warehouse_product_id
        )
        .where(ProductMapping.account_id == account.id)
        .order_by(ProductMapping.id)
    )
    if limit:
        query = query.limit(limit)
    percentage = account.push_percentage
    # a push plans tens of thousands of mappings: the rows come through Core (no ORM
    # row handling) and each tuple is built from its values in order, with no
    # keyword matching; about a third of the time the readable form takes
    rows = db.session.connection().execute(query).all()
    make_plan, make_item = PlannedItem._make, StockItem._make
    planned = []
    add = planned.append
    for (
        mapping_id,
        listing_id,
        sku,
        parent_id,
        inventory_item_id,
        title,
        current,
        on_hand,
        reserved,
    ) in rows:
        new = pushed_quantity(on_hand - reserved, percentage)
        item = make_item((listing_id, new, sku, parent_id, inventory_item_id))
        # in PlannedItem's field order: item, sku, title, current, new, mapping_id
        add(make_plan((item, sku, title, current, new, mapping_id)))
    return planned


def count_items(account):
    """How many items a manual sync of ``account`` would plan, without planning them.

    For SKU-keyed platforms this is every warehouse SKU, since which of them the
    platform has is known only when the job asks it.
    """
    if account.spec.capabilities.keeps_mapping_table:
        query = select(func.count()).where(
            ProductMapping.account_id == account.id,
            ProductMapping.warehouse_product_id.isnot(None),
        )
    else:
        query = select(func.count(WarehouseProduct.id))
    return db.session.scalar(query)


def plan_by_sku(account, listings):
    """For SKU-keyed platforms: every warehouse SKU among the platform's listings."""
    platform = {}
    for listing in listings:
        key = sku_key(listing.sku)
        if key and key not in platform:
            platform[key] = listing
    products = (
        db.session.scalars(
            select(WarehouseProduct)
            .where(WarehouseProduct.sku_key.in_(list(platform)))
            .order_by(WarehouseProduct.sku_key)
        )
        if platform
        else []
    )
    planned = []
    for product in products:
        listing = platform[product.sku_key]
        new = pushed_quantity(_available(product), account.push_percentage)
        planned.append(
            PlannedItem(
                item=StockItem(key=listing.listing_id, quantity=new, sku=listing.sku),
                sku=listing.sku,
                title=product.name,
                current=listing.quantity,
                new=new,
            )
        )
    return planned


def preview_by_sku(account, limit=None):
    """What a SKU-keyed push would send, before the platform says which SKUs it has."""
    query = select(WarehouseProduct).order_by(WarehouseProduct.sku_key)
    if limit:
        query = query.limit(limit)
    return [
        PlannedItem(
            item=StockItem(key=p.sku, quantity=0, sku=p.sku),
            sku=p.sku,
            title=p.name,
            current=None,
            new=pushed_quantity(_available(p), account.push_percentage),
        )
        for p in db.session.scalars(query)
    ]


@cache
def _mark_pushed_statement(dialect):
    """One UPDATE that stores a batch of ``(mapping id, figure)`` pairs, built once
    per database kind (building and caching a statement costs more than running it).

    PostgreSQL takes the pairs as two integer arrays joined with ``unnest``; SQLite as
    one JSON array of pairs read with ``json_each``.
    """
    if dialect == "postgresql":
        pairs = (
            func.unnest(
                bindparam("ids", type_=ARRAY(Integer)),
                bindparam("figures", type_=ARRAY(Integer)),
            )
            .table_valued("id", "figure")
            .render_derived()
        )
    else:
        each = func.json_each(bindparam("pairs")).table_valued("value")
        pairs = select(
            func.json_extract(each.c.value, "$[0]").label("id"),
            func.json_extract(each.c.value, "$[1]").label("figure"),
        ).subquery()
    table = ProductMapping.__table__
    return (
        update(table)
        .where(table.c.id == pairs.c.id)
        .values(
            last_pushed_quantity=pairs.c.figure,
            platform_quantity=pairs.c.figure,
            last_pushed_at=bindparam("now"),
            last_push_error=None,
        )
    )


def _mark_pushed(pushed, now):
    """Store ``(mapping id, figure)`` pairs as pushed at ``now``, in one statement
    (one per item would cost the worker time on every row)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        ids, figures = zip(*pushed)
        values = {"ids": list(ids), "figures": list(figures)}
    else:
        values = {"pairs": json.dumps(pushed)}
    db.session.execute(_mark_pushed_statement(dialect), {**values, "now": now})


def _mark_refused(refused):
    """Store ``(mapping id, reason)`` pairs as refused by the platform."""
    table = ProductMapping.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("mapping_id"))
        .values(last_push_error=bindparam("reason")),
        [{"mapping_id": id_, "reason": reason} for id_, reason in refused],
    )


class OutcomeWriter:
    """Stores each item's outcome on its mapping and counts the outcomes."""

    def __init__(self, planned):
        self.by_key = {p.item.key: p for p in planned}
        self.failures = []
        self.pushed = 0
        self.refused = 0

    def apply(self, outcomes):
        """Add one batch's outcomes to the session's transaction."""
        planned_for = self.by_key.get
        pushed, refused = [], []
        for outcome in outcomes:
            planned = planned_for(outcome.key)
            if planned is None:
                continue
            if outcome.ok:
                pushed.append((planned.mapping_id, planned.new))
                continue
            self.refused += 1
            if len(self.failures) < MAX_REPORTED_FAILURES:
                self.failures.append(f"{planned.sku or outcome.key}: {outcome.error}")
            if planned.mapping_id:
                refused.append((planned.mapping_id, (outcome.error or "failed")[:500]))
        self.pushed += len(pushed)
        # SKU-keyed platforms push items that have no mapping row to store them on
        stored = [pair for pair in pushed if pair[0]]
        if stored:
            _mark_pushed(stored, utcnow())
        if refused:
            _mark_refused(refused)
