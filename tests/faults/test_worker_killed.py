"""A worker killed with SIGKILL in the middle of a 2,000-order import."""

from tests import pages
from tests.faults.conftest import PRODUCTS, WOO_HOST
from tests.faults.processes import WorkerProcess, wait_for

ORDERS = 2000
LINES = 3


def test_a_killed_import_is_reported_and_the_next_fetch_completes_it(stack):
    account_id = stack.woo_account()
    seeded = stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": ORDERS, "lines": LINES}
    )
    assert seeded["orders"] == ORDERS
    # 100 orders a page: slow pages leave time to kill the worker half-way
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=60, delay=0.25)
    worker = stack.start_worker()
    client = stack.client()

    stack.click(client, "fetch_orders", account_id)
    [killed] = stack.runs(account_id)
    wait_for(
        lambda: stack.run(killed.id).progress_done >= 5, 30, "five pages to be imported"
    )
    worker.kill_tree()

    # what the dead worker left: whole pages of orders and the cursor where it was
    saved = stack.scalar("SELECT count(*) FROM orders")
    assert 500 <= saved < ORDERS
    assert saved % 100 == 0
    assert stack.scalar("SELECT count(*) FROM order_lines") == saved * LINES
    assert stack.account(account_id).fetch_cursor is None

    # the detail page tells what happened instead of "running" for ever
    page = client.get(f"/admin/ec-accounts/details/?id={account_id}")
    run = stack.run(killed.id)
    assert run.status == "failed"
    assert "worker running the job died" in run.error
    assert "worker running the job died" in pages.words(page)

    # a new worker and a second click import the rest, each order once
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/faults")
    stack.start_worker()
    response = stack.click(client, "fetch_orders", account_id)
    assert "queued" in pages.text(client.get(response.location))
    [_, again] = stack.runs(account_id)
    finished = stack.wait_run(again.id)

    assert finished.status == "succeeded", (finished.message, finished.error)
    assert stack.scalar("SELECT count(*) FROM orders") == ORDERS
    assert (
        stack.scalar("SELECT count(DISTINCT platform_order_id) FROM orders") == ORDERS
    )
    assert stack.scalar("SELECT count(*) FROM order_lines") == ORDERS * LINES
    account = stack.account(account_id)
    assert account.fetch_cursor is not None
    assert account.fetch_cursor >= finished.started_at.replace(microsecond=0)
    assert account.fetch_cursor <= finished.finished_at


def test_a_worker_starts_even_when_the_database_cannot_be_asked(stack, tmp_path):
    # the check for runs left behind needs the database; the worker needs it not
    env = stack.worker_env()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'not-migrated.sqlite3'}"
    worker = WorkerProcess(env, tmp_path / "worker-nodb.log", stack.redis.url)
    stack.workers.append(worker)

    worker.start()

    assert worker.running()
    assert "runs not reconciled at start: OperationalError" in worker.log()


def test_a_stock_sync_killed_between_batches_marks_only_what_was_pushed(stack, mapped):
    account_id, client = mapped
    before = stack.sandbox.stock("woocommerce", WOO_HOST)
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=10, delay=0.5)

    stack.click(client, "stock_sync", account_id, confirm="yes")
    [run] = stack.runs(account_id, "stock_sync")
    wait_for(lambda: stack.run(run.id).progress_done >= 1, 30, "the first batch")
    stack.workers[0].kill_tree()

    page = client.get(f"/admin/ec-accounts/details/?id={account_id}")
    assert "worker running the job died" in pages.words(page)
    stock = stack.sandbox.stock("woocommerce", WOO_HOST)
    pushed = stack.marked_pushed(account_id)
    assert 100 <= len(pushed) < PRODUCTS
    # what is marked pushed is on the platform; a batch the platform took but the
    # dead worker had not saved yet stays unmarked, and the next sync sends it again
    assert {key: stock[key] for key in pushed} == pushed
    untouched = [k for k in before if k.isdigit() and k not in pushed]
    assert sum(stock[k] != before[k] for k in untouched) <= 100
