"""``/healthz``: is the app up and does its database answer? For a load balancer or a watchdog.

Public (no session, no rate limit, nothing about the data): 200 ``{"status": "ok"}`` when ``SELECT 1``
answers, else 503 ``{"status": "unavailable"}`` within a few seconds (the connection timeout and, on
PostgreSQL, a statement timeout of ``HEALTH_STATEMENT_TIMEOUT_MS``).
"""

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from .extensions import db, limiter

bp = Blueprint("health", __name__)
logger = logging.getLogger("tracker.health")


def database_answers() -> bool:
    try:
        with db.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                timeout = int(current_app.config.get("HEALTH_STATEMENT_TIMEOUT_MS", 2000))
                connection.execute(sa.text(f"SET LOCAL statement_timeout = {timeout}"))
            connection.execute(sa.text("SELECT 1")).scalar_one()
            connection.rollback()
        return True
    except sa.exc.SQLAlchemyError as error:
        logger.warning("health check: the database does not answer: %s", error.__class__.__name__)
        return False


@bp.get("/healthz")
@limiter.exempt
def healthz():
    ok = database_answers()
    response = jsonify(status="ok" if ok else "unavailable")
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
