"""checkout_app: Redis carts, pending orders in PostgreSQL, Stripe Checkout Sessions."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from checkout_app import cli, extensions
from checkout_app.config import ConfigError, load_config
from checkout_app.http import (
    error_handlers,
    headers,
    health,
    idempotency,
    limits,
    log_queue,
    requestlog,
)
from checkout_app.http.request import ShopRequest
from checkout_app.http.signed_session import SignedSessionInterface

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment; tests pass env-style overrides in test_config.

    Starts nothing: the entry points (wsgi.py, gunicorn.conf.py, alembic) resolve the embedded
    servers and the simulator of the dev stack before they call it.
    """
    app = Flask(__name__)
    app.config.from_mapping(load_config({**os.environ, **(test_config or {})}))
    unset = [name for name in ("DATABASE_URL", "REDIS_URL") if not app.config[name]]
    if unset:
        raise ConfigError(
            f"{' and '.join(unset)} unset: set them, or start through wsgi.py (make run, flask"
            " --app wsgi), which fills them with embedded servers outside production"
        )
    if test_config is None:
        _quiet_loggers()
    app.request_class = ShopRequest
    app.session_interface = SignedSessionInterface()
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    requestlog.register(app)
    limits.register(app)
    headers.register(app)
    register_extensions(app)
    register_blueprints(app)
    idempotency.register(app)
    from checkout_app.web import errors as pages

    error_handlers.register(app, pages)
    cli.register(app)
    return app


def register_extensions(app: Flask) -> None:
    extensions.init_app(app)
    extensions.init_limiter(app)


def register_blueprints(app: Flask) -> None:
    from checkout_app.admin import bp as admin_bp
    from checkout_app.api import bp as api_bp
    from checkout_app.web import bp as web_bp
    from checkout_app.web import csrf

    app.register_blueprint(api_bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(admin_bp)
    csrf.init_app(app)
    # JSON only, never a form post; SameSite=Lax keeps other sites' posts cookieless (README).
    csrf.exempt(api_bp)


def _quiet_loggers() -> None:
    # Written by one thread per process, never under a lock on the request thread.
    log_queue.install()
    # The SDK logs every request at INFO; our own request line already covers it.
    logging.getLogger("stripe").setLevel(logging.WARNING)
