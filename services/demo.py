"""Demo data: a small warehouse and one account per platform.

Running it again changes nothing: rows are found by their natural keys and only missing
ones are added. The credentials match the platform sandbox's seeded shops.
"""

import random

from sqlalchemy import select

from extensions import db
from models import (
    EcAccount,
    SalesChannel,
    ShippingMethod,
    ShippingTypeMapping,
    WarehouseProduct,
)
from models.account import PENDING

CHANNELS = [("WEB", "Web shops"), ("MKT", "Marketplaces"), ("B2B", "Wholesale")]
SHIPPING_METHODS = [
    ("STD", "Standard parcel"),
    ("EXP", "Express courier"),
    ("PICKUP", "Store pickup"),
]
PRODUCT_COUNT = 200
FAMILIES = ["Tee", "Hoodie", "Cap", "Tote", "Mug", "Sock", "Scarf", "Poster"]
COLOURS = ["Black", "White", "Navy", "Olive", "Red"]

ACCOUNTS = [
    {
        "platform": "shopify",
        "display_name": "Tokyo Store",
        "channel": "WEB",
        "credentials": {
            "shop": "tokyo-store.myshopify.com",
            "access_token": "shpat_demo_tokyo_0000000000000001",
            "refresh_token": "shprt_demo_tokyo_0000000000000001",
        },
        "shipping": {"standard": "STD", "express": "EXP"},
        "slots": ["09:00", "13:00", "17:30"],
        "timezone": "Asia/Tokyo",
    },
    {
        "platform": "woocommerce",
        "display_name": "Osaka Outlet",
        "channel": "WEB",
        "credentials": {
            "site_url": "https://osaka-outlet.example.com",
            "consumer_key": "ck_demo_osaka_00000000000000000001",
            "consumer_secret": "cs_demo_osaka_00000000000000000001",
            "query_string_auth": False,
        },
        "shipping": {"flat_rate": "STD", "local_pickup": "PICKUP"},
        "slots": ["08:00", "20:00"],
        "timezone": "Asia/Tokyo",
    },
    {
        "platform": "ebay",
        "display_name": "Kyoto Vintage",
        "channel": "MKT",
        "credentials": {
            "marketplace_id": "EBAY_US",
            "refresh_token": "v^1.1#demo_kyoto_refresh_0000000001",
        },
        "shipping": {"USPSPriority": "EXP", "USPSGround": "STD"},
        "slots": ["10:00"],
        "timezone": "America/New_York",
    },
]


def demo_products():
    """The 200 demo SKUs, the same every time."""
    rng = random.Random(20261204)
    products = []
    for number in range(1, PRODUCT_COUNT + 1):
        family = FAMILIES[number % len(FAMILIES)]
        colour = COLOURS[number % len(COLOURS)]
        on_hand = rng.randint(0, 120)
        products.append(
            {
                "sku": f"{family.upper()}-{colour[:3].upper()}-{number:03d}",
                "name": f"{colour} {family} #{number}",
                "barcode": f"49{number:011d}",
                "on_hand": on_hand,
            }
        )
    return products


def _by_code(model):
    return {row.code: row for row in db.session.scalars(select(model))}


def seed():
    """Add whatever demo rows are missing; return how many rows were added."""
    added = 0
    channels = _by_code(SalesChannel)
    for code, name in CHANNELS:
        if code not in channels:
            channels[code] = SalesChannel(code=code, name=name)
            db.session.add(channels[code])
            added += 1
    methods = _by_code(ShippingMethod)
    for code, name in SHIPPING_METHODS:
        if code not in methods:
            methods[code] = ShippingMethod(code=code, name=name)
            db.session.add(methods[code])
            added += 1

    known_skus = set(db.session.scalars(select(WarehouseProduct.sku_key)))
    for item in demo_products():
        if item["sku"].casefold() not in known_skus:
            db.session.add(WarehouseProduct(reserved=0, **item))
            added += 1

    for item in ACCOUNTS:
        exists = db.session.scalar(
            select(EcAccount.id).where(
                EcAccount.platform == item["platform"],
                EcAccount.display_name == item["display_name"],
            )
        )
        if exists:
            continue
        account = EcAccount(
            platform=item["platform"],
            display_name=item["display_name"],
            sales_channel=channels[item["channel"]],
            status=PENDING,
            fetch_enabled=True,
            fetch_slots=item["slots"],
            timezone=item["timezone"],
            push_enabled=True,
            push_percentage=80,
        )
        # without a next fetch time the scheduler would never pick the account up
        account.refresh_next_fetch()
        account.write_credentials(item["credentials"])
        for code, method in item["shipping"].items():
            account.shipping_mappings.append(
                ShippingTypeMapping(platform_code=code, shipping_method=methods[method])
            )
        db.session.add(account)
        added += 1
    db.session.commit()
    return added


def demo_accounts():
    """The demo's accounts that exist in the database."""
    names = [(item["platform"], item["display_name"]) for item in ACCOUNTS]
    return [
        account
        for account in db.session.scalars(select(EcAccount).order_by(EcAccount.id))
        if (account.platform, account.display_name) in names
    ]
