"""The chaos suite's own world: PostgreSQL, Redis, the Stripe simulator and gunicorn.

Nothing here touches the shared servers: PostgreSQL is a pgserver cluster in a temporary
directory, Redis a redis-server on a free port, so both may be stopped, restarted and frozen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests
from alembic import command
from sqlalchemy import create_engine

from checkout_app.stripe_sim import SimServer
from checkout_app.stripe_sim.control import SimControl

from ..conftest import alembic_config
from ..helpers import add_course, add_event, free_port
from ..servers import ThrowawayPostgres, ThrowawayRedis

ROOT = Path(__file__).resolve().parents[2]
# The configured bounds the suite runs with (README: Configuration).
ENV = {
    "REDIS_SOCKET_TIMEOUT": "1",
    "REDIS_CONNECT_TIMEOUT": "1",
    "DB_STATEMENT_TIMEOUT_MS": "2000",
    "DB_LOCK_TIMEOUT_MS": "2000",
    "DB_CONNECT_TIMEOUT": "1",
    "STRIPE_TIMEOUT_SECONDS": "2",
    "STRIPE_MAX_RETRIES": "0",
}
# The longest a request may take while a backend is frozen: the PostgreSQL client bound
# (statement timeout + 0.5 s) plus a connect attempt, or three Redis timeouts.
FROZEN_BOUND_SECONDS = 2.0 + 0.5 + 1.0
SEATS = 40


class PostgresCluster(ThrowawayPostgres):
    """A pgserver cluster that can also be shut down and started again."""

    def stop(self) -> None:
        postmaster = psutil.Process(self.server.get_pid())
        postmaster.send_signal(signal.SIGINT)  # fast shutdown
        postmaster.wait(30)

    def start(self) -> None:
        self.server.ensure_postgres_running()


class ChaosStack:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.postgres = PostgresCluster(directory / "pg")
        self.redis = ThrowawayRedis(directory)
        self.redis.start()
        self.sim_server = SimServer()
        self.sim_server.__enter__()
        self.sim = SimControl(self.sim_server.url)
        command.upgrade(alembic_config(self.postgres.url), "head")
        self.engine = create_engine(
            self.postgres.url, isolation_level="AUTOCOMMIT", pool_size=2, pool_pre_ping=True
        )
        with self.engine.connect() as db:
            self.courses = [add_course(db, f"Course {n}", f"{40 + n}.00") for n in range(3)]
            self.event = add_event(db, "Flash sale", "52.00", capacity=SEATS)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.gunicorn: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **ENV,
            "APP_ENV": "production",
            "SECRET_KEY": "chaos-secret",
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "REDIS_KEY_PREFIX": "chaos:",
            "STRIPE_SECRET_KEY": "sk_test_chaos",
            "STRIPE_WEBHOOK_SECRET": "whsec_chaos",
            "STRIPE_API_BASE": self.sim_server.url,
            "BASE_URL": "http://shop.test",
            "RATE_LIMIT_CHECKOUT": "1000000/minute",
            "RATE_LIMIT_CART": "1000000/minute",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "16",
            "DB_POOL_SIZE": "16",
        }

    def start_gunicorn(self) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.log = (self.dir / "gunicorn.log").open("wb")
        self.gunicorn = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert self.gunicorn.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.1)

    def workers(self) -> list[psutil.Process]:
        assert self.gunicorn is not None
        return psutil.Process(self.gunicorn.pid).children()

    def flask(self, *args: str) -> str:
        """Run a flask CLI command against the stack; its stdout."""
        flask = str(Path(sys.executable).with_name("flask"))
        done = subprocess.run(
            [flask, "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def close(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        self.engine.dispose()
        self.sim_server.__exit__(None, None, None)
        self.redis.close()
        self.postgres.close()
