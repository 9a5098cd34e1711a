"""The Shopify adapter against the sandbox, over real loopback HTTP.

Waits the adapter asks for are recorded instead of slept, except in the two tests
that let a short-lived token really expire.
"""

import hashlib
import hmac
import json
import math
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from adapters import errors
from adapters.base import AdapterConfig
from adapters.http import ListRecorder
from adapters.registry import create_adapter
from adapters.shopify import (
    ShopifyAdapter,
    authorization_url,
    check_callback,
    check_install_request,
    exchange_code,
    new_state,
    parse_order,
    verify_hmac,
)
from adapters.types import StockItem
from sandbox import shopify as fake
from tests.sandbox_server import RunningSandbox

DEMO = fake.DEMO_SHOP
TEST = fake.TEST_SHOP
APP = {"client_id": fake.APP_CLIENT_ID, "client_secret": fake.APP_CLIENT_SECRET}


@pytest.fixture(scope="module")
def server():
    with RunningSandbox(platforms={"shopify": fake.PLATFORM}) as running:
        yield running


@pytest.fixture
def sandbox(server):
    """The Shopify sandbox, reseeded for each test."""
    server.reset()
    return server


@pytest.fixture
def waits():
    return []


@pytest.fixture
def config(sandbox):
    return AdapterConfig(
        base_urls={"shopify": f"{sandbox.url}/shopify/{{shop}}"},
        apps={"shopify": dict(APP)},
        timeout=(2, 10),
    )


@pytest.fixture
def adapter(config, waits):
    """Build an adapter for the test shop; keyword arguments replace credentials."""

    def build(shop=TEST, config=config, **values):
        credentials = {
            "shop": shop,
            "access_token": fake.TEST_ACCESS_TOKEN
            if shop == TEST
            else fake.DEMO_ACCESS_TOKEN,
            "refresh_token": fake.TEST_REFRESH_TOKEN if shop == TEST else None,
        }
        credentials.update(values)
        options = {
            k: credentials.pop(k)
            for k in ("on_credentials", "recorder")
            if k in credentials
        }
        return create_adapter(
            "shopify", credentials, config=config, sleep=waits.append, **options
        )

    return build


def seed(sandbox, shop=TEST, **options):
    return sandbox.control("POST", f"shopify/{shop}/seed", json=options)


def calls(sandbox, shop=TEST, path_end=None):
    found = sandbox.calls("shopify", shop)
    return [c for c in found if path_end is None or c["path"].endswith(path_end)]


def everything(pages):
    return [item for page in pages for item in page]


def window(days=60):
    now = datetime.now(timezone.utc)
    return now - timedelta(days=days), now + timedelta(minutes=1)


# connection and orders


def test_connection_names_the_shop(adapter):
    info = adapter(DEMO).test_connection()

    assert info.shop_name == "Tokyo Store"
    assert "tokyo-store.myshopify.com" in info.detail


def test_the_registry_builds_a_shopify_adapter(adapter):
    assert isinstance(adapter(), ShopifyAdapter)


def test_orders_page_through_identical_timestamps_without_loss_or_repeat(
    sandbox, adapter
):
    # 5000 orders, every 70 in a row updated in the same second: page borders (250)
    # fall inside such groups
    seed(sandbox, orders=5000, lines=1, same_timestamp_every=70, bucket_drain=10_000)
    sandbox.control("DELETE", f"shopify/{TEST}/calls")

    pages = list(adapter().fetch_orders(*window()))

    orders = everything(pages)
    assert len(orders) == 5000
    assert len({order.order_id for order in orders}) == 5000
    assert len(pages) == math.ceil(5000 / 250)
    borders_inside_a_second = [
        i
        for i in range(len(pages) - 1)
        if pages[i][-1].updated_at == pages[i + 1][0].updated_at
    ]
    assert borders_inside_a_second
    # the first call carries the filters; the next ones follow the links verbatim
    sent = calls(sandbox, path_end="/orders.json")
    assert len(sent) == len(pages)
    first = dict(parse_qsl(sent[0]["query"]))
    assert first["status"] == "any" and first["limit"] == "250"
    assert first["updated_at_min"].endswith("+00:00")
    for call in sent[1:]:
        assert {key for key, _ in parse_qsl(call["query"])} == {"limit", "page_info"}


def test_seeded_test_shop_orders_of_any_status_arrive_once(adapter):
    orders = everything(adapter().fetch_orders(*window()))

    assert len(orders) == 600
    assert len({order.order_id for order in orders}) == 600
    assert any(order.cancelled for order in orders)
    assert any(order.status.endswith("/fulfilled") for order in orders)


def test_the_window_bounds_which_orders_come(sandbox, adapter):
    added = sandbox.control("POST", f"shopify/{DEMO}/orders", json={"count": 3})["ids"]
    since = datetime.now(timezone.utc) - timedelta(seconds=5)

    orders = everything(adapter(DEMO).fetch_orders(since, since + timedelta(minutes=1)))

    assert sorted(order.order_id for order in orders) == sorted(map(str, added))


def test_orders_are_normalized(adapter):
    orders = everything(adapter().fetch_orders(*window()))
    by_number = {order.number: order for order in orders}

    plain = by_number["#1001"]
    assert plain.status == "paid/unfulfilled" and not plain.cancelled
    assert plain.shipping_code == "standard"
    assert plain.total == Decimal("69.50")
    assert plain.updated_at.tzinfo == timezone.utc
    assert plain.shipping_address.country_code == "US"
    assert [line.quantity for line in plain.lines] == [2, 1]
    assert all(line.listing_id and line.sku for line in plain.lines)

    cancelled = by_number["#1002"]
    assert cancelled.cancelled and cancelled.cancelled_at is not None

    custom = by_number["#1003"]
    assert custom.shipping_address is None
    assert custom.shipping_code is None
    assert [(line.sku, line.listing_id) for line in custom.lines[:2]] == [
        (None, None),
        (None, None),
    ]
    assert custom.lines[0].price == Decimal("12.50")
    assert custom.lines[2].sku == "KOBE-001-M"

    # two shipping lines: the first counts, by its title since its code is empty
    assert by_number["#1004"].shipping_code == "Local Delivery"
    assert by_number["#1005"].status == "paid/fulfilled"


def test_order_times_are_read_in_utc_and_prices_may_be_numbers():
    order = parse_order(
        {
            "id": 1,
            "name": "#1",
            "created_at": "2026-03-01T09:00:00+09:00",
            "updated_at": "2026-03-01T00:30:00Z",
            "cancelled_at": None,
            "total_price": 12.5,
            "shipping_address": None,
            "line_items": [
                {"id": 2, "variant_id": None, "sku": " ", "quantity": 1, "price": 3}
            ],
            "shipping_lines": [{"code": None, "title": "Pickup"}],
        }
    )

    assert order.created_at == datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc)
    assert order.updated_at == datetime(2026, 3, 1, 0, 30, tzinfo=timezone.utc)
    assert order.total == Decimal("12.5")
    assert order.lines[0].price == Decimal(3) and order.lines[0].sku is None
    assert order.shipping_code == "Pickup"


def test_an_unreadable_order_fails_with_its_id():
    with pytest.raises(errors.BadPlatformData, match="order 7"):
        parse_order({"id": 7, "updated_at": "yesterday"})


# listings and locations


def test_listings_are_variants_with_trimmed_skus(adapter):
    listings = everything(adapter(DEMO).list_listings())

    assert len(listings) == 207
    assert all(listing.parent_id and listing.inventory_item_id for listing in listings)
    parents = {listing.parent_id for listing in listings}
    assert not parents & {listing.listing_id for listing in listings}
    skus = [listing.sku for listing in listings]
    assert skus.count(None) == 2
    assert any(sku and sku == sku.strip() and sku.islower() for sku in skus)
    duplicated = [sku for sku in set(skus) if sku and skus.count(sku) > 1]
    assert len(duplicated) == 1
    assert all(isinstance(listing.quantity, int) for listing in listings)


def test_listings_follow_product_pages(sandbox, adapter):
    seed(sandbox, products=600, variants=2)

    pages = list(adapter().list_listings())

    assert len(pages) == 3
    assert len({listing.listing_id for listing in everything(pages)}) == 1200


def test_stock_goes_to_the_first_active_location(adapter):
    shop = adapter()

    places = shop.locations()

    assert [place["active"] for place in places] == [False, True]
    assert shop.stock_location() == places[1]["id"]


# stock


def _items(listings, quantity=5):
    return [
        StockItem(
            key=listing.listing_id,
            quantity=quantity,
            sku=listing.sku,
            inventory_item_id=listing.inventory_item_id,
        )
        for listing in listings
    ]


def test_stock_is_set_in_batches_of_the_configured_size(sandbox, adapter, config):
    seed(sandbox, products=300, variants=2)
    shop = adapter()
    listings = everything(shop.list_listings())
    sandbox.control("DELETE", f"shopify/{TEST}/calls")

    results = list(shop.set_stock(_items(listings, quantity=17)))

    assert [len(batch) for batch in results] == [250, 250, 100]
    assert all(outcome.ok for batch in results for outcome in batch)
    sent = calls(sandbox, path_end="/graphql.json")
    assert len(sent) == math.ceil(600 / 250)
    stock = sandbox.stock("shopify", TEST)["by_inventory_item"]
    assert {stock[listing.inventory_item_id] for listing in listings} == {17}

    # what the mutation carried
    body = sent[0]["body"]
    assert "@idempotent(key:" in body["query"]
    payload = body["variables"]["input"]
    assert (payload["name"], payload["reason"]) == ("available", "correction")
    first = payload["quantities"][0]
    assert first["changeFromQuantity"] is None
    assert first["inventoryItemId"].startswith("gid://shopify/InventoryItem/")
    assert first["locationId"] == f"gid://shopify/Location/{shop.stock_location()}"

    # a smaller batch from the settings
    smaller = AdapterConfig(
        base_urls=config.base_urls, apps=config.apps, stock_batch={"shopify": 100}
    )
    sandbox.control("DELETE", f"shopify/{TEST}/calls")
    list(adapter(config=smaller).set_stock(_items(listings, quantity=3)))
    assert len(calls(sandbox, path_end="/graphql.json")) == 6


def test_each_refused_item_is_reported_and_the_rest_applied(sandbox, adapter):
    shop = adapter()
    listings = everything(shop.list_listings())[:4]
    items = _items(listings, quantity=9)
    items[1] = StockItem(key="unknown", quantity=4, inventory_item_id="999")
    items[2] = StockItem(
        key=listings[2].listing_id,
        quantity=-3,
        inventory_item_id=listings[2].inventory_item_id,
    )
    items.append(StockItem(key="unmapped", quantity=1))

    (outcomes,) = list(shop.set_stock(items))

    assert [outcome.key for outcome in outcomes] == [item.key for item in items]
    assert [outcome.ok for outcome in outcomes] == [True, False, False, True, False]
    assert "could not be found" in outcomes[1].error
    assert "negative" in outcomes[2].error
    assert "Sync Product Mappings" in outcomes[4].error
    stock = sandbox.stock("shopify", TEST)["by_inventory_item"]
    assert stock[listings[0].inventory_item_id] == 9
    assert stock[listings[3].inventory_item_id] == 9
    assert stock[listings[2].inventory_item_id] != -3


def test_a_batch_with_nothing_sendable_makes_no_call(sandbox, adapter):
    shop = adapter()
    sandbox.control("DELETE", f"shopify/{TEST}/calls")
    items = [
        StockItem(key="unmapped", quantity=1),
        StockItem(key="a-flag", quantity=True, inventory_item_id="41"),
        StockItem(key="text", quantity="7", inventory_item_id="gid://x/Other/42"),
    ]

    (outcomes,) = list(shop.set_stock(items))

    assert [outcome.ok for outcome in outcomes] == [False, False, False]
    assert "Sync Product Mappings" in outcomes[0].error
    assert "whole number" in outcomes[1].error
    assert "Sync Product Mappings" in outcomes[2].error
    assert calls(sandbox, path_end="/graphql.json") == []


def test_throttled_stock_updates_wait_and_retry_the_same_batch(sandbox, adapter, waits):
    shop = adapter()
    items = _items(everything(shop.list_listings())[:3], quantity=2)
    seed(sandbox, throttle_next=2)
    sandbox.control("DELETE", f"shopify/{TEST}/calls")

    (outcomes,) = list(shop.set_stock(items))

    assert all(outcome.ok for outcome in outcomes)
    assert len(waits) == 2 and all(wait > 0 for wait in waits)
    sent = calls(sandbox, path_end="/graphql.json")
    assert len(sent) == 3
    assert len({json.dumps(call["body"]) for call in sent}) == 1


def test_a_batch_over_shopifys_maximum_fails_readably(sandbox, adapter, config):
    larger = AdapterConfig(
        base_urls=config.base_urls, apps=config.apps, stock_batch={"shopify": 300}
    )
    seed(sandbox, products=150, variants=2)
    shop = adapter(config=larger)
    items = _items(everything(shop.list_listings()))

    with pytest.raises(errors.BadPlatformData, match="maximum allowed of 250"):
        list(shop.set_stock(items))


def test_versions_before_2026_04_skip_the_compare_check_the_old_way(
    sandbox, adapter, config
):
    older = AdapterConfig(
        base_urls=config.base_urls,
        apps=config.apps,
        extra={"shopify_api_version": "2025-10"},
    )
    shop = adapter(config=older)
    items = _items(everything(shop.list_listings())[:2], quantity=1)

    (outcomes,) = list(shop.set_stock(items))

    assert all(outcome.ok for outcome in outcomes)
    body = calls(sandbox, path_end="/graphql.json")[-1]["body"]
    assert body["variables"]["input"]["ignoreCompareQuantity"] is True
    assert "@idempotent" not in body["query"]


# tokens


def test_an_expiring_token_is_refreshed_in_the_middle_of_a_run(sandbox, adapter):
    renewed = []
    seed(sandbox, token_ttl=0.5)
    pages = adapter(
        on_credentials=lambda values, expires_at: renewed.append((values, expires_at))
    ).fetch_orders(*window())

    first = next(pages)
    # the seeded token expires between pages: a 401, one refresh, the same page again
    time.sleep(0.7)
    second = next(pages)
    # the refreshed token's lifetime is known now: it is refreshed before the call
    time.sleep(0.7)
    rest = everything(pages)

    orders = first + second + rest
    assert len(orders) == 600 and len({order.order_id for order in orders}) == 600
    assert len(renewed) == 2
    tokens = [values["refresh_token"] for values, _ in renewed]
    assert len({fake.TEST_REFRESH_TOKEN, *tokens}) == 3
    assert all(expires_at is not None for _, expires_at in renewed)
    statuses = [
        c["status"] for c in calls(sandbox) if c["path"].endswith("orders.json")
    ]
    assert statuses.count(401) == 1
    assert len(calls(sandbox, path_end="/oauth/access_token")) == 2

    # the replaced refresh tokens are gone; the last one works
    with pytest.raises(errors.CredentialsRejected, match="invalid_grant"):
        adapter(
            access_token="", refresh_token=fake.TEST_REFRESH_TOKEN
        ).test_connection()
    assert adapter(access_token="", refresh_token=tokens[-1]).test_connection()


def test_a_token_known_to_be_expired_is_refreshed_before_the_call(sandbox, adapter):
    renewed = []
    shop = adapter(
        expires_at=(datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(),
        on_credentials=lambda values, expires_at: renewed.append(expires_at),
    )

    shop.test_connection()

    paths = [c["path"].rsplit("/", 1)[-1] for c in calls(sandbox)]
    assert paths == ["access_token", "shop.json"]
    remaining = renewed[0] - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)


def test_a_refused_refresh_rejects_the_credentials(sandbox, adapter):
    sandbox.control("POST", f"shopify/{TEST}/revoke")

    with pytest.raises(errors.CredentialsRejected, match="Re-authorize"):
        adapter().test_connection()


def test_a_refresh_refused_for_the_app_blames_the_installation(
    sandbox, adapter, config
):
    wrong = AdapterConfig(
        base_urls=config.base_urls,
        apps={"shopify": {**APP, "client_secret": "not-the-app-secret"}},
    )

    with pytest.raises(errors.ConfigurationError, match="SHOPIFY_CLIENT_SECRET"):
        adapter(config=wrong, access_token="").test_connection()


def test_401_without_a_refresh_token_rejects_the_credentials(sandbox, adapter):
    sandbox.fault("shopify", DEMO, "401")

    with pytest.raises(errors.CredentialsRejected) as caught:
        adapter(DEMO).test_connection()

    assert caught.value.status_code == 401
    assert "Invalid API key or access token" in caught.value.reason


# rate limits and failures


def test_429_waits_as_long_as_retry_after_says(sandbox, adapter, waits):
    sandbox.fault("shopify", DEMO, "429", retry_after=3)

    assert adapter(DEMO).test_connection().shop_name == "Tokyo Store"
    assert waits == [3.0]


def test_calls_slow_down_before_the_bucket_is_full(sandbox, adapter, waits):
    seed(sandbox, DEMO, bucket_level=36)
    shop = adapter(DEMO)

    shop.test_connection()
    assert waits == []
    shop.test_connection()

    # 37 of 40 used: wait until 34 are, at 2 a second
    assert len(waits) == 1 and 1.3 < waits[0] <= 1.5


def test_calls_do_not_wait_while_the_bucket_has_room(adapter, waits):
    shop = adapter(DEMO)
    for _ in range(5):
        shop.test_connection()

    assert waits == []


def test_a_full_bucket_answers_429_with_retry_after(sandbox):
    seed(sandbox, DEMO, bucket_level=40)

    response = requests.get(
        f"{sandbox.url}/shopify/{DEMO}/admin/api/2026-10/shop.json",
        headers={"X-Shopify-Access-Token": fake.DEMO_ACCESS_TOKEN},
        timeout=5,
    )

    assert response.status_code == 429
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
    assert float(response.headers["Retry-After"]) > 0
    assert response.json()["errors"].startswith("Exceeded 2 calls per second")


def test_server_errors_are_retried_then_succeed(sandbox, adapter, waits):
    recorder = ListRecorder()
    sandbox.fault("shopify", DEMO, "500", count=2)

    assert adapter(DEMO, recorder=recorder).test_connection().shop_name == "Tokyo Store"
    assert [call.status_code for call in recorder.calls] == [500, 500, 200]
    assert len(waits) == 2


def test_server_errors_that_last_fail_as_transient(sandbox, adapter):
    sandbox.fault("shopify", DEMO, "503", count=4)

    with pytest.raises(errors.TransientError, match="503"):
        adapter(DEMO).test_connection()


@pytest.mark.parametrize(
    ("mode", "words"), [("malformed", "malformed JSON"), ("html", "HTML page")]
)
def test_unreadable_answers_are_bad_platform_data(sandbox, adapter, mode, words):
    sandbox.fault("shopify", DEMO, mode)

    with pytest.raises(errors.BadPlatformData, match=words):
        everything(adapter(DEMO).fetch_orders(*window()))


# the OAuth install


def _signed(**values):
    params = {"shop": TEST, "timestamp": str(int(time.time())), **values}
    return fake.signed(params)


def test_hmac_follows_shopifys_escaping():
    params = {"shop": TEST, "a=b": "x&y%z", "timestamp": "1"}
    message = "a%3Db=x%26y%25z&shop=kobe-test.myshopify.com&timestamp=1"
    digest = hmac.new(b"secret", message.encode(), hashlib.sha256).hexdigest()

    assert verify_hmac({**params, "hmac": digest}, "secret")
    assert not verify_hmac({**params, "hmac": digest.upper()[:-1] + "0"}, "secret")


def test_the_install_request_is_checked(config):
    assert check_install_request(_signed(host="abc"), config=config) == TEST


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda p: p.update(code="other"), "hmac"),
        (lambda p: p.pop("hmac"), "no hmac"),
        (lambda p: p.update(state="forged"), "hmac"),
    ],
)
def test_tampered_callbacks_are_refused(config, change, words):
    params = _signed(code="abc", state="s1")
    change(params)

    with pytest.raises(errors.OAuthError, match=words):
        check_callback(params, config=config, state="s1")


def test_a_callback_with_another_state_is_refused(config):
    with pytest.raises(errors.OAuthError, match="state"):
        check_callback(_signed(code="abc", state="s1"), config=config, state="s2")


@pytest.mark.parametrize(
    "shop", ["evil.example.com", "Kobe-Test.myshopify.com", "x.myshopify.com.evil.io"]
)
def test_a_callback_for_a_foreign_shop_is_refused(config, shop):
    with pytest.raises(errors.OAuthError, match="not a Shopify shop host"):
        check_callback(
            _signed(code="abc", state="s", shop=shop), config=config, state="s"
        )


def test_a_callback_for_another_shop_than_started_is_refused(config):
    with pytest.raises(errors.OAuthError, match="started"):
        check_callback(
            _signed(code="a", state="s"), config=config, state="s", shop=DEMO
        )


def test_a_stale_callback_is_refused(config):
    stale = str(int(time.time()) - 25 * 3600)

    with pytest.raises(errors.OAuthError, match="24 hours"):
        check_callback(
            _signed(code="a", state="s", timestamp=stale), config=config, state="s"
        )


def _consent(sandbox, config, scopes=None):
    """Play the merchant: open the consent page, approve, return the redirect."""
    state = new_state()
    options = {"scopes": scopes} if scopes else {}
    url = authorization_url(
        TEST,
        config=config,
        state=state,
        redirect_uri="http://127.0.0.1:9/cb",
        **options,
    )
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Approve" in page.text
    approved = requests.post(
        url, data={"decision": "approve"}, allow_redirects=False, timeout=5
    )
    assert approved.status_code == 302
    target = urlsplit(approved.headers["Location"])
    assert (target.hostname, target.port, target.path) == ("127.0.0.1", 9, "/cb")
    return dict(parse_qsl(target.query)), state


def test_the_consent_flow_yields_working_expiring_tokens(sandbox, config, adapter):
    params, state = _consent(sandbox, config)
    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}

    callback = check_callback(params, config=config, state=state, shop=TEST)
    tokens = exchange_code(callback.shop, callback.code, config=config)

    assert tokens.values["shop"] == TEST
    assert tokens.values["access_token"].startswith("shpat_")
    assert tokens.values["refresh_token"].startswith("shprt_")
    assert timedelta(minutes=59) < tokens.expires_at - datetime.now(timezone.utc)
    assert adapter(**tokens.values).test_connection().shop_name == "Kobe Test Shop"
    # a code works once
    with pytest.raises(errors.OAuthError, match="already used"):
        exchange_code(callback.shop, callback.code, config=config)


def test_a_non_expiring_grant_has_no_refresh_token(sandbox, config):
    params, state = _consent(sandbox, config)
    callback = check_callback(params, config=config, state=state)

    tokens = exchange_code(callback.shop, callback.code, config=config, expiring=False)

    assert tokens.values["refresh_token"] is None and tokens.expires_at is None


def test_a_grant_with_too_few_scopes_is_refused(sandbox, config):
    params, state = _consent(sandbox, config, scopes=("read_orders", "read_products"))
    callback = check_callback(params, config=config, state=state)

    with pytest.raises(errors.OAuthError, match="write_inventory, read_locations"):
        exchange_code(callback.shop, callback.code, config=config)


def test_no_secret_reaches_the_call_records(sandbox, config, adapter):
    recorder = ListRecorder()
    seen = [fake.APP_CLIENT_SECRET, fake.TEST_ACCESS_TOKEN, fake.TEST_REFRESH_TOKEN]

    # a consent, with the code and the tokens it gave
    params, state = _consent(sandbox, config)
    callback = check_callback(params, config=config, state=state)
    tokens = exchange_code(
        callback.shop, callback.code, config=config, recorder=recorder
    )
    seen += [
        callback.code,
        tokens.values["access_token"],
        tokens.values["refresh_token"],
    ]
    try:
        exchange_code(callback.shop, callback.code, config=config, recorder=recorder)
    except errors.OAuthError:
        pass

    # a 401, a refresh, failures, and finally a refused refresh
    renewed = []
    shop = adapter(
        recorder=recorder,
        on_credentials=lambda values, expires_at: renewed.append(values),
    )
    sandbox.fault("shopify", TEST, "401")
    sandbox.fault("shopify", TEST, "500")
    everything(shop.fetch_orders(*window()))
    sandbox.control("POST", f"shopify/{TEST}/revoke")
    with pytest.raises(errors.CredentialsRejected):
        shop.test_connection()
    seen += [value for values in renewed for value in values.values() if value != TEST]

    assert any(not call.ok for call in recorder.calls)
    for call in recorder.calls:
        text = f"{call.path} {call.failure_reason or ''}"
        assert not [secret for secret in seen if secret and secret in text], call
