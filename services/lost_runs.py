"""Sync runs whose job is gone, and started jobs whose process died.

A run is written as queued before its job reaches Redis, and the job itself writes how
the run ended. When something in between fails, the row would say "queued" or
"running" for ever and its button "already queued": Redis restarted without its data,
the worker (or its machine) was killed in the middle of a job, or a job was stopped or
cancelled from outside. :func:`reconcile` finds such runs and fails them with the
reason; the detail page, the scheduler's tick and a starting worker call it.

A job records where it runs (:func:`process_mark`) on its run row, so a run whose
process is gone is told apart from one that is still working, on this machine at once
and on another once RQ's heartbeat for its worker lapses (about 90 seconds).
"""

import logging
import os
import socket
from pathlib import Path

from redis.exceptions import RedisError
from rq import Worker
from rq.job import Job, JobStatus
from sqlalchemy import bindparam, select

import queues
from extensions import db
from models import SyncRun
from services import mapping_health

logger = logging.getLogger(__name__)

LOST = "The job was lost (Redis restarted or the worker died); run the action again."
DIED = (
    "The worker running the job died (killed or crashed) before it ended; what it "
    "saved before that is kept. Run the action again."
)
ENDED_WITHOUT_OUTCOME = {
    JobStatus.STOPPED: "The job was stopped before it ended.",
    JobStatus.CANCELED: "The job was cancelled before it started.",
    JobStatus.FAILED: (
        "The job failed in the worker without recording why; the worker log and the "
        "RQ dashboard have the details."
    ),
    JobStatus.FINISHED: "The job ended without recording its outcome.",
}
WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
UNFINISHED = ("queued", "running")


def _proc_stat(pid):
    """(state, start time) of a process from /proc, or None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces and parentheses; the fields follow the last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], fields[19]


def _pid_namespace():
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def process_mark():
    """Where this process runs, as ``host|pid namespace|pid|start time``.

    The start time tells a later process that got the same pid apart. Without /proc
    (not Linux) there is no mark, and runs are judged by RQ's heartbeats alone.
    """
    namespace = _pid_namespace()
    stat = _proc_stat(os.getpid())
    if namespace is None or stat is None:
        return None
    return f"{socket.gethostname()}|{namespace}|{os.getpid()}|{stat[1]}"[:255]


def process_gone(mark):
    """True when the marked process has ended, False when it runs, None when unknown.

    Only a process on this machine and in this pid namespace can be looked at.
    """
    try:
        host, namespace, pid, started = mark.split("|")
    except (AttributeError, ValueError):
        return None
    if host != socket.gethostname() or namespace != _pid_namespace():
        return None
    stat = _proc_stat(int(pid))
    return stat is None or stat[0] == "Z" or stat[1] != started


def _worker_gone(job, connection):
    """Whether the worker that started ``job`` stopped sending heartbeats."""
    if not job.worker_name:
        return False
    return not connection.exists(Worker.redis_worker_namespace_prefix + job.worker_name)


def fail_job(job, connection, reason):
    """Record a started job whose process is gone as failed, as RQ itself would.

    RQ finds such a job only once its heartbeat lapses, and then retries it; failing
    it here frees its id at once, and the run says what happened instead.
    """
    with connection.pipeline() as pipeline:
        job.started_job_registry.remove_executions(job, pipeline=pipeline)
        job.set_status(JobStatus.FAILED, pipeline=pipeline)
        job.failed_job_registry.add(
            job, ttl=job.failure_ttl, exc_string=reason, pipeline=pipeline
        )
        pipeline.execute()
    logger.warning("job %s: its process is gone; recorded as failed", job.id)


def _fetch(key, connection):
    try:
        return Job.fetch(key, connection=connection)
    except Exception:  # no such job, or one that cannot be read any more
        return None


def _verdict(run, job, connection):
    """Why ``run`` can no longer end by itself, or None while it still may."""
    if job is not None and job.meta.get("run_id") != run.id:
        # the id was taken by a later run: this run's job is long gone
        job = None
    status = job.get_status(refresh=False) if job is not None else None
    if status in ENDED_WITHOUT_OUTCOME:
        return ENDED_WITHOUT_OUTCOME[status]
    if status in WAITING:
        # it runs (again) later and writes the run itself
        return None

    gone = process_gone(run.runner) if run.status == "running" else None
    if gone is False:
        # still working, even when Redis has lost the job's record meanwhile
        return None
    if gone or (status == JobStatus.STARTED and _worker_gone(job, connection)):
        if status == JobStatus.STARTED:
            fail_job(job, connection, DIED)
        return DIED
    if job is None:
        return LOST
    return None


# built once: every view of an account page asks, and building costs more than asking
UNFINISHED_RUNS = (
    select(SyncRun).where(SyncRun.status.in_(UNFINISHED)).order_by(SyncRun.id)
)
UNFINISHED_RUNS_OF_ACCOUNT = UNFINISHED_RUNS.where(
    SyncRun.account_id == bindparam("account_id")
)


def reconcile(account_id=None):
    """Fail the unfinished runs (of one account, or all) that can no longer end.

    Redis not answering leaves every run as it is: nothing can be told then.

    :returns: the runs that were failed.
    """
    from services.actions import enqueue_lock

    if account_id is None:
        candidates = db.session.scalars(UNFINISHED_RUNS).all()
    else:
        candidates = db.session.scalars(
            UNFINISHED_RUNS_OF_ACCOUNT, {"account_id": account_id}
        ).all()
    if not candidates:
        return []

    from flask import current_app

    # services.actions imports this module
    from services.actions import ACTIONS

    connection = queues.redis_connection(current_app)
    failed = []
    try:
        for run in candidates:
            if not run.job_id:
                continue
            # the lock keeps out a run whose job is being queued at this moment
            with enqueue_lock(connection, run.job_id):
                reason = _verdict(run, _fetch(run.job_id, connection), connection)
                if reason is None:
                    continue
                db.session.refresh(run)
                if run.status in UNFINISHED:
                    run.finish("failed", error=reason)
                    action = ACTIONS.get(run.action)
                    if action is not None and action.writes_mappings:
                        # what the lost job committed before it died counts too
                        mapping_health.recount(run.account_id)
                    db.session.commit()
                    failed.append(run)
                    logger.warning("run %s (%s): %s", run.id, run.job_id, reason)
    except RedisError as error:
        db.session.rollback()
        logger.warning("runs not reconciled: Redis error %s", type(error).__name__)
    return failed
