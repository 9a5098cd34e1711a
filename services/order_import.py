"""Importing normalized platform orders: upsert by (account, platform order id).

Each page is written with a few set-based statements, so two fetches at once still give
one row per order. Lines are matched to warehouse products through the account's
product mappings first and by SKU (trimmed, case-folded) second; what matches nothing
is kept and flagged, and so is a shipping code without a mapping. Unshipped, uncancelled
orders reserve their products' stock: each touched product's reservation is summed
again from the open orders' lines, after every page or, for a whole run, once at its
end (summing walks every line of a product, so a run of many pages sums once).
"""

from contextlib import contextmanager

from sqlalchemy import any_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from extensions import db
from models import Order, OrderLine, ProductMapping, WarehouseProduct
from models.base import utcnow
from models.catalog import sku_key

# products whose reservations one statement sums
RESERVATION_CHUNK = 1000


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@contextmanager
def _planned_for_its_values():
    """On PostgreSQL, plan the statements inside for their actual parameters.

    The orders table grows by thousands of rows within one run, and the driver
    prepares a statement it sees repeatedly: the plan PostgreSQL then keeps for it,
    made while the table was small, scans all of the account's orders for every page.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    yield
    if postgres:
        db.session.execute(text("SET LOCAL plan_cache_mode = DEFAULT"))


def _one_of(column, values):
    """``column IN values``; on PostgreSQL ``column = ANY(array)``, one parameter.

    A page's ids as one array keep the statement's text and parameters the same
    from page to page, so the server plans it quickly and its plan fits any page.
    """
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


class OrderImporter:
    """Imports pages of orders for one account; reuse it across the pages of a run.

    :param defer_reservations: leave the reserved stock of the products the pages
        touch to :meth:`refresh_reservations`, called once after the last page,
        instead of summing it again after every page.
    """

    def __init__(self, account, defer_reservations=False):
        self.account = account
        # what every order row repeats, read once: after each commit the account's
        # attributes would otherwise be loaded again for the next page
        self.order_fields = {
            "account_id": account.id,
            "platform": account.platform,
            "account_name": account.display_name,
            "sales_channel_id": account.sales_channel_id,
        }
        self.defer_reservations = defer_reservations
        self._touched = set()
        self.shipping = {
            m.platform_code: m.shipping_method_id for m in account.shipping_mappings
        }
        self._by_listing = None
        self._by_sku = {}

    def _listing_products(self):
        if self._by_listing is None:
            self._by_listing = dict(
                db.session.execute(
                    select(
                        ProductMapping.listing_id, ProductMapping.warehouse_product_id
                    ).where(
                        ProductMapping.account_id == self.order_fields["account_id"],
                        ProductMapping.warehouse_product_id.isnot(None),
                    )
                ).all()
            )
        return self._by_listing

    def _sku_products(self, keys):
        missing = [key for key in keys if key and key not in self._by_sku]
        if missing:
            found = dict(
                db.session.execute(
                    select(WarehouseProduct.sku_key, WarehouseProduct.id).where(
                        WarehouseProduct.sku_key.in_(missing)
                    )
                ).all()
            )
            for key in missing:
                self._by_sku[key] = found.get(key)
        return self._by_sku

    def _product_for(self, line, by_sku):
        product = self._listing_products().get(line.listing_id)
        if product is not None:
            return product
        return by_sku.get(sku_key(line.sku)) if line.sku else None

    def import_page(self, orders):
        """Write one page of orders; return how many there were."""
        if not orders:
            return 0
        # the same order may appear twice across overlapping windows: keep the newest
        latest = {}
        for order in orders:
            kept = latest.get(order.order_id)
            if kept is None or order.updated_at >= kept.updated_at:
                latest[order.order_id] = order
        orders = list(latest.values())

        by_sku = self._sku_products(
            {sku_key(line.sku) for o in orders for line in o.lines if line.sku}
        )
        now = utcnow()
        order_rows = []
        for order in orders:
            unknown = any(
                self._product_for(line, by_sku) is None for line in order.lines
            )
            code = order.shipping_code
            order_rows.append(
                {
                    **self.order_fields,
                    "platform_order_id": order.order_id,
                    "number": order.number[:64],
                    "status": (order.status or "")[:40],
                    "cancelled": order.cancelled,
                    "shipped": order.fulfilled,
                    "cancelled_at": order.cancelled_at,
                    "currency": order.currency,
                    "total": order.total,
                    "customer_name": (order.customer_name or None)
                    and order.customer_name[:200],
                    "customer_email": (order.customer_email or None)
                    and order.customer_email[:254],
                    "shipping_address": order.shipping_address.as_dict()
                    if order.shipping_address
                    else None,
                    "shipping_code": code,
                    "shipping_method_id": self.shipping.get(code) if code else None,
                    "unmapped_shipping": bool(code) and code not in self.shipping,
                    "has_unknown_products": unknown,
                    "placed_at": order.created_at,
                    "platform_updated_at": order.updated_at,
                    "imported_at": now,
                    "updated_at": now,
                }
            )
        # the rows go as the parameters of one statement (executemany), which compiles
        # once; a VALUES list of a page's rows would be compiled anew for every page
        statement = _insert(Order.__table__)
        changing = {
            name: statement.excluded[name]
            for name in order_rows[0]
            if name not in ("account_id", "platform_order_id", "imported_at")
        }
        statement = statement.on_conflict_do_update(
            index_elements=["account_id", "platform_order_id"],
            set_=changing,
            # an older copy of an order never overwrites a newer one
            where=Order.__table__.c.platform_updated_at
            <= statement.excluded.platform_updated_at,
        )
        db.session.execute(statement, order_rows)
        with _planned_for_its_values():
            ids = dict(
                db.session.execute(
                    select(Order.platform_order_id, Order.id).where(
                        Order.account_id == self.order_fields["account_id"],
                        _one_of(Order.platform_order_id, [o.order_id for o in orders]),
                    )
                ).all()
            )

        line_rows = []
        for order in orders:
            for line in order.lines:
                product_id = self._product_for(line, by_sku)
                line_rows.append(
                    {
                        "order_id": ids[order.order_id],
                        "platform_line_id": line.line_id,
                        "sku": (line.sku or None) and line.sku[:100],
                        "title": (line.title or None) and line.title[:255],
                        "quantity": max(0, int(line.quantity)),
                        "price": line.price,
                        "warehouse_product_id": product_id,
                        "unknown_product": product_id is None,
                    }
                )
        order_ids = list(ids.values())
        kept_lines = {(row["order_id"], row["platform_line_id"]) for row in line_rows}
        # lines the platform no longer lists go away
        existing = db.session.execute(
            select(
                OrderLine.id,
                OrderLine.order_id,
                OrderLine.platform_line_id,
                OrderLine.warehouse_product_id,
            ).where(_one_of(OrderLine.order_id, order_ids))
        ).all()
        stale = [
            row.id
            for row in existing
            if (row.order_id, row.platform_line_id) not in kept_lines
        ]
        if stale:
            db.session.execute(delete(OrderLine).where(OrderLine.id.in_(stale)))
        if line_rows:
            statement = _insert(OrderLine.__table__)
            statement = statement.on_conflict_do_update(
                index_elements=["order_id", "platform_line_id"],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "sku",
                        "title",
                        "quantity",
                        "price",
                        "warehouse_product_id",
                        "unknown_product",
                    )
                },
            )
            db.session.execute(statement, line_rows)

        touched = {
            row["warehouse_product_id"]
            for row in line_rows
            if row["warehouse_product_id"]
        }
        # a cancelled or changed order may release what its old lines held
        touched |= {
            row.warehouse_product_id for row in existing if row.warehouse_product_id
        }
        self._touched |= touched
        if not self.defer_reservations:
            self.refresh_reservations()
        return len(orders)

    def refresh_reservations(self):
        """Set the reserved stock of every product the pages since the last call
        touched."""
        touched = sorted(self._touched)
        # a run may touch more products than one statement takes parameters
        for start in range(0, len(touched), RESERVATION_CHUNK):
            refresh_reservations(touched[start : start + RESERVATION_CHUNK])
        self._touched = set()


def refresh_reservations(product_ids):
    """Set each product's reserved stock to what open imported orders hold."""
    if not product_ids:
        return
    ids = sorted(product_ids)
    # lock the rows first: an import of another account holding them commits before
    # the sums below are read, so its lines count (PostgreSQL; SQLite has one writer)
    db.session.execute(
        select(WarehouseProduct.id)
        .where(WarehouseProduct.id.in_(ids))
        .order_by(WarehouseProduct.id)
        .with_for_update()
    )
    held = (
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.warehouse_product_id == WarehouseProduct.id,
            Order.cancelled.is_(False),
            Order.shipped.is_(False),
        )
        .scalar_subquery()
    )
    db.session.execute(
        update(WarehouseProduct)
        .where(WarehouseProduct.id.in_(ids))
        .values(reserved=held)
        .execution_options(synchronize_session=False)
    )
