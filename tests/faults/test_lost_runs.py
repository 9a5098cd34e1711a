"""Unfinished runs checked against Redis: lost, dead, or still working."""

import subprocess
import sys

import pytest
from rq import Queue
from rq.job import JobStatus

import queues
from extensions import db
from jobs.schedule import enqueue_due_fetches
from models import SyncRun
from services import lost_runs
from tests import factories, pages


@pytest.fixture
def account(app_ctx):
    return factories.account(
        "woocommerce", status="connected", fetch_enabled=True, fetch_slots=["09:00"]
    )


def run_row(account, status, runner=None, action="fetch_orders"):
    run = SyncRun(
        account_id=account.id,
        action=action,
        job_id=f"{action}-account-{account.id}",
        status=status,
        runner=runner,
    )
    db.session.add(run)
    db.session.commit()
    return run


def dead_mark():
    """The mark of a process that has ended (and been reaped)."""
    code = "import services.lost_runs as m; print(m.process_mark())"
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
    )
    mark = child.communicate()[0].strip()
    assert mark and mark != "None"
    return mark


def queue_job(app, run):
    queue = Queue(queues.DEFAULT_QUEUE, connection=queues.redis_connection(app))
    return queue.enqueue_call(
        "jobs.orders.fetch_orders",
        args=(run.account_id, run.id),
        job_id=run.job_id,
        meta={"run_id": run.id},
    )


def test_a_run_whose_job_redis_lost_is_failed_with_the_reason(app_ctx, account):
    queued = run_row(account, "queued")
    running = run_row(account, "running", action="sync_mappings")

    failed = lost_runs.reconcile(account.id)

    assert {run.id for run in failed} == {queued.id, running.id}
    for run in (queued, running):
        db.session.refresh(run)
        assert run.status == "failed"
        assert run.error.startswith("The job was lost (Redis restarted")


def test_a_run_whose_process_still_works_is_left_alone(app_ctx, account):
    # Redis lost the job's record, but the process that runs it is this one
    run = run_row(account, "running", runner=lost_runs.process_mark())

    assert lost_runs.reconcile(account.id) == []
    db.session.refresh(run)
    assert run.status == "running"


def test_a_started_job_whose_process_died_is_failed_in_rq_and_on_the_run(
    app, app_ctx, account
):
    run = run_row(account, "running", runner=dead_mark())
    job = queue_job(app, run)
    job.set_status(JobStatus.STARTED)

    [failed] = lost_runs.reconcile(account.id)

    assert failed.id == run.id
    assert run.error.startswith("The worker running the job died")
    assert job.get_status(refresh=True) == JobStatus.FAILED
    # the id is free again: the next click queues a new run
    from services import actions

    assert actions.enqueue(account, "fetch_orders").outcome == "queued"


def test_a_waiting_or_scheduled_job_keeps_its_run(app, app_ctx, account):
    run = run_row(account, "queued", runner=dead_mark())
    queue_job(app, run)

    assert lost_runs.reconcile(account.id) == []
    db.session.refresh(run)
    assert run.status == "queued"


@pytest.mark.parametrize(
    "status, reason",
    [
        (JobStatus.STOPPED, "The job was stopped before it ended."),
        (JobStatus.CANCELED, "The job was cancelled before it started."),
        (JobStatus.FINISHED, "The job ended without recording its outcome."),
    ],
)
def test_a_job_ended_without_its_run_knowing_says_how(
    app, app_ctx, account, status, reason
):
    run = run_row(account, "running")
    queue_job(app, run).set_status(status)

    [failed] = lost_runs.reconcile(account.id)

    assert failed.error == reason


def test_the_scheduler_tick_reconciles_every_account(app, app_ctx, account):
    other = factories.account("shopify", status="connected")
    runs = [run_row(account, "queued"), run_row(other, "running")]

    enqueue_due_fetches()

    for run in runs:
        db.session.refresh(run)
        assert run.status == "failed"


def test_without_redis_runs_are_left_as_they_are(make_app, app_ctx, account):
    run = run_row(account, "queued")
    broken = make_app(REDIS_URL="redis://127.0.0.1:1/0")

    with broken.app_context():
        assert lost_runs.reconcile(account.id) == []
    db.session.refresh(run)
    assert run.status == "queued"


def test_the_detail_page_shows_the_lost_run(app, login_as, account):
    with app.app_context():
        run_row(account, "running")
    client = login_as("viewer")

    page = client.get(f"/admin/ec-accounts/details/?id={account.id}")

    assert page.status_code == 200
    assert "The job was lost (Redis restarted or the worker died)" in pages.words(page)


def test_a_lost_push_recounts_the_mappings_it_had_pushed(app_ctx, account):
    # the push committed some outcomes before its worker died; the counts kept on
    # the account still say what the last finished job found
    product = factories.product()
    mappings = [factories.product_mapping(account, product) for _ in range(3)]
    assert account.mappings_never_pushed == 3
    for mapping in mappings[:2]:
        mapping.last_pushed_at = account.created_at
        mapping.last_pushed_quantity = 1
    db.session.commit()
    run = run_row(account, "running", action="stock_sync")

    [failed] = lost_runs.reconcile(account.id)

    assert failed.id == run.id
    db.session.refresh(account)
    assert account.mappings_never_pushed == 1
    assert account.mappings_counted_at >= run.created_at
