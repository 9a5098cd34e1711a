"""The WooCommerce adapter against the sandbox, over real loopback HTTP."""

import logging
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from adapters import errors
from adapters.base import AdapterConfig
from adapters.registry import create_adapter
from adapters.types import StockItem
from adapters.woocommerce import WooCommerceAdapter

WOO = "woocommerce"
DEMO = "osaka-outlet.example.com"
DEMO_KEY = "ck_demo_osaka_00000000000000000001"
DEMO_SECRET = "cs_demo_osaka_00000000000000000001"
LAB = "kobe-lab.example.com"
LAB_KEY = "ck_test_kobe_000000000000000000002"
LAB_SECRET = "cs_test_kobe_000000000000000000002"
SECRETS = (DEMO_KEY, DEMO_SECRET, LAB_KEY, LAB_SECRET)


@pytest.fixture
def woo(sandbox):
    """The shared running sandbox, reseeded, so every site starts with no calls."""
    return sandbox


@pytest.fixture
def waits():
    return []


@pytest.fixture
def connect(woo, waits):
    """Build an adapter for a sandbox site; ``connect(**credentials, timeout=...)``."""

    def build(site=DEMO, key=DEMO_KEY, secret=DEMO_SECRET, timeout=(2, 5), **options):
        credentials = {
            "site_url": f"https://{site}",
            "consumer_key": key,
            "consumer_secret": secret,
            "query_string_auth": options.pop("query_string_auth", False),
        }
        config = AdapterConfig(
            base_urls={WOO: f"{woo.url}/woocommerce/{{host}}"},
            timeout=timeout,
            **options,
        )
        return create_adapter(WOO, credentials, config=config, sleep=waits.append)

    return build


def site_data(server, site=DEMO):
    """The sandbox's own state of a site, read in process."""
    return server.app.config["SANDBOX_WORLD"].get(WOO, site).data


def everything(pages):
    return [item for page in pages for item in page]


def window():
    now = datetime.now(UTC)
    return now - timedelta(days=30), now + timedelta(seconds=5)


def posts(server, site=DEMO):
    return [call for call in server.calls(WOO, site) if call["method"] == "POST"]


def assert_no_secret(records):
    for record in records:
        text = repr(record)
        for secret in SECRETS:
            assert secret not in text


# connection and credentials


def test_adapter_is_registered_and_defaults_to_the_site(connect):
    adapter = create_adapter(
        WOO,
        {
            "site_url": "https://shop.example.com/",
            "consumer_key": DEMO_KEY,
            "consumer_secret": DEMO_SECRET,
        },
    )

    assert isinstance(adapter, WooCommerceAdapter)
    assert adapter.api == "https://shop.example.com/wp-json/wc/v3"
    assert adapter.stock_batch == 100
    assert connect().api.endswith(f"/woocommerce/{DEMO}/wp-json/wc/v3")


def test_a_base_url_template_with_an_unknown_placeholder_is_refused():
    config = AdapterConfig(base_urls={WOO: "http://127.0.0.1:9/{shop}"})
    credentials = {
        "site_url": f"https://{DEMO}",
        "consumer_key": DEMO_KEY,
        "consumer_secret": DEMO_SECRET,
    }

    with pytest.raises(errors.ConfigurationError, match="placeholder"):
        create_adapter(WOO, credentials, config=config)


def test_connection_test_names_the_site(connect, woo):
    info = connect().test_connection()

    assert info.shop_name == DEMO
    assert "products" in info.detail
    (call,) = woo.calls(WOO, DEMO)
    assert call["path"].endswith("/wp-json/wc/v3/products")


@pytest.mark.parametrize(
    ("key", "secret", "message"),
    [
        ("ck_wrong", DEMO_SECRET, "Consumer key is invalid."),
        (DEMO_KEY, "cs_wrong", "Consumer secret is invalid."),
    ],
)
def test_a_bad_key_is_rejected(connect, key, secret, message):
    adapter = connect(key=key, secret=secret)

    with pytest.raises(errors.CredentialsRejected) as caught:
        adapter.test_connection()

    assert caught.value.status_code == 401
    assert message in caught.value.reason
    assert "woocommerce_rest_authentication_error" in caught.value.reason
    assert_no_secret(adapter.recorder.calls)
    assert_no_secret([caught.value.reason])


def test_a_revoked_key_is_rejected(connect, woo):
    woo.control("POST", f"{WOO}/{DEMO}/revoke")

    with pytest.raises(errors.CredentialsRejected):
        list(connect().fetch_orders(*window()))


def test_query_string_auth_keeps_the_keys_out_of_recorded_paths(connect, woo):
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET, query_string_auth=True)

    adapter.test_connection()
    orders = everything(adapter.fetch_orders(*window()))
    listings = everything(adapter.list_listings())
    outcomes = everything(adapter.set_stock([StockItem(listings[0].listing_id, 4)]))

    assert orders and listings and outcomes[0].ok
    received = woo.calls(WOO, LAB)
    assert all("consumer_key=" + LAB_KEY in call["query"] for call in received)
    assert all("consumer_secret=" + LAB_SECRET in call["query"] for call in received)
    assert len(adapter.recorder.calls) == len(received)
    for record in adapter.recorder.calls:
        assert "consumer_" not in record.path
    assert_no_secret(adapter.recorder.calls)


def test_nothing_secret_is_recorded_or_logged(connect, woo, caplog):
    caplog.set_level(logging.DEBUG, logger="adapters")
    woo.fault(WOO, DEMO, "500")
    woo.fault(WOO, DEMO, "401")
    adapter = connect()

    with pytest.raises(errors.CredentialsRejected):
        list(adapter.list_listings())
    for auth in (False, True):
        adapter = connect(query_string_auth=auth)
        everything(adapter.fetch_orders(*window()))
        listings = everything(adapter.list_listings())
        list(
            adapter.set_stock([StockItem(item.listing_id, 1) for item in listings[:3]])
        )
        assert_no_secret(adapter.recorder.calls)

    # the sandbox's own request log shows query strings; the adapters' logs must not
    ours = [r for r in caplog.records if r.name.startswith("adapters")]
    assert ours
    assert_no_secret([record.getMessage() for record in ours])


# orders


def test_orders_page_through_shared_modification_times(connect, woo):
    # 450 orders, each 150 of them modified in the same second: borders fall in ties
    woo.control("POST", f"{WOO}/{LAB}/seed", json={"orders": 450, "per_time": 150})
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET)

    pages = list(adapter.fetch_orders(*window()))

    ids = [order.order_id for order in everything(pages)]
    assert len(ids) == len(set(ids)) == 450
    assert set(ids) == {str(order_id) for order_id in site_data(woo, LAB)["orders"]}
    assert [len(page) for page in pages] == [100, 100, 100, 100, 50]
    times = [order.updated_at for order in everything(pages)]
    assert times == sorted(times)
    queries = [call["query"] for call in woo.calls(WOO, LAB)]
    assert len(queries) == 6  # five pages, and the one page of trashed orders
    assert all("per_page=100" in query for query in queries)
    assert all("dates_are_gmt=true" in query for query in queries)
    assert all("orderby=modified&order=asc" in query for query in queries)


def test_orders_changed_while_paging_are_not_lost(connect, woo):
    woo.control("POST", f"{WOO}/{LAB}/seed", json={"orders": 250, "per_time": 250})
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET)
    since, until = window()
    until = datetime.now(UTC)
    pages = adapter.fetch_orders(since, until)

    first = next(pages)
    # five orders already read are modified now: they leave the window, the rest
    # move five places up, across the border of the second page
    later = (datetime.now(UTC) + timedelta(minutes=1)).replace(tzinfo=None)
    orders = site_data(woo, LAB)["orders"]
    with woo.app.config["SANDBOX_WORLD"].lock:
        for order in first[:5]:
            orders[int(order.order_id)]["date_modified_gmt"] = later.isoformat(
                "T", "seconds"
            )
    rest = everything(pages)

    ids = [order.order_id for order in first + rest]
    assert len(ids) == len(set(ids)) == 250


def test_orders_are_normalised(connect, woo):
    raw = {str(order_id): order for order_id, order in site_data(woo)["orders"].items()}

    orders = everything(connect().fetch_orders(*window()))

    assert {order.order_id for order in orders} == set(raw)
    by_id = {order.order_id: order for order in orders}
    for order_id, order in by_id.items():
        source = raw[order_id]
        assert order.updated_at.tzinfo is UTC
        assert order.cancelled == (
            source["status"] in ("cancelled", "refunded", "trash")
        )
        if order.cancelled:
            assert order.status == "cancelled"
        billing = source["billing"]
        assert order.customer_name == f"{billing['first_name']} {billing['last_name']}"
        assert order.customer_email == billing["email"]
        assert order.total == Decimal(source["total"])
        for line in order.lines:
            assert isinstance(line.quantity, int)
            assert line.price is None or isinstance(line.price, Decimal)
    assert {raw[o.order_id]["status"] for o in orders if o.cancelled} == {
        "cancelled",
        "refunded",
        "trash",
    }

    # a custom line has no SKU and no listing
    custom = [line for o in orders for line in o.lines if line.title == "Gift wrapping"]
    assert custom and custom[0].sku is None and custom[0].listing_id is None
    assert custom[0].price == Decimal("300")

    # no shipping at all, or an empty or null address
    virtual = [o for o in orders if not raw[o.order_id]["shipping_lines"]]
    assert virtual and virtual[0].shipping_code is None
    assert virtual[0].shipping_address is None
    null = [o for o in orders if raw[o.order_id]["shipping"] is None]
    assert null and null[0].shipping_address is None

    # several shipping lines: the first one's method_id is the code
    split = [o for o in orders if len(raw[o.order_id]["shipping_lines"]) == 2]
    assert split and split[0].shipping_code == "flat_rate"
    assert {o.shipping_code for o in orders} == {"flat_rate", "local_pickup", None}

    # variation lines point at the variation
    variation_ids = {str(vid) for vid in site_data(woo)["variations"]}
    listed = {line.listing_id for o in orders for line in o.lines}
    assert listed & variation_ids


def test_orders_outside_the_window_are_left_out(connect, woo):
    before = datetime.now(UTC) - timedelta(seconds=2)
    added = woo.control("POST", f"{WOO}/{DEMO}/orders", json={"count": 3})["ids"]
    adapter = connect()

    recent = everything(adapter.fetch_orders(before, datetime.now(UTC) + timedelta(1)))
    older = everything(adapter.fetch_orders(before - timedelta(days=30), before))

    assert sorted(order.order_id for order in recent) == sorted(map(str, added))
    assert not {order.order_id for order in older} & set(map(str, added))


# listings


def test_listings_are_simple_products_and_variations_never_parents(connect, woo):
    data = site_data(woo)
    parents = {
        str(pid) for pid, p in data["products"].items() if p["type"] == "variable"
    }
    unstocked = {
        str(pid)
        for pid, p in data["products"].items()
        if p["type"] in ("grouped", "external")
    }

    listings = everything(connect().list_listings())

    ids = [listing.listing_id for listing in listings]
    assert len(ids) == len(set(ids))
    assert not set(ids) & (parents | unstocked)
    variations = [listing for listing in listings if listing.parent_id]
    assert {listing.listing_id for listing in variations} == {
        str(vid) for vid in data["variations"]
    }
    for listing in variations:
        assert (
            int(listing.listing_id)
            in data["products"][int(listing.parent_id)]["variations"]
        )
        assert listing.sku

    by_title = {listing.title: listing for listing in listings}
    assert by_title["SKU with spaces"].sku == by_title["SKU with spaces"].sku.strip()
    assert by_title["Lower-case SKU"].sku.islower()
    assert by_title["Gift card"].quantity is None  # stock not managed
    assert by_title["Untracked poster"].sku is None
    assert by_title["Outlet Bundle 1 - S"].parent_id
    skus = [listing.sku for listing in listings if listing.sku]
    assert len(skus) > len(set(skus))  # the duplicate SKU is reported as it is


def test_many_products_and_variations_are_paged(connect, woo):
    woo.control(
        "POST",
        f"{WOO}/{LAB}/seed",
        json={"products": 230, "variable": 2, "variations": 150},
    )

    listings = everything(
        connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET).list_listings()
    )

    assert len(listings) == 230 + 2 * 150
    assert len({listing.listing_id for listing in listings}) == len(listings)
    paths = [call["path"] for call in woo.calls(WOO, LAB)]
    assert sum(path.endswith("/products") for path in paths) == 3
    assert sum(path.endswith("/variations") for path in paths) == 4


# stock


def test_stock_goes_out_in_batches_of_100_split_by_endpoint(connect, woo):
    woo.control(
        "POST",
        f"{WOO}/{LAB}/seed",
        json={"products": 250, "variable": 2, "variations": 120},
    )
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET)
    listings = everything(adapter.list_listings())
    woo.control("DELETE", f"{WOO}/{LAB}/calls")
    items = [
        StockItem(listing.listing_id, number % 50, parent_id=listing.parent_id)
        for number, listing in enumerate(listings)
    ]

    batches = list(adapter.set_stock(items))

    outcomes = everything(batches)
    assert len(outcomes) == 490 and all(outcome.ok for outcome in outcomes)
    sent = posts(woo, LAB)
    simple = [call for call in sent if call["path"].endswith("/products/batch")]
    variations = [call for call in sent if call["path"].endswith("/variations/batch")]
    assert len(simple) == math.ceil(250 / 100)
    assert len(variations) == 2 * math.ceil(120 / 100)
    assert len(batches) == len(sent)
    assert all(len(call["body"]["update"]) <= 100 for call in sent)
    assert all(call["status"] == 200 for call in sent)
    stock = woo.stock(WOO, LAB)
    assert all(stock[item.key] == item.quantity for item in items)
    for call in variations:
        parent = int(call["path"].split("/")[-3])
        owned = set(site_data(woo, LAB)["products"][parent]["variations"])
        assert {entry["id"] for entry in call["body"]["update"]} <= owned


@pytest.mark.parametrize("count", [1, 100, 101, 250])
def test_n_items_take_ceil_n_over_100_requests(connect, woo, count):
    woo.control("POST", f"{WOO}/{LAB}/seed", json={"products": count})
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET)
    items = [StockItem(str(pid), 5) for pid in site_data(woo, LAB)["products"]]

    outcomes = everything(adapter.set_stock(items))

    assert len(posts(woo, LAB)) == math.ceil(count / 100)
    assert len(outcomes) == count and all(outcome.ok for outcome in outcomes)


def test_a_larger_configured_batch_never_reaches_the_413_limit(connect, woo):
    woo.control("POST", f"{WOO}/{LAB}/seed", json={"products": 150})
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET, stock_batch={WOO: 500})
    items = [StockItem(str(pid), 2) for pid in site_data(woo, LAB)["products"]]

    assert all(outcome.ok for outcome in everything(adapter.set_stock(items)))
    assert [len(call["body"]["update"]) for call in posts(woo, LAB)] == [100, 50]


def test_failed_items_are_reported_one_by_one(connect, woo):
    data = site_data(woo)
    simple = next(
        str(pid) for pid, p in data["products"].items() if p["type"] == "simple"
    )
    variation = next(iter(data["variations"].values()))
    other_parent = next(
        pid
        for pid, p in data["products"].items()
        if p["variations"] and pid != variation["parent_id"]
    )
    items = [
        StockItem(simple, 9),
        StockItem("999999", 3),
        StockItem(str(variation["id"]), 4, parent_id=str(variation["parent_id"])),
        StockItem(str(variation["id"]), 4, parent_id=str(other_parent)),
        StockItem(simple, 2.5),
        StockItem("SKU-1", 1),
    ]

    outcomes = everything(connect().set_stock(items))

    failures = {(o.key, o.error) for o in outcomes if not o.ok}
    assert ("999999", "Invalid ID. (woocommerce_rest_product_invalid_id)") in failures
    assert any("variation_invalid_id" in error for _, error in failures)
    assert any("not a whole number" in error for _, error in failures)
    assert any(key == "SKU-1" for key, _ in failures)
    assert [o.quantity for o in outcomes if o.ok] == [9, 4]
    assert woo.stock(WOO, DEMO)[simple] == 9
    assert len(posts(woo)) == 3  # products, and one per parent


# failures of the platform


def test_rate_limit_waits_as_long_as_retry_after_says(connect, woo, waits):
    woo.fault(WOO, DEMO, "429", count=2, retry_after=3)

    info = connect().test_connection()

    assert info.shop_name == DEMO
    assert waits == [3, 3]
    assert [call["status"] for call in woo.calls(WOO, DEMO)] == [429, 429, 200]


def test_server_errors_are_retried_until_an_answer_comes(connect, woo, waits):
    woo.fault(WOO, DEMO, "500", count=2)
    woo.fault(WOO, DEMO, "503")
    adapter = connect()

    listings = everything(adapter.list_listings())

    assert listings
    statuses = [record.status_code for record in adapter.recorder.calls[:4]]
    assert statuses == [500, 500, 503, 200]
    assert len(waits) == 3 and waits == sorted(waits)


def test_server_errors_that_persist_become_transient(connect, woo):
    woo.fault(WOO, DEMO, "502", count=4)

    with pytest.raises(errors.TransientError, match="502"):
        connect().test_connection()


def test_a_slow_answer_times_out_as_transient(connect, woo):
    woo.fault(WOO, DEMO, "slow", count=4, delay=0.6)
    adapter = connect(timeout=(1, 0.15))

    with pytest.raises(errors.TransientError, match="did not answer"):
        adapter.test_connection()

    assert [record.failure_reason for record in adapter.recorder.calls] == [
        "timed out"
    ] * 4


@pytest.mark.parametrize(
    ("mode", "words"), [("malformed", "malformed JSON"), ("html", "HTML page")]
)
def test_unreadable_answers_are_bad_data(connect, woo, mode, words):
    woo.fault(WOO, DEMO, mode)

    with pytest.raises(errors.BadPlatformData, match=words) as caught:
        list(connect().fetch_orders(*window()))

    assert "orders" in caught.value.reason


# the sandbox's own rules, which the adapter relies on not breaking


def test_the_sandbox_refuses_pages_larger_than_100(woo):
    url = f"{woo.url}/woocommerce/{DEMO}/wp-json/wc/v3/orders"

    response = requests.get(
        url, params={"per_page": 101}, auth=(DEMO_KEY, DEMO_SECRET), timeout=5
    )

    assert response.status_code == 400
    assert response.json()["code"] == "rest_invalid_param"
    assert "per_page" in response.json()["data"]["params"]


def test_the_sandbox_refuses_batches_over_100_and_reports_items(woo):
    url = f"{woo.url}/woocommerce/{DEMO}/wp-json/wc/v3/products/batch"
    some_id = next(iter(site_data(woo)["products"]))
    auth = (DEMO_KEY, DEMO_SECRET)

    too_many = requests.post(
        url, json={"update": [{"id": some_id}] * 101}, auth=auth, timeout=5
    )
    mixed = requests.post(
        url,
        json={"update": [{"id": some_id, "stock_quantity": 1.5}, {"id": 1}]},
        auth=auth,
        timeout=5,
    )

    assert too_many.status_code == 413
    assert too_many.json()["code"] == "woocommerce_rest_request_entity_too_large"
    codes = [entry["error"]["code"] for entry in mixed.json()["update"]]
    assert codes == ["rest_invalid_param", "woocommerce_rest_product_invalid_id"]


def test_a_full_batch_leaves_before_the_rest_of_the_items_are_read(connect, woo):
    woo.control("POST", f"{WOO}/{LAB}/seed", json={"products": 250})
    adapter = connect(site=LAB, key=LAB_KEY, secret=LAB_SECRET)
    ids = [str(pid) for pid in site_data(woo, LAB)["products"]]
    sent_when_read = []

    def items():
        for number, pid in enumerate(ids):
            if number == 150:
                sent_when_read.append(len(posts(woo, LAB)))
            yield StockItem(pid, 3)

    outcomes = everything(adapter.set_stock(items()))

    assert sent_when_read == [1]
    assert len(outcomes) == 250 and all(outcome.ok for outcome in outcomes)
    assert len(posts(woo, LAB)) == 3
