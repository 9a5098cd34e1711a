"""Deleting an account while its fetch waits in the queue, and while it runs."""

import time

from tests import pages
from tests.faults.conftest import WOO_HOST
from tests.faults.processes import wait_for

ORDERS = 1000


def delete(stack, client, account_id):
    """Delete through the confirmation page, as an admin does."""
    page = client.get(f"/admin/ec-accounts/delete/confirm/?id={account_id}")
    assert page.status_code == 200
    form = next(f for f in pages.forms(page) if "/delete/" in f.action)
    response = client.post(form.action, data=form.data())
    assert response.status_code == 302
    return response


def leftovers(stack, account_id):
    """Rows that still name the deleted account, by table."""
    counts = {
        table: stack.scalar(
            f"SELECT count(*) FROM {table} WHERE account_id = :id", id=account_id
        )
        for table in (
            "product_mappings",
            "shipping_type_mappings",
            "sync_runs",
            "api_logs",
            "orders",
        )
    }
    return {table: count for table, count in counts.items() if count}


def arrange(stack):
    """An account with orders already imported, a mapping and a shipping mapping."""
    from extensions import db
    from models import EcAccount
    from tests import factories

    account_id = stack.woo_account()
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": ORDERS, "lines": 1}
    )
    with stack.app.app_context():
        account = db.session.get(EcAccount, account_id)
        factories.product_mapping(account, factories.product())
        factories.shipping_mapping(account)
    return account_id


def test_deleting_an_account_whose_fetch_is_queued(stack):
    account_id = arrange(stack)
    worker = stack.start_worker()
    admin = stack.client("admin")
    stack.click(admin, "fetch_orders", account_id)
    [first] = stack.runs(account_id)
    assert stack.wait_run(first.id).status == "succeeded"

    # the worker is away while the next fetch waits, and the account is deleted
    worker.stop()
    stack.click(admin, "fetch_orders", account_id)
    before = len(stack.sandbox.calls("woocommerce", WOO_HOST))
    response = delete(stack, admin, account_id)
    deleted_at = time.monotonic()
    stack.start_worker()
    time.sleep(1.5)

    flashed = pages.flashes(admin.get(response.location))
    assert [text for kind, text in flashed if kind == "success"], flashed
    assert stack.sandbox.arrivals.since(deleted_at, WOO_HOST) == []
    assert len(stack.sandbox.calls("woocommerce", WOO_HOST)) == before
    assert stack.job(f"fetch_orders-account-{account_id}") is None
    assert leftovers(stack, account_id) == {}
    # the imported orders stay, with the account cleared and its name kept
    kept = stack.scalar("SELECT count(*) FROM orders WHERE account_id IS NULL")
    assert kept == ORDERS
    assert stack.scalar("SELECT count(DISTINCT account_name) FROM orders") == 1


def test_deleting_an_account_whose_fetch_is_running(stack):
    account_id = arrange(stack)
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=30, delay=0.3)
    stack.start_worker()
    admin = stack.client("admin")
    stack.click(admin, "fetch_orders", account_id)
    [run] = stack.runs(account_id)
    wait_for(lambda: stack.run(run.id).progress_done >= 2, 30, "two pages")

    response = delete(stack, admin, account_id)
    deleted_at = time.monotonic()
    # the delete returns once the job no longer runs
    job = stack.job(f"fetch_orders-account-{account_id}")
    assert job is None or job.get_status(refresh=False) != "started"
    time.sleep(1.5)

    flashed = pages.flashes(admin.get(response.location))
    assert [text for kind, text in flashed if kind == "success"], flashed
    # no platform call started after the delete returned, nothing left that names it
    assert stack.sandbox.arrivals.since(deleted_at, WOO_HOST) == []
    assert leftovers(stack, account_id) == {}
    kept = stack.scalar("SELECT count(*) FROM orders WHERE account_id IS NULL")
    assert kept >= 200 and kept % 100 == 0
    assert stack.scalar("SELECT count(*) FROM orders") == kept
    # the worker lives on and takes the next job
    other = stack.woo_account()
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/faults")
    stack.click(admin, "test_connection", other)
    [check] = stack.runs(other)
    assert stack.wait_run(check.id).status == "succeeded"
