"""``GET /healthz``: whether the database and Redis answer."""

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

import queues
from extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means "not answering"
        db.session.rollback()
        logger.warning("health check: database not answering: %s", type(error).__name__)
        checks["database"] = f"error: {type(error).__name__}"
    try:
        queues.redis_connection(current_app).ping()
        checks["redis"] = "ok"
    except Exception as error:
        logger.warning("health check: redis not answering: %s", type(error).__name__)
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), (
        200 if healthy else 503
    )


def init_app(app):
    app.register_blueprint(bp)
