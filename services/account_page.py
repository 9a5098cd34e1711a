"""What the account detail page shows, gathered in a fixed number of queries."""

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import joinedload

from extensions import db
from models import ApiLog, SyncRun
from services import stock_push
from services.actions import ACTIONS

RUNS_PER_ACTION = 5
FAILED_CALLS = 10
PREVIEW_ROWS = 50
PAGE_ACTIONS = ("fetch_orders", "sync_mappings", "stock_sync")


def _recent_runs_statement():
    """Each action's newest runs, in one statement for ``account_id``: the ids come
    from the (account, action, id) index, so it costs the same however many runs
    the account has had. Built once, since building it costs more than running it.
    """
    newest = union_all(
        *(
            select(
                select(SyncRun.id)
                .where(
                    SyncRun.account_id == bindparam("account_id"),
                    SyncRun.action == action,
                )
                .order_by(SyncRun.id.desc())
                .limit(RUNS_PER_ACTION)
                .subquery()
                .c.id
            )
            for action in ACTIONS
        )
    )
    return (
        select(SyncRun)
        # who started each run is shown beside it: loaded with it, not run by run
        .options(joinedload(SyncRun.started_by))
        .where(SyncRun.id.in_(newest))
        .order_by(SyncRun.id.desc())
    )


RECENT_RUNS = _recent_runs_statement()


def recent_runs(account_id):
    """The newest runs of each action, newest first, keyed by action."""
    runs = db.session.scalars(RECENT_RUNS, {"account_id": account_id}).all()
    grouped = {}
    for run in runs:
        grouped.setdefault(run.action, []).append(run)
    return grouped


FAILED_CALLS_OF_ACCOUNT = (
    select(ApiLog)
    .where(ApiLog.account_id == bindparam("account_id"), ApiLog.ok.is_(False))
    .order_by(ApiLog.created_at.desc(), ApiLog.id.desc())
    .limit(FAILED_CALLS)
)


def failed_calls(account_id):
    """The account's latest failed platform calls, newest first."""
    return db.session.scalars(FAILED_CALLS_OF_ACCOUNT, {"account_id": account_id}).all()


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
