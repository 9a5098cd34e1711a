"""The EC account detail page: what its two halves, alert, actions and runs show."""

import re
from datetime import timedelta

import pytest

from extensions import db
from models import EcAccount, SyncRun
from services import mapping_health, stock_push
from tests import factories, pages
from tests.web import sections
from tests.web.conftest import DETAILS, NOON

SHOWN_ACTIONS = "Fetch Orders Manually", "Sync Product Mappings", "Manual Stock Sync"
BY_SKU = "the platform looks products up by SKU"


# the Connection half


@pytest.mark.parametrize(
    "platform, creds, expected",
    [
        (
            "shopify",
            {
                "shop": "tokyo-store.myshopify.com",
                "access_token": "shpat_0123456789abcdef0123456789abcd01",
                "refresh_token": "shprt_fedcba9876543210fedcba98765432f2",
            },
            {
                "Shop": "tokyo-store.myshopify.com",
                "Access token": "••••cd01",
                "Refresh token": "••••32f2",
                "Token expiry": "2026-12-04 12:00 UTC",
            },
        ),
        (
            "woocommerce",
            {
                "site_url": "https://osaka.example.com",
                "consumer_key": "ck_00112233445566778899aabbccddeeff0011a1b2",
                "consumer_secret": "cs_ffeeddccbbaa99887766554433221100ffeec3d4",
                "query_string_auth": False,
            },
            {
                "Site URL": "https://osaka.example.com",
                "Consumer key": "••••a1b2",
                "Consumer secret": "••••c3d4",
                "Send keys in the query string": "no",
            },
        ),
        (
            "ebay",
            {
                "marketplace_id": "EBAY_US",
                "refresh_token": "v^1.1#i^1#r^1#0a1b2c3d4e5f6a7b8c9d",
            },
            {
                "Marketplace": "EBAY_US",
                "Refresh token": "••••8c9d",
                "Token expiry": "2026-12-04 12:00 UTC",
            },
        ),
    ],
)
def test_connection_half_shows_the_account_with_masked_credentials(
    app, viewer, make_account, assert_no_secret, platform, creds, expected
):
    account_id = make_account(
        platform,
        "Tokyo Store",
        channel="Web shops",
        creds=creds,
        token_expires_at=NOON + timedelta(days=1),
    )

    page = viewer.get(DETAILS.format(account_id))

    assert page.status_code == 200
    label = {"shopify": "Shopify", "woocommerce": "WooCommerce", "ebay": "eBay"}[
        platform
    ]
    assert sections.definitions(page, "connection") == {
        "Platform": label,
        "Display name": "Tokyo Store",
        "Sales channel": "Web shops",
        **expected,
        "Status": "Connected since 2026-12-03 12:00 UTC",
    }
    assert_no_secret(page.get_data(as_text=True), account_id)


def test_status_tag_names_the_state_its_reason_and_since_when(
    app, viewer, make_account
):
    account_id = make_account(
        "woocommerce",
        status="disconnected",
        status_reason="The platform answered 401: Consumer key is invalid",
    )

    page = viewer.get(DETAILS.format(account_id))

    connection = sections.section(page, "connection")
    assert 'class="badge badge-danger" id="status-tag">Disconnected<' in connection
    assert sections.definitions(page, "connection")["Status"] == (
        "Disconnected since 2026-12-03 12:00 UTC "
        "The platform answered 401: Consumer key is invalid"
    )


def test_token_expiry_of_an_oauth_account_without_one_says_so(
    app, viewer, make_account
):
    account_id = make_account("shopify", token_expires_at=None)

    page = viewer.get(DETAILS.format(account_id))

    assert sections.definitions(page, "connection")["Token expiry"] == "does not expire"


def test_no_piece_of_any_secret_reaches_the_page(
    app, admin, make_account, assert_no_secret
):
    ids = [make_account(platform) for platform in ("shopify", "woocommerce", "ebay")]

    for account_id in ids:
        page = admin.get(DETAILS.format(account_id))
        assert page.status_code == 200
        assert_no_secret(page.get_data(as_text=True), account_id)


# the Settings half


def test_order_fetching_block_shows_slots_zone_next_and_last_fetch(
    app, viewer, make_account
):
    account_id = make_account(
        "shopify",
        fetch_slots=["09:00", "13:00", "17:30"],
        timezone="Asia/Tokyo",
        next_fetch_at=NOON + timedelta(hours=4),
        last_fetch_at=NOON - timedelta(hours=2),
    )
    with app.app_context():
        factories.sync_run(
            account_id,
            "fetch_orders",
            status="succeeded",
            message="12 orders imported, 3 updated.",
            started_at=NOON - timedelta(hours=2),
            finished_at=NOON - timedelta(hours=2) + timedelta(seconds=30),
        )

    page = viewer.get(DETAILS.format(account_id))

    settings = sections.definitions(page, "settings")
    assert settings["Enabled"] == "Yes"
    assert settings["Slots"] == "09:00, 13:00, 17:30 (Asia/Tokyo)"
    assert settings["Next fetch"] == "2026-12-03 16:00 UTC"
    assert settings["Last fetch"] == (
        "2026-12-03 10:00 UTC · succeeded: 12 orders imported, 3 updated."
    )


def test_order_fetching_off_says_so(app, viewer, make_account):
    account_id = make_account("woocommerce", fetch_enabled=False, fetch_slots=[])

    page = viewer.get(DETAILS.format(account_id))

    words = sections.words(page, "settings")
    assert (
        "Order Fetching Enabled No Slots none (UTC) Next fetch not scheduled" in words
    )
    assert "Last fetch never" in words


def test_last_fetch_shows_the_error_of_a_failed_one(app, viewer, make_account):
    account_id = make_account("shopify", last_fetch_at=NOON)
    with app.app_context():
        factories.sync_run(
            account_id, "fetch_orders", status="failed", error="Shopify answered 503."
        )

    page = viewer.get(DETAILS.format(account_id))

    assert sections.definitions(page, "settings")["Last fetch"] == (
        "2026-12-03 12:00 UTC · failed: Shopify answered 503."
    )


def test_last_fetch_skipped_says_why_once(app, viewer, make_account):
    account_id = make_account("shopify", last_fetch_at=NOON)
    with app.app_context():
        factories.sync_run(
            account_id,
            "fetch_orders",
            status="skipped",
            message="Skipped: disconnected.",
        )

    page = viewer.get(DETAILS.format(account_id))

    assert sections.definitions(page, "settings")["Last fetch"] == (
        "2026-12-03 12:00 UTC · Skipped: disconnected."
    )


def test_inbound_push_block_counts_mapped_products(app, viewer, make_account):
    account_id = make_account(
        "shopify", push_percentage=80, last_stock_sync_at=NOON - timedelta(days=1)
    )
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        for _ in range(3):
            factories.product_mapping(account, factories.product(on_hand=5))
        factories.product_mapping(account, None)

    page = viewer.get(DETAILS.format(account_id))

    words = sections.words(page, "settings")
    assert "Inbound Push Enabled Yes Push percentage 80%" in words
    assert "Mapped products 3 mapped · 1 unmatched · 3 never pushed" in words
    assert "Last sync 2026-12-02 12:00 UTC" in words


def test_mapped_product_counts_are_those_of_the_last_recount(app, viewer, make_account):
    account_id = make_account("shopify")
    other_id = make_account("woocommerce")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        other = db.session.get(EcAccount, other_id)
        mappings = [
            factories.product_mapping(account, factories.product()) for _ in range(5)
        ]
        # another account's mappings count for it alone
        factories.product_mapping(other, None)
        factories.product_mapping(other, factories.product(), last_push_error="No.")
        first, second, third, fourth, _ = mappings
        first.warehouse_product_id = None
        second.last_pushed_at = NOON
        third.last_pushed_at = NOON
        third.last_push_error = "Not stocked at the location."
        fourth.last_pushed_at = NOON
        db.session.commit()
        # the page shows the counts as of the last recount...
        stale = viewer.get(DETAILS.format(account_id))
        # ...which every writer of mappings makes when it ends
        mapping_health.recount(account_id)
        db.session.commit()
        counted_at = db.session.get(EcAccount, account_id).mappings_counted_at
        count = stock_push.count_items(account)

    page = viewer.get(DETAILS.format(account_id))

    assert sections.words(stale, "mapped-products").startswith("5 mapped · 5 never")
    assert sections.words(page, "mapped-products") == (
        "4 mapped · 1 unmatched · 1 never pushed · 1 failed last push "
        f"as of {counted_at:%Y-%m-%d %H:%M} UTC; recounted when a sync or push ends "
        "and when a mapped product is deleted"
    )
    assert count == 4


def test_an_account_never_counted_is_counted_for_the_page(app, viewer, make_account):
    account_id = make_account("shopify")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        factories.product_mapping(account, factories.product())
        factories.product_mapping(account, None)
        account.mappings_counted_at = None
        account.mappings_total = 0
        db.session.commit()

    page = viewer.get(DETAILS.format(account_id))

    assert sections.words(page, "mapped-products") == (
        "1 mapped · 1 unmatched · 1 never pushed"
    )


def test_deleting_a_product_unmatches_its_mappings_on_the_page(
    app, admin, make_account
):
    account_id = make_account("shopify")
    other_id = make_account("woocommerce")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        other = db.session.get(EcAccount, other_id)
        kept, deleted = factories.product(), factories.product()
        factories.product_mapping(account, kept)
        factories.product_mapping(account, deleted)
        factories.product_mapping(other, deleted)
        deleted_id = deleted.id
    token = pages.csrf_token(admin.get("/admin/products/"))

    response = admin.post(
        "/admin/products/delete/",
        data={"id": deleted_id, "csrf_token": token},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert sections.words(
        admin.get(DETAILS.format(account_id)), "mapped-products"
    ).startswith("1 mapped · 1 unmatched · 1 never pushed as of")
    assert sections.words(
        admin.get(DETAILS.format(other_id)), "mapped-products"
    ).startswith("0 mapped · 1 unmatched as of")


def test_deleting_products_from_the_list_recounts_their_accounts(
    app, admin, make_account
):
    account_id = make_account("shopify")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        products = [factories.product() for _ in range(3)]
        for product in products:
            factories.product_mapping(account, product)
        ids = [str(product.id) for product in products[:2]]
    token = pages.csrf_token(admin.get("/admin/products/"))

    admin.post(
        "/admin/products/action/",
        data={"action": "delete", "rowid": ids, "csrf_token": token},
    )

    assert sections.words(
        admin.get(DETAILS.format(account_id)), "mapped-products"
    ).startswith("1 mapped · 2 unmatched · 1 never pushed as of")


def test_no_mapped_products_comes_with_the_hint(app, viewer, make_account):
    account_id = make_account("woocommerce")

    page = viewer.get(DETAILS.format(account_id))

    assert sections.words(page, "mapped-products") == (
        "No mapped products. Run “Sync Product Mappings” once to build them."
    )


def test_ebay_shows_the_real_time_lookup_note_instead_of_a_count(
    app, viewer, make_account
):
    account_id = make_account("ebay")

    page = viewer.get(DETAILS.format(account_id))

    assert sections.words(page, "mapped-products") == (
        "Not kept: eBay looks products up by SKU when stock is pushed."
    )


def test_shipping_type_mappings_table(app, viewer, make_account):
    account_id = make_account("shopify")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        factories.shipping_mapping(
            account, "standard", factories.shipping_method(name="Yamato TA-Q-BIN")
        )
        factories.shipping_mapping(
            account, "express", factories.shipping_method(name="Sagawa Express")
        )

    page = viewer.get(DETAILS.format(account_id))

    assert sections.table_rows(page, "settings") == [
        ["express", "Sagawa Express"],
        ["standard", "Yamato TA-Q-BIN"],
    ]


def test_no_shipping_type_mappings_says_what_follows(app, viewer, make_account):
    account_id = make_account("shopify")

    page = viewer.get(DETAILS.format(account_id))

    assert (
        "No shipping type mappings; orders will be flagged as unmapped shipping."
        in (sections.words(page, "settings"))
    )


# the red alert


@pytest.mark.parametrize(
    "platform, button, target",
    [
        ("shopify", "Re-authorize", "/oauth/{}/start"),
        ("ebay", "Re-authorize", "/oauth/{}/start"),
        ("woocommerce", "Edit", "/admin/ec-accounts/edit/?id={}"),
    ],
)
def test_disconnected_account_shows_the_red_alert_with_its_fix(
    app, admin, make_account, platform, button, target
):
    account_id = make_account(
        platform, status="disconnected", status_reason="invalid_grant: token revoked"
    )

    page = admin.get(DETAILS.format(account_id))

    alert = sections.section(page, "disconnected-alert")
    assert sections.plain(alert).startswith(
        "Disconnected since 2026-12-03 12:00 UTC: invalid_grant: token revoked."
    )
    [(text, href)] = sections.links(page, "disconnected-alert")
    assert text == button
    assert href.startswith(target.format(account_id))
    assert 'class="alert alert-danger' in page.get_data(as_text=True)


@pytest.mark.parametrize("status", ["connected", "pending"])
def test_no_alert_unless_disconnected(app, admin, make_account, status):
    account_id = make_account("shopify", status=status)

    page = admin.get(DETAILS.format(account_id))

    assert 'id="disconnected-alert"' not in page.get_data(as_text=True)
    assert "alert-danger" not in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_alert_tells_others_that_an_admin_restores_it(
    app, login_as, make_account, role
):
    account_id = make_account("shopify", status="disconnected")

    page = login_as(role).get(DETAILS.format(account_id))

    assert sections.links(page, "disconnected-alert") == []
    assert "An admin can restore it." in sections.words(page, "disconnected-alert")


# which actions are offered


@pytest.mark.parametrize(
    "platform, fields, shown, reasons",
    [
        ("shopify", {}, SHOWN_ACTIONS, []),
        ("woocommerce", {}, SHOWN_ACTIONS, []),
        (
            "ebay",
            {},
            ("Fetch Orders Manually", "Manual Stock Sync"),
            [f"Sync Product Mappings is not available: {BY_SKU}."],
        ),
        (
            "shopify",
            {"fetch_enabled": False},
            ("Sync Product Mappings", "Manual Stock Sync"),
            ["Fetch Orders Manually is not available: order fetching is off."],
        ),
        (
            "woocommerce",
            {"push_enabled": False},
            ("Fetch Orders Manually",),
            [
                "Sync Product Mappings is not available: inbound push is off.",
                "Manual Stock Sync is not available: inbound push is off.",
            ],
        ),
        (
            "shopify",
            {"status": "disconnected"},
            (),
            [f"{name} is not available: disconnected." for name in SHOWN_ACTIONS],
        ),
        (
            "ebay",
            {"status": "pending"},
            (),
            [f"{name} is not available: not yet verified." for name in SHOWN_ACTIONS],
        ),
    ],
)
def test_actions_are_shown_exactly_when_their_condition_holds(
    app, operator, make_account, platform, fields, shown, reasons
):
    account_id = make_account(platform, **fields)

    page = operator.get(DETAILS.format(account_id))

    assert sections.buttons(page, "actions") == sorted((*shown, "Test Connection"))
    actions = sections.section(page, "actions")
    assert [sections.plain(item) for item in _items(actions)] == reasons


def _items(fragment):
    return re.findall(r"<li>(.*?)</li>", fragment, re.DOTALL)


def test_viewer_sees_no_action_buttons(app, viewer, make_account):
    account_id = make_account("shopify")

    page = viewer.get(DETAILS.format(account_id))

    assert sections.buttons(page, "actions") == []
    assert "/run/" not in page.get_data(as_text=True)
    assert "/stock-sync/confirm/" not in page.get_data(as_text=True)
    assert sections.words(page, "actions").endswith(
        "Viewers see the account; an operator or admin runs its actions."
    )


@pytest.mark.parametrize(
    "role, header",
    [
        ("viewer", ["Back to list"]),
        ("operator", ["Back to list"]),
        ("admin", ["Back to list", "Delete", "Edit", "Re-authorize"]),
    ],
)
def test_edit_reauthorize_and_delete_are_for_admins(
    app, login_as, make_account, role, header
):
    account_id = make_account("shopify")

    page = login_as(role).get(DETAILS.format(account_id))

    # the buttons beside the account's name, above the two halves
    top = page.get_data(as_text=True).split('id="connection"')[0]
    assert (
        sorted(
            sections.plain(label)
            for label in re.findall(
                r'<a class="btn[^"]*"[^>]*>(.*?)</a>', top, re.DOTALL
            )
        )
        == header
    )


def test_woocommerce_offers_no_reauthorize(app, admin, make_account):
    account_id = make_account("woocommerce")

    page = admin.get(DETAILS.format(account_id))

    assert "Re-authorize" not in page.get_data(as_text=True)
    assert f"/oauth/{account_id}/start" not in page.get_data(as_text=True)


# recent runs, failed calls and the API log


def test_recent_runs_show_status_counts_duration_error_and_who_started_them(
    app, viewer, make_account, live_run
):
    account_id = make_account("shopify")
    with app.app_context():
        operator = factories.user(role="operator", email="hana@example.com")
        factories.sync_run(
            account_id,
            "stock_sync",
            status="partial",
            succeeded=118,
            failed=2,
            started_by=operator,
            started_at=NOON,
            finished_at=NOON + timedelta(seconds=42, milliseconds=500),
            message="Pushed 118 of 120 listings.",
            error="SKU-0042: quantity refused",
        )
    live_run(account_id, "fetch_orders", trigger="schedule", status="queued")

    page = viewer.get(DETAILS.format(account_id))

    runs = sections.table_rows(page, "recent-runs")
    assert runs == [
        [
            "2026-12-03 12:00 UTC",
            "queued",
            "",
            "0 ok / 0 failed",
            "",
            "schedule",
            "",
            f"fetch_orders-account-{account_id}",
        ],
        [
            "2026-12-03 12:00 UTC",
            "partial",
            "",
            "118 ok / 2 failed",
            "42.5 s",
            "hana@example.com",
            "Pushed 118 of 120 listings. SKU-0042: quantity refused",
            f"stock_sync-account-{account_id}",
        ],
    ]
    words = sections.words(page, "recent-runs")
    assert words.index("Fetch Orders Manually") < words.index("Manual Stock Sync")


def test_recent_runs_are_the_newest_five_of_each_action_of_this_account(
    app, admin, make_account
):
    account_id = make_account("shopify")
    other_id = make_account("shopify", display_name="Other shop")
    with app.app_context():
        for n in range(7):
            factories.sync_run(
                account_id, "stock_sync", message=f"push {n}", created_at=NOON
            )
        for n in range(2):
            factories.sync_run(
                account_id, "fetch_orders", message=f"fetch {n}", created_at=NOON
            )
        factories.sync_run(other_id, "stock_sync", message="someone else's")

    page = admin.get(DETAILS.format(account_id))

    results = [row[6] for row in sections.table_rows(page, "recent-runs")]
    assert results == ["fetch 1", "fetch 0"] + [f"push {n}" for n in (6, 5, 4, 3, 2)]
    job_links = [
        href for _, href in sections.links(page, "recent-runs") if "/rq/" in href
    ]
    assert (
        job_links
        == [f"/rq/0/view/job/fetch_orders-account-{account_id}"] * 2
        + [f"/rq/0/view/job/stock_sync-account-{account_id}"] * 5
    )


def test_a_running_run_has_a_live_progress_bar(app, viewer, make_account, live_run):
    account_id = make_account("shopify")
    run_id = live_run(
        account_id,
        "sync_mappings",
        status="running",
        started_at=NOON,
        progress_done=30,
        progress_total=120,
    )

    page = viewer.get(DETAILS.format(account_id))

    runs = sections.section(page, "recent-runs")
    assert f'data-run-id="{run_id}" data-run-live' in runs
    assert 'style="width: 25%">25%</div>' in runs


def test_runs_json_reports_progress(app, viewer, make_account, live_run):
    account_id = make_account("shopify")
    with app.app_context():
        done = factories.sync_run(
            account_id,
            "fetch_orders",
            status="succeeded",
            succeeded=7,
            message="7 new.",
        ).id
    running = live_run(
        account_id,
        "stock_sync",
        status="running",
        progress_done=50,
        progress_total=200,
        succeeded=48,
        failed=2,
    )
    with app.app_context():
        other = make_account("woocommerce")
        factories.sync_run(other, "fetch_orders", status="running")

    answer = viewer.get(f"/admin/ec-accounts/runs/?id={account_id}")

    assert answer.status_code == 200
    assert answer.json == {
        "runs": [
            {
                "id": running,
                "action": "stock_sync",
                "status": "running",
                "percent": 25,
                "done": 50,
                "total": 200,
                "succeeded": 48,
                "failed": 2,
                "skipped": 0,
                "message": None,
                "error": None,
            },
            {
                "id": done,
                "action": "fetch_orders",
                "status": "succeeded",
                "percent": None,
                "done": 0,
                "total": None,
                "succeeded": 7,
                "failed": 0,
                "skipped": 0,
                "message": "7 new.",
                "error": None,
            },
        ]
    }


def test_runs_json_of_an_unknown_account_is_404(app, viewer):
    assert viewer.get("/admin/ec-accounts/runs/?id=999").status_code == 404
    assert viewer.get("/admin/ec-accounts/runs/?id=abc").status_code == 404


def test_failed_api_calls_of_the_account_only(app, viewer, make_account):
    account_id = make_account("shopify")
    other_id = make_account("woocommerce")
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        factories.api_log(account, created_at=NOON)
        factories.api_log(
            account,
            kind="stock",
            method="POST",
            path="/admin/api/2026-10/graphql.json",
            status_code=502,
            ok=False,
            failure_reason="Bad gateway",
            created_at=NOON + timedelta(minutes=5),
        )
        factories.api_log(
            db.session.get(EcAccount, other_id),
            status_code=401,
            ok=False,
            failure_reason="Consumer key is invalid",
        )

    page = viewer.get(DETAILS.format(account_id))

    assert sections.table_rows(page, "failed-calls") == [
        [
            "2026-12-03 12:05 UTC",
            "stock",
            "POST /admin/api/2026-10/graphql.json",
            "502",
            "Bad gateway",
        ]
    ]


def test_no_failed_calls_says_so(app, viewer, make_account):
    page = viewer.get(DETAILS.format(make_account("shopify")))

    assert "No failed calls recently." in sections.words(page, "failed-calls")


def test_api_log_link_lists_this_accounts_calls_only(app, viewer, make_account):
    account_id = make_account("shopify", display_name="Tokyo Store")
    other_id = make_account("shopify", display_name="Tokyo Store 2")
    with app.app_context():
        factories.api_log(db.session.get(EcAccount, account_id), path="/mine")
        factories.api_log(db.session.get(EcAccount, other_id), path="/theirs")

    page = viewer.get(DETAILS.format(account_id))
    [(text, href)] = [
        link for link in sections.links(page, "failed-calls") if "API log" in link[0]
    ]
    log = viewer.get(href)

    assert text == "Full API log for this account"
    assert log.status_code == 200
    assert pages.cells(log, "path") == ["/mine"]


def test_mapped_products_link_lists_this_accounts_mappings_only(
    app, viewer, make_account
):
    account_id = make_account("shopify", display_name="Tokyo Store")
    other_id = make_account("shopify", display_name="Tokyo Store 2")
    with app.app_context():
        product = factories.product()
        factories.product_mapping(
            db.session.get(EcAccount, account_id), product, platform_sku="MINE-1"
        )
        factories.product_mapping(
            db.session.get(EcAccount, other_id), product, platform_sku="THEIRS-1"
        )

    page = viewer.get(DETAILS.format(account_id))
    [(text, href)] = sections.links(page, "mapped-products")
    listing = viewer.get(href)

    assert text == "1 mapped"
    assert listing.status_code == 200
    assert pages.cells(listing, "platform_sku") == ["MINE-1"]


# what the page never shows raw


def test_a_script_in_the_display_name_is_shown_as_text(app, operator, make_account):
    name = "<script>alert('x')</script> Store"
    account_id = make_account("shopify", display_name=name)

    page = operator.get(DETAILS.format(account_id))
    clicked = operator.post(
        f"/admin/ec-accounts/run/fetch_orders/?id={account_id}",
        data={"csrf_token": pages.csrf_token(page)},
        follow_redirects=True,
    )

    for response in (page, clicked):
        body = response.get_data(as_text=True)
        assert "<script>alert(" not in body
        assert "&lt;script&gt;alert(" in body
    assert ("success", f"Fetch Orders Manually: queued for {name}.") in pages.flashes(
        clicked
    )


def test_unknown_account_is_404(app, viewer):
    assert viewer.get(DETAILS.format(999)).status_code == 404
    assert viewer.get("/admin/ec-accounts/details/?id=x").status_code == 404
    assert viewer.get("/admin/ec-accounts/details/").status_code == 404


def test_run_rows_survive_without_their_starter(app, viewer, make_account):
    account_id = make_account("shopify")
    with app.app_context():
        user = factories.user(role="operator")
        factories.sync_run(
            account_id, "fetch_orders", started_by=user, status="succeeded"
        )
        db.session.delete(db.session.get(type(user), user.id))
        db.session.commit()
        assert db.session.query(SyncRun).count() == 1

    page = viewer.get(DETAILS.format(account_id))

    assert page.status_code == 200
    assert sections.table_rows(page, "recent-runs")[0][5] == "manual"
