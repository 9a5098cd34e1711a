"""Transient failures: RQ retries the job with backoff, then the run fails."""

from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry

import queues
from models.account import CONNECTED
from services import actions
from tests.jobs.conftest import (
    KOBE_LAB,
    WOO,
    api_logs,
    make_retry_due,
    queue_action,
    rq_job,
)


def test_a_rate_limit_waits_for_rqs_retry(account_on, platforms, jobs_app, work):
    account = account_on(WOO, KOBE_LAB)
    run = queue_action(account, "fetch_orders")
    # longer than the adapter waits in a call: the job retries instead
    platforms.fault(WOO, KOBE_LAB, "429", retry_after=120)

    work()

    assert run.status == "queued"
    assert run.message == (
        "Will retry: The platform is rate limiting orders calls; it asked to wait 120 "
        "seconds."
    )
    assert account.status == CONNECTED
    assert [log.status_code for log in api_logs(account.id)] == [429]
    job = rq_job(jobs_app, run.job_id)
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.id in ScheduledJobRegistry(queue=queues.queue(jobs_app)).get_job_ids()
    # a click meanwhile does not queue a second fetch
    assert actions.enqueue(account, "fetch_orders").outcome == "already_queued"

    make_retry_due(jobs_app, run.job_id)
    work()

    assert run.status == "succeeded"
    assert account.fetch_cursor is not None


def test_when_the_retries_run_out_the_run_fails_and_the_cursor_stays(
    account_on, platforms, jobs_app, work
):
    account = account_on(WOO, KOBE_LAB)
    run = queue_action(account, "fetch_orders")
    action = actions.ACTIONS["fetch_orders"]
    attempts = len(action.retries) + 1
    # every call of every attempt fails, each after the adapter's own four tries
    platforms.fault(WOO, KOBE_LAB, "503", count=4 * attempts)

    work()
    for left in range(len(action.retries) - 1, -1, -1):
        assert run.status == "queued"
        assert run.message.startswith("Will retry: The platform failed orders with 503")
        assert rq_job(jobs_app, run.job_id).retries_left == left
        make_retry_due(jobs_app, run.job_id)
        work()

    assert run.status == "failed"
    assert run.error.startswith("The platform failed orders with 503 after 4 attempts")
    assert account.fetch_cursor is None
    # a 5xx says nothing about the credentials
    assert (account.status, account.status_reason) == (CONNECTED, None)
    assert [log.status_code for log in api_logs(account.id)] == [503] * 4 * attempts
    assert len(platforms.calls(WOO, KOBE_LAB)) == 4 * attempts

    # the platform is back: the next run reads the whole window and moves the cursor
    again = queue_action(account, "fetch_orders")
    work()

    assert again.status == "succeeded"
    assert account.fetch_cursor is not None
