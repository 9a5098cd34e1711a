"""The eBay adapter against the eBay sandbox, over real loopback HTTP."""

import html
import math
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests

from adapters import ebay, errors
from adapters.base import LOOKUP, OAUTH, AdapterConfig
from adapters.http import ListRecorder
from adapters.registry import create_adapter
from adapters.types import StockItem
from sandbox import ebay as ebay_sandbox
from tests.sandbox_server import RunningSandbox

KYOTO = "kyoto-vintage"
NARA = "nara-test-seller"
KYOTO_REFRESH = "v^1.1#demo_kyoto_refresh_0000000001"
NARA_REFRESH = "v^1.1#test_nara_refresh_0000000002"
APP = {
    "client_id": ebay_sandbox.CLIENT_ID,
    "client_secret": ebay_sandbox.CLIENT_SECRET,
    "ru_name": ebay_sandbox.RU_NAME,
}
ACCEPT_URL = "http://127.0.0.1:9/accounts/ebay/callback"


@pytest.fixture(scope="module")
def ebay_server():
    # only the eBay sandbox, so these tests do not wait for the other platforms
    with RunningSandbox(platforms={"ebay": ebay_sandbox.PLATFORM}) as server:
        yield server


@pytest.fixture
def server(ebay_server):
    ebay_server.reset()
    return ebay_server


def config_for(server, **options):
    return AdapterConfig(
        base_urls={"ebay": f"{server.url}/ebay", "ebay_auth": f"{server.url}/ebay"},
        apps={"ebay": dict(APP)},
        **options,
    )


def adapter_for(server, refresh_token=KYOTO_REFRESH, **options):
    config = options.pop("config", None) or config_for(server)
    credentials = {"marketplace_id": "EBAY_US", "refresh_token": refresh_token}
    return create_adapter("ebay", credentials, config=config, **options)


def seed(server, seller=KYOTO, **options):
    return server.control("POST", f"ebay/{seller}/seed", json=options)


def calls(server, path, seller=KYOTO):
    return [
        call for call in server.calls("ebay", seller) if call["path"].endswith(path)
    ]


def seller_data(server, seller=KYOTO):
    return server.app.config["SANDBOX_WORLD"].get("ebay", seller).data


def all_orders(adapter, days=30, until=None):
    since = datetime.now(timezone.utc) - timedelta(days=days)
    return [order for page in adapter.fetch_orders(since, until) for order in page]


def warehouse_skus(server, count):
    return sorted(sku for sku in seller_data(server)["items"] if sku[:1].isupper())[
        :count
    ]


# the declaration


def test_spec_keeps_its_fields_and_builds_the_adapter(server):
    adapter = adapter_for(server)

    assert isinstance(adapter, ebay.EbayAdapter)
    assert [f.name for f in ebay.SPEC.credential_fields] == [
        "marketplace_id",
        "refresh_token",
    ]
    assert ebay.SPEC.capabilities.auth_type == OAUTH
    assert ebay.SPEC.capabilities.mapping_mode == LOOKUP
    assert adapter.stock_batch == 25


# consent and code exchange


def consent(server, state, seller=NARA, decision="agree"):
    """Open the consent page as a browser would and press one of its buttons."""
    url = ebay.authorization_url(config_for(server), state)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert ">Agree</button>" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)">', page.text)
    }
    fields.update(seller=seller, decision=decision)
    answer = requests.post(
        server.url + action, data=fields, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(ACCEPT_URL + "?")
    return dict(parse_qsl(urlsplit(location).query))


def test_authorization_url_asks_for_both_sell_scopes(server):
    url = ebay.authorization_url(config_for(server), "state-123")

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == "/ebay/oauth2/authorize"
    assert query["client_id"] == ["demo-ebay-app"]
    assert query["redirect_uri"] == ["demo-ebay-runame"]
    assert query["response_type"] == ["code"]
    assert query["state"] == ["state-123"]
    assert set(query["scope"][0].split()) == set(ebay.SCOPES)
    assert "%20" in parts.query  # spaces between scopes, not plus signs


def test_consent_and_code_exchange_connect_a_new_seller(server):
    seed(server, accept_url=ACCEPT_URL)
    state = ebay.new_state()

    answer = consent(server, state)
    code = ebay.read_callback(answer, expected_state=state)
    tokens = ebay.exchange_code(config_for(server), code)

    refresh_token = tokens.values["refresh_token"]
    assert set(tokens.values) == {"refresh_token"}
    assert refresh_token not in (KYOTO_REFRESH, NARA_REFRESH)
    months = (tokens.expires_at - datetime.now(timezone.utc)).days / 30
    assert 17 < months < 19
    info = adapter_for(server, refresh_token).test_connection()
    assert "inventory items" in info.detail
    assert calls(server, "/inventory_item", seller=NARA)


def test_a_code_works_only_once(server):
    seed(server, accept_url=ACCEPT_URL)
    state = ebay.new_state()
    code = ebay.read_callback(consent(server, state), expected_state=state)
    ebay.exchange_code(config_for(server), code)

    with pytest.raises(errors.OAuthError, match="invalid_grant"):
        ebay.exchange_code(config_for(server), code)


def test_a_wrong_or_missing_state_is_refused(server):
    seed(server, accept_url=ACCEPT_URL)
    answer = consent(server, "the-state-we-sent")

    with pytest.raises(errors.OAuthError, match="state"):
        ebay.read_callback(answer, expected_state="another-session-state")
    with pytest.raises(errors.OAuthError, match="state"):
        ebay.read_callback({"code": answer["code"]}, expected_state="the-state-we-sent")


def test_a_declined_consent_says_so(server):
    seed(server, accept_url=ACCEPT_URL)

    answer = consent(server, "s1", decision="decline")

    assert "code" not in answer
    with pytest.raises(errors.OAuthError, match="access_denied"):
        ebay.read_callback(answer, expected_state="s1")


def test_consent_goes_to_the_products_dev_callback_unless_told_otherwise(server):
    url = ebay.authorization_url(config_for(server), "s1")
    page = requests.get(url, timeout=10)
    form = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)">', page.text)
    }

    answer = requests.post(
        f"{server.url}/ebay/oauth2/authorize",
        data={**form, "seller": KYOTO, "decision": "agree"},
        allow_redirects=False,
        timeout=10,
    )

    assert answer.headers["Location"].startswith(ebay_sandbox.DEFAULT_ACCEPT_URL + "?")


def test_consent_page_refuses_a_foreign_redirect_uri(server):
    url = ebay.authorization_url(config_for(server), "s1")

    page = requests.get(url.replace("demo-ebay-runame", "other-runame"), timeout=10)

    assert page.status_code == 400
    assert "RuName" in page.text


# tokens


def test_connection_obtains_an_access_token_and_reads_one_item(server):
    info = adapter_for(server).test_connection()

    assert info.shop_name == "eBay seller on EBAY_US"
    assert "138 inventory items" in info.detail
    [token_call] = calls(server, "/identity/v1/oauth2/token")
    [item_call] = calls(server, "/inventory_item")
    assert token_call["status"] == 200
    assert "limit=1" in item_call["query"]


def test_a_revoked_refresh_token_is_rejected(server):
    server.control("POST", f"ebay/{KYOTO}/revoke")

    with pytest.raises(errors.CredentialsRejected, match="invalid_grant"):
        adapter_for(server).test_connection()


def test_an_account_without_refresh_token_is_rejected_without_a_call(server):
    adapter = adapter_for(server, refresh_token="")

    with pytest.raises(errors.CredentialsRejected, match="Re-authorize"):
        adapter.test_connection()
    assert adapter.recorder.calls == []


def test_a_wrong_app_secret_is_a_configuration_error(server):
    config = AdapterConfig(
        base_urls={"ebay": f"{server.url}/ebay"},
        apps={"ebay": {**APP, "client_secret": "not-the-secret-0000"}},
    )

    with pytest.raises(errors.ConfigurationError, match="EBAY_CLIENT_SECRET"):
        adapter_for(server, config=config).test_connection()


def test_a_401_renews_the_token_once_and_goes_on(server):
    adapter = adapter_for(server)
    adapter.test_connection()
    server.fault("ebay", KYOTO, "401")

    orders = all_orders(adapter)

    assert len(orders) == 36
    assert len(calls(server, "/oauth2/token")) == 2


def test_a_401_after_renewal_rejects_the_credentials(server):
    adapter = adapter_for(server)
    adapter.test_connection()
    server.fault("ebay", KYOTO, "401", count=2)

    with pytest.raises(errors.CredentialsRejected, match="1001"):
        all_orders(adapter)
    assert len(calls(server, "/oauth2/token")) == 2
    assert [c["status"] for c in calls(server, "/order")] == [401, 401]


def test_an_access_token_running_out_mid_run_is_renewed(server):
    seed(server, orders=450, lines=1, token_ttl=1)
    adapter = adapter_for(server)
    since = datetime.now(timezone.utc) - timedelta(days=4)

    pages = adapter.fetch_orders(since, None)
    first = next(pages)
    time.sleep(1.2)  # longer than the token's life
    rest = [order for page in pages for order in page]

    assert len(first) + len(rest) == 450
    assert len(calls(server, "/oauth2/token")) >= 2
    assert all(c["status"] == 200 for c in calls(server, "/order"))


# orders


def test_orders_page_by_offset_across_identical_timestamps(server):
    seed(server, orders=1000, lines=1, same_time=7)
    adapter = adapter_for(server)

    orders = all_orders(adapter, days=4)

    ids = [order.order_id for order in orders]
    assert len(ids) == len(set(ids)) == 1000
    assert set(ids) == set(seller_data(server)["orders"])
    # page borders fall inside groups of orders modified at the same moment
    assert orders[199].updated_at == orders[200].updated_at
    assert orders[599].updated_at == orders[600].updated_at
    order_calls = calls(server, "/order")
    offsets = [parse_qs(c["query"])["offset"][0] for c in order_calls]
    assert offsets == ["0", "200", "400", "600", "800"]
    assert all("limit=200" in c["query"] for c in order_calls)
    assert all("%5B" in c["query"] and "%5D" in c["query"] for c in order_calls)


def test_an_order_modified_during_the_run_does_not_hide_others(server):
    seed(server, orders=600, lines=1)
    adapter = adapter_for(server)
    now = datetime.now(timezone.utc)

    pages = adapter.fetch_orders(now - timedelta(days=4), now - timedelta(seconds=1))
    first = next(pages)
    # three orders of the first page change now and leave the window
    cancel = [order.order_id for order in first[:3]]
    server.control("POST", f"ebay/{KYOTO}/orders", json={"count": 1, "cancel": cancel})
    rest = [order for page in pages for order in page]

    ids = [order.order_id for order in first + rest]
    assert len(ids) == len(set(ids)) == 600


def test_orders_are_normalized(server):
    orders = {order.order_id: order for order in all_orders(adapter_for(server))}
    raw = seller_data(server)["orders"]

    assert len(orders) == 36
    cancelled = [o for o in orders.values() if o.cancelled]
    assert len(cancelled) == 3
    assert all(o.cancelled_at is not None for o in cancelled)
    requested = [
        o for o in raw.values() if o["cancelStatus"]["cancelState"] == "IN_PROGRESS"
    ]
    assert len(requested) == 1 and not orders[requested[0]["orderId"]].cancelled
    assert sum(1 for o in orders.values() if o.shipping_address is None) == 2
    assert sum(1 for o in orders.values() if o.shipping_code is None) == 1
    assert sum(1 for o in orders.values() for line in o.lines if line.sku is None) == 2
    assert len({o.updated_at for o in orders.values()}) == 36 - 11

    order = next(o for o in orders.values() if o.shipping_address and o.total)
    source = raw[order.order_id]
    assert order.number == source["legacyOrderId"]
    assert order.status in ("NOT_STARTED", "IN_PROGRESS")
    assert order.total == Decimal(source["pricingSummary"]["total"]["value"])
    assert order.currency == "USD"
    assert order.customer_name == source["buyer"]["username"]
    assert order.updated_at.tzinfo is not None
    assert order.shipping_code in ("USPSPriority", "USPSGround", "UPSGround")
    for line, item in zip(order.lines, source["lineItems"], strict=True):
        cost = Decimal(item["lineItemCost"]["value"])
        assert line.price * line.quantity == cost
        assert line.listing_id == item["legacyItemId"]


def test_numbers_sent_as_numbers_are_read_too(server):
    adapter = adapter_for(server, NARA_REFRESH)

    orders = all_orders(adapter)

    assert len(orders) == 10
    assert all(isinstance(o.total, Decimal) for o in orders)
    assert all(isinstance(line.quantity, int) for o in orders for line in o.lines)
    assert {o.currency for o in orders} == {"GBP"}


# listings and stock


def test_listings_are_every_inventory_item_by_sku(server):
    seed(server, items=450)

    pages = list(adapter_for(server).list_listings())

    listings = [listing for page in pages for listing in page]
    assert [len(page) for page in pages] == [200, 200, 50]
    assert len({listing.sku for listing in listings}) == 450
    assert all(listing.listing_id == listing.sku for listing in listings)
    stock = server.stock("ebay", KYOTO)
    assert all(listing.quantity == stock[listing.sku] for listing in listings)
    offsets = [
        parse_qs(c["query"])["offset"][0] for c in calls(server, "/inventory_item")
    ]
    assert offsets == ["0", "1", "2"]  # eBay's offset counts pages for this call


def test_demo_listings_include_skus_no_warehouse_product_has(server):
    skus = {
        listing.sku for page in adapter_for(server).list_listings() for listing in page
    }

    assert {"KV-KIMONO-SILK-01", "KV-TEA-BOWL-02", "HOODIE-WHI-001"} <= skus
    assert "tote-oli-003" in skus and "TOTE-OLI-003" not in skus


@pytest.mark.parametrize("count", [1, 25, 26, 60])
def test_stock_goes_out_in_batches_of_25(server, count):
    skus = warehouse_skus(server, count)
    items = [StockItem(key=sku, sku=sku, quantity=n) for n, sku in enumerate(skus)]

    batches = list(adapter_for(server).set_stock(items))

    assert [len(batch) for batch in batches] == [
        min(25, count - start) for start in range(0, count, 25)
    ]
    assert len(calls(server, "/bulk_update_price_quantity")) == math.ceil(count / 25)
    assert all(outcome.ok for batch in batches for outcome in batch)
    stock = server.stock("ebay", KYOTO)
    assert all(stock[item.sku] == item.quantity for item in items)


def test_unknown_skus_fail_one_by_one(server):
    known = warehouse_skus(server, 2)
    items = [
        StockItem(key=known[0], sku=known[0], quantity=7),
        StockItem(key="NO-SUCH-SKU", sku="NO-SUCH-SKU", quantity=3),
        StockItem(key=known[1], sku=known[1], quantity=-1),
        StockItem(key="", sku=None, quantity=1),
    ]

    [outcomes] = list(adapter_for(server).set_stock(items))

    assert outcomes[0].ok and outcomes[0].quantity == 7
    assert not outcomes[1].ok
    assert "NO-SUCH-SKU" in outcomes[1].error and "status 404" in outcomes[1].error
    assert "25702" in outcomes[1].error
    assert not outcomes[2].ok and "whole number" in outcomes[2].error
    assert not outcomes[3].ok and "no SKU" in outcomes[3].error
    assert server.stock("ebay", KYOTO)[known[0]] == 7
    [call] = calls(server, "/bulk_update_price_quantity")
    assert call["status"] == 207
    assert [r["sku"] for r in call["body"]["requests"]] == [known[0], "NO-SUCH-SKU"]


def test_a_batch_larger_than_eBay_allows_fails_its_items(server):
    config = config_for(server, stock_batch={"ebay": 30})
    skus = warehouse_skus(server, 30)
    items = [StockItem(key=sku, sku=sku, quantity=1) for sku in skus]

    [outcomes] = list(adapter_for(server, config=config).set_stock(items))

    assert len(outcomes) == 30
    assert all(not o.ok and "At most 25" in o.error for o in outcomes)


# failures of the platform


def test_429_waits_as_long_as_eBay_asks(server):
    waits = []
    adapter = adapter_for(server, sleep=waits.append)
    server.fault("ebay", KYOTO, "429", retry_after=2.5)

    adapter.test_connection()

    assert waits == [2.5]
    limited = [r for r in adapter.recorder.calls if r.status_code == 429]
    assert len(limited) == 1 and "2001" in limited[0].failure_reason


def test_5xx_answers_are_retried(server):
    waits = []
    adapter = adapter_for(server, sleep=waits.append)
    server.fault("ebay", KYOTO, "503", count=2)

    assert len(all_orders(adapter)) == 36
    assert waits == [0.5, 1.0]


@pytest.mark.parametrize(
    ("mode", "reason"), [("malformed", "malformed JSON"), ("html", "HTML page")]
)
def test_unreadable_answers_are_bad_data(server, mode, reason):
    server.fault("ebay", KYOTO, mode)

    with pytest.raises(errors.BadPlatformData, match=reason):
        all_orders(adapter_for(server))


def test_no_secret_reaches_the_call_records(server):
    seed(server, accept_url=ACCEPT_URL)
    recorder = ListRecorder()
    state = ebay.new_state()
    code = ebay.read_callback(consent(server, state), expected_state=state)
    refresh_token = ebay.exchange_code(config_for(server), code, recorder=recorder)
    refresh_token = refresh_token.values["refresh_token"]

    adapter = adapter_for(
        server, refresh_token, recorder=recorder, sleep=lambda s: None
    )
    server.fault("ebay", NARA, "401")
    server.fault("ebay", NARA, "429")
    server.fault("ebay", NARA, "500")
    all_orders(adapter)
    list(adapter.set_stock([StockItem(key="NOPE", sku="NOPE", quantity=1)]))
    issued = set(seller_data(server, NARA)["access_tokens"])
    server.control("POST", f"ebay/{NARA}/revoke")
    with pytest.raises(errors.CredentialsRejected):
        adapter_for(server, refresh_token, recorder=recorder).test_connection()
    with pytest.raises(errors.OAuthError):
        ebay.exchange_code(config_for(server), code, recorder=recorder)

    secrets = {refresh_token, code, APP["client_secret"], *issued}
    assert len(issued) >= 2
    assert any(not r.ok for r in recorder.calls)
    for record in recorder.calls:
        for secret in secrets:
            assert secret not in record.path
            assert secret not in (record.failure_reason or "")
