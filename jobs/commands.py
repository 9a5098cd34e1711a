"""``flask --app wsgi worker`` and ``flask --app wsgi scheduler``."""

import logging
import os

import click
from flask import current_app
from rq import Worker
from rq.cron import CronScheduler
from sqlalchemy.exc import SQLAlchemyError

import queues
from extensions import db
from jobs.maintenance import prune_api_logs
from jobs.schedule import enqueue_due_fetches
from services import lost_runs

logger = logging.getLogger(__name__)

SCHEDULE_TICK_SECONDS = 60
PRUNE_CRON = "17 3 * * *"


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """Run an RQ worker for the product's queue."""
    connection = queues.redis_connection(current_app)
    # each job runs in a forked process, which must not reuse the parent's connections
    engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    # runs left behind by a worker that died, such as the one this one replaces; the
    # worker starts all the same when the database cannot tell yet
    try:
        lost_runs.reconcile()
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("runs not reconciled at start: %s", type(error).__name__)
    rq_worker = Worker([queues.queue(current_app)], connection=connection)
    rq_worker.work(burst=burst, with_scheduler=True)


def build_scheduler(connection):
    """RQ's cron scheduler with the product's entries, not yet started."""
    cron = CronScheduler(connection=connection)
    cron.register(
        enqueue_due_fetches,
        queues.DEFAULT_QUEUE,
        interval=SCHEDULE_TICK_SECONDS,
        job_timeout=300,
    )
    cron.register(
        prune_api_logs, queues.DEFAULT_QUEUE, cron=PRUNE_CRON, job_timeout=1800
    )
    return cron


@click.command("scheduler")
def scheduler():
    """Run RQ's cron scheduler: fetch slots every minute, log pruning nightly."""
    build_scheduler(queues.redis_connection(current_app)).start()


def init_app(app):
    app.cli.add_command(worker)
    app.cli.add_command(scheduler)
