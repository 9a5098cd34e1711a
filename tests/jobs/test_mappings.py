"""Sync Product Mappings: listings matched to warehouse products by SKU."""

from sqlalchemy import select

from extensions import db
from models import ProductMapping
from models.catalog import sku_key
from sandbox import woocommerce as woo_sandbox
from services.demo import demo_products
from tests import factories
from tests.jobs.conftest import KOBE_TEST, OSAKA, SHOPIFY, WOO, queue_action


def mappings(account_id):
    rows = db.session.scalars(
        select(ProductMapping).where(ProductMapping.account_id == account_id)
    )
    return {row.listing_id: row for row in rows}


def test_listings_are_matched_by_sku_and_stock_is_left_alone(
    account_on, platforms, work
):
    shop = platforms.shop(WOO, OSAKA)
    listings = {str(item["id"]): item for item in woo_sandbox._listings(shop)}
    parents = {str(p["id"]) for p in shop.data["products"].values() if p["variations"]}
    # the warehouse holds most demo SKUs; the last few stay unknown
    products = {
        sku_key(item["sku"]): factories.product(sku=item["sku"])
        for item in demo_products()[:66]
    }
    account = account_on(WOO, OSAKA)

    # a listing matched by hand to another product, and a listing the shop lost
    by_hand_listing, by_hand_item = next(
        (lid, item)
        for lid, item in listings.items()
        if sku_key(item["sku"]) in products
    )
    other = next(
        p for key, p in products.items() if key != sku_key(by_hand_item["sku"])
    )
    factories.product_mapping(
        account, other, listing_id=by_hand_listing, matched_manually=True
    )
    factories.product_mapping(account, other, listing_id="999999")
    stock = platforms.stock(WOO, OSAKA)

    run = queue_action(account, "sync_mappings")
    work()

    assert run.status == "succeeded", run.error
    stored = mappings(account.id)
    assert set(stored) == set(listings)
    assert not set(stored) & parents
    expected_matched = 0
    for listing_id, item in listings.items():
        mapping = stored[listing_id]
        if listing_id == by_hand_listing:
            assert mapping.warehouse_product_id == other.id
            assert mapping.matched_manually
        else:
            product = products.get(sku_key(item["sku"]))
            assert mapping.warehouse_product_id == (product.id if product else None), (
                item["sku"]
            )
        expected_matched += mapping.warehouse_product_id is not None
        assert mapping.parent_id == (
            str(item["parent_id"]) if "parent_id" in item else None
        )
    unmatched = len(listings) - expected_matched
    # the seeded shop has SKUs in other cases, with spaces, and on two listings
    awkward = [
        lid
        for lid, item in listings.items()
        if item["sku"] not in ("", item["sku"].strip().upper())
    ]
    assert len(awkward) >= 2
    assert all(stored[lid].warehouse_product_id for lid in awkward)
    skus = [sku_key(item["sku"]) for item in listings.values() if item["sku"]]
    duplicates = sorted({key for key in skus if skus.count(key) > 1})
    assert duplicates
    assert (run.succeeded, run.skipped) == (expected_matched, unmatched)
    assert run.message.startswith(
        f"{expected_matched} matched, {unmatched} unmatched, 1 removed; "
        f"{len(duplicates)} SKUs on several listings ("
    )
    for key in duplicates:
        assert key.upper() in run.message

    assert platforms.stock(WOO, OSAKA) == stock
    assert {call["method"] for call in platforms.calls(WOO, OSAKA)} == {"GET"}


def test_shopify_variants_are_mapped_with_their_inventory_items(
    account_on, platforms, work
):
    stock = platforms.stock(SHOPIFY, KOBE_TEST)
    variants = stock["by_variant"]
    for sku in sorted(stock["by_sku"])[:12]:
        factories.product(sku=sku.lower())
    account = account_on(SHOPIFY, KOBE_TEST)

    run = queue_action(account, "sync_mappings")
    work()

    assert run.status == "succeeded", run.error
    stored = mappings(account.id)
    assert set(stored) == set(variants)
    assert all(
        m.inventory_item_id in stock["by_inventory_item"] for m in stored.values()
    )
    assert sum(m.warehouse_product_id is not None for m in stored.values()) == 12
    assert run.succeeded == 12
    assert platforms.stock(SHOPIFY, KOBE_TEST) == stock
    assert not [c for c in platforms.calls(SHOPIFY, KOBE_TEST) if c["method"] != "GET"]


def test_a_second_sync_keeps_ids_and_drops_what_the_shop_removed(
    account_on, platforms, work
):
    shop = platforms.shop(WOO, OSAKA)
    for item in demo_products()[:10]:
        factories.product(sku=item["sku"])
    account = account_on(WOO, OSAKA)
    queue_action(account, "sync_mappings")
    work()
    first = {lid: m.id for lid, m in mappings(account.id).items()}

    # the shop deletes a simple product
    gone = next(
        p for p in shop.data["products"].values() if p["type"] == "simple" and p["sku"]
    )
    with platforms.world.lock:
        del shop.data["products"][gone["id"]]
    run = queue_action(account, "sync_mappings")
    work()

    second = {lid: m.id for lid, m in mappings(account.id).items()}
    assert str(gone["id"]) not in second
    assert second == {lid: mid for lid, mid in first.items() if lid != str(gone["id"])}
    assert ", 1 removed" in run.message
