"""Sign-in, roles, CSRF, secrets and escaping across every page; the health check."""

import html
import re
import socket
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from extensions import db
from models import EcAccount, Order, User, WarehouseProduct
from services import accounts as account_rules
from tests import factories, pages
from tests.test_cli import snapshot

VIEWER, OPERATOR, ADMIN = "viewer", "operator", "admin"
ROLES = (VIEWER, OPERATOR, ADMIN)

# endpoints anyone may reach without signing in
PUBLIC = {"auth.login", "health.healthz", "home"}


def is_login_redirect(response):
    return response.status_code == 302 and (
        urlsplit(response.headers["Location"]).path == "/login"
    )


@pytest.fixture
def world(app):
    """One of everything, connected and enabled, so every page and action applies."""
    with app.app_context():
        web = factories.channel(name="Web shops")
        spare_channel = factories.channel(name="Spare")
        method = factories.shipping_method(name="Standard parcel")
        spare_method = factories.shipping_method(name="Spare method")
        tee = factories.product(sku="TEE-1", on_hand=5)
        spare_product = factories.product(sku="SPARE-1")
        account = factories.account(
            "shopify",
            display_name="Tokyo Store",
            sales_channel=web,
            status="connected",
            fetch_enabled=True,
            fetch_slots=["09:00"],
            push_enabled=True,
            push_percentage=80,
        )
        factories.shipping_mapping(account, "standard", method)
        mapping = factories.product_mapping(account, tee)
        order = factories.order(account, lines=[{"sku": "TEE-1"}])
        log = factories.api_log(account)
        target = factories.user(VIEWER, email="target@example.com")
        return {
            "account": account.id,
            "channel": web.id,
            "spare_channel": spare_channel.id,
            "method": method.id,
            "spare_method": spare_method.id,
            "product": tee.id,
            "spare_product": spare_product.id,
            "mapping": mapping.id,
            "order": order.id,
            "log": log.id,
            "user": target.id,
        }


# anonymous visitors


def anonymous_targets(app):
    """Every route but the public ones, built with placeholder arguments."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint in PUBLIC or endpoint.split(".")[-1] in ("static", "favicon"):
            continue
        # "1" suits every converter the routes use, numbers and names alike
        values = dict.fromkeys(rule.arguments, 1)
        # built from the rule itself: several rules may share one endpoint
        url = rule.build(values, append_unknown=False)[1]
        if "id" not in values:
            url += "?id=1"
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, url


def test_anonymous_requests_to_every_page_go_to_login(app, world):
    client = app.test_client()
    token = pages.csrf_token(client.get("/login"))

    checked = []
    for method, url in anonymous_targets(app):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "id": "1"})
        assert is_login_redirect(response), (method, url, response.status_code)
        checked.append(urlsplit(url).path)

    # the sign-in page brings the visitor back where they were going
    assert "/admin/ec-accounts/" in checked and "/rq/" in checked
    response = client.get("/admin/orders/")
    assert "next=/admin/orders/" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(EcAccount, world["account"]) is not None


# the role matrix: (method, url, form, expected status for viewer, operator, admin)

MATRIX = [
    # every screen
    ("GET", "/admin/ec-accounts/", None, (200, 200, 200)),
    ("GET", "/admin/ec-accounts/details/?id={account}", None, (200, 200, 200)),
    ("GET", "/admin/orders/", None, (200, 200, 200)),
    ("GET", "/admin/orders/details/?id={order}", None, (200, 200, 200)),
    ("GET", "/admin/product-mappings/", None, (200, 200, 200)),
    ("GET", "/admin/api-log/", None, (200, 200, 200)),
    ("GET", "/admin/products/", None, (200, 200, 200)),
    ("GET", "/admin/products/details/?id={product}", None, (200, 200, 200)),
    ("GET", "/admin/shipping-methods/", None, (200, 200, 200)),
    ("GET", "/admin/sales-channels/", None, (200, 200, 200)),
    ("GET", "/admin/users/", None, (403, 403, 200)),
    ("GET", "/rq/", None, (403, 403, 200)),
    # EC accounts: admins edit and delete, operators run actions
    ("GET", "/admin/ec-accounts/new/", None, (403, 403, 200)),
    ("GET", "/admin/ec-accounts/new/?platform=shopify", None, (403, 403, 200)),
    (
        "POST",
        "/admin/ec-accounts/new/?platform=shopify",
        {
            "display_name": "Matrix Store",
            "sales_channel": "{channel}",
            "timezone": "UTC",
            "push_percentage": "100",
            "cred_shop": "matrix.myshopify.com",
        },
        (403, 403, 302),
    ),
    ("GET", "/admin/ec-accounts/edit/?id={account}", None, (403, 403, 200)),
    (
        "POST",
        "/admin/ec-accounts/edit/?id={account}",
        {
            "display_name": "Tokyo Store",
            "sales_channel": "{channel}",
            "timezone": "UTC",
            "push_percentage": "50",
            "cred_shop": "tokyo.myshopify.com",
        },
        (403, 403, 302),
    ),
    ("GET", "/admin/ec-accounts/delete/confirm/?id={account}", None, (403, 403, 200)),
    ("POST", "/admin/ec-accounts/delete/", {"id": "{account}"}, (403, 403, 302)),
    (
        "POST",
        "/admin/ec-accounts/action/",
        {"action": "fetch_orders", "rowid": "{account}"},
        (403, 302, 302),
    ),
    (
        "POST",
        "/admin/ec-accounts/action/",
        {"action": "disable_push", "rowid": "{account}"},
        (403, 403, 302),
    ),
    (
        "POST",
        "/admin/ec-accounts/run/fetch_orders/",
        {"id": "{account}"},
        (403, 302, 302),
    ),
    (
        "GET",
        "/admin/ec-accounts/stock-sync/confirm/?id={account}",
        None,
        (403, 200, 200),
    ),
    ("GET", "/oauth/{account}/start", None, (403, 403, 302)),
    # products: operators receive stock, admins edit the catalogue
    ("GET", "/admin/products/receive/?id={product}", None, (403, 200, 200)),
    (
        "POST",
        "/admin/products/receive/?id={product}",
        {"quantity": "3"},
        (403, 302, 302),
    ),
    ("GET", "/admin/products/new/", None, (403, 403, 200)),
    (
        "POST",
        "/admin/products/new/",
        {"sku": "NEW-1", "name": "New", "on_hand": "0", "reserved": "0"},
        (403, 403, 302),
    ),
    ("GET", "/admin/products/edit/?id={product}", None, (403, 403, 200)),
    (
        "POST",
        "/admin/products/edit/?id={product}",
        {"sku": "TEE-1", "name": "Renamed", "on_hand": "5", "reserved": "0"},
        (403, 403, 302),
    ),
    ("POST", "/admin/products/delete/", {"id": "{spare_product}"}, (403, 403, 302)),
    (
        "POST",
        "/admin/products/action/",
        {"action": "delete", "rowid": "{spare_product}"},
        (403, 403, 302),
    ),
    # reference lists
    ("GET", "/admin/sales-channels/new/", None, (403, 403, 200)),
    (
        "POST",
        "/admin/sales-channels/delete/",
        {"id": "{spare_channel}"},
        (403, 403, 302),
    ),
    ("GET", "/admin/shipping-methods/edit/?id={method}", None, (403, 403, 200)),
    (
        "POST",
        "/admin/shipping-methods/delete/",
        {"id": "{spare_method}"},
        (403, 403, 302),
    ),
    # users: admins only
    ("GET", "/admin/users/new/", None, (403, 403, 200)),
    (
        "POST",
        "/admin/users/new/",
        {
            "email": "matrix@example.com",
            "role": "viewer",
            "new_password": "long password 1",
        },
        (403, 403, 302),
    ),
    ("GET", "/admin/users/edit/?id={user}", None, (403, 403, 200)),
    ("POST", "/admin/users/delete/", {"id": "{user}"}, (403, 403, 302)),
    # read-only screens stay read-only, even for admins
    ("GET", "/admin/orders/new/", None, (403, 403, 302)),
    ("POST", "/admin/orders/delete/", {"id": "{order}"}, (403, 403, 302)),
    ("GET", "/admin/product-mappings/edit/?id={mapping}", None, (403, 403, 302)),
    ("POST", "/admin/api-log/delete/", {"id": "{log}"}, (403, 403, 302)),
]


@pytest.mark.parametrize(
    "method, url, form, expected",
    MATRIX,
    ids=[
        f"{m} {u.split('?')[0]} {(f or {}).get('action', '')}".strip()
        for m, u, f, _ in MATRIX
    ],
)
def test_role_matrix(app, login_as, world, method, url, form, expected):
    url = url.format(**world)
    # roles in rising order: an allowed change comes only after the refusals
    for role, status in zip(ROLES, expected):
        client = login_as(role)
        if method == "GET":
            response = client.get(url)
        else:
            token = pages.csrf_token(client.get("/admin/ec-accounts/"))
            data = {k: v.format(**world) for k, v in form.items()}
            response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == status, (role, response.status_code)
        if status == 302:
            assert not is_login_redirect(response), role


def test_refused_writes_change_nothing(app, login_as, world):
    with app.app_context():
        before = snapshot()

    for role in (VIEWER, OPERATOR):
        client = login_as(role)
        token = pages.csrf_token(client.get("/admin/ec-accounts/"))
        for method, url, form, expected in MATRIX:
            if method == "POST" and expected[ROLES.index(role)] == 403:
                data = {k: v.format(**world) for k, v in form.items()}
                client.post(url.format(**world), data={**data, "csrf_token": token})

    with app.app_context():
        after = snapshot()
    after.pop("users")
    before.pop("users")
    assert after == before


def test_read_only_screens_delete_nothing_for_admins(app, login_as, world):
    client = login_as(ADMIN)
    token = pages.csrf_token(client.get("/admin/ec-accounts/"))

    client.post(
        "/admin/orders/delete/", data={"id": world["order"], "csrf_token": token}
    )
    client.post(
        "/admin/orders/action/",
        data={"action": "delete", "rowid": world["order"], "csrf_token": token},
    )

    with app.app_context():
        assert db.session.get(Order, world["order"]) is not None


def test_a_deactivated_user_is_signed_out(app, login_as):
    client = login_as(ADMIN, email="leaver@example.com")
    assert client.get("/admin/ec-accounts/").status_code == 200

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "leaver@example.com"))
        user.active = False
        db.session.commit()

    assert is_login_redirect(client.get("/admin/ec-accounts/"))


# CSRF: a state-changing request without its token is refused and changes nothing

CSRF_TARGETS = [
    (
        "/admin/ec-accounts/new/?platform=shopify",
        {
            "display_name": "Forged",
            "sales_channel": "{channel}",
            "timezone": "UTC",
            "push_percentage": "100",
            "cred_shop": "forged.myshopify.com",
        },
    ),
    (
        "/admin/ec-accounts/edit/?id={account}",
        {
            "display_name": "Forged",
            "sales_channel": "{channel}",
            "timezone": "UTC",
            "push_percentage": "0",
            "cred_shop": "forged.myshopify.com",
            "cred_access_token": "shpat_forged_token_0001",
        },
    ),
    ("/admin/ec-accounts/delete/", {"id": "{account}"}),
    ("/admin/ec-accounts/action/", {"action": "disable_push", "rowid": "{account}"}),
    ("/admin/ec-accounts/run/fetch_orders/", {"id": "{account}"}),
    ("/admin/products/delete/", {"id": "{product}"}),
    ("/admin/products/action/", {"action": "delete", "rowid": "{product}"}),
    ("/admin/products/receive/?id={product}", {"quantity": "7"}),
    ("/admin/sales-channels/delete/", {"id": "{spare_channel}"}),
    (
        "/admin/users/new/",
        {
            "email": "forged@example.com",
            "role": "admin",
            "new_password": "forged password",
        },
    ),
    ("/admin/users/delete/", {"id": "{user}"}),
]


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
@pytest.mark.parametrize(
    "url, form", CSRF_TARGETS, ids=[url.split("?")[0] for url, _ in CSRF_TARGETS]
)
def test_post_without_a_valid_csrf_token_is_refused(
    app, login_as, redis_client, world, url, form, token
):
    client = login_as(ADMIN)
    data = {k: v.format(**world) for k, v in form.items()}
    if token:
        data["csrf_token"] = token
    with app.app_context():
        before = snapshot()

    response = client.post(url.format(**world), data=data)

    assert response.status_code == 400
    assert "CSRF" in pages.text(response)
    with app.app_context():
        after = snapshot()
    assert after == before
    # nothing was queued either
    assert Queue("default", connection=redis_client).count == 0


def test_token_of_another_session_is_refused(app, login_as, world):
    other_token = pages.csrf_token(login_as(ADMIN).get("/admin/ec-accounts/"))
    client = login_as(ADMIN)

    response = client.post(
        "/admin/products/delete/",
        data={"id": world["product"], "csrf_token": other_token},
    )

    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(WarehouseProduct, world["product"]) is not None


def test_login_and_logout_need_their_tokens(app, login_as):
    with app.app_context():
        factories.user(ADMIN, email="ops@example.com")
    client = app.test_client()

    response = client.post(
        "/login", data={"email": "ops@example.com", "password": factories.PASSWORD}
    )

    assert response.status_code == 400
    assert is_login_redirect(client.get("/admin/ec-accounts/"))

    signed_in = login_as(ADMIN)
    assert signed_in.post("/logout").status_code == 400
    assert signed_in.get("/admin/ec-accounts/").status_code == 200


def test_logout_with_its_token_signs_out(login_as):
    client = login_as(VIEWER)
    token = pages.csrf_token(client.get("/admin/ec-accounts/"))

    assert is_login_redirect(client.post("/logout", data={"csrf_token": token}))
    assert is_login_redirect(client.get("/admin/ec-accounts/"))


# signing in


@pytest.fixture
def ops(app):
    with app.app_context():
        factories.user(OPERATOR, email="ops@example.com")
        factories.user(OPERATOR, email="gone@example.com", active=False)
    return app.test_client()


@pytest.mark.parametrize(
    "email, password",
    [
        ("ops@example.com", "wrong password"),
        ("OPS@example.com", "Correct Horse Battery"),
        ("nobody@example.com", factories.PASSWORD),
        ("gone@example.com", factories.PASSWORD),
    ],
    ids=["wrong-password", "wrong-case", "unknown-email", "disabled"],
)
def test_login_refuses_wrong_credentials(ops, email, password):
    response = pages.login(ops, email, password)

    assert response.status_code == 200
    assert (
        "danger",
        "The email or password is not right, or the account is disabled.",
    ) in pages.flashes(response)
    assert is_login_redirect(ops.get("/admin/ec-accounts/"))


def test_login_accepts_the_email_in_any_case(ops):
    response = pages.login(ops, " OPS@Example.com ", factories.PASSWORD)

    assert response.status_code == 302
    assert ops.get("/admin/ec-accounts/").status_code == 200


def browser_target(location):
    """Where a browser goes for this Location: it drops tabs and newlines, and reads
    a backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned))


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.com/",
        "//evil.example.com/admin/",
        "https://evil.example.com/",
        "/\\evil.example.com",
        "\\\\evil.example.com",
        "/\t/evil.example.com",
        "/\n/evil.example.com",
        "/\r\n/evil.example.com",
        "javascript:alert(1)",
        "%2F%2Fevil.example.com",
    ],
    ids=repr,
)
def test_login_never_redirects_to_another_site(ops, target):
    response = pages.login(ops, "ops@example.com", factories.PASSWORD, quote(target))

    assert response.status_code == 302
    went = browser_target(response.headers["Location"])
    assert (went.scheme, went.netloc) == ("http", "localhost")
    assert ops.get("/admin/ec-accounts/").status_code == 200


def test_login_follows_a_same_site_next(ops):
    response = pages.login(
        ops, "ops@example.com", factories.PASSWORD, quote("/admin/orders/?page=2")
    )

    assert response.headers["Location"] == "/admin/orders/?page=2"


def test_signed_in_visit_to_login_never_redirects_off_site(ops):
    pages.login(ops, "ops@example.com", factories.PASSWORD)

    response = ops.get("/login", query_string={"next": "//evil.example.com"})

    assert "evil" not in response.headers["Location"]


# secrets: at most their last four characters ever leave the server


def crawl(client, start, limit=250):
    """GET every same-site admin page reachable by links from ``start``."""
    queue, seen, visited = list(start), set(), []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        key = _page_key(url)
        if key is None or key in seen:
            continue
        seen.add(key)
        response = client.get(url)
        visited.append((url, response))
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            for href in re.findall(r'href="([^"#]+)"', body):
                queue.append(html.unescape(href))
    return visited


def _page_key(url):
    """One key per page, ignoring list order, paging and return links."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith(
        ("/admin", "/rq")
    ):
        return None
    if "/static/" in parts.path or parts.path.startswith("/oauth"):
        return None
    ignored = {"url", "sort", "desc", "page", "page_size", "search"}
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query)
        if k not in ignored and not k.startswith("flt")
    )
    return parts.path + "?" + urlencode(query)


def leaks(body, secret):
    """Any eight characters of ``secret`` in a row found in ``body``."""
    windows = {secret[i : i + 8] for i in range(len(secret) - 7)}
    return sorted(w for w in windows if w in body or quote(w, safe="") in body)


@pytest.fixture
def secrets_world(app):
    """One account per platform with every secret set, and rows on every screen."""
    found = {}
    with app.app_context():
        web = factories.channel(name="Web shops")
        method = factories.shipping_method()
        tee = factories.product(sku="TEE-1", on_hand=4)
        for platform in ("shopify", "woocommerce", "ebay"):
            creds = factories.credentials(platform)
            account = factories.account(
                platform,
                display_name=f"{platform} shop",
                sales_channel=web,
                creds=creds,
                status="connected",
                fetch_enabled=True,
                fetch_slots=["09:00"],
                push_enabled=True,
            )
            factories.shipping_mapping(account, "standard", method)
            factories.product_mapping(account, tee)
            factories.order(account, lines=[{"sku": "TEE-1"}])
            factories.api_log(account)
            factories.api_log(
                account,
                ok=False,
                status_code=401,
                failure_reason="The platform rejected the credentials (401).",
            )
            found[account.id] = {k: v for k, v in creds.items() if k in SECRET_NAMES}
    return found


SECRET_NAMES = {"access_token", "refresh_token", "consumer_key", "consumer_secret"}


def assert_no_secret(response, secrets, where):
    body = response.get_data(as_text=True)
    for secret in secrets:
        assert not leaks(body, secret), (where, leaks(body, secret))


def test_no_page_shows_more_than_the_last_four_characters_of_a_secret(
    app, login_as, secrets_world
):
    client = login_as(ADMIN)
    every_secret = [s for creds in secrets_world.values() for s in creds.values()]

    visited = crawl(client, ["/admin/ec-accounts/", "/admin/api-log/", "/rq/"])

    paths = {urlsplit(url).path for url, _ in visited}
    for path in (
        "/admin/ec-accounts/details/",
        "/admin/ec-accounts/edit/",
        "/admin/ec-accounts/delete/confirm/",
        "/admin/api-log/",
        "/admin/orders/details/",
        "/admin/product-mappings/",
    ):
        assert path in paths
    for url, response in visited:
        assert response.status_code < 500, url
        assert_no_secret(response, every_secret, url)
    # what the pages do show of a secret is its masked tail
    for account_id, creds in secrets_world.items():
        page = client.get(f"/admin/ec-accounts/details/?id={account_id}")
        for secret in creds.values():
            assert "••••" + secret[-4:] in pages.text(page)


def test_failed_saves_never_echo_a_typed_or_stored_secret(app, login_as, secrets_world):
    client = login_as(ADMIN)
    shopify_id, woo_id, _ = sorted(secrets_world)
    stored = [s for creds in secrets_world.values() for s in creds.values()]
    typed = {
        "cred_access_token": "shpat_typed0123456789abcdef",
        "cred_refresh_token": "shprt_typed0123456789abcdef",
    }

    # a refused edit: the typed token and the stored ones stay out of the page
    response = edit_post(client, shopify_id, display_name="", **typed)
    assert response.status_code == 200
    assert "Display name is required." in pages.text(response)
    assert_no_secret(response, stored + list(typed.values()), "refused edit")

    # a secret refused by its own check is not repeated in the message
    bad_secret = "xs_typed0123456789abcdefabcdef"
    response = edit_post(client, woo_id, cred_consumer_secret=bad_secret)
    assert "Consumer secret starts with cs_" in pages.text(response)
    assert_no_secret(response, stored + [bad_secret], "refused secret")

    # a refused create
    page = client.get("/admin/ec-accounts/new/?platform=shopify")
    data = pages.form_with(page, "display_name").data(
        display_name="New shop", cred_shop="not a shop", **typed
    )
    response = client.post("/admin/ec-accounts/new/?platform=shopify", data=data)
    assert "Shop must be a Shopify host" in pages.text(response)
    assert_no_secret(response, stored + list(typed.values()), "refused create")


def test_flash_after_a_save_failed_in_the_database_shows_no_secret(
    app, login_as, secrets_world, monkeypatch
):
    client = login_as(ADMIN)
    typed = "shpat_racing0123456789abcdef"
    page = client.get("/admin/ec-accounts/new/?platform=shopify")
    data = pages.form_with(page, "display_name").data(
        display_name="shopify shop",
        cred_shop="race.myshopify.com",
        cred_access_token=typed,
    )
    # another admin saved the same name between the form's check and the commit
    monkeypatch.setattr(account_rules, "display_name_taken", lambda *a, **k: False)

    response = client.post(
        "/admin/ec-accounts/new/?platform=shopify", data=data, follow_redirects=True
    )

    assert (
        "danger",
        "Nothing was saved: the change conflicts with existing data (a duplicate or a "
        "row still in use).",
    ) in pages.flashes(response)
    stored = [s for creds in secrets_world.values() for s in creds.values()]
    assert_no_secret(response, stored + [typed], "flash after failed save")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(EcAccount)) == 3


def edit_post(client, account_id, **changes):
    url = f"/admin/ec-accounts/edit/?id={account_id}"
    form = pages.form_with(client.get(url), "display_name")
    return client.post(url, data=form.data(**changes))


def test_queued_jobs_carry_ids_never_secrets(
    app, login_as, redis_client, secrets_world
):
    client = login_as(ADMIN)
    token = pages.csrf_token(client.get("/admin/ec-accounts/"))
    for account_id in secrets_world:
        response = client.post(
            "/admin/ec-accounts/run/fetch_orders/",
            data={"id": account_id, "csrf_token": token},
        )
        assert response.status_code == 302

    jobs = [
        Job.fetch(job_id, connection=redis_client)
        for queue in Queue.all(connection=redis_client)
        for job_id in queue.job_ids
    ]
    assert len(jobs) == len(secrets_world)
    every_secret = [s for creds in secrets_world.values() for s in creds.values()]
    for job in jobs:
        described = repr((job.args, job.kwargs, job.description, job.meta))
        for secret in every_secret:
            assert not leaks(described, secret)
        info = client.get(f"/rq/0/data/job/{job.id}.json")
        assert info.status_code == 200
        assert_no_secret(info, every_secret, "job info")


def test_no_list_filter_reaches_the_encrypted_credentials(app):
    for view in app.extensions["admin"][0]._views:
        for flt in getattr(view, "_filters", None) or ():
            column = getattr(flt, "column", None)
            key = getattr(column, "key", None)
            assert key != "credentials_encrypted", view.endpoint


# escaping: a display name is text, never markup

SCRIPT_NAME = '<script>alert("owned")</script>'


def test_display_name_with_markup_is_escaped_everywhere(app, login_as):
    with app.app_context():
        account = factories.account(
            "woocommerce",
            display_name=SCRIPT_NAME,
            status="connected",
            push_enabled=True,
        )
        factories.product_mapping(account)
        factories.shipping_mapping(account, SCRIPT_NAME)
        factories.order(
            account, customer_name=SCRIPT_NAME, lines=[{"sku": SCRIPT_NAME}]
        )
        factories.api_log(account, failure_reason=SCRIPT_NAME, ok=False)
        account_id = account.id
    client = login_as(ADMIN)

    visited = crawl(
        client, ["/admin/ec-accounts/", "/admin/api-log/", "/admin/orders/"]
    )

    shown = False
    for url, response in visited:
        body = response.get_data(as_text=True)
        assert "<script>alert(" not in body, url
        shown = shown or "&lt;script&gt;alert(" in body
    assert shown

    # the refusal of a duplicate name and the delete flash repeat it escaped too
    page = client.get("/admin/ec-accounts/new/?platform=woocommerce")
    data = pages.form_with(page, "display_name").data(
        display_name=SCRIPT_NAME,
        cred_site_url="https://x.example.com",
        cred_consumer_key="ck_" + "1" * 40,
        cred_consumer_secret="cs_" + "2" * 40,
    )
    response = client.post("/admin/ec-accounts/new/?platform=woocommerce", data=data)
    assert "is already named" in pages.text(response)
    assert "<script>alert(" not in response.get_data(as_text=True)

    form = pages.form_with(
        client.get(f"/admin/ec-accounts/delete/confirm/?id={account_id}"), "id"
    )
    response = client.post(form.action, data=form.data(), follow_redirects=True)
    assert any(SCRIPT_NAME in text for _, text in pages.flashes(response))
    assert "<script>alert(" not in response.get_data(as_text=True)


# a NUL character, which PostgreSQL cannot take, is refused before any query


@pytest.mark.parametrize(
    "method, url, field",
    [
        ("GET", "/admin/ec-accounts/", "search"),
        ("GET", "/admin/orders/", "search"),
        ("POST", "/login", "email"),
        ("POST", "/admin/ec-accounts/edit/?id={account}", "display_name"),
        ("POST", "/admin/products/new/", "sku"),
        ("POST", "/admin/users/new/", "email"),
    ],
)
def test_a_nul_character_is_refused_not_a_500(app, login_as, world, method, url, field):
    client = login_as(ADMIN)
    url = url.format(**world)
    with app.app_context():
        before = snapshot()

    if method == "GET":
        response = client.get(url, query_string={field: "tee\x00"})
    else:
        token = pages.csrf_token(client.get("/admin/ec-accounts/"))
        response = client.post(url, data={field: "a\x00b", "csrf_token": token})

    assert response.status_code == 400
    with app.app_context():
        assert snapshot() == before


# the health check


def test_healthz_is_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_is_503_when_redis_does_not_answer(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("error: ")


def test_healthz_is_503_when_the_database_does_not_answer(make_app):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    app = make_app(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={})

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["database"].startswith("error: ")
    assert response.json["redis"] == "ok"
    # the reason names the kind of failure only, never the address or a password
    assert "127.0.0.1" not in response.get_data(as_text=True)
