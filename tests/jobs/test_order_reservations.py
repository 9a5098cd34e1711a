"""Fetch Orders sums reservations once per run, also when the platform fails midway."""

from tests import factories
from tests.jobs.conftest import KOBE_LAB, WOO, queue_action
from tests.jobs.test_orders import (
    expected_reserved,
    reserved,
    skus_of,
    stored_orders,
    woo_orders,
)


def test_orders_saved_before_a_platform_failure_hold_their_stock(
    account_on, platforms, work
):
    expected = woo_orders(platforms.shop(WOO, KOBE_LAB))
    products = [factories.product(sku=sku, on_hand=100) for sku in skus_of(expected)]
    account = account_on(WOO, KOBE_LAB)
    run = queue_action(account, "fetch_orders")
    # the first call (open orders) passes; every attempt at the second (trash) fails
    platforms.fault(WOO, KOBE_LAB, "slow", delay=0)
    platforms.fault(WOO, KOBE_LAB, "500", count=4)

    work()

    assert run.status == "queued"
    stored = set(stored_orders(account.id))
    assert stored and stored != set(expected)
    saved = {order_id: expected[order_id] for order_id in stored}
    assert reserved(products) == expected_reserved(saved, products)
    assert any(reserved(products).values())
