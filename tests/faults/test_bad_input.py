"""Bad input on every form and action endpoint: a message or a 4xx, never a 500, and
never a partial write.

Each form case starts from the form as the page serves it, filled with values that
save (checked by the ``valid`` cases), and spoils one field. A refused submission must
leave every table and the job queue exactly as they were.
"""

import pytest
import sqlalchemy as sa

from extensions import db
from tests import factories, pages

HUGE = "x" * 1_000_000  # one megabyte in one field
HUGE_NUMBER = "9" * 1_000_000
SCRIPT = '<script>alert("boom")</script>'
NOT_AN_ID = ["999999", "abc", "-1", "0", "1.5", "9" * 40, "²", " ", HUGE_NUMBER]


@pytest.fixture
def world(app):
    """One row of everything a form may refer to, and an account per platform."""
    with app.app_context():
        channel = factories.channel(code="WEB", name="Web")
        spare_channel = factories.channel(code="SPARE", name="Spare")
        method = factories.shipping_method(code="STD", name="Standard")
        product = factories.product(sku="TEE-1", name="Tee", on_hand=5)
        user = factories.user("viewer", email="someone@example.com")
        # an address another user holds: refused on create and on edit alike
        factories.user("viewer", email="taken@example.com")
        accounts = {}
        for platform in ("shopify", "woocommerce", "ebay"):
            account = factories.account(
                platform,
                display_name=f"{platform} shop",
                sales_channel=channel,
                status="connected",
                fetch_enabled=True,
                fetch_slots=["09:00"],
                push_enabled=True,
            )
            factories.product_mapping(account, product)
            accounts[platform] = account.id
        return {
            "channel": channel.id,
            "spare_channel": spare_channel.id,
            "method": method.id,
            "product": product.id,
            "user": user.id,
            "accounts": accounts,
            # list filters are numbered by position; found by their labels
            "filters": {
                "api_log_account": pages.filter_arg(app, "api_log", "Account id"),
                "api_log_status": pages.filter_arg(app, "api_log", "Status"),
                "mappings_account": pages.filter_arg(
                    app, "product_mappings", "Account id"
                ),
            },
        }


def snapshot(app, redis_client):
    """Every row of every table, and every key of the job queue."""
    with app.app_context():
        tables = {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    sa.select(table).order_by(*table.primary_key.columns)
                )
            ]
            for table in db.metadata.sorted_tables
        }
        db.session.rollback()
    keys = sorted(
        key for key in redis_client.keys("*") if not key.startswith(b"ecadmin:")
    )
    return tables, keys


def answered_with_a_message(client, response):
    """A 4xx, or a page naming what was wrong: a field error or an error flashed,
    shown at once or after a redirect."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 302:
        response = client.get(response.location)
        return any(kind in ("danger", "error") for kind, _ in pages.flashes(response))
    body = pages.text(response)
    return response.status_code == 200 and (
        "is-invalid" in body or "alert-danger" in body or "alert-error" in body
    )


def refused(client, response, before, after):
    assert response.status_code < 500, response.status_code
    # nothing half written: every table and the queue as they were
    assert after == before
    assert answered_with_a_message(client, response), (
        response.status_code,
        pages.words(response)[:500],
    )


# forms: (case id, url, the fields filled in on top of the page's own, spoiled fields)


def account_create(platform, credentials):
    def fill(world):
        return {
            "display_name": f"New {platform} shop",
            "sales_channel": str(world["channel"]),
            "timezone": "Europe/Berlin",
            "push_percentage": "80",
            "fetch_slots": "",
            **credentials,
        }

    return f"/admin/ec-accounts/new/?platform={platform}", fill


ACCOUNT_FIELDS = {
    "display_name": ["", "   ", "n" * 101, HUGE],
    "sales_channel": NOT_AN_ID + [""],
    "push_percentage": ["-1", "101", "2.5", "ten", "1e3", "", "0x10", "9" * 40],
    "fetch_slots": ["25:00", "9:00, 9:00", "noon", ", ".join(["10:00"] * 49), HUGE],
    "timezone": ["Mars/Olympus", "", HUGE],
    "shipping_mappings-0-shipping_method": NOT_AN_ID,
    "shipping_mappings-0-platform_code": ["", HUGE],
}
CREDENTIALS = {
    "shopify": {"cred_shop": "new-shop.myshopify.com"},
    "woocommerce": {
        "cred_site_url": "https://new-shop.example.com",
        "cred_consumer_key": "ck_" + "1" * 40,
        "cred_consumer_secret": "cs_" + "2" * 40,
    },
    "ebay": {"cred_marketplace_id": "EBAY_US"},
}
CREDENTIAL_FIELDS = {
    "shopify": {"cred_shop": ["", "evil.example.com", "a" * 600, HUGE]},
    "woocommerce": {
        "cred_site_url": ["", "javascript:alert(1)", "ftp://x.example.com", HUGE],
        "cred_consumer_key": ["key_without_prefix", HUGE],
        "cred_consumer_secret": ["secret_without_prefix", HUGE],
    },
    "ebay": {"cred_marketplace_id": [HUGE]},
}


def _with_mapping(fill, world_key="method"):
    """A form filled with one inline shipping mapping as well."""

    def filled(world):
        return {
            **fill(world),
            "shipping_mappings-0-platform_code": "standard",
            "shipping_mappings-0-shipping_method": str(world[world_key]),
        }

    return filled


def account_edit(platform):
    def url(world):
        return f"/admin/ec-accounts/edit/?id={world['accounts'][platform]}"

    def fill(world):
        return {
            "display_name": f"{platform} shop renamed",
            "push_percentage": "50",
            "fetch_slots": "08:00, 18:30",
        }

    return url, fill


def product_fill(world):
    return {
        "sku": "NEW-1",
        "name": "New",
        "barcode": "",
        "on_hand": "3",
        "reserved": "0",
    }


PRODUCT_FIELDS = {
    "sku": ["", " ", "TEE-1", " tee-1 ", "s" * 101, HUGE],
    "name": ["", "n" * 201, HUGE],
    "barcode": ["b" * 65, HUGE],
    "on_hand": ["-1", "10000001", "2.5", "ten", "", HUGE_NUMBER],
    "reserved": ["-1", "x", "", "9" * 40],
}


def code_fill(world):
    return {"code": "NEW_CODE", "name": "Brand new"}


def code_fields(taken_code, taken_name):
    return {
        "code": ["", "has space", "semi;colon", "c" * 41, SCRIPT, HUGE, taken_code],
        "name": ["", "n" * 101, HUGE, taken_name],
    }


def user_fill(world):
    return {
        "email": "new.person@example.com",
        "role": "operator",
        "active": "y",
        "new_password": "a good long password",
    }


USER_FIELDS = {
    "email": ["", "not-an-email", "taken@example.com", "e" * 250 + "@x.io", HUGE],
    "role": ["superuser", "", HUGE],
    "new_password": ["short", "p" * 201, HUGE],
}


def _cases():
    cases = []

    def add(name, url, fill, fields):
        cases.append(pytest.param(url, fill, None, [None], id=f"{name}-valid"))
        for field, values in fields.items():
            cases.append(pytest.param(url, fill, field, values, id=f"{name}-{field}"))

    for platform, credentials in CREDENTIALS.items():
        url, fill = account_create(platform, credentials)
        add(
            f"account-new-{platform}",
            url,
            _with_mapping(fill),
            {**ACCOUNT_FIELDS, **CREDENTIAL_FIELDS[platform]},
        )
        url, fill = account_edit(platform)
        edit_fields = {
            key: values
            for key, values in {**ACCOUNT_FIELDS, **CREDENTIAL_FIELDS[platform]}.items()
            # an edit may leave a secret empty (kept) and has no inline row to spoil
            if not key.startswith("shipping_mappings")
        }
        add(f"account-edit-{platform}", url, fill, edit_fields)
    add("product-new", "/admin/products/new/", product_fill, PRODUCT_FIELDS)
    add(
        "product-edit",
        lambda world: f"/admin/products/edit/?id={world['product']}",
        product_fill,
        {k: v for k, v in PRODUCT_FIELDS.items() if k != "sku"} | {"sku": ["", HUGE]},
    )
    add(
        "receive-stock",
        lambda world: f"/admin/products/receive/?id={world['product']}",
        lambda world: {"quantity": "4"},
        {"quantity": ["0", "-3", "1000001", "2.5", "ten", "", "1e3", HUGE_NUMBER]},
    )
    taken = {"shipping-methods": ("STD", "Standard"), "sales-channels": ("WEB", "Web")}
    for view, (code, name) in taken.items():
        add(f"{view}-new", f"/admin/{view}/new/", code_fill, code_fields(code, name))
    with_other = code_fields("WEB", "Web")
    add(
        "sales-channel-edit",
        lambda world: f"/admin/sales-channels/edit/?id={world['spare_channel']}",
        code_fill,
        with_other,
    )
    add("user-new", "/admin/users/new/", user_fill, USER_FIELDS)
    add(
        "user-edit",
        lambda world: f"/admin/users/edit/?id={world['user']}",
        user_fill,
        USER_FIELDS,
    )
    return cases


@pytest.mark.parametrize("url, fill, field, values", _cases())
def test_a_spoiled_field_is_refused_with_a_message(
    app, redis_client, admin, world, url, fill, field, values
):
    url = url(world) if callable(url) else url
    page = admin.get(url)
    assert page.status_code == 200, pages.words(page)[:300]
    filled = fill(world)
    form = pages.form_with(page, next(iter(filled)))
    target = form.action if form.action.startswith("/") else url
    problems = []
    for value in values:
        data = form.data(**filled)
        if field is not None:
            data[field] = value
        before = snapshot(app, redis_client)

        response = admin.post(target, data=data)

        after = snapshot(app, redis_client)
        if field is None:
            # the base values save, so each spoiled case fails for its one field
            assert response.status_code == 302, pages.words(response)[:1000]
            assert after != before
            return
        try:
            refused(admin, response, before, after)
        except AssertionError as error:
            problems.append(f"{value[:40]!r}: {str(error)[:300]}")
    assert problems == []


# free text that is kept as typed, and shown as text


TEXT_FIELDS = [
    ("/admin/products/new/", product_fill, "name", "/admin/products/"),
    ("/admin/shipping-methods/new/", code_fill, "name", "/admin/shipping-methods/"),
    ("/admin/sales-channels/new/", code_fill, "name", "/admin/sales-channels/"),
    (
        "/admin/ec-accounts/new/?platform=woocommerce",
        account_create("woocommerce", CREDENTIALS["woocommerce"])[1],
        "display_name",
        "/admin/ec-accounts/",
    ),
]


@pytest.mark.parametrize("url, fill, field, listing", TEXT_FIELDS)
def test_a_script_tag_is_saved_as_text_and_shown_escaped(
    admin, world, url, fill, field, listing
):
    page = admin.get(url)
    form = pages.form_with(page, field)
    data = form.data(**fill(world))
    data[field] = SCRIPT

    target = form.action if form.action.startswith("/") else url
    response = admin.post(target, data=data)

    assert response.status_code == 302, pages.words(response)[:500]
    shown = admin.get(listing)
    assert shown.status_code == 200
    # kept as typed, shown as text: never as a tag in the page
    assert SCRIPT not in shown.get_data(as_text=True)
    assert SCRIPT in pages.text(shown)


# action endpoints: (method, url, form data); every one answers without a 500 and
# changes nothing


def _account(world, platform="shopify"):
    return world["accounts"][platform]


ACTIONS = [
    # the detail page's buttons
    *[
        ("POST", f"/admin/ec-accounts/run/fetch_orders/?id={bad}", {})
        for bad in NOT_AN_ID
    ],
    ("POST", "/admin/ec-accounts/run/fetch_orders/", {}),
    ("POST", "/admin/ec-accounts/run/no_such_action/?id={account}", {}),
    ("POST", "/admin/ec-accounts/run/inbound_push/?id={account}", {}),
    ("POST", "/admin/ec-accounts/run/" + "a" * 5000 + "/?id={account}", {}),
    ("POST", "/admin/ec-accounts/run/stock_sync/?id={account}", {"confirm": "no"}),
    ("POST", "/admin/ec-accounts/run/stock_sync/?id={account}", {"confirm": HUGE}),
    ("GET", "/admin/ec-accounts/run/fetch_orders/?id={account}", None),
    ("PUT", "/admin/ec-accounts/run/fetch_orders/?id={account}", {}),
    ("DELETE", "/admin/ec-accounts/run/fetch_orders/?id={account}", {}),
    # pages that take an id
    *[("GET", f"/admin/ec-accounts/details/?id={bad}", None) for bad in NOT_AN_ID],
    *[("GET", f"/admin/ec-accounts/runs/?id={bad}", None) for bad in NOT_AN_ID],
    *[
        ("GET", f"/admin/ec-accounts/stock-sync/confirm/?id={bad}", None)
        for bad in NOT_AN_ID
    ],
    *[
        ("GET", f"/admin/ec-accounts/delete/confirm/?id={bad}", None)
        for bad in NOT_AN_ID
    ],
    *[("GET", f"/admin/ec-accounts/edit/?id={bad}", None) for bad in NOT_AN_ID],
    *[("GET", f"/admin/products/receive/?id={bad}", None) for bad in NOT_AN_ID],
    # delete
    *[("POST", "/admin/ec-accounts/delete/", {"id": bad}) for bad in NOT_AN_ID],
    ("POST", "/admin/ec-accounts/delete/", {}),
    ("GET", "/admin/ec-accounts/delete/?id={account}", None),
    *[("POST", "/admin/products/delete/", {"id": bad}) for bad in NOT_AN_ID],
    ("POST", "/admin/sales-channels/delete/", {"id": "{channel}"}),  # in use
    # bulk actions
    ("POST", "/admin/ec-accounts/action/", {"action": "no_such", "rowid": "{account}"}),
    ("POST", "/admin/ec-accounts/action/", {"action": "delete", "rowid": "{account}"}),
    ("POST", "/admin/ec-accounts/action/", {"action": "fetch_orders"}),
    ("POST", "/admin/ec-accounts/action/", {"action": HUGE, "rowid": "{account}"}),
    *[
        ("POST", "/admin/ec-accounts/action/", {"action": "fetch_orders", "rowid": bad})
        for bad in NOT_AN_ID
    ],
    ("POST", "/admin/products/action/", {"action": "delete", "rowid": "abc"}),
    ("POST", "/admin/users/action/", {"action": "delete", "rowid": HUGE_NUMBER}),
    # the bulk stock sync confirmation
    *[
        ("GET", f"/admin/ec-accounts/bulk-stock-sync/?ids={bad}", None)
        for bad in [*NOT_AN_ID, ",,,", "1," * 50_000]
    ],
    ("POST", "/admin/ec-accounts/bulk-stock-sync/", {"ids": "abc", "confirm": "yes"}),
    ("POST", "/admin/ec-accounts/bulk-stock-sync/", {"ids": HUGE, "confirm": "yes"}),
    (
        "POST",
        "/admin/ec-accounts/bulk-stock-sync/",
        {"ids": "{account}", "confirm": "no"},
    ),
    # creating an account for a platform that does not exist
    ("GET", "/admin/ec-accounts/new/?platform=amazonia", None),
    ("POST", "/admin/ec-accounts/new/?platform=" + "p" * 5000, {"display_name": "x"}),
    # lists with junk in their arguments
    ("GET", "/admin/ec-accounts/?page=-1&sort=999&desc=x&page_size=-5", None),
    ("GET", "/admin/orders/?page=" + "9" * 40 + "&page_size=" + "9" * 40, None),
    ("GET", "/admin/orders/?flt0_999=x&flt1_0=" + "9" * 40, None),
    ("GET", "/admin/api-log/?{api_log_account}=" + "9" * 40, None),
    ("GET", "/admin/api-log/?{api_log_status}=" + "9" * 12, None),
    ("GET", "/admin/product-mappings/?{mappings_account}=-" + "9" * 12, None),
    ("GET", "/admin/api-log/?search=" + "%" * 10_000, None),
    ("GET", "/admin/products/?search=" + SCRIPT, None),
    # OAuth
    *[("GET", f"/oauth/{bad}/start", None) for bad in ("999999", "9" * 40, "abc")],
    ("GET", "/oauth/{woocommerce}/start", None),
    ("GET", "/oauth/shopify/callback", None),
    ("GET", "/oauth/shopify/callback?state=" + "s" * 5000 + "&code=x", None),
    ("GET", "/oauth/nowhere/callback?state=x&code=y", None),
    ("GET", "/oauth/ebay/callback?error=access_denied", None),
    ("POST", "/oauth/shopify/callback?state=x", {}),
    # the RQ dashboard
    ("POST", "/rq/job/no-such-job/delete", {}),
    ("POST", "/rq/job/no-such-job/requeue", {}),
    ("POST", "/rq/job/" + "j" * 5000 + "/requeue", {}),
    ("POST", "/rq/queue/no-such-queue/no-such-registry/empty", {}),
    ("POST", "/rq/queue/" + "q" * 5000 + "/compact", {}),
    ("GET", "/rq/requeue/default", None),
    ("GET", "/rq/0/data/jobs/default/queued/abc/asc/1.json", None),
    ("GET", "/rq/0/data/jobs/default/no-such-registry/8/asc/1.json", None),
    ("GET", "/rq/0/data/jobs/default/queued/8/sideways/-1.json", None),
    ("GET", "/rq/0/data/job/no-such-job.json", None),
    ("GET", "/rq/7/view", None),
    ("GET", "/rq/0/view/job/no-such-job", None),
    ("POST", "/logout", {"next": HUGE}),
]


def _fill(text, world):
    if "{" not in text or len(text) > 10_000:
        return text
    return text.format(
        account=_account(world),
        woocommerce=_account(world, "woocommerce"),
        product=world["product"],
        channel=world["channel"],
        **world["filters"],
    )


@pytest.mark.parametrize(
    "method, url, data",
    ACTIONS,
    ids=[f"{m}-{u[:70]}-{sorted((d or {}).items())!s:.40}" for m, u, d in ACTIONS],
)
def test_a_bad_request_to_an_action_is_a_4xx_or_a_message_and_changes_nothing(
    app, redis_client, admin, world, method, url, data
):
    url = _fill(url, world)
    token = pages.csrf_token(admin.get("/admin/products/new/"))
    form = None
    if data is not None:
        form = {key: _fill(value, world) for key, value in data.items()}
        form["csrf_token"] = token
    before = snapshot(app, redis_client)

    response = admin.open(url, method=method, data=form)
    if response.status_code == 302 and method != "GET":
        shown = admin.get(response.location)
        assert shown.status_code < 500
        flashed = pages.flashes(shown)
    else:
        flashed = pages.flashes(response) if response.status_code == 200 else []

    after = snapshot(app, redis_client)
    assert response.status_code < 500, pages.words(response)[:500]
    assert after == before
    if method != "GET" and response.status_code == 302:
        # a post that was not carried out says why
        said = [kind for kind, _ in flashed if kind in ("danger", "error", "info")]
        assert said, flashed


# every state-changing endpoint refuses a post without its CSRF token


POSTS = [
    "/admin/ec-accounts/new/?platform=shopify",
    "/admin/ec-accounts/edit/?id={account}",
    "/admin/ec-accounts/delete/",
    "/admin/ec-accounts/action/",
    "/admin/ec-accounts/run/fetch_orders/?id={account}",
    "/admin/ec-accounts/run/stock_sync/?id={account}",
    "/admin/ec-accounts/bulk-stock-sync/",
    "/admin/products/new/",
    "/admin/products/edit/?id={product}",
    "/admin/products/delete/",
    "/admin/products/receive/?id={product}",
    "/admin/shipping-methods/new/",
    "/admin/sales-channels/new/",
    "/admin/users/new/",
    "/admin/users/delete/",
    "/rq/job/fetch_orders-account-1/delete",
    "/rq/queue/default/queued/empty",
    "/rq/requeue/default",
    "/logout",
]


@pytest.mark.parametrize("url", POSTS)
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_post_without_its_csrf_token_is_refused(
    app, redis_client, admin, world, url, token
):
    url = _fill(url, world)
    data = {
        "id": str(_account(world)),
        "action": "fetch_orders",
        "rowid": "1",
        "ids": "1",
        "confirm": "yes",
        "quantity": "5",
        "name": "x",
        "code": "X",
    }
    if token == "forged":
        data["csrf_token"] = "IjBhZDk5ZGQ1NzA1ZmM4NTk2NTU5MjE2NjIxNTI3ZDQ3In0.forged"
    before = snapshot(app, redis_client)

    response = admin.post(url, data=data)

    assert response.status_code == 400, pages.words(response)[:300]
    assert "CSRF" in pages.text(response)
    assert snapshot(app, redis_client) == before


@pytest.mark.parametrize(
    "data",
    [
        {"email": HUGE, "password": HUGE},
        {"email": SCRIPT, "password": "x"},
        {"email": "someone@example.com", "password": HUGE},
        {"email": "", "password": ""},
    ],
    ids=["huge", "script", "huge-password", "empty"],
)
def test_bad_sign_in_values_are_refused_with_a_message(app, redis_client, world, data):
    client = app.test_client()
    token = pages.csrf_token(client.get("/login"))
    before = snapshot(app, redis_client)

    response = client.post("/login", data={**data, "csrf_token": token})

    refused(client, response, before, snapshot(app, redis_client))
    assert SCRIPT not in response.get_data(as_text=True)
    assert client.get("/admin/ec-accounts/").status_code == 302


def test_a_long_next_address_after_sign_in_stays_on_the_site(app, world):
    client = app.test_client()
    response = pages.login(
        client, "someone@example.com", factories.PASSWORD, "//evil.example" + "n" * 9000
    )
    assert response.status_code == 302
    assert response.location.startswith("/")
    assert not response.location.startswith("//")
