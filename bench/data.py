"""The rows the benchmarks start from: accounts on sandbox shops, products, mappings.

Call these inside an app context. Bulk rows go in through Core inserts; they are
arrangement, never part of a timed run.
"""

from sqlalchemy import insert, select

from adapters import registry
from extensions import db
from models import (
    EcAccount,
    ProductMapping,
    SalesChannel,
    ShippingMethod,
    ShippingTypeMapping,
    SyncRun,
    WarehouseProduct,
)
from models.account import CONNECTED
from models.catalog import sku_key
from sandbox import shopify as fake_shopify
from sandbox import woocommerce as fake_woocommerce
from services import mapping_health
from services.platforms import adapter_config

SHOPIFY_SHOP = fake_shopify.DEMO_SHOP
WOO_SITE = fake_woocommerce.SITES[0]
WOO_HOST = WOO_SITE["host"]

SHOPIFY_CREDENTIALS = {
    "shop": SHOPIFY_SHOP,
    "access_token": fake_shopify.DEMO_ACCESS_TOKEN,
    "refresh_token": None,
}
WOO_CREDENTIALS = {
    "site_url": f"https://{WOO_HOST}",
    "consumer_key": WOO_SITE["consumer_key"],
    "consumer_secret": WOO_SITE["consumer_secret"],
    "query_string_auth": False,
}


def channel(code="BENCH"):
    found = db.session.scalar(select(SalesChannel).where(SalesChannel.code == code))
    if found is None:
        found = SalesChannel(code=code, name=f"Bench channel {code}")
        db.session.add(found)
        db.session.commit()
    return found


def account(platform, display_name, shipping_codes=(), **fields):
    """A connected account on the sandbox's demo shop of ``platform``."""
    row = EcAccount(
        platform=platform,
        display_name=display_name,
        sales_channel=channel(),
        status=CONNECTED,
        fetch_enabled=True,
        fetch_slots=["09:00"],
        push_enabled=True,
        push_percentage=100,
        **fields,
    )
    row.write_credentials(
        SHOPIFY_CREDENTIALS if platform == "shopify" else WOO_CREDENTIALS
    )
    for code in shipping_codes:
        method = db.session.scalar(
            select(ShippingMethod).where(ShippingMethod.code == code)
        )
        if method is None:
            method = ShippingMethod(code=code, name=f"Bench {code}")
        row.shipping_mappings.append(
            ShippingTypeMapping(platform_code=code, shipping_method=method)
        )
    db.session.add(row)
    db.session.commit()
    return row


def adapter_for(account_row):
    return registry.create_adapter(
        account_row.platform, account_row.read_credentials(), config=adapter_config()
    )


def listings_of(account_row):
    """Every listing the account's shop has, read through the product's adapter."""
    return [item for page in adapter_for(account_row).list_listings() for item in page]


def products_for(skus, on_hand=50):
    """Warehouse products for ``skus`` (missing ones only); return sku_key -> id."""
    keys = {sku_key(sku): sku for sku in skus if sku and sku.strip()}
    existing = dict(
        db.session.execute(select(WarehouseProduct.sku_key, WarehouseProduct.id)).all()
    )
    rows = [
        {
            "sku": sku.strip(),
            "sku_key": key,
            "name": f"Bench product {sku.strip()}",
            "on_hand": on_hand + number % 7,
            "reserved": 0,
        }
        for number, (key, sku) in enumerate(sorted(keys.items()))
        if key not in existing
    ]
    if rows:
        db.session.execute(insert(WarehouseProduct), rows)
        db.session.commit()
    return dict(
        db.session.execute(select(WarehouseProduct.sku_key, WarehouseProduct.id)).all()
    )


def map_listings(account_row, listings):
    """Warehouse products and a matched mapping for every listing with a SKU."""
    products = products_for([listing.sku for listing in listings])
    rows = [
        {
            "account_id": account_row.id,
            "listing_id": listing.listing_id,
            "parent_id": listing.parent_id,
            "inventory_item_id": listing.inventory_item_id,
            "platform_sku": listing.sku,
            "title": (listing.title or "")[:255] or None,
            "warehouse_product_id": products[sku_key(listing.sku)],
            "matched_manually": False,
            "platform_quantity": listing.quantity,
        }
        for listing in listings
        if listing.sku and listing.sku.strip()
    ]
    db.session.execute(insert(ProductMapping), rows)
    # as every writer of mappings does
    mapping_health.recount(account_row.id)
    db.session.commit()
    return len(rows)


def new_run(account_row, action):
    run = SyncRun(account_id=account_row.id, action=action, trigger="manual")
    db.session.add(run)
    db.session.commit()
    return run.id
