"""What a benchmark run stands on: its own database and Redis prefix, the simulator, gunicorn.

Everything is created for the run and removed at its end: the database is dropped, the Redis keys
under the run's prefix are deleted, and only the processes started here are stopped (by pid).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import redis
import requests
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text

from checkout_app.dev import embedded
from checkout_app.stripe_sim.control import SimControl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
LOCAL_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class ServerSettings:
    """gunicorn and pool settings, passed to both servers through the environment."""

    workers: int
    threads: int
    db_pool_size: int
    db_max_overflow: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def server_url() -> str:
    """PostgreSQL: DATABASE_URL, else the machine's server on 5432, else the embedded one."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return LOCAL_POSTGRES if _answers("127.0.0.1", 5432) else embedded.database_url()


def redis_server_url() -> str:
    """Redis: REDIS_URL, else the machine's server on 6379, else the embedded one."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    return LOCAL_REDIS if _answers("127.0.0.1", 6379) else embedded.redis_url()


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}; see {log}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s; see {log}")


@dataclass
class Stack:
    """The run's database, Redis prefix, simulator and gunicorn servers."""

    settings: ServerSettings
    run_id: str = field(default_factory=lambda: f"{os.getpid()}_{secrets.token_hex(3)}")
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    # One SECRET_KEY for every server and the seeding: it seals the session ids.
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def __post_init__(self) -> None:
        self.server_url = server_url()
        self.redis_url = redis_server_url()
        self.database = f"checkout_bench_{self.run_id}"
        self.database_url = (
            make_url(self.server_url)
            .set(database=self.database)
            .render_as_string(hide_password=False)
        )
        self.prefix = f"bench:{self.run_id}:"
        self.redis = redis.Redis.from_url(self.redis_url)
        self._exit = ExitStack()
        OUT.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Stack:
        self._exit.callback(self._drop_database)
        self._exit.callback(self._delete_keys)
        self._exit.callback(self._stop_processes)
        try:
            self._create_database()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.__exit__(*exc)

    def _create_database(self) -> None:
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", self.database_url.replace("%", "%%"))
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")

    def _drop_database(self) -> None:
        admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()

    def _delete_keys(self) -> None:
        # flask-limiter puts its own "LIMITS:LIMITER/" in front of our prefix, which is unique.
        keys = list(self.redis.scan_iter(f"*{self.prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            self.redis.unlink(*keys[start : start + 1000])

    def _stop_processes(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Path:
        log = OUT / f"{name}.log"
        with log.open("wb") as sink:
            self.processes[name] = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
            )
        return log

    def start_simulator(self) -> SimControl:
        """Run the Stripe simulator (werkzeug, threaded) on a free port."""
        port = free_port()
        argv = [sys.executable, "-m", "checkout_app.stripe_sim", "--port", str(port)]
        log = self._spawn("stripe_sim", argv, dict(os.environ))
        self.urls["stripe_sim"] = f"http://127.0.0.1:{port}"
        _wait_http(f"{self.urls['stripe_sim']}/_sim/health", self.processes["stripe_sim"], log)
        self.sim = SimControl(self.urls["stripe_sim"], timeout=30)
        return self.sim

    def app_env(self) -> dict[str, str]:
        """The production environment both servers get (and the in-process app)."""
        s = self.settings
        return {
            "APP_ENV": "production",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.prefix,
            "STRIPE_SECRET_KEY": "sk_test_bench",
            "STRIPE_WEBHOOK_SECRET": "whsec_bench",
            "STRIPE_API_BASE": self.urls["stripe_sim"],
            # Each shopper sends its own address in X-Forwarded-For (bench/load.py), as
            # through one proxy. The limits stay on, but far above the load.
            "TRUSTED_PROXY_COUNT": "1",
            "RATE_LIMIT_CHECKOUT": "1000000/minute",
            "RATE_LIMIT_CART": "1000000/minute",
            "SEAT_HOLD_LIMIT": "1000000",
            "DB_POOL_SIZE": str(s.db_pool_size),
            "DB_MAX_OVERFLOW": str(s.db_max_overflow),
            "WEB_CONCURRENCY": str(s.workers),
            "GUNICORN_THREADS": str(s.threads),
        }

    def start_gunicorn(self, name: str, target: str) -> str:
        """Serve `target` with `gunicorn -c gunicorn.conf.py` on a free port; its base URL."""
        port = free_port()
        env = {**os.environ, **self.app_env(), "HOST": "127.0.0.1", "PORT": str(port)}
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        log = self._spawn(name, [gunicorn, "-c", "gunicorn.conf.py", target], env)
        self.urls[name] = f"http://127.0.0.1:{port}"
        _wait_http(self.urls[name], self.processes[name], log)
        return self.urls[name]

    def pid(self, name: str) -> int:
        """The pid of a process started here (for gunicorn: the master)."""
        return self.processes[name].pid
