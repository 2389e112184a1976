"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`.

Outside production, unset DATABASE_URL / REDIS_URL mean the embedded servers: they are
resolved here, before the app is built (create_app() itself starts nothing).
"""

import os

from checkout_app import create_app
from checkout_app.dev import stack

stack.prepare_backends(os.environ)
app = create_app()
