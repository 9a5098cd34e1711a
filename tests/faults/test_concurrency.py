"""Two workers, double clicks and a slow database: one run per (account, action)."""

import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import SyncRun
from tests import pages
from tests.faults.conftest import WOO_HOST
from tests.faults.processes import wait_for

CLICKS = 8


def order_walks(stack):
    """How many times the sandbox was asked for the first page of orders."""
    calls = stack.sandbox.calls("woocommerce", WOO_HOST)
    return sum(
        1
        for call in calls
        if call["path"].endswith("/orders")
        and "page=1&" in call["query"] + "&"
        and "status=trash" not in call["query"]
    )


def test_simultaneous_clicks_with_two_workers_give_one_run(stack):
    account_id = stack.woo_account()
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": 300, "lines": 1}
    )
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=3, delay=0.4)
    stack.sandbox.control("DELETE", f"woocommerce/{WOO_HOST}/calls")
    stack.start_worker()
    stack.start_worker()
    clients = [stack.client() for _ in range(CLICKS)]
    tokens = [stack.csrf(client, account_id) for client in clients]
    start = threading.Barrier(CLICKS)
    outcomes = []

    def click(client, token):
        start.wait()
        response = stack.click(client, "fetch_orders", account_id, token=token)
        outcomes.extend(pages.flashes(client.get(response.location)))

    threads = [
        threading.Thread(target=click, args=pair) for pair in zip(clients, tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    texts = [text for _, text in outcomes]
    assert len(texts) == CLICKS, texts
    assert sum("queued for" in text and "already" not in text for text in texts) == 1
    assert sum("already queued" in text for text in texts) == CLICKS - 1
    [run] = stack.runs(account_id)
    # a click while the job runs is "already queued" too
    wait_for(lambda: stack.run(run.id).status == "running", 20, "the fetch to start")
    response = stack.click(clients[0], "fetch_orders", account_id)
    assert "already queued" in pages.text(clients[0].get(response.location))

    assert stack.wait_run(run.id).status == "succeeded"
    assert len(stack.runs(account_id)) == 1
    assert order_walks(stack) == 1
    assert stack.scalar("SELECT count(*) FROM orders") == 300


def test_a_job_that_starts_before_its_run_is_committed_still_finds_it(stack):
    """A worker may take the job at once, while the web request is still committing."""
    account_id = stack.woo_account()
    stack.start_worker()
    client = stack.client()
    token = stack.csrf(client, account_id)

    # the request's commit of a new run is held up, as by a busy database
    def note_new_run(session, context):
        if any(isinstance(row, SyncRun) for row in session.new):
            session.info["new_run"] = True

    def slow_commit(session):
        if session.info.pop("new_run", False):
            time.sleep(1.5)

    # only this process's sessions: the worker is another process
    event.listen(Session, "after_flush", note_new_run)
    event.listen(Session, "before_commit", slow_commit)
    try:
        stack.click(client, "test_connection", account_id, token=token)
    finally:
        event.remove(Session, "after_flush", note_new_run)
        event.remove(Session, "before_commit", slow_commit)

    [run] = stack.runs(account_id)
    finished = stack.wait_run(run.id, seconds=15)
    assert finished.status == "succeeded", (finished.message, finished.error)
