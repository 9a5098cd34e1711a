"""Fetch Orders: one row per platform order, flags, reservations and the cursor."""

import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select

from adapters import types
from extensions import db
from jobs.orders import CURSOR_OVERLAP, fetch_orders
from models import EcAccount, Order, OrderLine, SyncRun, WarehouseProduct
from models.account import CONNECTED
from models.base import utcnow
from models.catalog import sku_key
from services.order_import import OrderImporter
from tests import factories
from tests.jobs.conftest import (
    EBAY,
    KOBE_LAB,
    NARA,
    WOO,
    api_logs,
    make_retry_due,
    queue_action,
    rq_job,
)

WOO_CANCELLED = {"cancelled", "refunded", "trash"}


# what the sandbox holds, read the way a person comparing both screens would


def woo_orders(shop):
    """{order id: (cancelled, shipping code, [(line id, sku, quantity)], shipped)}."""
    expected = {}
    for order in shop.data["orders"].values():
        shipping = order["shipping_lines"]
        expected[str(order["id"])] = (
            order["status"] in WOO_CANCELLED,
            shipping[0]["method_id"] if shipping else None,
            [
                (str(li["id"]), li["sku"] or None, li["quantity"])
                for li in order["line_items"]
            ],
            order["status"] == "completed",
        )
    return expected


def ebay_orders(shop):
    expected = {}
    for order in shop.data["orders"].values():
        instructions = order["fulfillmentStartInstructions"]
        code = (
            instructions[0]["shippingStep"]["shippingServiceCode"]
            if instructions
            else None
        )
        expected[order["orderId"]] = (
            order["cancelStatus"]["cancelState"] == "CANCELED",
            code,
            [
                (li["lineItemId"], li.get("sku"), int(li["quantity"]))
                for li in order["lineItems"]
            ],
            order["orderFulfillmentStatus"] == "FULFILLED",
        )
    return expected


def skus_of(expected):
    return sorted(
        {sku for _, _, lines, _ in expected.values() for _, sku, _ in lines if sku}
    )


def expected_reserved(expected, products):
    """What each warehouse product's open platform orders hold."""
    held = Counter()
    keys = {product.sku_key: product.id for product in products}
    for cancelled, _, lines, shipped in expected.values():
        for _, sku, quantity in lines:
            if sku and not (cancelled or shipped) and sku_key(sku) in keys:
                held[keys[sku_key(sku)]] += quantity
    return {product.id: held[product.id] for product in products}


def stored_orders(account_id):
    rows = db.session.scalars(
        select(Order).where(Order.account_id == account_id).order_by(Order.id)
    ).all()
    return {row.platform_order_id: row for row in rows}


def line_count(account_id):
    return db.session.scalar(
        select(func.count(OrderLine.id))
        .join(Order)
        .where(Order.account_id == account_id)
    )


def reserved(products):
    return {
        product.id: db.session.get(WarehouseProduct, product.id).reserved
        for product in products
    }


def assert_imported_as_on_the_platform(account, expected, known_skus, mapped_codes):
    rows = stored_orders(account.id)
    assert set(rows) == set(expected)
    known = {sku_key(sku) for sku in known_skus}
    for order_id, (cancelled, code, lines, shipped) in expected.items():
        row = rows[order_id]
        assert row.cancelled == cancelled, order_id
        assert row.shipped == shipped, order_id
        assert row.shipping_code == code
        assert row.unmapped_shipping == (code is not None and code not in mapped_codes)
        assert (row.shipping_method_id is not None) == (code in mapped_codes)
        stored = {line.platform_line_id: line for line in row.lines}
        assert set(stored) == {line_id for line_id, _, _ in lines}
        for line_id, sku, quantity in lines:
            line = stored[line_id]
            assert line.quantity == quantity
            is_known = bool(sku) and sku_key(sku) in known
            assert line.unknown_product is not is_known, (order_id, sku)
            assert (line.warehouse_product_id is not None) is is_known
        assert row.has_unknown_products == any(
            line.unknown_product for line in row.lines
        )


@pytest.fixture
def kobe_lab(account_on, platforms):
    """A WooCommerce account with half of its shop's SKUs in the warehouse, one of
    them typed in another case with spaces, and one shipping code mapped."""
    expected = woo_orders(platforms.shop(WOO, KOBE_LAB))
    skus = skus_of(expected)
    products = [factories.product(sku=sku, on_hand=100) for sku in skus[::2][1:]] + [
        factories.product(sku=f"  {skus[0].lower()} ", on_hand=100)
    ]
    account = account_on(WOO, KOBE_LAB)
    factories.shipping_mapping(account, platform_code="flat_rate")
    return account, products


def test_orders_are_imported_with_their_flags_and_reservations(
    kobe_lab, platforms, work
):
    account, products = kobe_lab
    run = queue_action(account, "fetch_orders")

    work()

    assert run.status == "succeeded", run.error
    expected = woo_orders(platforms.shop(WOO, KOBE_LAB))
    assert_imported_as_on_the_platform(
        account, expected, [p.sku for p in products], {"flat_rate"}
    )
    # the seeded shop has each case at least once
    rows = stored_orders(account.id).values()
    assert any(row.unmapped_shipping for row in rows)
    assert any(row.cancelled for row in rows)
    assert any(
        line.sku is None and line.unknown_product for r in rows for line in r.lines
    )
    assert reserved(products) == expected_reserved(expected, products)
    assert any(reserved(products).values())
    assert run.succeeded == len(expected)
    assert account.fetch_cursor is not None
    assert account.last_fetch_at is not None


def test_fetching_twice_keeps_one_row_per_order(kobe_lab, platforms, work):
    account, products = kobe_lab
    queue_action(account, "fetch_orders")
    work()
    first = (len(stored_orders(account.id)), line_count(account.id), reserved(products))
    # forget the cursor, so the second run reads the whole window again
    account.fetch_cursor = None
    db.session.commit()

    run = queue_action(account, "fetch_orders")
    work()

    assert run.status == "succeeded"
    assert (
        len(stored_orders(account.id)),
        line_count(account.id),
        reserved(products),
    ) == first
    assert first[0] == len(platforms.shop(WOO, KOBE_LAB).data["orders"])


def test_two_fetches_at_once_keep_one_row_per_order(kobe_lab, jobs_app, platforms):
    account, products = kobe_lab
    run_ids = []
    for _ in range(2):
        row = SyncRun(account_id=account.id, action="fetch_orders", status="queued")
        db.session.add(row)
        db.session.commit()
        run_ids.append(row.id)
    start = threading.Barrier(2)
    outcomes = {}

    def fetch(run_id):
        with jobs_app.app_context():
            start.wait()
            outcomes[run_id] = fetch_orders(account.id, run_id)

    threads = [threading.Thread(target=fetch, args=(run_id,)) for run_id in run_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {run_ids[0]: "succeeded", run_ids[1]: "succeeded"}
    db.session.expire_all()
    expected = woo_orders(platforms.shop(WOO, KOBE_LAB))
    assert_imported_as_on_the_platform(
        account, expected, [p.sku for p in products], {"flat_rate"}
    )
    assert line_count(account.id) == sum(
        len(lines) for _, _, lines, _ in expected.values()
    )
    assert reserved(products) == expected_reserved(expected, products)


@pytest.fixture
def nara(account_on, platforms):
    """An eBay account whose seller's SKUs are all in the warehouse but one."""
    expected = ebay_orders(platforms.shop(EBAY, NARA))
    skus = skus_of(expected)
    products = [factories.product(sku=sku, on_hand=50) for sku in skus[1:]]
    account = account_on(EBAY, NARA)
    return account, products


def test_a_cancellation_and_new_orders_update_the_rows(nara, platforms, work):
    account, products = nara
    queue_action(account, "fetch_orders")
    work()
    before = reserved(products)
    known = {p.sku_key for p in products}
    # an open order holding a warehouse product
    expected = ebay_orders(platforms.shop(EBAY, NARA))
    order_id = next(
        oid
        for oid, (cancelled, _, lines, shipped) in expected.items()
        if not (cancelled or shipped)
        and any(sku and sku_key(sku) in known for _, sku, _ in lines)
    )
    row = stored_orders(account.id)[order_id]
    assert not row.cancelled

    added = platforms.add_orders(EBAY, NARA, count=2, cancel=[order_id])
    run = queue_action(account, "fetch_orders")
    work()

    assert run.status == "succeeded"
    expected = ebay_orders(platforms.shop(EBAY, NARA))
    assert_imported_as_on_the_platform(
        account, expected, [p.sku for p in products], set()
    )
    rows = stored_orders(account.id)
    assert rows[order_id].cancelled and rows[order_id].cancelled_at is not None
    assert rows[order_id].id == row.id
    assert set(added) <= set(rows)
    after = reserved(products)
    assert after == expected_reserved(expected, products)
    released = [
        line.warehouse_product_id
        for line in rows[order_id].lines
        if line.warehouse_product_id
    ]
    new_lines = [
        line.warehouse_product_id
        for oid in added
        for line in rows[oid].lines
        if line.warehouse_product_id
    ]
    # the cancelled order's products went down unless the new orders took them again
    for product_id in set(released) - set(new_lines):
        assert after[product_id] < before[product_id]


def _ebay_window(call):
    query = parse_qs(call["query"])
    (window,) = query["filter"]
    start, _, end = (
        window.removeprefix("lastmodifieddate:[").removesuffix("]").partition("..")
    )
    return tuple(
        datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        for stamp in (start, end)
    )


def test_the_window_starts_at_the_cursor_less_the_overlap(nara, platforms, work, ctx):
    account, _ = nara
    first = queue_action(account, "fetch_orders")
    work()
    (call,) = platforms.calls(EBAY, NARA)[-1:]
    start, end = _ebay_window(call)
    days = timedelta(days=ctx.config["INITIAL_FETCH_DAYS"])
    assert first.started_at - days <= start <= first.finished_at - days
    cursor = account.fetch_cursor
    assert abs(cursor - end) < timedelta(milliseconds=1)

    platforms.clear_calls(EBAY, NARA)
    second = queue_action(account, "fetch_orders")
    work()

    order_calls = [
        c for c in platforms.calls(EBAY, NARA) if c["path"].endswith("/order")
    ]
    assert order_calls
    start, end = _ebay_window(order_calls[0])
    assert abs(start - (cursor - CURSOR_OVERLAP)) < timedelta(milliseconds=1)
    assert second.started_at <= end + timedelta(milliseconds=1)
    assert account.fetch_cursor > cursor


def test_woocommerce_is_asked_for_orders_modified_since_the_cursor(
    kobe_lab, platforms, work
):
    account, _ = kobe_lab
    cursor = utcnow() - timedelta(hours=30)
    account.fetch_cursor = cursor
    db.session.commit()

    queue_action(account, "fetch_orders")
    work()

    queries = [
        parse_qs(c["query"])
        for c in platforms.calls(WOO, KOBE_LAB)
        if c["path"].endswith("/orders")
    ]
    assert queries
    for query in queries:
        (after,) = query["modified_after"]
        since = datetime.fromisoformat(after).replace(tzinfo=timezone.utc)
        # a second early at most, as the adapter rounds to WooCommerce's seconds
        window = cursor - CURSOR_OVERLAP
        assert window - timedelta(seconds=2) <= since <= window
    shop = platforms.shop(WOO, KOBE_LAB)
    recent = {
        str(o["id"])
        for o in shop.data["orders"].values()
        if datetime.fromisoformat(o["date_modified_gmt"]).replace(tzinfo=timezone.utc)
        > cursor - CURSOR_OVERLAP
    }
    assert set(stored_orders(account.id)) == recent
    assert account.fetch_cursor > cursor


def test_a_500_storm_mid_run_leaves_the_cursor_until_a_retry_completes(
    kobe_lab, platforms, jobs_app, work
):
    account, products = kobe_lab
    run = queue_action(account, "fetch_orders")
    # the first call (open orders) passes; every attempt at the second (trash) fails
    platforms.fault(WOO, KOBE_LAB, "slow", delay=0)
    platforms.fault(WOO, KOBE_LAB, "500", count=4)

    work()

    assert run.status == "queued"
    assert run.message.startswith("Will retry: The platform failed orders with 500")
    assert account.fetch_cursor is None
    assert account.status == CONNECTED
    # the first page is committed: its orders are there, the trashed one is not
    shop = platforms.shop(WOO, KOBE_LAB)
    trashed = {
        str(o["id"]) for o in shop.data["orders"].values() if o["status"] == "trash"
    }
    stored = set(stored_orders(account.id))
    assert stored and not stored & trashed
    failed = [log for log in api_logs(account.id) if not log.ok]
    assert [log.status_code for log in failed] == [500] * 4
    job = rq_job(jobs_app, run.job_id)
    assert job.get_status() == "scheduled"
    assert job.retries_left == 2

    make_retry_due(jobs_app, run.job_id)
    work()

    assert run.status == "succeeded"
    assert account.fetch_cursor is not None
    expected = woo_orders(shop)
    assert set(stored_orders(account.id)) == set(expected)
    assert run.succeeded == len(expected)
    assert reserved(products) == expected_reserved(expected, products)


def _order(order_id, sku, quantity):
    now = utcnow()
    line = types.OrderLine(f"{order_id}-1", sku, sku, quantity, Decimal("9.50"))
    return types.Order(
        order_id=order_id,
        number=order_id,
        status="paid",
        cancelled=False,
        created_at=now,
        updated_at=now,
        currency="USD",
        total=Decimal("9.50"),
        customer_name=None,
        customer_email=None,
        shipping_address=None,
        shipping_code=None,
        lines=(line,),
    )


def test_two_accounts_importing_one_product_at_once_reserve_both(ctx):
    product = factories.product(sku="SHARED-1", on_hand=20)
    woo = factories.account(WOO, status=CONNECTED)
    ebay = factories.account(EBAY, status=CONNECTED)
    first_written = threading.Event()
    commit_first = threading.Event()
    failures = []

    def import_order(account_id, order, before_commit=None, after_import=None):
        try:
            with ctx.app_context():
                account = db.session.get(EcAccount, account_id)
                OrderImporter(account).import_page([order])
                if after_import:
                    after_import.set()
                if before_commit:
                    before_commit.wait(10)
                db.session.commit()
        except Exception as error:  # reported below, in the test's own thread
            failures.append(error)

    first = threading.Thread(
        target=import_order,
        args=(woo.id, _order("W-1", "SHARED-1", 2), commit_first, first_written),
    )
    first.start()
    assert first_written.wait(10)
    # the second import runs while the first one's transaction is still open
    second = threading.Thread(
        target=import_order, args=(ebay.id, _order("E-1", "shared-1 ", 3))
    )
    second.start()
    time.sleep(0.3)
    commit_first.set()
    first.join(15)
    second.join(15)

    assert failures == []
    db.session.expire_all()
    assert db.session.get(WarehouseProduct, product.id).reserved == 5
