"""Every adapter says which orders the platform has shipped in full."""

from datetime import UTC, datetime, timedelta

import pytest

import sandbox as sandbox_package
from adapters.base import AdapterConfig
from adapters.registry import create_adapter
from services.demo import ACCOUNTS
from settings import SANDBOX_APPS

SHIPPED = {
    "shopify": lambda order: order.status.endswith("/fulfilled"),
    "woocommerce": lambda order: order.status == "completed",
    "ebay": lambda order: order.status == "FULFILLED",
}


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda item: item["platform"])
def test_fulfilled_follows_the_platforms_shipping_status(sandbox, account):
    config = AdapterConfig(
        base_urls=sandbox_package.base_urls(sandbox.url),
        apps={
            "shopify": {
                "client_id": SANDBOX_APPS["SHOPIFY_CLIENT_ID"],
                "client_secret": SANDBOX_APPS["SHOPIFY_CLIENT_SECRET"],
            },
            "ebay": {
                "client_id": SANDBOX_APPS["EBAY_CLIENT_ID"],
                "client_secret": SANDBOX_APPS["EBAY_CLIENT_SECRET"],
                "ru_name": SANDBOX_APPS["EBAY_RU_NAME"],
            },
        },
    )
    adapter = create_adapter(
        account["platform"], account["credentials"], config=config, sleep=lambda s: None
    )
    until = datetime.now(UTC)
    orders = [
        order
        for page in adapter.fetch_orders(until - timedelta(days=60), until)
        for order in page
    ]

    shipped = [order for order in orders if order.fulfilled]
    assert shipped, "the demo shop should hold some shipped orders"
    assert len(shipped) < len(orders)
    for order in orders:
        assert order.fulfilled == SHIPPED[account["platform"]](order), order.number
