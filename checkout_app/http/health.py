"""GET /healthz (the process answers) and GET /readyz (PostgreSQL and Redis answer)."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from checkout_app.extensions import shop

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    checks = {"postgres": _postgres(), "redis": _redis()}
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return jsonify(status="ready", checks=checks)
    response = jsonify(
        success=False, error=f"Not ready: {', '.join(down)} unreachable", checks=checks
    )
    response.status_code = 503
    response.headers["Retry-After"] = "2"
    return response


def _postgres() -> str:
    try:
        with shop().session_factory() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "unreachable"
    return "ok"


def _redis() -> str:
    try:
        shop().carts.client.ping()
    except (redis.ConnectionError, redis.TimeoutError):
        return "unreachable"
    return "ok"
