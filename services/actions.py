"""The account actions: when each is available, and queueing it as one RQ job.

The same conditions decide which buttons the detail page shows, what the bulk actions
skip, and what a POST is refused, so a hidden button is never the only guard.
"""

import logging
import time
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus, Retry

import queues
from extensions import db
from models import SyncRun
from models.account import CONNECTED, DISCONNECTED
from models.base import utcnow
from models.user import OPERATOR
from services import lost_runs

logger = logging.getLogger(__name__)

FINISHED_STATES = {
    JobStatus.FINISHED,
    JobStatus.FAILED,
    JobStatus.STOPPED,
    JobStatus.CANCELED,
}


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    verb: str
    func: str
    timeout: int
    retries: tuple = (10, 60, 300)
    # its job writes product mappings, so their health counts are recounted when it
    # ends, however it ends
    writes_mappings: bool = False

    def unavailable_reason(self, account):
        """Why this action cannot run for ``account`` now, or None when it can."""
        caps = account.spec.capabilities
        if self.name == "test_connection":
            return None
        if account.status != CONNECTED:
            return (
                "disconnected" if account.status == DISCONNECTED else "not yet verified"
            )
        if self.name == "fetch_orders":
            if not caps.order_fetch:
                return "the platform offers no order fetch"
            return None if account.fetch_enabled else "order fetching is off"
        if not account.push_enabled:
            return "inbound push is off"
        if self.name == "sync_mappings" and not caps.keeps_mapping_table:
            return "the platform looks products up by SKU"
        if self.name in ("stock_sync", "inbound_push") and not caps.stock_push:
            return "the platform offers no stock push"
        return None


ACTIONS = {
    action.name: action
    for action in (
        Action(
            "test_connection",
            "Test Connection",
            "Test connection",
            "jobs.connection.test_connection",
            timeout=120,
            retries=(5, 30),
        ),
        Action(
            "fetch_orders",
            "Fetch Orders Manually",
            "Fetch orders",
            "jobs.orders.fetch_orders",
            timeout=3600,
        ),
        Action(
            "sync_mappings",
            "Sync Product Mappings",
            "Sync product mappings",
            "jobs.mappings.sync_product_mappings",
            timeout=1800,
            writes_mappings=True,
        ),
        Action(
            "stock_sync",
            "Manual Stock Sync",
            "Manual stock sync",
            "jobs.stock.manual_stock_sync",
            timeout=3600,
            writes_mappings=True,
        ),
        Action(
            "inbound_push",
            "Inbound Push",
            "Inbound push",
            "jobs.stock.inbound_push",
            timeout=900,
            writes_mappings=True,
        ),
    )
}
# who may start actions by hand
ACTION_ROLE = OPERATOR
# how long deleting an account waits for its running job to be stopped
STOP_WAIT_SECONDS = 5


def job_id(action, account_id):
    """The deterministic id that makes one job per (account, action) at a time."""
    return f"{action}-account-{account_id}"


class QueueUnavailable(RuntimeError):
    """Redis did not answer, so nothing could be queued."""


@dataclass(frozen=True)
class Queued:
    """The outcome of asking for an action: queued, already queued, or skipped."""

    outcome: str
    account: object
    run: SyncRun | None = None
    reason: str | None = None


def enqueue_lock(connection, key):
    """The Redis lock held while the job ``key`` is cleared, queued or judged lost."""
    return connection.lock(f"ecadmin:enqueue:{key}", timeout=10, blocking_timeout=5)


def _job_waiting(connection, job_key):
    """Whether the job ``job_key`` is queued, scheduled or running; a finished one
    is deleted so that its id can be used again."""
    try:
        job = Job.fetch(job_key, connection=connection)
    except Exception:  # no such job, or one that cannot be read any more
        return False
    if job.get_status(refresh=False) in FINISHED_STATES:
        job.delete()
        return False
    return True


def enqueue(account, action_name, trigger="manual", user=None, kwargs=None):
    """Queue ``action_name`` for ``account`` unless it is unavailable or already queued.

    :returns: a :class:`Queued` saying what happened.
    """
    action = ACTIONS[action_name]
    reason = action.unavailable_reason(account)
    if reason:
        return Queued("skipped", account, reason=reason)

    try:
        return _enqueue(account, action, trigger, user, kwargs)
    except RedisError as error:
        db.session.rollback()
        logger.warning("could not queue %s: %s", action_name, type(error).__name__)
        raise QueueUnavailable(
            "The job queue (Redis) is not answering; nothing was queued. Try again "
            "when /healthz reports Redis ok."
        ) from None


def _enqueue(account, action, trigger, user, kwargs):
    action_name = action.name
    connection = queues.redis_connection(current_app)
    key = job_id(action_name, account.id)
    # a job whose worker died would otherwise make this "already queued" for a while
    lost_runs.reconcile(account.id)
    # a lock makes "clear the finished job, then enqueue" one step against double clicks
    with enqueue_lock(connection, key):
        if _job_waiting(connection, key):
            return Queued("already_queued", account, reason="already queued")
        # the run is committed first: a worker may start the job the moment it is queued
        run = SyncRun(
            account_id=account.id,
            action=action_name,
            trigger=trigger,
            job_id=key,
            status="queued",
            started_by_id=user.id if user is not None else None,
            created_at=utcnow(),
        )
        db.session.add(run)
        db.session.commit()
        try:
            queues.queue(current_app).enqueue_call(
                action.func,
                args=(account.id, run.id),
                kwargs=kwargs or {},
                job_id=key,
                unique=True,
                timeout=action.timeout,
                result_ttl=queues.RESULT_TTL,
                failure_ttl=queues.FAILURE_TTL,
                description=(
                    f"{action.verb}: {account.platform_label}, {account.display_name}"
                ),
                meta={
                    "account_id": account.id,
                    "action": action_name,
                    "run_id": run.id,
                },
                retry=Retry(max=len(action.retries), interval=list(action.retries)),
            )
        except DuplicateJobError:
            _discard(run)
            return Queued("already_queued", account, reason="already queued")
        except RedisError:
            _discard(run)
            raise
    logger.info("queued %s for account %s as run %s", action_name, account.id, run.id)
    return Queued("queued", account, run=run)


def _discard(run):
    """Remove the run of a job that was not queued after all."""
    db.session.rollback()
    db.session.delete(run)
    db.session.commit()


def summarize(results):
    """One sentence for a bulk action: '4 queued, 2 skipped: disconnected (A, B)'."""
    queued = [r for r in results if r.outcome == "queued"]
    parts = [f"{len(queued)} queued"]
    already = [r for r in results if r.outcome == "already_queued"]
    if already:
        names = ", ".join(r.account.display_name for r in already)
        parts.append(f"{len(already)} already queued ({names})")
    skipped = [r for r in results if r.outcome == "skipped"]
    if skipped:
        by_reason = {}
        for result in skipped:
            by_reason.setdefault(result.reason, []).append(result.account.display_name)
        details = "; ".join(
            f"{reason} ({', '.join(names)})" for reason, names in by_reason.items()
        )
        parts.append(f"{len(skipped)} skipped: {details}")
    return ", ".join(parts)


def accounts_for_restock(product_id):
    """Connected, push-enabled accounts that list the product, or look up by SKU."""
    from sqlalchemy import exists, or_, select

    from adapters import registry
    from models import EcAccount, ProductMapping

    lookup_platforms = [
        spec.name
        for spec in registry.all_specs()
        if not spec.capabilities.keeps_mapping_table
    ]
    has_mapping = exists().where(
        ProductMapping.account_id == EcAccount.id,
        ProductMapping.warehouse_product_id == product_id,
    )
    return db.session.scalars(
        select(EcAccount)
        .where(
            EcAccount.status == CONNECTED,
            EcAccount.push_enabled.is_(True),
            or_(EcAccount.platform.in_(lookup_platforms), has_mapping),
        )
        .order_by(EcAccount.display_name)
    ).all()


RERUN_TTL_SECONDS = 24 * 3600


def _rerun_key(account_id, action_name):
    return f"ecadmin:rerun:{job_id(action_name, account_id)}"


def request_rerun(account_id, action_name):
    """Ask the account's queued or running job to make one more pass when done."""
    connection = queues.redis_connection(current_app)
    connection.set(_rerun_key(account_id, action_name), 1, ex=RERUN_TTL_SECONDS)


def take_rerun(account_id, action_name):
    """True, once, when a pass was asked for since the last call."""
    connection = queues.redis_connection(current_app)
    return bool(connection.getdel(_rerun_key(account_id, action_name)))


def queue_inbound_push(product_id, user=None):
    """After a restock, queue a push for every account that may now show more.

    An account whose push is already queued or running gets a note to make one more
    pass, so the restock is not lost behind it.
    """
    results = []
    for account in accounts_for_restock(product_id):
        result = enqueue(account, "inbound_push", trigger="restock", user=user)
        if result.outcome == "already_queued":
            request_rerun(account.id, "inbound_push")
        results.append(result)
    return results


def cancel_jobs(account_id):
    """Cancel the account's queued and scheduled jobs and stop its running ones.

    Called when an account is deleted; a job that still starts afterwards finds the
    account gone and ends quietly. A running job is waited for until its process has
    ended (at most :data:`STOP_WAIT_SECONDS`), so no platform call follows the delete.

    :returns: the ids of the jobs cancelled or stopped.
    """
    from rq.command import send_stop_job_command

    connection = queues.redis_connection(current_app)
    touched, stopping = [], []
    for name in ACTIONS:
        key = job_id(name, account_id)
        try:
            job = Job.fetch(key, connection=connection)
        except Exception:  # no such job
            continue
        status = job.get_status(refresh=False)
        if status == JobStatus.STARTED:
            # the worker kills the job's process and records it as stopped
            send_stop_job_command(connection, key)
            stopping.append(key)
        else:
            if status not in FINISHED_STATES:
                job.cancel()
            job.delete()
        touched.append(key)
    if touched:
        logger.info("account %s: cancelled jobs %s", account_id, ", ".join(touched))
    _wait_stopped(connection, stopping)
    return touched


def _wait_stopped(connection, keys, seconds=STOP_WAIT_SECONDS):
    """Wait until the jobs ``keys`` no longer run, so no platform call follows.

    A worker that does not answer (on a machine that died, say) is not waited for
    longer than ``seconds``: its job fails at its next write, the account being gone.
    """
    deadline = time.monotonic() + seconds
    waiting = list(keys)
    while waiting:
        waiting = [key for key in waiting if _started(connection, key)]
        if not waiting:
            return
        if time.monotonic() > deadline:
            logger.warning(
                "jobs %s did not stop within %s s", ", ".join(waiting), seconds
            )
            return
        time.sleep(0.05)


def _started(connection, key):
    try:
        job = Job.fetch(key, connection=connection)
    except Exception:  # gone: it no longer runs
        return False
    return job.get_status(refresh=False) == JobStatus.STARTED
