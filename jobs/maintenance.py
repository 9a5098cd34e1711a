"""Housekeeping jobs."""

import logging
from datetime import timedelta

from flask import current_app

from extensions import db
from jobs.context import app_context
from models import SyncRun
from models.base import utcnow
from services import api_log

logger = logging.getLogger(__name__)


def prune_api_logs():
    """Delete API log rows older than API_LOG_RETENTION_DAYS."""
    with app_context():
        run = SyncRun(action="prune_api_logs", trigger="schedule", status="running")
        run.start()
        db.session.add(run)
        db.session.commit()
        days = current_app.config["API_LOG_RETENTION_DAYS"]
        removed = api_log.prune(utcnow() - timedelta(days=days))
        run.count(succeeded=removed)
        run.finish(
            "succeeded",
            message=f"Removed {removed} API log rows older than {days} days.",
        )
        db.session.commit()
        logger.info("pruned %s api log rows", removed)
        return removed
