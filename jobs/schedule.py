"""The scheduler's tick: queue the fetches whose slot has come."""

import logging

from sqlalchemy import select

from extensions import db
from jobs.context import app_context
from models import EcAccount
from models.account import CONNECTED
from models.base import utcnow
from services import actions, lost_runs
from services.schedule import next_fetch_time

logger = logging.getLogger(__name__)


def due_accounts(now):
    return db.session.scalars(
        select(EcAccount)
        .where(EcAccount.fetch_enabled.is_(True), EcAccount.next_fetch_at <= now)
        .order_by(EcAccount.next_fetch_at)
    ).all()


def enqueue_due_fetches():
    """Queue a fetch for each connected account whose next fetch time has passed.

    Every due account moves on to its next slot, so a disconnected one is not fetched
    now and is not caught up in a burst later.
    """
    with app_context():
        # runs whose job was lost would otherwise say "queued" or "running" for ever
        lost_runs.reconcile()
        now = utcnow()
        queued = 0
        for account in due_accounts(now):
            if account.status == CONNECTED:
                result = actions.enqueue(account, "fetch_orders", trigger="schedule")
                queued += result.outcome == "queued"
            else:
                logger.info(
                    "account %s is %s; scheduled fetch skipped",
                    account.id,
                    account.status,
                )
            account.next_fetch_at = next_fetch_time(
                account.fetch_slots, account.timezone, now
            )
            db.session.commit()
        return queued
