"""One job per (account, action), the conditions of each action, and quiet skips."""

import logging

import pytest
from rq.job import JobStatus

import queues
from extensions import db
from models.account import CONNECTED, DISCONNECTED, PENDING
from services import accounts, actions
from tests import factories
from tests.jobs.conftest import (
    EBAY,
    KOBE_LAB,
    KOBE_TEST,
    NARA,
    SHOPIFY,
    WOO,
    queue_action,
    rq_job,
    runs,
)


def test_a_second_enqueue_is_already_queued_until_the_job_finished(
    account_on, jobs_app, work
):
    account = account_on(WOO, KOBE_LAB)
    first = actions.enqueue(account, "test_connection")
    second = actions.enqueue(account, "test_connection")

    assert first.outcome == "queued"
    assert (second.outcome, second.reason) == ("already_queued", "already queued")
    # the job carries ids only, and says what it is for the RQ dashboard
    job = rq_job(jobs_app, "test_connection-account-1")
    assert (job.args, job.kwargs) == ((account.id, first.run.id), {})
    assert job.meta == {
        "account_id": account.id,
        "action": "test_connection",
        "run_id": first.run.id,
    }
    assert job.description == f"Test connection: WooCommerce, {account.display_name}"
    assert len(runs(account.id)) == 1
    assert queues.queue(jobs_app).count == 1

    work()
    assert rq_job(jobs_app, first.run.job_id).get_status() == JobStatus.FINISHED
    third = actions.enqueue(account, "test_connection")

    assert third.outcome == "queued"
    assert [run.status for run in runs(account.id)] == ["succeeded", "queued"]
    assert queues.queue(jobs_app).count == 1


def test_the_same_action_of_another_account_and_another_action_queue_apart(
    account_on, jobs_app
):
    one = account_on(WOO, KOBE_LAB)
    two = account_on(EBAY, NARA)

    outcomes = [
        actions.enqueue(one, "fetch_orders").outcome,
        actions.enqueue(two, "fetch_orders").outcome,
        actions.enqueue(one, "test_connection").outcome,
        actions.enqueue(one, "fetch_orders").outcome,
    ]

    assert outcomes == ["queued", "queued", "queued", "already_queued"]
    assert sorted(queues.queue(jobs_app).job_ids) == [
        "fetch_orders-account-1",
        "fetch_orders-account-2",
        "test_connection-account-1",
    ]


def test_the_bulk_summary_names_what_was_skipped_and_why(ctx):
    tokyo = factories.account(SHOPIFY, display_name="Tokyo Store", status=DISCONNECTED)
    osaka = factories.account(
        WOO, display_name="Osaka Outlet", status=CONNECTED, fetch_enabled=True
    )
    kyoto = factories.account(
        EBAY, display_name="Kyoto Vintage", status=CONNECTED, fetch_enabled=True
    )

    results = [
        actions.enqueue(a, "fetch_orders", "bulk") for a in (osaka, kyoto, tokyo)
    ]
    assert (
        actions.summarize(results) == "2 queued, 1 skipped: disconnected (Tokyo Store)"
    )

    again = [actions.enqueue(a, "fetch_orders", "bulk") for a in (osaka, kyoto, tokyo)]
    assert actions.summarize(again) == (
        "0 queued, 2 already queued (Osaka Outlet, Kyoto Vintage), "
        "1 skipped: disconnected (Tokyo Store)"
    )


def test_the_bulk_summary_groups_skips_by_reason(ctx):
    names = ["A Shop", "B Shop", "C Shop", "D Shop"]
    rows = [
        factories.account(SHOPIFY, display_name=names[0], status=PENDING),
        factories.account(SHOPIFY, display_name=names[1], status=CONNECTED),
        factories.account(WOO, display_name=names[2], status=PENDING),
        factories.account(EBAY, display_name=names[3], status=CONNECTED),
    ]
    results = [actions.enqueue(row, "sync_mappings", "bulk") for row in rows]

    assert actions.summarize(results) == (
        "0 queued, 4 skipped: not yet verified (A Shop, C Shop); "
        "inbound push is off (B Shop, D Shop)"
    )


CONDITIONS = [
    # action, platform, account fields, the reason it is skipped (None: queued)
    ("fetch_orders", WOO, {}, None),
    ("fetch_orders", WOO, {"fetch_enabled": False}, "order fetching is off"),
    ("fetch_orders", WOO, {"status": DISCONNECTED}, "disconnected"),
    ("fetch_orders", EBAY, {"status": PENDING}, "not yet verified"),
    ("sync_mappings", WOO, {}, None),
    ("sync_mappings", SHOPIFY, {}, None),
    ("sync_mappings", EBAY, {}, "the platform looks products up by SKU"),
    ("sync_mappings", WOO, {"push_enabled": False}, "inbound push is off"),
    ("sync_mappings", SHOPIFY, {"status": DISCONNECTED}, "disconnected"),
    ("stock_sync", WOO, {}, None),
    ("stock_sync", EBAY, {}, None),
    ("stock_sync", EBAY, {"push_enabled": False}, "inbound push is off"),
    ("stock_sync", SHOPIFY, {"status": PENDING}, "not yet verified"),
    ("stock_sync", WOO, {"status": DISCONNECTED}, "disconnected"),
    ("test_connection", WOO, {"status": DISCONNECTED}, None),
    ("test_connection", EBAY, {"status": PENDING, "push_enabled": False}, None),
]


@pytest.mark.parametrize(("action", "platform", "fields", "reason"), CONDITIONS)
def test_each_action_runs_only_when_its_condition_holds(
    ctx, action, platform, fields, reason
):
    values = {"status": CONNECTED, "fetch_enabled": True, "push_enabled": True}
    account = factories.account(platform, **{**values, **fields})

    result = actions.enqueue(account, action)

    if reason is None:
        assert result.outcome == "queued"
        assert result.run.status == "queued"
    else:
        assert (result.outcome, result.reason) == ("skipped", reason)
        assert runs(account.id) == []


def _job_result(jobs_app, key):
    return rq_job(jobs_app, key).return_value()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": DISCONNECTED}, "Skipped: disconnected."),
        ({"fetch_enabled": False}, "Skipped: order fetching is off."),
        ({"status": PENDING}, "Skipped: not yet verified."),
    ],
)
def test_a_job_whose_account_changed_after_queueing_is_skipped(
    account_on, platforms, jobs_app, work, change, reason
):
    account = account_on(WOO, KOBE_LAB)
    run = queue_action(account, "fetch_orders")
    for name, value in change.items():
        setattr(account, name, value)
    db.session.commit()

    work()

    assert (run.status, run.message, run.error) == ("skipped", reason, None)
    assert run.finished_at is not None
    assert _job_result(jobs_app, run.job_id) == "skipped"
    assert platforms.calls(WOO, KOBE_LAB) == []
    assert account.fetch_cursor is None


def test_a_stock_job_of_an_account_disconnected_meanwhile_calls_nothing(
    account_on, platforms, work
):
    account = account_on(SHOPIFY, KOBE_TEST)
    run = queue_action(account, "stock_sync")
    stock = platforms.stock(SHOPIFY, KOBE_TEST)
    account.set_status(DISCONNECTED, "Revoked by a test.")
    db.session.commit()

    work()

    assert (run.status, run.message) == ("skipped", "Skipped: disconnected.")
    assert platforms.calls(SHOPIFY, KOBE_TEST) == []
    assert platforms.stock(SHOPIFY, KOBE_TEST) == stock


def test_a_job_whose_account_was_deleted_after_queueing_ends_quietly(
    account_on, platforms, jobs_app, work, caplog
):
    account = account_on(EBAY, NARA)
    run = queue_action(account, "fetch_orders")
    key = run.job_id
    # deleted behind the job's back, as when Redis was away during the delete
    db.session.delete(account)
    db.session.commit()
    caplog.set_level(logging.INFO, logger="jobs")

    work()

    job = rq_job(jobs_app, key)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "skipped"
    assert platforms.calls(EBAY, NARA) == []
    assert "Skipped: the account was deleted." in caplog.text


def test_deleting_an_account_cancels_its_queued_jobs(
    account_on, platforms, jobs_app, work
):
    account = account_on(WOO, KOBE_LAB)
    kept = account_on(EBAY, NARA)
    queue_action(account, "fetch_orders")
    queue_action(account, "sync_mappings")
    queue_action(kept, "fetch_orders")

    accounts.delete_account(account)

    assert queues.queue(jobs_app).job_ids == ["fetch_orders-account-2"]
    work()
    assert platforms.calls(WOO, KOBE_LAB) == []
    assert [run.status for run in runs(kept.id)] == ["succeeded"]
