"""GET /healthz (the process answers, no backend touched) and GET /readyz (PostgreSQL and Redis
answer, checked in parallel; a check still running after READY_WAIT_SECONDS counts as down)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from checkout_app import messages
from checkout_app.adapters.redis_client import REDIS_DOWN
from checkout_app.extensions import shop
from checkout_app.services.shop import Shop

bp = Blueprint("health", __name__)
READY_WAIT_SECONDS = 0.8
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")
_running: dict[tuple[int, str], Future[str]] = {}
_lock = threading.Lock()


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    current = shop()
    futures = {name: _start(current, name, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=READY_WAIT_SECONDS)
    checks = {
        name: future.result() if future.done() else "unreachable"
        for name, future in futures.items()
    }
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return jsonify(status="ready", checks=checks)
    response = jsonify(
        success=False, error=messages.NOT_READY.format(down=", ".join(down)), checks=checks
    )
    response.status_code = 503
    response.headers["Retry-After"] = "2"
    return response


def _start(current: Shop, name: str, check: Callable[[Shop], str]) -> Future[str]:
    """The check of `name` still running for this app (a hung backend is asked once), or a new."""
    with _lock:
        key = (id(current), name)
        future = _running.get(key)
        if future is None or future.done():
            future = _running[key] = _checks.submit(check, current)
        return future


def _postgres(current: Shop) -> str:
    try:
        with current.session_factory() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "unreachable"
    return "ok"


def _redis(current: Shop) -> str:
    try:
        current.carts.client.ping()
    except REDIS_DOWN:
        return "unreachable"
    return "ok"


CHECKS: dict[str, Callable[[Shop], str]] = {"postgres": _postgres, "redis": _redis}
