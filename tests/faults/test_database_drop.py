"""The worker's database connection dropped in the middle of an import (PostgreSQL)."""

import dataclasses

import pytest
import sqlalchemy as sa

import settings
from services import actions
from tests.conftest import TEST_POSTGRES_URL
from tests.faults.conftest import WOO_HOST, WORKER_APPLICATION_NAME
from tests.faults.processes import wait_for

ORDERS = 2000
LINES = 2
PAGE = 100


@pytest.fixture
def admin_engine():
    engine = sa.create_engine(settings._database_url(TEST_POSTGRES_URL, None))
    yield engine
    engine.dispose()


def terminate_busy_worker_sessions(engine):
    """End the worker's sessions that are inside a statement or a transaction."""
    with engine.begin() as connection:
        return (
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name "
                    "AND state IN ('active', 'idle in transaction')"
                ),
                {"name": WORKER_APPLICATION_NAME},
            )
            .scalars()
            .all()
        )


def test_a_dropped_connection_fails_the_attempt_and_the_retry_completes_it(
    stack, admin_engine, monkeypatch
):
    # a short first retry keeps the test quick; the job carries its own intervals
    fetch = actions.ACTIONS["fetch_orders"]
    monkeypatch.setitem(
        actions.ACTIONS, "fetch_orders", dataclasses.replace(fetch, retries=(3, 3))
    )
    account_id = stack.woo_account()
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": ORDERS, "lines": LINES}
    )
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=60, delay=0.1)
    stack.start_worker()
    client = stack.client()

    stack.click(client, "fetch_orders", account_id)
    [run] = stack.runs(account_id)
    wait_for(lambda: stack.run(run.id).progress_done >= 2, 30, "two pages")

    # end the worker's session once, inside a page: a page is written in a few
    # milliseconds while the next is fetched, so look for one often
    wait_for(
        lambda: terminate_busy_worker_sessions(admin_engine),
        20,
        "a worker session inside a page",
        interval=0.002,
    )

    def noticed():
        current = stack.run(run.id)
        return current if current.status != "running" else None

    interrupted = wait_for(noticed, 20, "the run to notice the lost connection")

    assert interrupted.status == "queued", (interrupted.message, interrupted.error)
    assert interrupted.message.startswith(
        "Will retry: The database connection was lost (OperationalError)"
    )
    # only whole pages were saved, each order with all its lines
    saved = stack.scalar("SELECT count(*) FROM orders")
    assert saved % PAGE == 0 and saved < ORDERS
    assert stack.scalar("SELECT count(*) FROM order_lines") == saved * LINES
    assert stack.account(account_id).fetch_cursor is None

    finished = stack.wait_run(run.id)
    assert finished.status == "succeeded", (finished.message, finished.error)
    assert finished.succeeded == ORDERS
    distinct = stack.scalar("SELECT count(DISTINCT platform_order_id) FROM orders")
    assert distinct == ORDERS
    assert stack.scalar("SELECT count(*) FROM orders") == ORDERS
    uneven = stack.scalar(
        "SELECT count(*) FROM (SELECT order_id FROM order_lines GROUP BY order_id "
        "HAVING count(*) <> :lines) AS odd",
        lines=LINES,
    )
    assert uneven == 0
    assert stack.account(account_id).fetch_cursor is not None
