"""What the account detail page shows, gathered in a fixed number of queries."""

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models import ApiLog, SyncRun
from models.mapping import NEVER_PUSHED, PUSH_FAILED, UNMATCHED, count_of
from services import stock_push
from services.actions import ACTIONS

RUNS_PER_ACTION = 5
FAILED_CALLS = 10
PREVIEW_ROWS = 50
PAGE_ACTIONS = ("fetch_orders", "sync_mappings", "stock_sync")


@dataclass(frozen=True)
class MappingHealth:
    total: int
    unmatched: int
    never_pushed: int
    failed: int


def mapping_health(account_id):
    """The account's mapping counts, exact, in one statement.

    Each count is a subquery of its own so that the database answers it from an
    index alone: the total from the index on ``account_id``, the others from the
    partial indexes whose WHERE they repeat (see :mod:`models.mapping`). Their work
    grows with the rows counted, the total's with all of the account's mappings.
    """
    row = db.session.execute(
        select(
            count_of(account_id),
            count_of(account_id, UNMATCHED),
            count_of(account_id, NEVER_PUSHED),
            count_of(account_id, PUSH_FAILED),
        )
    ).one()
    return MappingHealth(*row)


def recent_runs(account_id):
    """The newest runs of each action, newest first, keyed by action."""
    ranked = (
        select(
            SyncRun.id,
            func.row_number()
            .over(partition_by=SyncRun.action, order_by=SyncRun.id.desc())
            .label("rank"),
        )
        .where(SyncRun.account_id == account_id)
        .subquery()
    )
    runs = db.session.scalars(
        select(SyncRun)
        .join(ranked, ranked.c.id == SyncRun.id)
        .where(ranked.c.rank <= RUNS_PER_ACTION)
        .order_by(SyncRun.id.desc())
    ).all()
    grouped = {}
    for run in runs:
        grouped.setdefault(run.action, []).append(run)
    return grouped


def failed_calls(account_id):
    return db.session.scalars(
        select(ApiLog)
        .where(ApiLog.account_id == account_id, ApiLog.ok.is_(False))
        .order_by(ApiLog.created_at.desc(), ApiLog.id.desc())
        .limit(FAILED_CALLS)
    ).all()


def last_fetch_run(runs):
    fetches = [run for run in runs.get("fetch_orders", []) if run.finished]
    return fetches[0] if fetches else None


def page_actions(account):
    """(action, reason) for the page's three actions; reason None means shown."""
    return [
        (ACTIONS[name], ACTIONS[name].unavailable_reason(account))
        for name in PAGE_ACTIONS
    ]


def stock_sync_preview(account):
    """(number of items, the first rows of the preview, whether figures are known)."""
    count = stock_push.count_items(account)
    if account.spec.capabilities.keeps_mapping_table:
        return count, stock_push.plan_mapped(account, limit=PREVIEW_ROWS), True
    return count, stock_push.preview_by_sku(account, limit=PREVIEW_ROWS), False
