"""Bulk actions on the EC Integrations list: queueing over many accounts, toggles."""

import re

import pytest
from sqlalchemy import select

from extensions import db
from models import EcAccount
from tests import pages
from tests.web import sections
from tests.web.conftest import LIST

BULK_STOCK_SYNC = "/admin/ec-accounts/bulk-stock-sync/"


def offered(page):
    """The bulk actions the list's 'With selected' menu offers."""
    body = page.get_data(as_text=True)
    return re.findall(r"modelActions\.execute\('(\w+)'\)", body)


def bulk(client, action, ids, page=None):
    """Tick ``ids`` on the list and choose ``action``, as the list's script posts it."""
    page = page or client.get(LIST)
    form = pages.form_with(page, "action")
    data = form.data(action=action)
    data["rowid"] = [str(i) for i in ids]
    return client.post(form.action, data=data)


def settings(app, *ids):
    with app.app_context():
        accounts = db.session.scalars(
            select(EcAccount).where(EcAccount.id.in_(ids)).order_by(EcAccount.id)
        ).all()
        return [
            (
                a.display_name,
                a.fetch_enabled,
                a.next_fetch_at is not None,
                a.push_enabled,
            )
            for a in accounts
        ]


@pytest.fixture
def three(make_account):
    """Two accounts ready to fetch and a disconnected one, by name."""
    return {
        "Tokyo Store": make_account("shopify", "Tokyo Store"),
        "Nagoya Market": make_account("woocommerce", "Nagoya Market"),
        "Osaka Outlet": make_account(
            "woocommerce", "Osaka Outlet", status="disconnected"
        ),
    }


# which bulk actions are offered


def test_viewer_is_offered_no_bulk_actions(app, viewer, three):
    page = viewer.get(LIST)

    assert offered(page) == []
    assert 'id="action_form"' not in page.get_data(as_text=True)


def test_operator_is_offered_the_actions_but_not_the_toggles(app, operator, three):
    assert sorted(offered(operator.get(LIST))) == [
        "fetch_orders",
        "stock_sync",
        "sync_mappings",
        "test_connection",
    ]


def test_admin_is_offered_the_toggles_too(app, admin, three):
    assert sorted(offered(admin.get(LIST))) == [
        "disable_fetch",
        "disable_push",
        "enable_fetch",
        "enable_push",
        "fetch_orders",
        "stock_sync",
        "sync_mappings",
        "test_connection",
    ]


# queueing over many accounts


def test_bulk_fetch_queues_the_ready_accounts_and_names_the_skipped_ones(
    app, operator, three, queued_jobs, sync_runs
):
    answer = bulk(operator, "fetch_orders", three.values())
    shown = operator.get(answer.headers["Location"])

    assert answer.status_code == 302
    assert pages.flashes(shown) == [
        (
            "info",
            "Fetch Orders Manually: 2 queued, 1 skipped: disconnected (Osaka Outlet).",
        )
    ]
    assert sorted(job.description for job in queued_jobs()) == [
        "Fetch orders: Shopify, Tokyo Store",
        "Fetch orders: WooCommerce, Nagoya Market",
    ]
    for job in queued_jobs():
        assert set(job.meta) >= {"account_id", "action"}
        assert job.meta["action"] == "fetch_orders"
    runs = sync_runs()
    assert sorted(run.account_id for run in runs) == sorted(
        [three["Tokyo Store"], three["Nagoya Market"]]
    )
    assert {run.trigger for run in runs} == {"bulk"}


def test_bulk_fetch_again_says_which_are_already_queued(
    app, operator, three, queued_jobs, sync_runs
):
    bulk(operator, "fetch_orders", three.values())

    answer = bulk(operator, "fetch_orders", three.values())

    assert pages.flashes(operator.get(answer.headers["Location"])) == [
        (
            "info",
            "Fetch Orders Manually: 0 queued, 2 already queued (Nagoya Market, Tokyo "
            "Store), 1 skipped: disconnected (Osaka Outlet).",
        )
    ]
    assert len(queued_jobs()) == 2
    assert len(sync_runs()) == 2


def test_a_press_on_the_page_and_a_bulk_action_make_one_job(
    app, operator, three, press, queued_jobs
):
    tokyo = three["Tokyo Store"]
    page = operator.get(f"/admin/ec-accounts/details/?id={tokyo}")
    press(operator, page, "/run/fetch_orders/")

    answer = bulk(operator, "fetch_orders", [tokyo])

    assert pages.flashes(operator.get(answer.headers["Location"])) == [
        ("info", "Fetch Orders Manually: 0 queued, 1 already queued (Tokyo Store).")
    ]
    assert len(queued_jobs()) == 1


def test_bulk_sync_mappings_skips_accounts_with_reasons(
    app, operator, make_account, queued_jobs
):
    ids = [
        make_account("shopify", "Tokyo Store"),
        make_account("ebay", "Kyoto Vintage"),
        make_account("woocommerce", "Osaka Outlet", push_enabled=False),
    ]

    answer = bulk(operator, "sync_mappings", ids)

    assert pages.flashes(operator.get(answer.headers["Location"])) == [
        (
            "info",
            "Sync Product Mappings: 1 queued, 2 skipped: the platform looks products "
            "up by SKU (Kyoto Vintage); inbound push is off (Osaka Outlet).",
        )
    ]
    assert [job.description for job in queued_jobs()] == [
        "Sync product mappings: Shopify, Tokyo Store"
    ]


def test_names_in_a_bulk_flash_are_shown_as_text(app, operator, make_account):
    name = "<img src=x onerror=alert(1)>"
    account_id = make_account("shopify", name, status="disconnected")

    answer = bulk(operator, "fetch_orders", [account_id])
    shown = operator.get(answer.headers["Location"])

    assert "<img src=x" not in shown.get_data(as_text=True)
    assert pages.flashes(shown) == [
        ("info", f"Fetch Orders Manually: 0 queued, 1 skipped: disconnected ({name}).")
    ]


def test_viewer_may_not_run_bulk_actions(app, viewer, admin, three, queued_jobs):
    page = admin.get(LIST)  # a viewer's list carries no action form to take it from
    token = pages.csrf_token(viewer.get(LIST))

    answer = viewer.post(
        "/admin/ec-accounts/action/",
        data={
            "csrf_token": token,
            "action": "fetch_orders",
            "rowid": list(map(str, three.values())),
        },
    )

    assert page.status_code == 200
    assert answer.status_code == 403
    assert queued_jobs() == []


def test_bulk_action_without_the_csrf_token_is_refused(
    app, operator, three, queued_jobs, sync_runs
):
    answer = operator.post(
        "/admin/ec-accounts/action/",
        data={"action": "fetch_orders", "rowid": list(map(str, three.values()))},
    )

    assert answer.status_code == 400
    assert queued_jobs() == []
    assert sync_runs() == []


# Manual Stock Sync over many accounts


def test_bulk_stock_sync_asks_first_naming_accounts_and_item_counts(
    app, operator, make_account, queued_jobs, sync_runs
):
    from tests import factories

    tokyo = make_account("shopify", "Tokyo Store", push_percentage=80)
    osaka = make_account("woocommerce", "Osaka Outlet", push_enabled=False)
    kyoto = make_account("ebay", "Kyoto Vintage", push_percentage=50)
    with app.app_context():
        account = db.session.get(EcAccount, tokyo)
        for sku in ("A-1", "A-2"):
            factories.product_mapping(account, factories.product(sku=sku, on_hand=4))

    answer = bulk(operator, "stock_sync", [tokyo, osaka, kyoto])
    page = operator.get(answer.headers["Location"])

    assert answer.headers["Location"].startswith(BULK_STOCK_SYNC)
    assert "Manual Stock Sync for 3 accounts" in pages.words(page)
    assert sections.table_rows(page, "bulk-preview") == [
        ["Kyoto Vintage", "eBay", "50%", "2"],
        ["Osaka Outlet", "WooCommerce", "100%", "skipped: inbound push is off"],
        ["Tokyo Store", "Shopify", "80%", "2"],
    ]
    assert queued_jobs() == []
    assert sync_runs() == []

    confirmed = operator.post(
        BULK_STOCK_SYNC, data=pages.form_with(page, "confirm").data()
    )
    shown = operator.get(confirmed.headers["Location"])

    assert pages.flashes(shown) == [
        (
            "info",
            "Manual Stock Sync: 2 queued, 1 skipped: inbound push is off "
            "(Osaka Outlet).",
        )
    ]
    assert sorted(job.description for job in queued_jobs()) == [
        "Manual stock sync: Shopify, Tokyo Store",
        "Manual stock sync: eBay, Kyoto Vintage",
    ]
    assert {run.trigger for run in sync_runs()} == {"bulk"}


def test_bulk_stock_sync_without_the_confirmation_queues_nothing(
    app, operator, three, queued_jobs, sync_runs
):
    ids = ",".join(map(str, three.values()))
    page = operator.get(f"{BULK_STOCK_SYNC}?ids={ids}")

    again = operator.post(
        BULK_STOCK_SYNC, data=pages.form_with(page, "confirm").data(confirm=None)
    )

    assert page.status_code == 200
    assert again.status_code == 200
    assert "Overwrite platform stock" in pages.words(again)
    assert queued_jobs() == []
    assert sync_runs() == []


def test_bulk_stock_sync_confirmation_without_the_csrf_token_is_refused(
    app, operator, three, queued_jobs
):
    ids = ",".join(map(str, three.values()))

    answer = operator.post(BULK_STOCK_SYNC, data={"ids": ids, "confirm": "yes"})

    assert answer.status_code == 400
    assert queued_jobs() == []


def test_bulk_stock_sync_with_no_account_chosen_sends_back(app, operator, three):
    shown = operator.get(f"{BULK_STOCK_SYNC}?ids=", follow_redirects=True)

    assert shown.request.path == LIST
    assert ("danger", "Choose at least one account for Manual Stock Sync.") in (
        pages.flashes(shown)
    )


def test_bulk_stock_sync_confirmation_shows_no_secret(
    app, operator, three, assert_no_secret
):
    ids = ",".join(map(str, three.values()))

    page = operator.get(f"{BULK_STOCK_SYNC}?ids={ids}")

    assert_no_secret(page.get_data(as_text=True), *three.values())


@pytest.mark.parametrize("method", ["get", "post"])
def test_viewer_may_not_open_the_bulk_stock_sync(
    app, viewer, three, method, queued_jobs
):
    ids = ",".join(map(str, three.values()))
    token = pages.csrf_token(viewer.get(LIST))

    answer = getattr(viewer, method)(
        f"{BULK_STOCK_SYNC}?ids={ids}", data={"csrf_token": token, "confirm": "yes"}
    )

    assert answer.status_code == 403
    assert queued_jobs() == []


# the settings toggles, for admins


def test_enabling_fetching_sets_the_next_fetch_time_and_skips_accounts_without_slots(
    app, admin, make_account
):
    tokyo = make_account("shopify", "Tokyo Store", fetch_enabled=False)
    osaka = make_account(
        "woocommerce", "Osaka Outlet", fetch_enabled=False, fetch_slots=[]
    )

    answer = bulk(admin, "enable_fetch", [tokyo, osaka])

    assert pages.flashes(admin.get(answer.headers["Location"])) == [
        (
            "success",
            "Order fetching enabled for 1 account (Tokyo Store); 1 skipped: no fetch "
            "slots (Osaka Outlet).",
        )
    ]
    assert settings(app, tokyo, osaka) == [
        ("Tokyo Store", True, True, True),
        ("Osaka Outlet", False, False, True),
    ]


def test_disabling_fetching_clears_the_next_fetch_time(app, admin, make_account):
    ids = [
        make_account("shopify", "Tokyo Store"),
        make_account("ebay", "Kyoto Vintage"),
    ]
    bulk(admin, "enable_fetch", ids)
    assert [row[2] for row in settings(app, *ids)] == [True, True]

    answer = bulk(admin, "disable_fetch", ids)

    assert pages.flashes(admin.get(answer.headers["Location"])) == [
        (
            "success",
            "Order fetching disabled for 2 accounts (Kyoto Vintage, Tokyo Store).",
        )
    ]
    assert settings(app, *ids) == [
        ("Tokyo Store", False, False, True),
        ("Kyoto Vintage", False, False, True),
    ]


def test_push_toggles_change_the_flag(app, admin, make_account):
    ids = [make_account("shopify", "Tokyo Store", push_enabled=False)]

    bulk(admin, "enable_push", ids)
    assert settings(app, *ids)[0][3] is True
    answer = bulk(admin, "disable_push", ids)

    assert settings(app, *ids)[0][3] is False
    assert pages.flashes(admin.get(answer.headers["Location"])) == [
        ("success", "Inbound push disabled for 1 account (Tokyo Store).")
    ]


@pytest.mark.parametrize(
    "toggle", ["enable_fetch", "disable_fetch", "enable_push", "disable_push"]
)
def test_operator_may_not_toggle_settings(app, operator, admin, make_account, toggle):
    ids = [
        make_account("shopify", fetch_enabled=False, push_enabled=False),
        make_account("woocommerce"),
    ]
    before = settings(app, *ids)

    answer = bulk(operator, toggle, ids)

    assert answer.status_code == 403
    assert settings(app, *ids) == before


def test_toggle_without_the_csrf_token_is_refused(app, admin, make_account):
    ids = [make_account("shopify", fetch_enabled=False)]
    before = settings(app, *ids)

    answer = admin.post(
        "/admin/ec-accounts/action/",
        data={"action": "enable_fetch", "rowid": list(map(str, ids))},
    )

    assert answer.status_code == 400
    assert settings(app, *ids) == before


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_accounts_are_never_deleted_in_bulk(app, login_as, three, role):
    client = login_as(role)

    answer = bulk(client, "delete", three.values())

    assert answer.status_code == 302
    assert len(settings(app, *three.values())) == 3
