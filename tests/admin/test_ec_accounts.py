"""The EC Integrations screen: list, create, edit, shipping mappings and delete."""

import html
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from extensions import db
from models import EcAccount, Order, ProductMapping, ShippingTypeMapping
from tests import factories, pages

LIST = "/admin/ec-accounts/"
NEW = "/admin/ec-accounts/new/"

VALID = {
    "shopify": {
        "cred_shop": "tokyo-store.myshopify.com",
        "cred_access_token": "shpat_" + "a1b2" * 8,
    },
    "woocommerce": {
        "cred_site_url": "https://osaka.example.com",
        "cred_consumer_key": "ck_" + "b2c3" * 10,
        "cred_consumer_secret": "cs_" + "c3d4" * 10,
    },
    "ebay": {"cred_marketplace_id": "EBAY_GB"},
}
PERCENT_MESSAGE = "Push percentage must be a whole number from 0 to 100."


@pytest.fixture
def channel(app):
    with app.app_context():
        return factories.channel(name="Web shops").id


def create(client, platform, **changes):
    """Fill the create form of ``platform`` as a user would and submit it."""
    url = f"{NEW}?platform={platform}"
    page = client.get(url)
    assert page.status_code == 200
    values = {"display_name": f"New {platform}", **VALID[platform], **changes}
    return client.post(url, data=pages.form_with(page, "display_name").data(**values))


def edit(client, account_id, **changes):
    url = f"/admin/ec-accounts/edit/?id={account_id}"
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data=pages.form_with(page, "display_name").data(**changes))


def stored_accounts(app):
    with app.app_context():
        return db.session.scalars(select(EcAccount).order_by(EcAccount.id)).all()


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def assert_refused(app, response, message):
    assert response.status_code == 200
    assert message in pages.text(response)
    assert count(app, EcAccount) == 0


# the list


def test_list_shows_each_account_with_its_status_and_settings(app, admin):
    with app.app_context():
        web = factories.channel(name="Web shops")
        market = factories.channel(name="Marketplaces")
        factories.account(
            "shopify",
            display_name="Tokyo Store",
            sales_channel=web,
            status="connected",
            fetch_enabled=True,
            fetch_slots=["09:00"],
            next_fetch_at=datetime(2026, 12, 5, 0, 0, tzinfo=timezone.utc),
            push_enabled=True,
            push_percentage=80,
        )
        factories.account(
            "woocommerce",
            display_name="Osaka Outlet",
            sales_channel=web,
            status="pending",
        )
        factories.account(
            "ebay",
            display_name="Kyoto Vintage",
            sales_channel=market,
            status="disconnected",
        )

    response = admin.get(LIST)

    assert response.status_code == 200
    assert pages.rows(response) == [
        {
            "platform": "eBay",
            "display_name": "Kyoto Vintage",
            "sales_channel": "Marketplaces",
            "status": "Disconnected",
            "fetch_enabled": "off",
            "push_enabled": "off",
        },
        {
            "platform": "WooCommerce",
            "display_name": "Osaka Outlet",
            "sales_channel": "Web shops",
            "status": "Pending",
            "fetch_enabled": "off",
            "push_enabled": "off",
        },
        {
            "platform": "Shopify",
            "display_name": "Tokyo Store",
            "sales_channel": "Web shops",
            "status": "Connected",
            "fetch_enabled": "on · next 2026-12-05 00:00 UTC",
            "push_enabled": "on · 80%",
        },
    ]
    body = response.get_data(as_text=True)
    # the tag's colour: grey pending, green connected, red disconnected
    assert '<span class="badge badge-danger">Disconnected</span>' in body
    assert '<span class="badge badge-secondary">Pending</span>' in body
    assert '<span class="badge badge-success">Connected</span>' in body


def test_list_search_finds_accounts_by_display_name(app, admin):
    with app.app_context():
        factories.account(display_name="Tokyo Store")
        factories.account(display_name="Osaka Outlet")

    response = admin.get(LIST, query_string={"search": "tokyo"})

    assert pages.cells(response, "display_name") == ["Tokyo Store"]


def _row_links(response):
    """Per list row: its checkbox value and the hrefs in it."""
    body = response.get_data(as_text=True)
    table = body[body.index("model-list") :]
    rows = table[table.index("</thead>") : table.index("</table>")]
    return [
        (
            re.search(r'name="rowid"[^>]*value="([^"]+)"', row).group(1),
            [html.unescape(href) for href in re.findall(r'href="([^"]+)"', row)],
        )
        for row in re.findall(r"<tr>(.*?)</tr>", rows, re.DOTALL)
    ]


@pytest.mark.parametrize("search", [None, "__row_id__"])
def test_each_list_row_links_to_its_own_account(app, admin, search):
    # an account named like the stand-in the rows' links are built with
    with app.app_context():
        first = factories.account(display_name="Tokyo Store __row_id__").id
        second = factories.account(display_name="Sapporo __row_id__ Shop").id

    response = admin.get(LIST, query_string={"search": search} if search else {})

    rows = _row_links(response)
    assert [row_id for row_id, _ in rows] == [str(second), str(first)]
    for row_id, hrefs in rows:
        targets = [href.split("&")[0] for href in hrefs]
        for screen in ("details", "edit", "delete/confirm"):
            # the delete link is relative to the list's own address
            assert any(target.endswith(f"{screen}/?id={row_id}") for target in targets)
        # (a search for the stand-in stays in the links' way back to this list)
        assert not any("__row_id__" in target for target in targets)


def test_list_filters_by_platform_status_and_channel(app, admin):
    with app.app_context():
        web = factories.channel(name="Web shops")
        market = factories.channel(name="Marketplaces")
        factories.account(
            "shopify", display_name="A", sales_channel=web, status="connected"
        )
        factories.account("woocommerce", display_name="B", sales_channel=web)
        factories.account(
            "ebay", display_name="C", sales_channel=market, status="connected"
        )

    def names(label, value):
        arg = pages.filter_arg(app, "ec_accounts", label)
        return pages.cells(admin.get(LIST, query_string={arg: value}), "display_name")

    assert names("Platform", "woocommerce") == ["B"]
    assert names("Connection", "connected") == ["A", "C"]
    assert names("Sales Channels / Name", "Marketplaces") == ["C"]


# create: the platform first, then its own fields


def test_create_asks_for_the_platform_first(admin, channel):
    page = admin.get(NEW)

    assert page.status_code == 200
    assert "choose the platform" in pages.text(page)
    assert "display_name" not in {n for form in pages.forms(page) for n in form.names}
    for platform in ("shopify", "woocommerce", "ebay"):
        assert f"platform={platform}" in page.get_data(as_text=True)


def test_an_unknown_platform_leads_back_to_the_choice(admin, channel):
    page = admin.get(NEW, query_string={"platform": "amazon"})

    assert page.status_code == 200
    assert "choose the platform" in pages.text(page)


@pytest.mark.parametrize(
    "platform, fields",
    [
        ("shopify", {"cred_shop", "cred_access_token", "cred_refresh_token"}),
        (
            "woocommerce",
            {
                "cred_site_url",
                "cred_consumer_key",
                "cred_consumer_secret",
                "cred_query_string_auth",
            },
        ),
        ("ebay", {"cred_marketplace_id", "cred_refresh_token"}),
    ],
)
def test_create_form_shows_the_platforms_own_credential_fields(
    admin, channel, platform, fields
):
    page = admin.get(NEW, query_string={"platform": platform})

    names = pages.form_with(page, "display_name").names
    assert {name for name in names if name.startswith("cred_")} == fields


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "ebay"])
def test_create_saves_a_pending_account_with_encrypted_credentials(
    app, admin, channel, platform
):
    response = create(admin, platform, display_name="Main shop")

    assert response.status_code == 302
    [account] = stored_accounts(app)
    assert (account.platform, account.display_name) == (platform, "Main shop")
    assert account.status == "pending"
    assert account.sales_channel_id == channel
    with app.app_context():
        stored = account.read_credentials()
    for name, value in VALID[platform].items():
        assert stored[name.removeprefix("cred_")] == value
        assert value not in account.credentials_encrypted


# create: each validation message, and nothing saved


@pytest.mark.parametrize("value", ["2.5", "abc", "101", "-1", ""])
def test_push_percentage_must_be_whole_and_within_0_to_100(app, admin, channel, value):
    response = create(admin, "shopify", push_percentage=value)

    assert_refused(app, response, PERCENT_MESSAGE)
    # said once, not once per check that failed
    assert pages.text(response).count(PERCENT_MESSAGE) == 1


@pytest.mark.parametrize("value", ["0", "100"])
def test_push_percentage_bounds_are_saved(app, admin, channel, value):
    assert create(admin, "shopify", push_percentage=value).status_code == 302

    assert stored_accounts(app)[0].push_percentage == int(value)


@pytest.mark.parametrize(
    "slots, message",
    [
        (
            "09:00, 25:00",
            "'25:00' is not a time of day; write slots as HH:MM from 00:00 to 23:59, "
            "separated by commas.",
        ),
        ("9:60", "'9:60' is not a time of day"),
        ("noon", "'noon' is not a time of day"),
        (
            "09:00, 13:00, 9:00",
            "09:00 is listed twice; each fetch slot may appear once.",
        ),
        ("", "Add at least one fetch slot, or turn order fetching off."),
        (
            ", ".join(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30))
            + ", 23:59",
            "At most 48 fetch slots a day are accepted.",
        ),
    ],
    ids=["hour-25", "minute-60", "word", "twice", "none", "49-slots"],
)
def test_fetch_slots_must_be_distinct_times_of_day(app, admin, channel, slots, message):
    response = create(admin, "shopify", fetch_enabled="y", fetch_slots=slots)

    assert_refused(app, response, message)


def test_fetch_slots_are_kept_sorted(app, admin, channel):
    response = create(
        admin, "shopify", fetch_enabled="y", fetch_slots="17:30, 9:00,13:05"
    )

    assert response.status_code == 302
    assert stored_accounts(app)[0].fetch_slots == ["09:00", "13:05", "17:30"]


# localtime is whatever the server is set to; Factory is a placeholder, no place
@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "Factory"])
def test_unknown_time_zone_is_refused(app, admin, channel, zone):
    response = create(admin, "shopify", timezone=zone)

    assert_refused(
        app,
        response,
        f"{zone!r} is not the IANA time zone of a place; pick one such as "
        "Asia/Tokyo or Europe/Berlin.",
    )


def test_time_zone_is_saved(app, admin, channel):
    assert create(admin, "shopify", timezone="Asia/Tokyo").status_code == 302

    assert stored_accounts(app)[0].timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Display name is required."),
        ("   ", "Display name is required."),
        ("x" * 101, "Display name may be at most 100 characters."),
    ],
    ids=["empty", "spaces", "101-chars"],
)
def test_display_name_must_be_given_and_short(app, admin, channel, name, message):
    assert_refused(app, create(admin, "shopify", display_name=name), message)


def test_display_name_of_100_characters_is_saved(app, admin, channel):
    assert create(admin, "shopify", display_name="x" * 100).status_code == 302

    assert stored_accounts(app)[0].display_name == "x" * 100


@pytest.mark.parametrize("name", ["Tokyo Store", "tokyo store", " Tokyo Store "])
def test_display_name_taken_on_the_same_platform_is_refused(app, admin, channel, name):
    with app.app_context():
        factories.account("shopify", display_name="Tokyo Store")

    response = create(admin, "shopify", display_name=name)

    assert response.status_code == 200
    assert f"Another Shopify account is already named {name.strip()!r}." in pages.text(
        response
    )
    assert [a.display_name for a in stored_accounts(app)] == ["Tokyo Store"]


def test_display_name_may_repeat_on_another_platform(app, admin, channel):
    with app.app_context():
        factories.account("shopify", display_name="Tokyo Store")

    assert create(admin, "woocommerce", display_name="Tokyo Store").status_code == 302

    assert [a.platform for a in stored_accounts(app)] == ["shopify", "woocommerce"]


@pytest.mark.parametrize(
    "shop",
    ["tokyo.example.com", "https://tokyo.shopify.com", "-tokyo.myshopify.com", ""],
)
def test_shopify_shop_must_be_a_myshopify_host(app, admin, channel, shop):
    response = create(admin, "shopify", cred_shop=shop)

    message = "Shop is required." if not shop else "Shop must be a Shopify host"
    assert_refused(app, response, message)


def test_shopify_shop_is_stored_as_its_bare_host(app, admin, channel):
    response = create(admin, "shopify", cred_shop="https://Tokyo-Store.myshopify.com/")

    assert response.status_code == 302
    with app.app_context():
        account = db.session.scalar(select(EcAccount))
        assert account.read_credentials()["shop"] == "tokyo-store.myshopify.com"


HTTPS_ONLY = "Site URL must use https"


@pytest.mark.parametrize(
    "environment, url, accepted",
    [
        ("development", "http://shop.example.com", False),
        ("development", "http://10.0.0.5:8080", False),
        ("development", "http://127.0.0.1:8080", True),
        ("development", "http://localhost:8080", True),
        ("production", "http://127.0.0.1:8080", False),
        ("production", "https://shop.example.com", True),
        ("development", "https://shop.example.com", True),
    ],
)
def test_woocommerce_site_url_must_be_https_except_local_development(
    make_app, environment, url, accepted
):
    app = make_app(APP_ENV=environment)
    with app.app_context():
        factories.channel()
        factories.user("admin", email="admin@example.com")
    client = app.test_client()
    pages.login(client, "admin@example.com", factories.PASSWORD)

    response = create(client, "woocommerce", cred_site_url=url)

    if accepted:
        assert response.status_code == 302
        assert count(app, EcAccount) == 1
    else:
        assert_refused(app, response, HTTPS_ONLY)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"cred_consumer_key": "key-1234567890"}, "Consumer key starts with ck_"),
        ({"cred_consumer_secret": "secret-123456"}, "Consumer secret starts with cs_"),
        ({"cred_consumer_secret": ""}, "Consumer secret is required."),
    ],
)
def test_woocommerce_keys_must_be_given_as_woocommerce_issues_them(
    app, admin, channel, changes, message
):
    assert_refused(app, create(admin, "woocommerce", **changes), message)


# edit


def test_edit_shows_secrets_masked_to_their_last_four_characters(app, admin):
    with app.app_context():
        creds = factories.credentials("woocommerce")
        account_id = factories.account("woocommerce", creds=creds).id

    page = admin.get(f"/admin/ec-accounts/edit/?id={account_id}")

    body = pages.text(page)
    for name in ("consumer_key", "consumer_secret"):
        secret = creds[name]
        assert secret[:-4] not in body
        assert f"Stored: ••••{secret[-4:]}. Leave empty to keep it." in body
    form = pages.form_with(page, "display_name")
    assert form.data()["cred_consumer_key"] == ""
    assert form.data()["cred_site_url"] == creds["site_url"]


def test_edit_keeps_secrets_left_empty_and_the_status(app, admin):
    with app.app_context():
        creds = factories.credentials("woocommerce")
        account_id = factories.account(
            "woocommerce", creds=creds, status="connected", push_percentage=100
        ).id

    response = edit(admin, account_id, push_percentage="70")

    assert response.status_code == 302
    [account] = stored_accounts(app)
    assert account.push_percentage == 70
    assert account.status == "connected"
    with app.app_context():
        assert account.read_credentials() == creds


def test_editing_a_credential_sets_the_status_to_pending(app, admin):
    with app.app_context():
        creds = factories.credentials("woocommerce")
        account = factories.account("woocommerce", creds=creds)
        account.set_status("connected")
        db.session.commit()
        account_id = account.id

    new_secret = "cs_" + "e5f6" * 10
    response = edit(admin, account_id, cred_consumer_secret=new_secret)

    assert response.status_code == 302
    [account] = stored_accounts(app)
    assert account.status == "pending"
    assert account.status_reason == "Credentials changed; not yet verified."
    with app.app_context():
        assert account.read_credentials() == {**creds, "consumer_secret": new_secret}


def test_edit_refuses_invalid_values_and_keeps_the_account(app, admin):
    with app.app_context():
        account_id = factories.account(
            "shopify", display_name="Tokyo Store", push_percentage=80
        ).id

    response = edit(admin, account_id, display_name="", push_percentage="150")

    assert response.status_code == 200
    assert "Display name is required." in pages.text(response)
    assert PERCENT_MESSAGE in pages.text(response)
    [account] = stored_accounts(app)
    assert (account.display_name, account.push_percentage) == ("Tokyo Store", 80)


def test_edit_may_keep_its_own_display_name(app, admin):
    with app.app_context():
        account_id = factories.account("shopify", display_name="Tokyo Store").id

    assert edit(admin, account_id, push_percentage="50").status_code == 302


# shipping type mappings, inline


def test_shipping_mapping_is_added_inline(app, admin):
    with app.app_context():
        account_id = factories.account("shopify").id
        method_id = factories.shipping_method(name="Express courier").id

    response = edit(
        admin,
        account_id,
        **{
            "shipping_mappings-0-platform_code": " express ",
            "shipping_mappings-0-shipping_method": str(method_id),
        },
    )

    assert response.status_code == 302
    with app.app_context():
        mappings = db.session.scalars(select(ShippingTypeMapping)).all()
        assert [
            (m.account_id, m.platform_code, m.shipping_method_id) for m in mappings
        ] == [(account_id, "express", method_id)]


def test_shipping_mapping_code_mapped_twice_is_refused(app, admin):
    with app.app_context():
        account = factories.account("shopify")
        method = factories.shipping_method()
        factories.shipping_mapping(account, "standard", method)
        account_id, method_id = account.id, method.id

    response = edit(
        admin,
        account_id,
        **{
            "shipping_mappings-1-platform_code": "standard",
            "shipping_mappings-1-shipping_method": str(method_id),
        },
    )

    assert response.status_code == 200
    assert (
        "The platform code 'standard' is mapped twice; map each code once."
        in pages.text(response)
    )
    assert count(app, ShippingTypeMapping) == 1


def test_shipping_mapping_is_removed_inline(app, admin):
    with app.app_context():
        account = factories.account("shopify")
        factories.shipping_mapping(account, "standard")
        account_id = account.id

    response = edit(admin, account_id, **{"del-shipping_mappings-0": "on"})

    assert response.status_code == 302
    assert count(app, ShippingTypeMapping) == 0


# delete: a confirmation naming what goes, then one transaction


def test_delete_confirmation_names_the_mappings_that_go_with_the_account(app, admin):
    with app.app_context():
        account = factories.account("shopify", display_name="Tokyo Store")
        for _ in range(3):
            factories.product_mapping(account)
        factories.shipping_mapping(account)
        account_id = account.id

    page = admin.get(f"/admin/ec-accounts/delete/confirm/?id={account_id}")

    assert page.status_code == 200
    text = pages.words(page)
    assert "Delete Shopify account “Tokyo Store”?" in text
    assert "Its 3 product mappings and 1 shipping type mapping will be deleted" in text
    assert "Delete account and 3 mappings" in text
    assert count(app, EcAccount) == 1


def test_delete_confirmation_of_an_unknown_account_says_so(admin):
    response = admin.get(
        "/admin/ec-accounts/delete/confirm/?id=999", follow_redirects=True
    )

    assert "That account does not exist (it may have been deleted)." in pages.text(
        response
    )


def test_confirmed_delete_removes_account_and_mappings_and_keeps_orders(app, admin):
    with app.app_context():
        account = factories.account("shopify", display_name="Tokyo Store")
        other = factories.account("shopify")
        for _ in range(2):
            factories.product_mapping(account)
        factories.product_mapping(other)
        factories.shipping_mapping(account)
        factories.order(account, lines=[{"sku": "TEE-1"}])
        account_id, other_id = account.id, other.id

    page = admin.get(f"/admin/ec-accounts/delete/confirm/?id={account_id}")
    form = pages.form_with(page, "id")
    response = admin.post(form.action, data=form.data(), follow_redirects=True)

    assert response.status_code == 200
    assert (
        "success",
        "Deleted Tokyo Store and its 2 product mappings.",
    ) in pages.flashes(response)
    assert [a.id for a in stored_accounts(app)] == [other_id]
    assert count(app, ProductMapping) == 1
    assert count(app, ShippingTypeMapping) == 0
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.account_id, order.account_name) == (None, "Tokyo Store")
