"""Manual Stock Sync and inbound push: the pushed figures, batches and outcomes."""

import math
import time

import pytest
from sqlalchemy import select

from extensions import db
from jobs import base
from jobs import stock as stock_jobs
from jobs.overlap import Stopped
from models import ProductMapping, WarehouseProduct
from models.account import DISCONNECTED
from services import actions, stock
from services.stock_push import pushed_quantity
from tests import factories
from tests.jobs.conftest import (
    EBAY,
    KOBE_LAB,
    KOBE_TEST,
    NARA,
    OSAKA,
    SHOPIFY,
    WOO,
    queue_action,
)
from tests.jobs.conftest import runs as runs_of

PERCENT = 33


def mappings(account_id):
    return db.session.scalars(
        select(ProductMapping)
        .where(ProductMapping.account_id == account_id)
        .order_by(ProductMapping.id)
    ).all()


def figure(product):
    """What the push should offer for ``product``, from its stock as a user reads it."""
    product = db.session.get(WarehouseProduct, product.id)
    available = max(0, product.on_hand - product.reserved)
    return math.floor(available * PERCENT / 100)


def odd_products(skus):
    """Warehouse products with odd, varied stock; the first has more reserved than
    it holds, so it offers nothing."""
    products = []
    for number, sku in enumerate(skus):
        on_hand = 7 + 6 * number
        reserved = on_hand + 4 if number == 0 else number % 5
        products.append(factories.product(sku=sku, on_hand=on_hand, reserved=reserved))
    return products


def sync_mappings(account, work):
    run = queue_action(account, "sync_mappings")
    work()
    assert run.status == "succeeded", run.error


def test_a_manual_sync_pushes_every_mapping_in_the_fewest_batches(
    account_on, platforms, jobs_app, work, monkeypatch
):
    monkeypatch.setitem(jobs_app.config, "SHOPIFY_STOCK_BATCH", 7)
    before = platforms.stock(SHOPIFY, KOBE_TEST)
    products = odd_products(sorted(before["by_sku"])[:17])
    account = account_on(SHOPIFY, KOBE_TEST, push_percentage=PERCENT)
    sync_mappings(account, work)
    matched = [m for m in mappings(account.id) if m.warehouse_product_id]
    assert len(matched) == len(products)
    # half of them were pushed once before; the others never were
    for mapping in matched[::2]:
        mapping.last_pushed_quantity = 999
        mapping.last_pushed_at = account.created_at
    db.session.commit()
    platforms.clear_calls(SHOPIFY, KOBE_TEST)

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "succeeded", run.error
    mutations = [
        c
        for c in platforms.calls(SHOPIFY, KOBE_TEST)
        if c["path"].endswith("/graphql.json")
    ]
    assert len(mutations) == math.ceil(len(products) / 7)
    after = platforms.stock(SHOPIFY, KOBE_TEST)
    by_product = {p.id: p for p in products}
    for mapping in mappings(account.id):
        if mapping.warehouse_product_id is None:
            assert (
                after["by_variant"][mapping.listing_id]
                == (before["by_variant"][mapping.listing_id])
            )
            continue
        expected = figure(by_product[mapping.warehouse_product_id])
        assert after["by_variant"][mapping.listing_id] == expected
        assert mapping.last_pushed_quantity == expected
        assert mapping.platform_quantity == expected
        assert mapping.last_pushed_at >= run.started_at
        assert mapping.last_push_error is None
    assert figure(products[0]) == 0
    assert (run.succeeded, run.failed, run.total) == (len(products), 0, len(products))
    assert (run.progress_done, run.progress_total) == (len(products), len(products))
    assert run.message == f"Pushed {len(products)} of {len(products)} items at 33%."
    assert account.last_stock_sync_at >= run.started_at


def test_failing_items_make_the_run_partial_and_stay_unpushed(
    account_on, platforms, work
):
    before = platforms.stock(WOO, KOBE_LAB)
    skus = sorted(sku for sku in before if not sku.isdigit())
    products = odd_products(skus)
    account = account_on(WOO, KOBE_LAB, push_percentage=PERCENT)
    sync_mappings(account, work)
    # a listing the shop no longer has, mapped by hand
    lost = factories.product_mapping(
        account, products[3], listing_id="99999", matched_manually=True
    )

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "partial"
    assert (run.succeeded, run.failed) == (len(products), 1)
    # simple products and each product's variations go in batches of their own
    assert run.progress_done == run.progress_total == len(products) + 1
    assert "Invalid ID" in run.error
    db.session.refresh(lost)
    assert lost.last_pushed_at is None and lost.last_pushed_quantity is None
    assert "Invalid ID" in lost.last_push_error
    after = platforms.stock(WOO, KOBE_LAB)
    by_product = {p.id: p for p in products}
    for mapping in mappings(account.id):
        if mapping.id == lost.id:
            continue
        assert after[mapping.listing_id] == figure(
            by_product[mapping.warehouse_product_id]
        )
        assert mapping.last_pushed_at is not None


def test_ebay_gets_every_warehouse_sku_it_lists(account_on, platforms, work):
    before = platforms.stock(EBAY, NARA)
    listed = set(before)
    # the warehouse SKUs eBay lists, and some it does not
    products = odd_products(sorted(listed - {"NT-DEER-CRACKER-01", "NT-INCENSE-02"}))
    unlisted = [factories.product(sku=f"NOT-ON-EBAY-{n}", on_hand=50) for n in range(3)]
    account = account_on(EBAY, NARA, push_percentage=PERCENT)

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "succeeded", run.error
    bulk = [
        c
        for c in platforms.calls(EBAY, NARA)
        if c["path"].endswith("/bulk_update_price_quantity")
    ]
    assert len(bulk) == math.ceil(len(products) / 25)
    sent = [r["sku"] for call in bulk for r in call["body"]["requests"]]
    assert sorted(sent) == sorted(p.sku for p in products)
    assert not {p.sku for p in unlisted} & set(sent)
    after = platforms.stock(EBAY, NARA)
    for product in products:
        assert after[product.sku] == figure(product)
    for sku in listed - {p.sku for p in products}:
        assert after[sku] == before[sku]
    assert run.succeeded == len(products)
    # SKU-keyed platforms keep no mapping rows
    assert mappings(account.id) == []


def test_the_pushed_figure_is_floored_and_never_negative():
    assert [pushed_quantity(a, PERCENT) for a in (0, 1, 3, 4, 10, 299)] == [
        0,
        0,
        0,
        1,
        3,
        98,
    ]
    assert pushed_quantity(7, 100) == 7
    assert pushed_quantity(7, 0) == 0
    assert pushed_quantity(-5, 50) == 0


# inbound push


def test_receiving_stock_queues_a_push_for_the_accounts_that_list_it(
    account_on, platforms, jobs_app, work
):
    shop_stock = platforms.stock(WOO, KOBE_LAB)
    skus = sorted(sku for sku in shop_stock if not sku.isdigit())
    products = [factories.product(sku=sku) for sku in skus]
    kobe = account_on(WOO, KOBE_LAB, push_percentage=100)
    sync_mappings(kobe, work)
    nara = account_on(EBAY, NARA)
    disconnected = account_on(WOO, OSAKA, status=DISCONNECTED)
    switched_off = account_on(SHOPIFY, KOBE_TEST, push_enabled=False)
    other_product = account_on(WOO, KOBE_LAB, display_name="Kobe Lab again")
    restocked = products[2]
    for account in (disconnected, switched_off):
        factories.product_mapping(account, restocked)
    factories.product_mapping(other_product, products[3])

    stock.receive(restocked.id, shop_stock[restocked.sku] + 5)
    results = actions.queue_inbound_push(restocked.id)

    queued = {r.account.id for r in results if r.outcome == "queued"}
    assert queued == {kobe.id, nara.id}
    assert all(r.run.trigger == "restock" for r in results)
    assert sorted(queues_job_ids(jobs_app)) == sorted(
        actions.job_id("inbound_push", account_id) for account_id in queued
    )

    work()

    after = platforms.stock(WOO, KOBE_LAB)
    assert after[restocked.sku] == shop_stock[restocked.sku] + 5
    # nothing else was raised, and nothing lowered
    for sku in skus:
        if sku != restocked.sku:
            assert after[sku] == shop_stock[sku]


def queues_job_ids(jobs_app):
    import queues

    return queues.queue(jobs_app).job_ids


def test_an_inbound_push_never_lowers_a_platform_figure(account_on, platforms, work):
    shop_stock = platforms.stock(WOO, KOBE_LAB)
    skus = sorted(
        sku for sku in shop_stock if not sku.isdigit() and shop_stock[sku] > 4
    )
    low, raised_elsewhere = (factories.product(sku=sku) for sku in skus[:2])
    account = account_on(WOO, KOBE_LAB, push_percentage=100)
    sync_mappings(account, work)
    # someone raised a figure on the platform itself since the mappings were read
    shop = platforms.shop(WOO, KOBE_LAB)
    listing = next(
        m.listing_id for m in mappings(account.id) if m.platform_sku == skus[1]
    )
    with platforms.world.lock:
        item = (
            shop.data["products"].get(int(listing))
            or shop.data["variations"][int(listing)]
        )
        item["stock_quantity"] = 500

    # the warehouse now holds more than the figure last read, less than the shop shows
    stock.receive(low.id, shop_stock[skus[0]] - 2)
    stock.receive(raised_elsewhere.id, shop_stock[skus[1]] + 10)
    runs = actions.queue_inbound_push(raised_elsewhere.id)
    assert [r.outcome for r in runs] == ["queued"]
    work()

    after = platforms.stock(WOO, KOBE_LAB)
    assert after[skus[0]] == shop_stock[skus[0]]
    assert after[listing] == 500
    assert runs[0].run.status == "succeeded"


def test_a_restock_while_a_push_waits_asks_it_for_another_pass(
    account_on, platforms, jobs_app, work
):
    shop_stock = platforms.stock(WOO, KOBE_LAB)
    skus = sorted(sku for sku in shop_stock if not sku.isdigit())
    first, second = (factories.product(sku=sku) for sku in skus[:2])
    account = account_on(WOO, KOBE_LAB, push_percentage=100)
    sync_mappings(account, work)

    stock.receive(first.id, shop_stock[first.sku] + 3)
    assert [r.outcome for r in actions.queue_inbound_push(first.id)] == ["queued"]
    # the second delivery finds the push still waiting: it cannot queue another
    stock.receive(second.id, shop_stock[second.sku] + 4)
    later = actions.queue_inbound_push(second.id)
    assert [r.outcome for r in later] == ["already_queued"]

    work()

    after = platforms.stock(WOO, KOBE_LAB)
    assert after[first.sku] == shop_stock[first.sku] + 3
    assert after[second.sku] == shop_stock[second.sku] + 4
    db.session.expire_all()
    run = runs_of(account.id, "inbound_push")[-1]
    assert run.status == "succeeded"
    assert "2 passes" in run.message
    # the note was used up: the next push makes one pass
    assert not actions.take_rerun(account.id, "inbound_push")


def test_a_token_renewed_while_the_push_runs_is_stored(account_on, platforms, work):
    # the push's platform calls run in a thread of their own; the renewal they make
    # must still reach the account, or the rotated refresh token would be lost
    before = platforms.stock(SHOPIFY, KOBE_TEST)
    products = odd_products(sorted(before["by_sku"])[:6])
    account = account_on(SHOPIFY, KOBE_TEST, push_percentage=PERCENT)
    sync_mappings(account, work)
    platforms.seed(SHOPIFY, KOBE_TEST, token_ttl=0.3)
    time.sleep(0.4)
    old = account.read_credentials()

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "succeeded", run.error
    assert run.succeeded == len(products)
    db.session.refresh(account)
    renewed = account.read_credentials()
    assert renewed["access_token"] != old["access_token"]
    assert renewed["refresh_token"] != old["refresh_token"]
    # only the rotated refresh token renews the next, short-lived, token
    time.sleep(0.4)
    check = queue_action(account, "test_connection")
    work()
    assert check.status == "succeeded", check.error
    db.session.refresh(account)
    assert account.status == "connected"


@pytest.mark.parametrize(
    ("interval", "saved"),
    [
        # a platform slower than the interval: progress saved after every batch
        (0, [7, 14, 17]),
        # one faster than it: the batches are saved together at the end
        (3600, [17]),
    ],
)
def test_progress_is_saved_per_batch_unless_batches_come_faster(
    account_on, platforms, jobs_app, work, monkeypatch, interval, saved
):
    monkeypatch.setitem(jobs_app.config, "SHOPIFY_STOCK_BATCH", 7)
    monkeypatch.setattr(stock_jobs, "COMMIT_INTERVAL", interval)
    odd_products(sorted(platforms.stock(SHOPIFY, KOBE_TEST)["by_sku"])[:17])
    account = account_on(SHOPIFY, KOBE_TEST, push_percentage=PERCENT)
    sync_mappings(account, work)
    seen = []
    save_progress = base.AccountJob.save_progress

    def noting(job, done, *counts):
        seen.append(done)
        return save_progress(job, done, *counts)

    monkeypatch.setattr(base.AccountJob, "save_progress", noting)

    run = queue_action(account, "stock_sync")
    work()

    assert run.status == "succeeded", run.error
    assert seen == saved
    assert (run.progress_done, run.succeeded) == (17, 17)


class _StoppedAhead:
    """Platform calls made ahead of a job that has already stopped reading."""

    def in_job_thread(self, function):
        def call(*args, **kwargs):
            raise Stopped("The job stopped before it could take the call.")

        return call


def test_tokens_renewed_after_the_job_stopped_are_still_stored(account_on):
    # the platform side renewed the tokens just as the job's own write failed: the
    # job could not take them then, but its failure handling stores them, since the
    # platform has already retired the refresh token they replace
    account = account_on(SHOPIFY, KOBE_TEST)
    old = account.read_credentials()
    renewed = {**old, "access_token": "shpat_renewed", "refresh_token": "shprt_renewed"}
    job = stock_jobs.ManualStockSync(account.id, None)
    job.account = account
    job.ahead = _StoppedAhead()

    with pytest.raises(Stopped):
        job._on_credentials(renewed, None)
    db.session.rollback()
    job._store_unstored_credentials()

    db.session.refresh(account)
    stored = account.read_credentials()
    assert stored["access_token"] == "shpat_renewed"
    assert stored["refresh_token"] == "shprt_renewed"
    # stored once only
    job._store_unstored_credentials()
    assert account.read_credentials()["access_token"] == "shpat_renewed"
