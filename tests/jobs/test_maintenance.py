"""Housekeeping: old platform API log rows are pruned, recent ones kept."""

from datetime import timedelta

from sqlalchemy import select

import queues
from extensions import db
from models import ApiLog, SyncRun
from models.base import utcnow
from tests import factories


def test_prune_removes_only_rows_older_than_the_retention(
    ctx, jobs_app, work, monkeypatch
):
    monkeypatch.setitem(jobs_app.config, "API_LOG_RETENTION_DAYS", 30)
    account = factories.account("woocommerce")
    other = factories.account("ebay")
    now = utcnow()
    ages = {
        "a year": timedelta(days=365),
        "just past": timedelta(days=30, minutes=5),
        "just within": timedelta(days=29, hours=23),
        "today": timedelta(minutes=1),
    }
    rows = {
        (name, owner.id): factories.api_log(owner, created_at=now - age).id
        for name, age in ages.items()
        for owner in (account, other)
    }
    queue = queues.queue(jobs_app)

    queue.enqueue("jobs.maintenance.prune_api_logs")
    work()

    left = set(db.session.scalars(select(ApiLog.id)))
    assert left == {
        row_id for (name, _), row_id in rows.items() if name in ("just within", "today")
    }
    (run,) = db.session.scalars(select(SyncRun)).all()
    assert (run.action, run.trigger, run.status) == (
        "prune_api_logs",
        "schedule",
        "succeeded",
    )
    assert run.succeeded == 4
    assert run.message == "Removed 4 API log rows older than 30 days."

    # nothing more is old enough
    queue.enqueue("jobs.maintenance.prune_api_logs")
    work()
    assert set(db.session.scalars(select(ApiLog.id))) == left
