"""Small factories: each builds one row with unique defaults and commits it.

Call them inside an app context. Secrets are long and distinct, so a test can look
for any part of them in a page.
"""

import itertools
import secrets
from datetime import datetime, timezone

from werkzeug.security import generate_password_hash

from extensions import db
from models import (
    ApiLog,
    EcAccount,
    Order,
    OrderLine,
    ProductMapping,
    SalesChannel,
    ShippingMethod,
    ShippingTypeMapping,
    SyncRun,
    User,
    WarehouseProduct,
)
from services import mapping_health

PASSWORD = "correct horse battery"
# one cheap hash for every test user: the real hash is slow on purpose
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

_sequence = itertools.count(1)


def _next():
    return next(_sequence)


def _save(row):
    db.session.add(row)
    db.session.commit()
    return row


def credentials(platform):
    """A full set of credentials for ``platform`` with fresh secrets."""
    n = _next()
    if platform == "shopify":
        return {
            "shop": f"shop-{n}.myshopify.com",
            "access_token": "shpat_" + secrets.token_hex(16),
            "refresh_token": "shprt_" + secrets.token_hex(16),
        }
    if platform == "woocommerce":
        return {
            "site_url": f"https://shop-{n}.example.com",
            "consumer_key": "ck_" + secrets.token_hex(20),
            "consumer_secret": "cs_" + secrets.token_hex(20),
            "query_string_auth": False,
        }
    if platform == "ebay":
        return {
            "marketplace_id": "EBAY_US",
            "refresh_token": "v^1.1#i^1#r^1#" + secrets.token_hex(20),
        }
    raise ValueError(f"no factory credentials for {platform!r}")


def user(role="viewer", email=None, active=True):
    row = User(email=email or f"user{_next()}@example.com", role=role, active=active)
    row.password_hash = _PASSWORD_HASH
    return _save(row)


def channel(code=None, name=None):
    n = _next()
    return _save(SalesChannel(code=code or f"CH{n}", name=name or f"Channel {n}"))


def shipping_method(code=None, name=None):
    n = _next()
    return _save(ShippingMethod(code=code or f"SM{n}", name=name or f"Method {n}"))


def product(sku=None, name=None, on_hand=0, reserved=0, barcode=None):
    n = _next()
    return _save(
        WarehouseProduct(
            sku=sku or f"SKU-{n:04d}",
            name=name or f"Product {n}",
            on_hand=on_hand,
            reserved=reserved,
            barcode=barcode,
        )
    )


def account(
    platform="shopify", display_name=None, sales_channel=None, creds=None, **fields
):
    row = EcAccount(
        platform=platform,
        display_name=display_name or f"Account {_next()}",
        sales_channel=sales_channel or channel(),
        **fields,
    )
    row.write_credentials(creds if creds is not None else credentials(platform))
    return _save(row)


def shipping_mapping(account, platform_code=None, method=None):
    return _save(
        ShippingTypeMapping(
            account=account,
            platform_code=platform_code or f"code_{_next()}",
            shipping_method=method or shipping_method(),
        )
    )


def product_mapping(account, product=None, listing_id=None, **fields):
    """A mapping of ``account``, whose mapping health is recounted, as every writer
    of mappings does."""
    n = _next()
    mapping = _save(
        ProductMapping(
            account=account,
            warehouse_product=product,
            listing_id=listing_id or f"{9000 + n}",
            platform_sku=fields.pop("platform_sku", product.sku if product else None),
            title=fields.pop("title", f"Listing {n}"),
            **fields,
        )
    )
    mapping_health.recount(account.id)
    db.session.commit()
    return mapping


def order(account, platform_order_id=None, lines=(), **fields):
    """An order of ``account``; ``lines`` are dicts of OrderLine fields."""
    n = _next()
    fields.setdefault("placed_at", datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc))
    row = Order(
        account=account,
        platform=account.platform,
        account_name=account.display_name,
        platform_order_id=platform_order_id or f"{100000 + n}",
        number=fields.pop("number", f"#{1000 + n}"),
        status=fields.pop("status", "paid"),
        **fields,
    )
    for index, line in enumerate(lines, start=1):
        line = {"platform_line_id": f"{n}-{index}", "quantity": 1, **line}
        row.lines.append(OrderLine(**line))
    return _save(row)


def api_log(account, **fields):
    values = {
        "kind": "orders",
        "method": "GET",
        "path": "/admin/api/2024-10/orders.json?limit=50",
        "status_code": 200,
        "ok": True,
        "duration_ms": 120,
    }
    values.update(fields)
    return _save(ApiLog(account=account, **values))


def sync_run(account_id, action="fetch_orders", status="succeeded", **fields):
    """A run of ``action``, created at noon on 2026-12-03 unless told otherwise."""
    fields.setdefault("created_at", datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc))
    fields.setdefault("job_id", f"{action}-account-{account_id}")
    return _save(SyncRun(account_id=account_id, action=action, status=status, **fields))
