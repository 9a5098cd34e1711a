"""Storms of 429 and 5xx answers, and unreadable answers, from the platform."""

import dataclasses

import pytest
import sqlalchemy as sa

from extensions import db
from models import ApiLog
from services import actions
from tests.faults.conftest import PRODUCTS, WOO_HOST

ORDERS = 450


def storm(stack, *faults):
    """Queue faults for the next calls in order; ``("pass", n)`` lets n through."""
    for mode, count in faults:
        if mode == "pass":
            stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=count, delay=0)
        else:
            stack.sandbox.fault(
                "woocommerce", WOO_HOST, mode, count=count, retry_after=0.2
            )


def quick_retries(monkeypatch, name, retries=(1, 1, 1)):
    """RQ's retries a second apart; each job carries its intervals to the worker."""
    action = actions.ACTIONS[name]
    monkeypatch.setitem(
        actions.ACTIONS, name, dataclasses.replace(action, retries=retries)
    )


def api_log_matches_sandbox(stack, run):
    """Every call the sandbox answered for the run's job is one API log row."""
    calls = stack.sandbox.calls("woocommerce", WOO_HOST)
    with stack.app.app_context():
        rows = db.session.execute(
            sa.select(ApiLog.status_code, ApiLog.ok).where(
                ApiLog.account_id == run.account_id, ApiLog.job_id == run.job_id
            )
        ).all()
    served_failures = sorted(c["status"] for c in calls if c["status"] >= 400)
    logged_failures = sorted(code for code, ok in rows if not ok)
    assert logged_failures == served_failures
    assert len(rows) == len(calls)
    return served_failures


def test_a_stock_sync_completes_through_a_storm_and_logs_every_failure(
    stack, mapped, monkeypatch
):
    account_id, client = mapped
    quick_retries(monkeypatch, "stock_sync")
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/calls")
    # short bursts the adapter waits out, and longer ones that outlast its four
    # attempts at a call and leave the rest to RQ's retries
    storm(
        stack,
        ("429", 2),
        ("pass", 1),
        ("502", 5),
        ("pass", 1),
        ("503", 2),
        ("pass", 1),
        ("429", 3),
        ("pass", 1),
    )

    stack.click(client, "stock_sync", account_id, confirm="yes")
    [run] = stack.runs(account_id, "stock_sync")
    finished = stack.wait_run(run.id, seconds=60)

    assert finished.status == "succeeded", (finished.message, finished.error)
    assert finished.succeeded == PRODUCTS and finished.failed == 0
    failures = api_log_matches_sandbox(stack, finished)
    assert failures.count(429) == 5 and len(failures) == 12
    # every mapping marked pushed shows that figure on the platform
    stock = stack.sandbox.stock("woocommerce", WOO_HOST)
    pushed = stack.marked_pushed(account_id)
    assert len(pushed) == PRODUCTS
    assert {key: stock[key] for key in pushed} == pushed


def test_a_storm_that_outlasts_every_retry_marks_only_what_was_pushed(
    stack, mapped, monkeypatch
):
    account_id, client = mapped
    quick_retries(monkeypatch, "stock_sync", retries=(1,))
    before = stack.sandbox.stock("woocommerce", WOO_HOST)
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/calls")
    # the first batch goes through, then the platform fails for good
    storm(stack, ("pass", 1), ("503", 200))

    stack.click(client, "stock_sync", account_id, confirm="yes")
    [run] = stack.runs(account_id, "stock_sync")
    finished = stack.wait_run(run.id, seconds=60)

    assert finished.status == "failed"
    assert finished.error.startswith(
        "The platform failed stock with 503 after 4 attempts"
    )
    api_log_matches_sandbox(stack, finished)
    stock = stack.sandbox.stock("woocommerce", WOO_HOST)
    pushed = stack.marked_pushed(account_id)
    # the first batch of 100 went through; nothing else is marked, nothing else moved
    assert len(pushed) == 100
    assert {key: stock[key] for key in pushed} == pushed
    untouched = {
        key: value
        for key, value in stock.items()
        if key.isdigit() and key not in pushed
    }
    assert untouched == {key: before[key] for key in untouched}


def test_an_import_completes_through_a_storm(stack, monkeypatch):
    quick_retries(monkeypatch, "fetch_orders")
    account_id = stack.woo_account()
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": ORDERS, "lines": 1}
    )
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/calls")
    storm(stack, ("503", 3), ("429", 1), ("500", 4), ("429", 2), ("502", 2))
    stack.start_worker()
    client = stack.client()

    stack.click(client, "fetch_orders", account_id)
    [run] = stack.runs(account_id)
    finished = stack.wait_run(run.id, seconds=60)

    assert finished.status == "succeeded", (finished.message, finished.error)
    assert finished.succeeded == ORDERS
    assert stack.scalar("SELECT count(*) FROM orders") == ORDERS
    assert len(api_log_matches_sandbox(stack, finished)) == 12
    # rate limits and 5xx never change the connection status
    assert stack.account(account_id).status == "connected"


@pytest.mark.parametrize(
    "mode, reason",
    [
        ("malformed", "The platform answered orders with malformed JSON"),
        ("html", "The platform answered orders with an HTML page instead of JSON"),
    ],
)
def test_an_unreadable_answer_fails_the_run_with_the_reason(stack, mode, reason):
    account_id = stack.woo_account()
    stack.sandbox.fault("woocommerce", WOO_HOST, mode, count=1)
    stack.start_worker()
    client = stack.client()

    stack.click(client, "fetch_orders", account_id)
    [run] = stack.runs(account_id)
    finished = stack.wait_run(run.id)

    assert finished.status == "failed"
    assert finished.error.startswith(reason)
    assert stack.account(account_id).status == "connected"
    assert stack.account(account_id).fetch_cursor is None
