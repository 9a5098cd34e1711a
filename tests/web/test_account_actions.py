"""The detail page's manual actions: queued once, refused when they may not run.

Each test checks what the user reads after the click and the two traces a queued
action leaves: one RQ job in Redis and one row in ``sync_runs``.
"""

import pytest
from redis import Redis

from extensions import db
from models import EcAccount, ProductMapping, WarehouseProduct
from tests import factories, pages
from tests.web import sections
from tests.web.conftest import DETAILS

CONFIRM = "/admin/ec-accounts/stock-sync/confirm/?id={}"


def run_url(name, account_id):
    return f"/admin/ec-accounts/run/{name}/?id={account_id}"


def post(client, url, page):
    """Send a POST carrying the CSRF token of ``page``, and follow to the next page."""
    token = pages.csrf_token(page)
    return client.post(url, data={"csrf_token": token}, follow_redirects=True)


# queueing


@pytest.mark.parametrize(
    "name, label, verb",
    [
        ("fetch_orders", "Fetch Orders Manually", "Fetch orders"),
        ("sync_mappings", "Sync Product Mappings", "Sync product mappings"),
        ("test_connection", "Test Connection", "Test connection"),
    ],
)
def test_pressing_an_action_queues_one_job_and_one_run(
    app, operator, make_account, press, queued_jobs, sync_runs, name, label, verb
):
    account_id = make_account("shopify", "Tokyo Store")
    page = operator.get(DETAILS.format(account_id))

    answer = press(operator, page, f"/run/{name}/")
    shown = operator.get(answer.headers["Location"])

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(DETAILS.format(account_id))
    assert ("success", f"{label}: queued for Tokyo Store.") in pages.flashes(shown)
    [job] = queued_jobs()
    [run] = sync_runs()
    assert job.id == f"{name}-account-{account_id}"
    assert job.description == f"{verb}: Shopify, Tokyo Store"
    assert job.meta == {"account_id": account_id, "action": name, "run_id": run.id}
    assert job.args == (account_id, run.id)
    assert (run.account_id, run.action, run.status) == (account_id, name, "queued")
    assert run.trigger == "manual"
    with app.app_context():
        assert run.job_id == job.id
        assert db.session.get(type(run), run.id).started_by.role == "operator"
    # the new run is listed at once, queued
    assert [row[1] for row in sections.table_rows(shown, "recent-runs")] == ["queued"]


def test_a_second_press_says_already_queued_and_queues_nothing_more(
    app, operator, make_account, press, queued_jobs, sync_runs
):
    account_id = make_account("woocommerce", "Osaka Outlet")
    page = operator.get(DETAILS.format(account_id))
    press(operator, page, "/run/fetch_orders/")

    again = press(operator, page, "/run/fetch_orders/")
    shown = operator.get(again.headers["Location"])

    assert ("info", "Fetch Orders Manually: already queued for Osaka Outlet.") in (
        pages.flashes(shown)
    )
    assert len(queued_jobs()) == 1
    assert len(sync_runs()) == 1


def test_a_finished_job_does_not_block_the_next_press(
    app, operator, make_account, press, queued_jobs, sync_runs
):
    account_id = make_account("shopify")
    page = operator.get(DETAILS.format(account_id))
    press(operator, page, "/run/fetch_orders/")
    [job] = queued_jobs()
    # as a worker leaves it: out of the queue, finished
    job.connection.lrem(f"rq:queue:{job.origin}", 0, job.id)
    job.set_status("finished")

    again = press(operator, page, "/run/fetch_orders/")

    assert "queued for" in pages.flashes(operator.get(again.headers["Location"]))[0][1]
    assert [j.id for j in queued_jobs()] == [job.id]
    assert len(sync_runs()) == 2


@pytest.mark.parametrize(
    "platform, fields, name, message",
    [
        (
            "shopify",
            {"status": "disconnected"},
            "fetch_orders",
            "Fetch Orders Manually is not available: disconnected.",
        ),
        (
            "woocommerce",
            {"status": "pending"},
            "sync_mappings",
            "Sync Product Mappings is not available: not yet verified.",
        ),
        (
            "shopify",
            {"fetch_enabled": False},
            "fetch_orders",
            "Fetch Orders Manually is not available: order fetching is off.",
        ),
        (
            "woocommerce",
            {"push_enabled": False},
            "sync_mappings",
            "Sync Product Mappings is not available: inbound push is off.",
        ),
        (
            "ebay",
            {},
            "sync_mappings",
            "Sync Product Mappings is not available: the platform looks products up "
            "by SKU.",
        ),
    ],
)
def test_an_action_whose_condition_fails_is_refused_and_nothing_is_queued(
    app, operator, make_account, queued_jobs, sync_runs, platform, fields, name, message
):
    account_id = make_account(platform, **fields)
    page = operator.get(DETAILS.format(account_id))

    shown = post(operator, run_url(name, account_id), page)

    assert shown.request.path == "/admin/ec-accounts/details/"
    assert ("danger", message) in pages.flashes(shown)
    assert queued_jobs() == []
    assert sync_runs() == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"status": "disconnected"}, "disconnected"),
        ({"push_enabled": False}, "inbound push is off"),
    ],
)
def test_a_confirmed_stock_sync_is_still_refused_when_it_may_not_run(
    app, operator, make_account, queued_jobs, sync_runs, fields, message
):
    account_id = make_account("shopify", **fields)
    page = operator.get(DETAILS.format(account_id))

    shown = operator.post(
        run_url("stock_sync", account_id),
        data={"csrf_token": pages.csrf_token(page), "confirm": "yes"},
        follow_redirects=True,
    )

    assert ("danger", f"Manual Stock Sync is not available: {message}.") in (
        pages.flashes(shown)
    )
    assert queued_jobs() == []
    assert sync_runs() == []


@pytest.mark.parametrize("name", ["inbound_push", "prune_api_logs", "delete", "x"])
def test_an_unknown_action_is_404(app, operator, make_account, queued_jobs, name):
    account_id = make_account("shopify")
    page = operator.get(DETAILS.format(account_id))

    answer = operator.post(run_url(name, account_id), data={"csrf_token": "x"})
    assert answer.status_code == 400  # the token is checked first
    answer = operator.post(
        run_url(name, account_id), data={"csrf_token": pages.csrf_token(page)}
    )

    assert answer.status_code == 404
    assert queued_jobs() == []


def test_an_action_for_an_unknown_account_is_404(app, operator, make_account):
    page = operator.get(DETAILS.format(make_account("shopify")))

    answer = operator.post(
        run_url("fetch_orders", 999), data={"csrf_token": pages.csrf_token(page)}
    )

    assert answer.status_code == 404


def test_when_redis_is_down_the_user_is_told_and_no_run_is_left(
    app, operator, make_account, monkeypatch, sync_runs
):
    account_id = make_account("shopify")
    page = operator.get(DETAILS.format(account_id))
    # nothing listens on port 1 of the loopback: the connection is refused at once
    monkeypatch.setitem(
        app.extensions, "redis", Redis(host="127.0.0.1", port=1, socket_timeout=1)
    )

    shown = post(operator, run_url("fetch_orders", account_id), page)

    assert shown.status_code == 200
    assert (
        "danger",
        "The job queue (Redis) is not answering; nothing was queued. Try again when "
        "/healthz reports Redis ok.",
    ) in pages.flashes(shown)
    assert sync_runs() == []


# Manual Stock Sync and its confirmation


def test_stock_sync_without_its_confirmation_is_refused(
    app, operator, make_account, queued_jobs, sync_runs
):
    account_id = make_account("shopify")
    page = operator.get(DETAILS.format(account_id))

    answer = operator.post(
        run_url("stock_sync", account_id), data={"csrf_token": pages.csrf_token(page)}
    )
    shown = operator.get(answer.headers["Location"])

    assert answer.headers["Location"].endswith(CONFIRM.format(account_id))
    assert (
        "danger",
        "Manual Stock Sync needs its confirmation; nothing was queued.",
    ) in pages.flashes(shown)
    assert queued_jobs() == []
    assert sync_runs() == []


def test_the_stock_sync_button_opens_the_confirmation_instead_of_posting(
    app, operator, make_account
):
    account_id = make_account("shopify")

    page = operator.get(DETAILS.format(account_id))

    assert ("Manual Stock Sync", CONFIRM.format(account_id)) in sections.links(
        page, "actions"
    )
    assert "/run/stock_sync/" not in sections.section(page, "actions")


@pytest.fixture
def tokyo_with_mappings(app, make_account):
    """A Shopify account pushing 80%, with three mapped listings and one unmatched."""
    account_id = make_account("shopify", "Tokyo Store", push_percentage=80)
    with app.app_context():
        account = db.session.get(EcAccount, account_id)
        tea = factories.product(
            sku="TEA-01", name="Sencha 100g", on_hand=10, reserved=3
        )
        cup = factories.product(sku="CUP-02", name="Tea cup", on_hand=2, reserved=5)
        pot = factories.product(sku="POT-03", name="Teapot", on_hand=101)
        factories.product_mapping(account, tea, title="Sencha", platform_quantity=9)
        factories.product_mapping(account, cup, title="Cup")
        factories.product_mapping(account, pot, title="Pot", platform_quantity=20)
        factories.product_mapping(account, None, platform_sku="LOOSE-9", title="Loose")
    return account_id


def test_confirmation_shows_percentage_count_and_each_change(
    app, operator, tokyo_with_mappings, queued_jobs, sync_runs
):
    page = operator.get(CONFIRM.format(tokyo_with_mappings))

    assert page.status_code == 200
    words = pages.words(page)
    assert "Manual Stock Sync: Tokyo Store (Shopify)" in words
    assert (
        "This overwrites the platform's stock for 3 items with 80% of the warehouse's "
        "available stock, rounded down."
    ) in words
    # floor(available x 80 / 100): 7 -> 5, 0 -> 0, 101 -> 80
    assert sections.table_rows(page, "preview") == [
        ["TEA-01", "Sencha", "9", "5"],
        ["CUP-02", "Cup", "unknown", "0"],
        ["POT-03", "Pot", "20", "80"],
    ]
    # a figure going down is marked
    assert '<span class="text-danger">5</span>' in sections.section(page, "preview")
    # opening the confirmation queues nothing
    assert queued_jobs() == []
    assert sync_runs() == []


def test_confirming_queues_the_stock_sync(
    app, operator, tokyo_with_mappings, press, queued_jobs, sync_runs
):
    page = operator.get(CONFIRM.format(tokyo_with_mappings))

    answer = press(operator, page, "/run/stock_sync/")
    shown = operator.get(answer.headers["Location"])

    assert ("success", "Manual Stock Sync: queued for Tokyo Store.") in pages.flashes(
        shown
    )
    [job] = queued_jobs()
    assert job.id == f"stock_sync-account-{tokyo_with_mappings}"
    assert job.description == "Manual stock sync: Shopify, Tokyo Store"
    assert job.meta["action"] == "stock_sync"
    assert [run.action for run in sync_runs()] == ["stock_sync"]


def test_a_long_preview_shows_its_first_rows_and_counts_the_rest(
    app, operator, make_account
):
    account_id = make_account("woocommerce", push_percentage=100)
    with app.app_context():
        rows = [
            WarehouseProduct(sku=f"SKU-{n:03d}", name=f"Item {n}", on_hand=n)
            for n in range(60)
        ]
        db.session.add_all(rows)
        db.session.flush()
        db.session.add_all(
            ProductMapping(
                account_id=account_id,
                listing_id=str(1000 + n),
                platform_sku=row.sku,
                warehouse_product_id=row.id,
            )
            for n, row in enumerate(rows)
        )
        db.session.commit()

    page = operator.get(CONFIRM.format(account_id))

    assert "stock for 60 items" in pages.words(page)
    preview = sections.table_rows(page, "preview")
    assert len(preview) == 50
    assert preview[7] == ["SKU-007", "", "unknown", "7"]
    assert "and 10 more." in pages.words(page)


def test_confirmation_with_no_mapped_items_cannot_be_pressed(
    app, operator, make_account
):
    account_id = make_account("woocommerce")

    page = operator.get(CONFIRM.format(account_id))

    assert "stock for 0 items" in pages.words(page)
    assert 'id="confirm-stock-sync" disabled' in page.get_data(as_text=True)


def test_ebay_confirmation_counts_warehouse_skus_and_says_figures_are_unknown(
    app, operator, make_account
):
    account_id = make_account("ebay", "Kyoto Vintage", push_percentage=50)
    with app.app_context():
        factories.product(sku="KIMONO-1", name="Kimono", on_hand=9)
        factories.product(sku="OBI-2", name="Obi", on_hand=1)

    page = operator.get(CONFIRM.format(account_id))

    words = pages.words(page)
    assert "stock for 2 items with 50%" in words
    assert (
        "eBay keeps no mapping table: the job first asks the platform which of these "
        "SKUs it has and pushes only those."
    ) in words
    assert sections.table_rows(page, "preview") == [
        ["KIMONO-1", "Kimono", "unknown", "4"],
        ["OBI-2", "Obi", "unknown", "0"],
    ]


def test_confirmation_for_an_account_that_may_not_sync_sends_back_with_the_reason(
    app, operator, make_account
):
    account_id = make_account("shopify", push_enabled=False)

    shown = operator.get(CONFIRM.format(account_id), follow_redirects=True)

    assert shown.request.path == "/admin/ec-accounts/details/"
    assert ("danger", "Manual Stock Sync is not available: inbound push is off.") in (
        pages.flashes(shown)
    )


def test_no_secret_on_the_confirmation_or_in_the_flash(
    app, operator, tokyo_with_mappings, press, assert_no_secret
):
    page = operator.get(CONFIRM.format(tokyo_with_mappings))
    answer = press(operator, page, "/run/stock_sync/")
    shown = operator.get(answer.headers["Location"])

    assert_no_secret(page.get_data(as_text=True), tokyo_with_mappings)
    assert_no_secret(shown.get_data(as_text=True), tokyo_with_mappings)
