"""gunicorn settings: `gunicorn wsgi:app` (or `gunicorn -c gunicorn.conf.py wsgi:app`)."""

import gc
import multiprocessing
import os

# The dev stack (embedded servers, simulator, generated secrets) is not for the network.
_default_host = "127.0.0.1" if os.environ.get("APP_ENV") == "development" else "0.0.0.0"
bind = f"{os.environ.get('HOST', _default_host)}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = 30
graceful_timeout = 20
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# checkout_app logs one JSON line per request (with its request id); gunicorn's own access
# log would repeat it. ACCESS_LOG=- turns it on.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Resolve embedded backends and the dev Stripe simulator once, before workers fork, and
    say in one line what the app will use."""
    from checkout_app.dev import stack as devstack

    server.log.info(devstack.prepare(os.environ))


def on_exit(server):
    from checkout_app.dev import stack as devstack

    devstack.stop()


def post_worker_init(worker):
    """The app is loaded: move everything it allocated at start (modules, the SQLAlchemy
    metadata, the Stripe SDK's classes) out of the garbage collector's reach. A full
    collection used to walk them all, again and again: 12 % of a worker's CPU under load."""
    gc.freeze()
