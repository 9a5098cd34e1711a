"""Redis restarted while one fetch runs and others wait in the queue."""

import pytest

from tests import pages
from tests.faults.conftest import FINAL, WOO_HOST
from tests.faults.processes import wait_for


@pytest.mark.parametrize("persist", [False, True], ids=["no-persistence", "aof"])
def test_every_run_ends_or_says_its_job_was_lost(stack, persist, tmp_path):
    if persist:
        stack.redis.stop()
        stack.redis.persist = True
        stack.redis.start()
    running_id = stack.woo_account()
    waiting_ids = [stack.woo_account(), stack.woo_account()]
    stack.sandbox.control(
        "POST", f"woocommerce/{WOO_HOST}/seed", json={"orders": 600, "lines": 1}
    )
    # slow enough that the first fetch still runs when Redis comes back
    stack.sandbox.fault("woocommerce", WOO_HOST, "slow", count=6, delay=0.5)
    stack.start_worker()
    client = stack.client()

    stack.click(client, "fetch_orders", running_id)
    [running] = stack.runs(running_id)
    wait_for(lambda: stack.run(running.id).status == "running", 20, "the first fetch")
    for account_id in waiting_ids:
        stack.click(client, "fetch_orders", account_id)
    stack.redis.restart()

    # a run whose job record went with Redis, but whose worker still works on it,
    # is not called lost
    assert client.get(f"/admin/ec-accounts/details/?id={running_id}").status_code == 200
    assert stack.run(running.id).status == "running"

    # the running fetch ends by itself; the waiting ones end, or say they were lost
    finished = stack.wait_run(running.id)
    assert finished.status == "succeeded", (finished.message, finished.error)
    for account_id in waiting_ids:
        [run] = stack.runs(account_id)

        def settled():
            page = client.get(f"/admin/ec-accounts/details/?id={account_id}")
            assert page.status_code == 200
            return stack.run(run.id).status in FINAL and page

        page = wait_for(settled, 30, f"the run of account {account_id} to settle")
        run = stack.run(run.id)
        if persist:
            assert run.status == "succeeded", (run.message, run.error)
        else:
            assert run.status == "failed"
            assert run.error.startswith("The job was lost (Redis restarted")
            assert "The job was lost (Redis restarted" in pages.words(page)

    # the queue works again: a new click is queued and runs, also for the account
    # whose job was running when Redis went away
    for account_id in (waiting_ids[0], running_id):
        response = stack.click(client, "fetch_orders", account_id)
        flashed = pages.flashes(client.get(response.location))
        assert [text for _, text in flashed if "queued for" in text], flashed
        assert not [text for _, text in flashed if "already" in text], flashed
        latest = stack.runs(account_id)[-1]
        assert stack.wait_run(latest.id).status == "succeeded", stack.logs()


def test_while_redis_is_down_a_click_says_so_and_writes_no_run(stack):
    account_id = stack.woo_account()
    client = stack.client()
    token = stack.csrf(client, account_id)
    stack.redis.stop()
    try:
        response = stack.click(client, "fetch_orders", account_id, token=token)
        page = client.get(response.location)

        assert page.status_code == 200
        said = "The job queue (Redis) is not answering; nothing was queued."
        assert any(text.startswith(said) for _, text in pages.flashes(page))
        assert stack.runs(account_id) == []
    finally:
        stack.redis.start()
